"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database and signing key).

Neither needs a token. ``/readyz`` answers 200 when the database is reachable and at the
schema revision this code needs, and the ledger's signing key file exists; else 503 with
the reason of each failed check, in words that name no host, path or driver error.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from compliance.api.deps import state_of
from compliance.bootstrap import App

__all__ = ["router"]

router = APIRouter(tags=["health"])
_log = logging.getLogger("compliance.api")


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


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
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


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
