"""Audits, with their findings and metric results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from compliance.api.deps import bearer_access, known_query_only, state_of
from compliance.api.routes.common import ERRORS, Limit, Name, cursor_query, uid_path
from compliance.api.views import reads as api_reads
from compliance.api.views.reads import Access
from compliance.api.views.responses import AuditDetail, AuditPage, MetricResultOut

Cursor = Annotated[str | None, cursor_query("audits")]
router = APIRouter(
    prefix="/api/v1", tags=["audits"], responses=ERRORS, dependencies=[Depends(known_query_only)]
)
Caller = Annotated[Access, Depends(bearer_access)]
AuditId = Annotated[str, uid_path("aud", "audit")]


@router.get("/audits", summary="Audits, newest first (filter by model and policy name)")
def list_audits(
    request: Request,
    access: Caller,
    model: Name = None,
    policy: Name = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> AuditPage:
    core = state_of(request).core
    return api_reads.list_audits(
        core.uow_factory,
        core.clock,
        access,
        model=model,
        policy=policy,
        cursor=cursor,
        limit=limit,
    )


@router.get("/audits/{audit_id}", summary="One audit with its runs and findings")
def get_audit(request: Request, access: Caller, audit_id: AuditId) -> AuditDetail:
    core = state_of(request).core
    return api_reads.get_audit(core.uow_factory, core.clock, access, audit_id)


@router.get("/audits/{audit_id}/metric-results", summary="Every metric result of one audit")
def list_metric_results(
    request: Request, access: Caller, audit_id: AuditId
) -> list[MetricResultOut]:
    core = state_of(request).core
    return api_reads.list_metric_results(core.uow_factory, core.clock, access, audit_id)
