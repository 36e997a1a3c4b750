"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database and signing key).

Neither needs a token. ``/readyz`` answers 200 when the database is reachable and at the
schema revision this code needs, and the ledger's signing key file exists; else 503 with
the reason of each failed check, in words that name no host, path or driver error.

It also reports the nightly audit (``nightly``): the last finished slot and whether a slot
is overdue (the scheduler is down or stuck). An overdue night does not make the API
unready, since it can still serve what was issued; monitors alert on ``nightly.overdue``.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from compliance.api.deps import state_of
from compliance.bootstrap import App
from compliance.services.nightly_status import nightly_status

__all__ = ["router"]

router = APIRouter(tags=["health"])
_log = logging.getLogger("compliance.api")


class Health(BaseModel):
    status: str


class OverdueJob(BaseModel):
    job_id: str
    slot: str


class NightlyStatus(BaseModel):
    """The scheduler's last finished slot and the slots that should have run but did not."""

    last_run_at: str | None
    last_job_id: str | None
    last_slot: str | None
    last_status: str | None
    overdue: bool
    overdue_jobs: list[OverdueJob]
    slots_last_24h: dict[str, int]
    checked_at: str
    mode: str | None = None  # "queue" (PostgreSQL, compliance worker) or "inprocess"
    active_scheduler: str | None = None  # the active 'scheduler run' (pid or session), if any


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]
    nightly: NightlyStatus | None = None


@router.get("/healthz", summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Ready to serve: database reachable and migrated, signing key present",
    responses={503: {"model": Readiness, "description": "Not ready; see checks"}},
)
async def readyz(request: Request) -> JSONResponse:
    core = state_of(request).core
    checks = await run_in_threadpool(_checks, core)
    ready = all(value == "ok" for value in checks.values())
    nightly = await run_in_threadpool(_nightly, core) if checks["database"] == "ok" else None
    body = Readiness(status="ready" if ready else "not_ready", checks=checks, nightly=nightly)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


def _nightly(core: App) -> NightlyStatus | None:
    try:
        return NightlyStatus.model_validate(nightly_status(core))
    except Exception as exc:  # readiness must answer even if this report cannot be read
        _log.warning("readiness: nightly status: %s", exc)
        return None


def _checks(core: App) -> dict[str, str]:
    checks = {}
    try:
        core.require_schema()
        checks["database"] = "ok"
    except Exception as exc:
        _log.warning("readiness: database: %s", exc)
        checks["database"] = "unreachable or not initialized (run 'compliance init')"
    key = core.settings.resolved_signing_key_path
    checks["signing_key"] = "ok" if key.is_file() else "missing (run 'compliance init')"
    return checks
