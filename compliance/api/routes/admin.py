"""The access log over HTTP, for admin tokens only (others: 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from compliance.api.deps import admin_access, known_query_only, state_of
from compliance.api.routes.common import ERRORS, Moment, as_utc
from compliance.api.views.reads import Access
from compliance.services.access_log import AccessEntry, read_access_log

router = APIRouter(
    prefix="/api/v1",
    tags=["access log"],
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
