"""What the read use cases share: the caller, authenticated and logged units of work, and
the cursors and page sizes of lists.

- :func:`read` checks the caller's credential in the transaction of the read it guards,
  then (rarely, and never failing the read) records the token's last use;
- :func:`logged_read` runs the read in a write unit of work, adds the access-log row and
  commits both before returning; if that fails, :class:`AccessLogUnavailable` is raised
  and nothing is returned;
- a cursor is the position after the last row seen; every string of its list's
  :data:`CURSOR_PATTERNS` decodes to a position (maybe past every row), so a well-formed
  cursor is never refused; ``limit`` is capped at :data:`MAX_PAGE`.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial
from typing import TypeVar

from compliance.clock import Clock
from compliance.errors import InputError, NotFound
from compliance.services.access_log import Access, commit_or_refuse, record
from compliance.services.tokens import (
    Principal,
    authenticate,
    needs_touch,
    touch,
)
from compliance.storage.repositories.api_reads import ReadRepository
from compliance.storage.uow import UnitOfWorkFactory

__all__ = [
    "CURSOR_PATTERNS",
    "MAX_PAGE",
    "Access",
    "Deferrer",
    "PageCache",
    "Work",
    "limit_of",
    "logged_read",
    "read",
    "record_use",
    "seq_cursor",
    "seq_position",
    "time_cursor",
    "time_position",
]

MAX_PAGE = 100
CURSOR_PATTERNS = {
    "reports": r"^r[0-9a-f]{33}$",
    "audits": r"^a[0-9a-f]{33}$",
    "ledger": r"^l[0-9a-f]{12}$",
}
"""Every string of its list's pattern is a valid position: the rows after it, maybe none."""
_TIME_CURSOR = re.compile(r"^[ra]([0-9a-f]{13})([0-9a-f]{20})$")
_SEQ_CURSOR = re.compile(r"^l[0-9a-f]{12}$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_SEQ = 2**31 - 1  # ledger_entries.seq is a 32-bit integer

T = TypeVar("T")
Work = Callable[[ReadRepository, Principal], T]
_log = logging.getLogger(__name__)


class PageCache:
    """Pages of append-only lists, keyed by what determines them (the caller's scope, the
    query and the list's high-water mark); at most ``size`` kept, least recently used out.
    Thread-safe; one per process."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._pages: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: object) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


Deferrer = Callable[[Callable[[], None]], object]
"""Runs a job later, elsewhere (a caller on an event loop hands it to a worker thread)."""


def read(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    access: Access,
    work: Work[T],
    *,
    defer: Deferrer | None = None,
) -> T:
    """``work`` in the transaction that authenticates the caller. Recording the token's use
    (at most every few minutes) is a write that may wait for the database's write lock:
    with ``defer`` it is handed over instead of done before returning."""
    now = clock()
    with uow_factory() as uow:
        principal = authenticate(uow, access.credential, now, access.roles)
        result = work(ReadRepository(uow.session), principal)
    record_use(uow_factory, principal, now, defer=defer)
    return result


def record_use(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    now: dt.datetime,
    *,
    defer: Deferrer | None = None,
) -> None:
    """After a read: record the token's last use if it is due (see :func:`read`)."""
    if needs_touch(principal, now):
        job = partial(_record_use, uow_factory, principal, now)
        if defer is None:
            job()
        else:
            defer(job)


def _record_use(uow_factory: UnitOfWorkFactory, principal: Principal, now: dt.datetime) -> None:
    try:
        with uow_factory(write=True) as uow:
            touch(uow, principal, now)
            uow.commit()
    except Exception:  # only a usage timestamp: never fail a read for it
        _log.warning("could not record the last use of token %s", principal.token_id)


def logged_read(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    access: Access,
    *,
    action: str,
    object_type: str,
    work: Callable[[ReadRepository, Principal], tuple[T | None, str, int]],
) -> T:
    """Run ``work`` (→ result or None, object id, status) and log it in one transaction.

    No result (an id that does not exist, or one the token may not see) is logged as
    ``miss``, if ``access.misses`` admits it (:class:`~compliance.services.access_log.MissLog`),
    and raises :class:`NotFound`."""
    now = clock()
    with uow_factory(write=True) as uow:
        principal = authenticate(uow, access.credential, now, access.roles)
        result, object_id, status = work(ReadRepository(uow.session), principal)
        found = result is not None
        misses = access.misses
        if found or misses is None or misses.admit((principal.token_pk, access.client)):
            record(
                uow,
                principal,
                action=action if found else "miss",
                object_type=object_type,
                object_id=object_id,
                client=access.client,
                status=status,
                now=now,
            )
            commit_or_refuse(uow)
    if result is None:
        raise NotFound(f"no such {object_type}")
    return result


def limit_of(limit: int) -> int:
    if limit < 1:
        raise InputError("must be at least 1", field="limit", value=limit)
    return min(limit, MAX_PAGE)


def time_cursor(kind: str, at: dt.datetime, uid: str) -> str:
    """The cursor after (``at``, ``uid``): a letter, 13 hex digits of µs, the uid's 20."""
    micros = max(0, (at - _EPOCH) // dt.timedelta(microseconds=1))
    raw = base64.b32decode(uid.partition("_")[2].upper())
    return f"{kind}{micros:013x}{raw.hex()}"


def time_position(cursor: str | None, kind: str, prefix: str) -> tuple[dt.datetime, str] | None:
    """The keyset position of a cursor; every string of its pattern is one (no row needed)."""
    if cursor is None:
        return None
    match = _TIME_CURSOR.match(cursor)
    if match is None or cursor[0] != kind:
        raise InputError("is not a cursor of this list", field="cursor")
    at = _EPOCH + dt.timedelta(microseconds=int(match.group(1), 16))
    uid = base64.b32encode(bytes.fromhex(match.group(2))).decode("ascii").lower()
    return at, f"{prefix}_{uid}"


def seq_cursor(seq: int) -> str:
    return f"l{seq:012x}"


def seq_position(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if _SEQ_CURSOR.match(cursor) is None:
        raise InputError("is not a cursor of this list", field="cursor")
    return min(int(cursor[1:], 16), _MAX_SEQ)  # no entry lies beyond the column's range
