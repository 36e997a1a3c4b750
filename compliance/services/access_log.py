"""The access log: who read which report or downloaded which artifact, when, from where.

What it records (one row each): a report read (``read``), an artifact download
(``download``, with the status sent: 200, 206, 304 or 416), a bundle download (``bundle``),
a HEAD of an artifact or a bundle (``head``: headers only, nothing downloaded) and a lookup
of an id that does not exist or that the token may not see (``miss``, status 404). Misses
are all counted (:class:`MissLog`) but at most ``per_minute`` a minute per token and client
are written, so a client probing ids cannot flood the log. Lists are not recorded.

Promise: a logged read is served only once its log row is committed. :func:`logged_read`
opens a write unit of work; the use case authenticates, reads, calls :func:`record`, and
:func:`commit_or_refuse` commits the row together with the token's ``last_used_at``. If
the row cannot be written or committed, :class:`AccessLogUnavailable` is raised and the
caller serves nothing (HTTP 503).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from compliance.clock import isoformat_z
from compliance.errors import ComplianceError, StorageUnavailable
from compliance.services.tokens import ALL_ROLES, Credential, Principal, require_role, touch
from compliance.storage.repositories.tokens import AccessLogRepository
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "Access",
    "AccessEntry",
    "AccessLogUnavailable",
    "MissLog",
    "commit_or_refuse",
    "list_access",
    "read_access_log",
    "record",
]

_log = logging.getLogger(__name__)


class AccessLogUnavailable(StorageUnavailable):
    """The access log could not be written, so the read it guards is refused (HTTP 503)."""


@dataclass(frozen=True)
class AccessEntry:
    at: str
    token: str | None
    token_name: str | None
    action: str
    object_type: str
    object_id: str
    client: str | None
    status: int


class MissLog:
    """Lookups of ids that do not exist: every one counted (:attr:`missed`), the first
    ``per_minute`` of each key (token, client) in each minute admitted to the access log
    (:attr:`recorded`), the others only counted. Thread-safe; at most ``max_keys`` keys
    kept (the least recently used dropped). One per process."""

    def __init__(
        self,
        per_minute: int = 30,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.per_minute = per_minute
        self.missed = 0
        self.recorded = 0
        self._clock = clock
        self._max_keys = max_keys
        self._windows: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, key: Hashable) -> bool:
        """Count one miss of ``key``; True if it is to be written to the access log."""
        minute = int(self._clock() // 60)
        with self._lock:
            self.missed += 1
            start, count = self._windows.pop(key, (minute, 0))
            if start != minute:
                start, count = minute, 0
            admitted = count < self.per_minute
            self._windows[key] = (start, count + 1)
            if len(self._windows) > self._max_keys:
                self._windows.popitem(last=False)
            if admitted:
                self.recorded += 1
        return admitted

    @property
    def suppressed(self) -> int:
        """Misses counted but not written."""
        return self.missed - self.recorded


@dataclass(frozen=True)
class Access:
    """Who asks and from where; ``roles`` are the roles the entry point admits."""

    credential: Credential
    client: str | None = None
    roles: frozenset[str] = ALL_ROLES
    misses: MissLog | None = None
    """Where lookups of absent ids are counted and thinned (None: every one recorded)."""


def record(
    uow: UnitOfWork,
    principal: Principal,
    *,
    action: str,
    object_type: str,
    object_id: str,
    client: str | None,
    status: int,
    now: dt.datetime,
) -> None:
    """Add one access-log row in ``uow`` (committed by :func:`commit_or_refuse`)."""
    try:
        AccessLogRepository(uow.session).add(
            token_id=principal.token_pk,
            action=action,
            object_type=object_type,
            object_uid=object_id,
            at=now,
            client_addr=(client or "")[:64] or None,
            status=status,
        )
        touch(uow, principal, now)
    except ComplianceError:
        raise
    except Exception as exc:
        _log.exception("access log write failed")
        raise AccessLogUnavailable("the access log cannot be written: nothing was served") from exc


def commit_or_refuse(uow: UnitOfWork) -> None:
    """Commit the read's transaction (and so its log rows), or refuse the read."""
    try:
        uow.commit()
    except Exception as exc:
        _log.exception("access log commit failed")
        raise AccessLogUnavailable("the access log cannot be written: nothing was served") from exc


def read_access_log(
    uow_factory: UnitOfWorkFactory,
    now: dt.datetime,
    credential: Credential,
    *,
    token: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 1000,
) -> list[AccessEntry]:
    """:func:`list_access` for an API caller, who must hold an ``admin`` token."""
    require_role(uow_factory, now, credential, frozenset({"admin"}))
    return list_access(uow_factory, token=token, since=since, limit=limit)


def list_access(
    uow_factory: UnitOfWorkFactory,
    *,
    token: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 1000,
) -> list[AccessEntry]:
    """Log rows, newest first, optionally of one token (``tok_...``) and since a time."""
    with uow_factory() as uow:
        rows = AccessLogRepository(uow.session).query(token_uid=token, since=since, limit=limit)
        return [
            AccessEntry(
                at=isoformat_z(row.at, "milliseconds"),
                token=tok.uid if tok is not None else None,
                token_name=tok.name if tok is not None else None,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_uid,
                client=row.client_addr,
                status=row.status,
            )
            for row, tok in rows
        ]
