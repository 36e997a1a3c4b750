"""A limit on the requests in flight to one model endpoint, shared by every process on a
PostgreSQL database (the queue workers): PostgreSQL session advisory locks.

An endpoint (a probe source's ``base_url``) has ``limit`` slots, the advisory locks
``(CLASS, h(endpoint, i))`` for ``i < limit``; a request holds one on a connection of its
own for as long as it is in flight. Taking is ``pg_try_advisory_lock`` over the slots, then
a short sleep (``poll``) when all are taken, so nothing blocks inside the database; a lock
goes with its session, so a killed worker frees its slots at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import psycopg
from sqlalchemy import Engine

from compliance.storage.repositories.queue import libpq_url

__all__ = ["EndpointSlots"]

_CLASS = 0x636F6D70  # the first key of the two-key advisory locks ("comp")
Held = tuple[psycopg.Connection, int]


def slot_keys(endpoint: str, limit: int) -> list[int]:
    """The second keys (int4) of the endpoint's ``limit`` slots."""
    return [
        int.from_bytes(hashlib.sha256(f"{endpoint}#{i}".encode()).digest()[:4], "big") >> 1
        for i in range(limit)
    ]


class EndpointSlots:
    """At most ``limit`` holders of one endpoint at a time across every process (see the
    module docstring); :meth:`hold` is the probe's ``EndpointGate``."""

    def __init__(self, engine: Engine, limit: int, *, poll: float = 0.01) -> None:
        if limit < 1:
            raise ValueError("an endpoint needs at least one slot")
        self._conninfo = libpq_url(engine)
        self.limit = limit
        self._poll = poll
        self._free: list[psycopg.Connection] = []
        self._mutex = threading.Lock()

    @asynccontextmanager
    async def hold(self, endpoint: str) -> AsyncIterator[None]:
        held = await asyncio.to_thread(self.try_take, endpoint)
        while held is None:
            await asyncio.sleep(self._poll)
            held = await asyncio.to_thread(self.try_take, endpoint)
        try:
            yield
        finally:
            await asyncio.to_thread(self.release, held)

    def try_take(self, endpoint: str) -> Held | None:
        """A free slot of ``endpoint`` (its connection and key), or None when all are held."""
        connection = self._connection()
        try:
            for key in slot_keys(endpoint, self.limit):
                row = connection.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (_CLASS, key)
                ).fetchone()
                if row is not None and row[0]:
                    return connection, key
        except psycopg.Error:
            connection.close()
            raise
        self._give_back(connection)
        return None

    def release(self, held: Held) -> None:
        connection, key = held
        try:
            connection.execute("SELECT pg_advisory_unlock(%s, %s)", (_CLASS, key))
        except psycopg.Error:
            connection.close()  # the session's end frees the lock
            return
        self._give_back(connection)

    def close(self) -> None:
        with self._mutex:
            free, self._free = self._free, []
        for connection in free:
            with suppress(psycopg.Error):
                connection.close()

    def _connection(self) -> psycopg.Connection:
        with self._mutex:
            if self._free:
                return self._free.pop()
        return psycopg.connect(self._conninfo, autocommit=True)

    def _give_back(self, connection: psycopg.Connection) -> None:
        with self._mutex:
            self._free.append(connection)
