"""The work of one slot, in its worker thread: the checkpoint, or the pull of the model's
sources and the audit under the schedule's policy with ``slot=<fire time>`` (an audit of
the slot already done is found and not repeated), and how a failure is classified
(``error``: the database or the process, retried; ``failed``: the audit). Split from
:mod:`compliance.services.nightly`.
"""

from __future__ import annotations

import datetime as dt
import time

from compliance.errors import Conflict
from compliance.services.audit import AuditRequest
from compliance.services.nightly_jobs import JobSpec, Outcome
from compliance.services.nightly_log import log_event
from compliance.services.nightly_ports import CancelToken, JobCancelled, NightlyPorts
from compliance.services.policies import split_reference
from compliance.storage.repositories.schedules import ScheduleRepository, is_transient_error
from compliance.storage.uow import UnitOfWorkFactory

__all__ = ["classify_failure", "done_audit", "slot_work"]


def slot_work(
    uow_factory: UnitOfWorkFactory,
    ports: NightlyPorts,
    spec: JobSpec,
    slot: dt.datetime,
    cancel: CancelToken,
) -> Outcome:
    """The checkpoint, or the pull and the audit of ``spec`` at ``slot`` (stopped between
    the two when ``cancel`` is set)."""
    if spec.schedule_uid is None:
        ports.checkpoint()
        return Outcome("succeeded", fresh=True)
    done = done_audit(uow_factory, spec, slot)
    if done is not None:
        return done
    began = time.monotonic()
    pulled = ports.pull(spec.model, spec.version)
    log_event(
        "job.pulled",
        **spec.describe(),
        slot=slot,
        duration_s=time.monotonic() - began,
        summary=None if pulled is None else str(pulled)[:300],
    )
    if cancel.is_set():
        raise JobCancelled(cancel.reason)
    request = AuditRequest(spec.model, spec.version, spec.policy, slot=slot, trigger="schedule")
    result = ports.audit(request)
    return Outcome("succeeded", result.id, result.verdict, fresh=True)


def done_audit(uow_factory: UnitOfWorkFactory, spec: JobSpec, slot: dt.datetime) -> Outcome | None:
    """The succeeded audit of this slot, if one exists."""
    name, _ = split_reference(spec.policy)
    with uow_factory() as uow:
        found = ScheduleRepository(uow.session).succeeded_audit(spec.model_version_id, name, slot)
    return None if found is None else Outcome("succeeded", found.uid, found.verdict)


def classify_failure(
    uow_factory: UnitOfWorkFactory, spec: JobSpec, slot: dt.datetime, exc: BaseException
) -> Outcome:
    """What a slot whose work raised ``exc`` ended as."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, Conflict):  # audited by an earlier attempt or another process
        try:
            done = done_audit(uow_factory, spec, slot)
        except Exception:
            done = None
        if done is not None:
            return done
    if isinstance(exc, JobCancelled):
        return Outcome("error", error=f"cancelled: {message}")
    if is_transient_error(exc):
        return Outcome("error", error=f"database unavailable: {message}")
    return Outcome("failed", error=f"{type(exc).__name__}: {message}")
