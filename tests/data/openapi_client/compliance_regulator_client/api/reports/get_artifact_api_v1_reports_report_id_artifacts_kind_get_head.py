from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.artifact_kind import ArtifactKind
from ...types import UNSET, Unset



def _get_kwargs(
    report_id: str,
    kind: ArtifactKind,
    *,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(range_, Unset):
        headers["Range"] = range_

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(if_range, Unset):
        headers["If-Range"] = if_range



    

    

    _kwargs: dict[str, Any] = {
        "method": "head",
        "url": "/api/v1/reports/{report_id}/artifacts/{kind}".format(report_id=quote(str(report_id), safe=""),kind=quote(str(kind), safe=""),),
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | None:
    if response.status_code == 200:
        return None

    if response.status_code == 206:
        return None

    if response.status_code == 304:
        return None

    if response.status_code == 400:
        return None

    if response.status_code == 401:
        return None

    if response.status_code == 403:
        return None

    if response.status_code == 404:
        return None

    if response.status_code == 416:
        return None

    if response.status_code == 429:
        return None

    if response.status_code == 503:
        return None

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    report_id: str,
    kind: ArtifactKind,
    *,
    client: AuthenticatedClient,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,

) -> Response[Any]:
    """ Download an artifact (conditional GET and Range supported) (headers only)

    Args:
        report_id (str): the report's identifier (rep_...)
        kind (ArtifactKind):
        range_ (str | Unset):
        if_none_match (str | Unset):
        if_range (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any]
     """


    kwargs = _get_kwargs(
        report_id=report_id,
kind=kind,
range_=range_,
if_none_match=if_none_match,
if_range=if_range,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


async def asyncio_detailed(
    report_id: str,
    kind: ArtifactKind,
    *,
    client: AuthenticatedClient,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,

) -> Response[Any]:
    """ Download an artifact (conditional GET and Range supported) (headers only)

    Args:
        report_id (str): the report's identifier (rep_...)
        kind (ArtifactKind):
        range_ (str | Unset):
        if_none_match (str | Unset):
        if_range (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any]
     """


    kwargs = _get_kwargs(
        report_id=report_id,
kind=kind,
range_=range_,
if_none_match=if_none_match,
if_range=if_range,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

