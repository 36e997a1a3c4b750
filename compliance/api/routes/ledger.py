"""The ledger: entries in chain order, checkpoints, one entry by its hash.

A token limited to some models sees the checkpoints and its own models' report entries;
the entries of other models' reports are absent for it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from compliance.api.deps import bearer_access, known_query_only, state_of
from compliance.api.routes.common import ERRORS, Limit, cursor_query
from compliance.api.views import reads as api_reads
from compliance.api.views.reads import Access
from compliance.api.views.responses import LedgerEntryOut, LedgerPage

Cursor = Annotated[str | None, cursor_query("ledger")]
router = APIRouter(
    prefix="/api/v1/ledger",
    tags=["ledger"],
    responses=ERRORS,
    dependencies=[Depends(known_query_only)],
)
Caller = Annotated[Access, Depends(bearer_access)]


@router.get("/entries", summary="Ledger entries in chain order")
def list_entries(
    request: Request, access: Caller, cursor: Cursor = None, limit: Limit = 20
) -> LedgerPage:
    core = state_of(request).core
    return api_reads.list_ledger(core.uow_factory, core.clock, access, cursor=cursor, limit=limit)


@router.get("/checkpoints", summary="The checkpoint entries only, in chain order")
def list_checkpoints(
    request: Request, access: Caller, cursor: Cursor = None, limit: Limit = 20
) -> LedgerPage:
    core = state_of(request).core
    return api_reads.list_ledger(
        core.uow_factory, core.clock, access, kind="checkpoint", cursor=cursor, limit=limit
    )


@router.get("/entries/{entry_hash}", summary="One ledger entry, by its hash")
def get_entry(
    request: Request,
    access: Caller,
    entry_hash: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="sha256, hex")],
) -> LedgerEntryOut:
    core = state_of(request).core
    return api_reads.get_ledger_entry(core.uow_factory, core.clock, access, entry_hash)
