"""A job-queue worker for the queue tests: ``python -m tests.integration.scheduler.worker_driver``.

``compliance worker`` (:func:`compliance.queue.run_worker`) with the production ports
wrapped by the faults of :mod:`tests.integration.scheduler.driver` (``DRIVER_PAUSE_FILE``:
pause inside the audit's write transaction, the moment to ``kill -9`` it;
``DRIVER_REPORTS=0``: no reports). ``DRIVER_CONCURRENCY``: slots at once (default 1).
"""

from __future__ import annotations

import os
import sys

from compliance.bootstrap import build_app
from compliance.errors import ComplianceError
from compliance.queue import run_worker
from tests.integration.scheduler.driver import fault_ports


def main() -> int:
    app = build_app()
    try:
        concurrency = int(os.environ.get("DRIVER_CONCURRENCY", "1"))
        return run_worker(app, concurrency=concurrency, ports=fault_ports(app))
    except ComplianceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
