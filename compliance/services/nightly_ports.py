"""The nightly run's ports (pull, audit, checkpoint), their production wiring, and the
cancellation of a slot past its time limit.

A slot runs in its own thread; :class:`CancelToken` is bound to that thread and
:func:`raise_if_cancelled`, given to ``run_audit`` as ``before_findings``, turns a
cancellation into :class:`JobCancelled`, so a timed-out audit rolls its write back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compliance.reporting.render import RenderProcess
from compliance.services.audit import AuditRequest, AuditResult, run_audit
from compliance.services.publish import append_checkpoint
from compliance.services.sources import pull_sources

if TYPE_CHECKING:
    from compliance.bootstrap import App

__all__ = [
    "CancelToken",
    "JobCancelled",
    "NightlyPorts",
    "PullFailed",
    "default_ports",
    "raise_if_cancelled",
]


@dataclass(frozen=True)
class NightlyPorts:
    """``pull(model, version)`` → a pull summary or None; ``audit(request)`` audits and
    issues the signed report in one transaction; ``checkpoint()`` appends the nightly ledger
    checkpoint."""

    pull: Callable[[str, str], object | None]
    audit: Callable[[AuditRequest], AuditResult]
    checkpoint: Callable[[], None]


class JobCancelled(Exception):
    """The slot's time limit passed, or the scheduler is stopping: abandon the work."""


class PullFailed(Exception):
    """A source of the model could not be pulled: the slot fails without an audit."""


class CancelToken:
    """Cancels the slot running in the thread that :meth:`bind` s it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = "cancelled"

    def bind(self) -> None:
        """Make this the token :func:`raise_if_cancelled` checks in the calling thread."""
        _current.token = self

    def cancel(self, reason: str) -> None:
        self.reason = reason
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


_current = threading.local()


def raise_if_cancelled(_audit_uid: str = "") -> None:
    """Raise :class:`JobCancelled` when the running slot was cancelled; given to ``run_audit``
    as ``before_findings`` so a timed-out audit rolls its write back instead of committing."""
    token: CancelToken | None = getattr(_current, "token", None)
    if token is not None and token.is_set():
        raise JobCancelled(token.reason)


_RENDERER = RenderProcess()  # one rendering child for the scheduler process, on first use
_ISSUE_LOCK = threading.Lock()  # one report rendered and stored at a time in this process


def default_ports(app: App) -> NightlyPorts:
    """The production wiring of the three ports: the one function to edit.

    - pull: ``compliance.services.sources.pull_sources`` for the model's sources; a source
      that failed fails the slot (:class:`PullFailed`: no audit of stale data under a
      nightly slot);
    - audit: ``run_audit`` issuing the signed report in the audit's transaction,
      cancellable: a slot past its time limit rolls its write back. The report (HTML and
      PDF) is rendered in a child process (``RenderProcess``) before that transaction, one
      report at a time (:data:`_ISSUE_LOCK`): while one slot renders, the other workers
      pull and compute;
    - checkpoint: ``compliance.services.publish.append_checkpoint``.
    """
    settings = app.settings
    key_path = settings.resolved_signing_key_path

    def pull(model: str, version: str) -> object | None:
        outcomes = pull_sources(
            app.uow_factory,
            app.clock,
            cache_dir=settings.home / "probe-cache",
            model=model,
            batch_size=settings.ingest_batch_size,
        )
        failed = [f"{o.source}: {o.error}" for o in outcomes if o.error]
        if failed:
            raise PullFailed("; ".join(failed))
        new = sum(o.new_runs for o in outcomes)
        return f"{len(outcomes)} sources pulled, {new} new runs"

    def audit(request: AuditRequest) -> AuditResult:
        return run_audit(
            app.uow_factory,
            app.clock,
            request,
            key_path=key_path,
            before_findings=raise_if_cancelled,
            renderer=_RENDERER,
            issue_lock=_ISSUE_LOCK,
        )

    def checkpoint() -> None:
        append_checkpoint(app.uow_factory, app.clock, key_path, note="nightly")

    return NightlyPorts(pull=pull, audit=audit, checkpoint=checkpoint)
