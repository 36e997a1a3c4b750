"""The access log and this process's counters over HTTP, for admin tokens only (others: 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from compliance.api.counters import CONTENT_TYPE, exposition
from compliance.api.deps import admin_access, known_query_only, state_of
from compliance.api.routes.common import ERRORS, Moment, as_utc
from compliance.api.views.reads import Access
from compliance.services.access_log import AccessEntry, read_access_log
from compliance.services.tokens import require_role

router = APIRouter(
    prefix="/api/v1",
    tags=["access log"],
    responses=ERRORS,
    dependencies=[Depends(known_query_only)],
)
operations = APIRouter(
    prefix="/api/v1",
    tags=["operations"],
    responses=ERRORS,
    dependencies=[Depends(known_query_only)],
)


@router.get("/access-log", summary="Who read what, newest first (admin tokens only)")
def access_log(
    request: Request,
    access: Annotated[Access, Depends(admin_access)],
    token_id: Annotated[
        str | None, Query(pattern=r"^tok_[a-z2-7]{16}$", description="only this token's rows")
    ] = None,
    since: Moment = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[AccessEntry]:
    core = state_of(request).core
    return read_access_log(
        core.uow_factory,
        core.clock(),
        access.credential,
        token=token_id,
        since=as_utc(since),
        limit=limit,
    )


@operations.get(
    "/metrics",
    summary="This process's request and miss counters, Prometheus text (admin tokens only)",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format 0.0.4; every series labelled with the "
            "process's pid (each worker counts its own requests)",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(
    request: Request, access: Annotated[Access, Depends(admin_access)]
) -> PlainTextResponse:
    state = state_of(request)
    require_role(state.core.uow_factory, state.core.clock(), access.credential, access.roles)
    return PlainTextResponse(exposition(state.requests, state.misses), media_type=CONTENT_TYPE)
