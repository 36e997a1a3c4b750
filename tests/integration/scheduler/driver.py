"""A scheduler process for the fault tests: ``python -m tests.integration.scheduler.driver``.

It runs :func:`compliance.scheduler.run_scheduler` with the production ports
(``default_ports``) wrapped by faults chosen through the environment:

- ``DRIVER_PULL_HANG=steady`` — the pull of that model sleeps ``DRIVER_HANG_SECONDS``
  (default 300): a source that hangs;
- ``DRIVER_PAUSE_FILE=PATH`` — the audit writes PATH inside its write transaction
  (between metric results and findings), then sleeps ``DRIVER_PAUSE_SECONDS`` (default
  600): the moment to ``kill -9`` it, or to send SIGTERM and watch it finish;
- ``DRIVER_REPORTS=0`` — audit without issuing reports (faster).

Exit code: the scheduler's (0 after SIGTERM, 1 when another scheduler holds the lock).
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path
from typing import Any

from compliance.bootstrap import build_app
from compliance.errors import ComplianceError
from compliance.scheduler import run_scheduler
from compliance.services.audit import AuditRequest, AuditResult, run_audit
from compliance.services.nightly_ports import NightlyPorts, default_ports, raise_if_cancelled
from compliance.services.nightly_status import NightlySettings


def fault_ports(app: Any) -> NightlyPorts:
    """The production ports with the faults the environment asks for (module docstring)."""
    hang = {m for m in os.environ.get("DRIVER_PULL_HANG", "").split(",") if m}
    hang_seconds = float(os.environ.get("DRIVER_HANG_SECONDS", "300"))
    pause_file = os.environ.get("DRIVER_PAUSE_FILE")
    pause_seconds = float(os.environ.get("DRIVER_PAUSE_SECONDS", "600"))
    reports = os.environ.get("DRIVER_REPORTS", "1") != "0"
    base = default_ports(app)

    def pull(model: str, version: str) -> object | None:
        if model in hang:
            time.sleep(hang_seconds)
        return base.pull(model, version)

    def hook(audit_uid: str) -> None:
        raise_if_cancelled(audit_uid)
        if pause_file:
            Path(pause_file).write_text(audit_uid)
            time.sleep(pause_seconds)

    def audit(request: AuditRequest) -> AuditResult:
        extra: dict[str, Any] = {}
        if reports and "key_path" in inspect.signature(run_audit).parameters:
            extra["key_path"] = app.settings.resolved_signing_key_path
        return run_audit(app.uow_factory, app.clock, request, before_findings=hook, **extra)

    return NightlyPorts(pull=pull, audit=audit, checkpoint=base.checkpoint)


def main() -> int:
    app = build_app()
    settings = NightlySettings()
    ports_for = fault_ports

    try:
        # run_scheduler shifts app.clock; every port reads app.clock when it is called
        return run_scheduler(app, settings=settings, ports=ports_for(app))
    except ComplianceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
