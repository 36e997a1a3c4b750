from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.audit_page import AuditPage
from ...models.error_body import ErrorBody
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    model: None | str | Unset = UNSET,
    policy: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_model: None | str | Unset
    if isinstance(model, Unset):
        json_model = UNSET
    else:
        json_model = model
    params["model"] = json_model

    json_policy: None | str | Unset
    if isinstance(policy, Unset):
        json_policy = UNSET
    else:
        json_policy = policy
    params["policy"] = json_policy

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/audits",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuditPage | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AuditPage.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AuditPage | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    model: None | str | Unset = UNSET,
    policy: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> Response[AuditPage | ErrorBody]:
    """ Audits, newest first (filter by model and policy name)

    Args:
        model (None | str | Unset): a name (slug)
        policy (None | str | Unset): a name (slug)
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorBody]
     """


    kwargs = _get_kwargs(
        model=model,
policy=policy,
cursor=cursor,
limit=limit,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    model: None | str | Unset = UNSET,
    policy: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> AuditPage | ErrorBody | None:
    """ Audits, newest first (filter by model and policy name)

    Args:
        model (None | str | Unset): a name (slug)
        policy (None | str | Unset): a name (slug)
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorBody
     """


    return sync_detailed(
        client=client,
model=model,
policy=policy,
cursor=cursor,
limit=limit,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    model: None | str | Unset = UNSET,
    policy: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> Response[AuditPage | ErrorBody]:
    """ Audits, newest first (filter by model and policy name)

    Args:
        model (None | str | Unset): a name (slug)
        policy (None | str | Unset): a name (slug)
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorBody]
     """


    kwargs = _get_kwargs(
        model=model,
policy=policy,
cursor=cursor,
limit=limit,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    model: None | str | Unset = UNSET,
    policy: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> AuditPage | ErrorBody | None:
    """ Audits, newest first (filter by model and policy name)

    Args:
        model (None | str | Unset): a name (slug)
        policy (None | str | Unset): a name (slug)
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
model=model,
policy=policy,
cursor=cursor,
limit=limit,

    )).parsed
