from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.policy_detail import PolicyDetail
from typing import cast



def _get_kwargs(
    policy_id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/policies/{policy_id}".format(policy_id=quote(str(policy_id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | PolicyDetail | None:
    if response.status_code == 200:
        response_200 = PolicyDetail.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())



        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())



        return response_404

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())



        return response_429

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | PolicyDetail]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    policy_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[ErrorBody | PolicyDetail]:
    """ One policy version with its rules

    Args:
        policy_id (str): the policy's identifier (pol_...)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | PolicyDetail]
     """


    kwargs = _get_kwargs(
        policy_id=policy_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    policy_id: str,
    *,
    client: AuthenticatedClient,

) -> ErrorBody | PolicyDetail | None:
    """ One policy version with its rules

    Args:
        policy_id (str): the policy's identifier (pol_...)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | PolicyDetail
     """


    return sync_detailed(
        policy_id=policy_id,
client=client,

    ).parsed

async def asyncio_detailed(
    policy_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[ErrorBody | PolicyDetail]:
    """ One policy version with its rules

    Args:
        policy_id (str): the policy's identifier (pol_...)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | PolicyDetail]
     """


    kwargs = _get_kwargs(
        policy_id=policy_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    policy_id: str,
    *,
    client: AuthenticatedClient,

) -> ErrorBody | PolicyDetail | None:
    """ One policy version with its rules

    Args:
        policy_id (str): the policy's identifier (pol_...)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | PolicyDetail
     """


    return (await asyncio_detailed(
        policy_id=policy_id,
client=client,

    )).parsed
