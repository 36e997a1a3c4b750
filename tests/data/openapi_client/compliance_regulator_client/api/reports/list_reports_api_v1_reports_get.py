from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.list_reports_api_v1_reports_get_verdict_type_0 import ListReportsApiV1ReportsGetVerdictType0
from ...models.report_page import ReportPage
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    model: None | str | Unset = UNSET,
    policy: None | str | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    verdict: ListReportsApiV1ReportsGetVerdictType0 | None | Unset = UNSET,
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

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    elif isinstance(from_, datetime.datetime):
        json_from_ = from_.isoformat()
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    elif isinstance(to, datetime.datetime):
        json_to = to.isoformat()
    else:
        json_to = to
    params["to"] = json_to

    json_verdict: None | str | Unset
    if isinstance(verdict, Unset):
        json_verdict = UNSET
    elif isinstance(verdict, ListReportsApiV1ReportsGetVerdictType0):
        json_verdict = verdict.value
    else:
        json_verdict = verdict
    params["verdict"] = json_verdict

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
        "url": "/api/v1/reports",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | ReportPage | None:
    if response.status_code == 200:
        response_200 = ReportPage.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | ReportPage]:
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
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    verdict: ListReportsApiV1ReportsGetVerdictType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> Response[ErrorBody | ReportPage]:
    """ Reports, newest first, with filters

    Args:
        model (None | str | Unset): model name
        policy (None | str | Unset): policy name
        from_ (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        to (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        verdict (ListReportsApiV1ReportsGetVerdictType0 | None | Unset):
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ReportPage]
     """


    kwargs = _get_kwargs(
        model=model,
policy=policy,
from_=from_,
to=to,
verdict=verdict,
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
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    verdict: ListReportsApiV1ReportsGetVerdictType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> ErrorBody | ReportPage | None:
    """ Reports, newest first, with filters

    Args:
        model (None | str | Unset): model name
        policy (None | str | Unset): policy name
        from_ (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        to (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        verdict (ListReportsApiV1ReportsGetVerdictType0 | None | Unset):
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ReportPage
     """


    return sync_detailed(
        client=client,
model=model,
policy=policy,
from_=from_,
to=to,
verdict=verdict,
cursor=cursor,
limit=limit,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    model: None | str | Unset = UNSET,
    policy: None | str | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    verdict: ListReportsApiV1ReportsGetVerdictType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> Response[ErrorBody | ReportPage]:
    """ Reports, newest first, with filters

    Args:
        model (None | str | Unset): model name
        policy (None | str | Unset): policy name
        from_ (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        to (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        verdict (ListReportsApiV1ReportsGetVerdictType0 | None | Unset):
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ReportPage]
     """


    kwargs = _get_kwargs(
        model=model,
policy=policy,
from_=from_,
to=to,
verdict=verdict,
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
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    verdict: ListReportsApiV1ReportsGetVerdictType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,

) -> ErrorBody | ReportPage | None:
    """ Reports, newest first, with filters

    Args:
        model (None | str | Unset): model name
        policy (None | str | Unset): policy name
        from_ (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        to (datetime.datetime | None | Unset): RFC 3339 date-time with a zone, e.g.
            2026-11-23T02:00:00Z
        verdict (ListReportsApiV1ReportsGetVerdictType0 | None | Unset):
        cursor (None | str | Unset): opaque: the next_cursor of the previous page (absent: the
            first page)
        limit (int | Unset): page size; values above 100 are taken as 100 Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ReportPage
     """


    return (await asyncio_detailed(
        client=client,
model=model,
policy=policy,
from_=from_,
to=to,
verdict=verdict,
cursor=cursor,
limit=limit,

    )).parsed
