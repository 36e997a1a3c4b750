"""Reports (filtered, cursor-paginated), one report, its artifacts and its bundle.

Reading one report, downloading an artifact and downloading a bundle are logged reads: the
access-log row is committed before the first byte is sent, or the request answers 503.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse, Response

from compliance.api.artifacts import artifact_response, plan_for
from compliance.api.bundle import build_bundle, bundle_filename
from compliance.api.deps import bearer_access, bearer_of, is_head, known_query_only, state_of
from compliance.api.errors import responses
from compliance.api.openapi_document import MANIFEST_REF
from compliance.api.query import parse_query, query_parameters
from compliance.api.routes.common import (
    ERRORS,
    ArtifactKind,
    Limit,
    Moment,
    Name,
    as_utc,
    cursor_query,
    json_response,
    uid_path,
)
from compliance.api.views import reads as api_reads
from compliance.api.views.reads import Access, ReportQuery
from compliance.api.views.responses import BundleHead, BundleParts, ReportDetail, ReportPage
from compliance.domain.judge import Verdict
from compliance.domain.regimes import RegimeMapping
from compliance.services.attestations import ReportAttestations

Cursor = Annotated[str | None, cursor_query("reports")]
router = APIRouter(
    prefix="/api/v1", tags=["reports"], responses=ERRORS, dependencies=[Depends(known_query_only)]
)
lists = APIRouter(prefix="/api/v1", tags=["reports"], responses=ERRORS)
"""The report list: a route that reads its own query string (see list_reports)."""
Caller = Annotated[Access, Depends(bearer_access)]
ReportId = Annotated[str, uid_path("rep", "report")]

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_TEXT = {"schema": {"type": "string"}}
_ARTIFACT_HEADERS = {
    "ETag": {"schema": {"type": "string"}, "description": "sha256 of the artifact, quoted"},
    "Content-Disposition": {"schema": {"type": "string"}, "description": "attachment"},
    "Accept-Ranges": {"schema": {"type": "string"}, "description": "bytes"},
    "Content-Length": {"schema": {"type": "integer"}, "description": "bytes of this response"},
}
_ARTIFACT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The artifact: the PDF, the HTML, or the JSON manifest (json)",
        "content": {
            "application/pdf": _BINARY,
            "text/html": _TEXT,
            "application/json": {"schema": {"$ref": MANIFEST_REF}},
        },
        "headers": _ARTIFACT_HEADERS,
    },
    206: {
        "description": "One byte range of the artifact (of the manifest: bytes, not a document)",
        "content": {"application/pdf": _BINARY, "text/html": _TEXT, "application/json": {}},
        "headers": {
            **_ARTIFACT_HEADERS,
            "Content-Range": {"schema": {"type": "string"}, "description": "bytes a-b/size"},
        },
    },
    304: {
        "description": "Not modified: If-None-Match matched the ETag (no body)",
        "headers": {"ETag": _ARTIFACT_HEADERS["ETag"]},
    },
    416: {
        **responses(400)[400],
        "description": "Range not satisfiable: it starts past the end",
        "headers": {"Content-Range": {"schema": {"type": "string"}, "description": "bytes */size"}},
    },
}
_CONDITIONAL_PARAMETERS = [
    {
        "name": "Range",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "example": "bytes=0-1023",
        "description": "one byte range: bytes=a-b, bytes=a- or bytes=-n (206, or 416 when "
        "it starts past the end); a malformed or multi-part range is ignored (200)",
    },
    {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "ETags (or *): 304 with no body when one matches",
    },
    {
        "name": "If-Range",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "an ETag: the Range applies only if it is the current one, else 200",
    },
]
_BUNDLE_HEADERS = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "the bundle's validator: the same on HEAD, which builds nothing",
    },
    "Content-Disposition": {"schema": {"type": "string"}, "description": "attachment"},
}


class ReportFilters(BaseModel):
    """The report list's query string (read by :func:`~compliance.api.query.parse_query`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Annotated[Name, Query(description="model name")] = None
    policy: Annotated[Name, Query(description="policy name")] = None
    issued_from: Annotated[Moment, Query(alias="from")] = None
    issued_to: Annotated[Moment, Query(alias="to")] = None
    verdict: Verdict | None = None
    cursor: Cursor = None
    limit: Limit = 20


@lists.get(
    "/reports",
    summary="Reports, newest first, with filters",
    response_model=ReportPage,
    response_class=JSONResponse,
    openapi_extra={"parameters": query_parameters(ReportFilters), "security": [{"bearer": []}]},
)
async def list_reports(request: Request) -> Response:
    # The list regulators poll is the API's hottest route: it runs on the event loop (the
    # hop to a worker thread and back cost more than a cached page), and it takes only the
    # request, reading the bearer and the query itself: FastAPI's binding of seven query
    # parameters and two dependencies cost more than serving the page (benchmarks/api.py).
    # A cached page is one statement; a page missed by the cache is one query of at most
    # 101 rows; the token's last-use write, which may wait for the write lock, is handed to
    # a thread.
    access = bearer_of(request)
    filters = parse_query(request, ReportFilters)
    state = state_of(request)
    core = state.core
    query = ReportQuery(
        model=filters.model,
        policy=filters.policy,
        issued_from=as_utc(filters.issued_from),
        issued_to=as_utc(filters.issued_to),
        verdict=filters.verdict,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    loop = asyncio.get_running_loop()
    page = api_reads.list_reports(
        core.uow_factory,
        core.clock,
        access,
        query,
        cache=state.pages,
        defer=lambda job: loop.run_in_executor(None, job),
    )
    return json_response(page, ReportPage)


@router.get("/reports/{report_id}", summary="One report: artifacts, findings, ledger entry")
def get_report(request: Request, access: Caller, report_id: ReportId) -> ReportDetail:
    core = state_of(request).core
    return api_reads.get_report(core.uow_factory, core.clock, access, report_id)


@router.get(
    "/reports/{report_id}/attestations",
    summary="Who signed the report off: officer, role, statement, time, verified",
    description=(
        "The report's attestations in ledger order, each verified again (the officer's "
        "Ed25519 signature over the RFC 8785 canonical attestation, the report entry it "
        "names, the officer's key not revoked before it) and `signed_off`: false while no "
        "verified approval stands. The signed attestations are in the ledger (kind "
        "`attestation`); their JSON Schema is schemas/attestation.schema.json."
    ),
)
def get_attestations(request: Request, access: Caller, report_id: ReportId) -> ReportAttestations:
    core = state_of(request).core
    return api_reads.report_attestations(core.uow_factory, core.clock, access, report_id)


@router.get(
    "/reports/{report_id}/mapping",
    summary="The report's regulatory mapping: per regime, clause, rules, verdicts, gaps",
    description=(
        "The report's findings mapped onto the clauses of the regimes its policy names "
        "(see /api/v1/regimes), with the application dates that had passed on its issue "
        "date and what the report does not cover."
    ),
)
def get_mapping(request: Request, access: Caller, report_id: ReportId) -> list[RegimeMapping]:
    core = state_of(request).core
    return api_reads.report_mapping(core.uow_factory, core.clock, access, report_id)


@router.get(
    "/reports/{report_id}/artifacts/{kind}",
    summary="Download an artifact (conditional GET and Range supported)",
    response_class=Response,
    responses=_ARTIFACT_RESPONSES,
    openapi_extra={"parameters": _CONDITIONAL_PARAMETERS},
)
def get_artifact(
    request: Request, access: Caller, report_id: ReportId, kind: ArtifactKind
) -> Response:
    return send_artifact(request, access, report_id, kind.value, disposition="attachment")


def send_artifact(
    request: Request,
    access: Access,
    report_id: str,
    kind: str,
    *,
    disposition: str,
    action: str = "download",
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """Open (and log) then stream one artifact; shared by the API and the portal."""
    state = state_of(request)
    core = state.core
    head = is_head(request)
    opened = api_reads.open_artifact(
        core.uow_factory,
        core.clock,
        access,
        report_id,
        kind,
        lambda meta: plan_for(meta, request.headers).span,
        action="head" if head else action,
        first_bytes=0 if head else state.settings.chunk_bytes,
    )
    return artifact_response(
        opened,
        plan_for(opened.meta, request.headers),
        read=partial(api_reads.read_artifact_chunk, core.uow_factory),
        chunk=state.settings.chunk_bytes,
        head=head,
        disposition=disposition,
        extra_headers=extra_headers,
    )


@router.get(
    "/reports/{report_id}/bundle",
    summary="Download a zip of the manifest, HTML, PDF and ledger entries",
    response_class=Response,
    responses={
        200: {
            "description": "The bundle (HEAD: its headers, without Content-Length: the zip is "
            "not built for a HEAD)",
            "content": {"application/zip": _BINARY},
            "headers": _BUNDLE_HEADERS,
        }
    },
)
def get_bundle(request: Request, access: Caller, report_id: ReportId) -> Response:
    return send_bundle(request, access, report_id)


def send_bundle(request: Request, access: Access, report_id: str) -> Response:
    """The bundle, logged as ``bundle``; for a HEAD only its headers, logged as ``head``,
    from what is stored: the zip is not built and no artifact is read."""
    core = state_of(request).core
    if is_head(request):
        head = api_reads.report_bundle_head(core.uow_factory, core.clock, access, report_id)
        answer = Response(media_type="application/zip", headers=_bundle_headers(head))
        # the length is unknown without building the zip: say nothing rather than 0
        answer.raw_headers = [(k, v) for k, v in answer.raw_headers if k != b"content-length"]
        return answer
    parts = api_reads.report_bundle(core.uow_factory, core.clock, access, report_id)
    return Response(
        build_bundle(parts), media_type="application/zip", headers=_bundle_headers(parts)
    )


def _bundle_headers(bundle: BundleParts | BundleHead) -> dict[str, str]:
    name = bundle_filename(bundle.report)
    return {"Content-Disposition": f'attachment; filename="{name}"', "ETag": f'"{bundle.tag}"'}
