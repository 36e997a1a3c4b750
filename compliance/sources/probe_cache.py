"""The probe's reply cache: each reply kept under the sha256 of its request (base URL,
model, messages and sampling parameters) in a SQLite file, so a re-run asks only what it
does not have. Split from :mod:`compliance.sources.probe`, which re-exports these names.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from compliance.errors import ConfigError
from compliance.sources.probe_answers import ChatAnswer

__all__ = ["ResponseCache", "cache_key", "request_body"]


def request_body(
    model: str, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]
) -> bytes:
    """The JSON body of a chat request, canonical (sorted keys, no spaces, UTF-8)."""
    document = {
        "model": model,
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
        **params,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def cache_key(base_url: str, body: bytes) -> str:
    """The sha256 of a request: its base URL and canonical body (model, messages, params)."""
    return hashlib.sha256(base_url.rstrip("/").encode("utf-8") + b"\n" + body).hexdigest()


class ResponseCache:
    """Replies by request key in a SQLite file; writes are committed in small batches."""

    _WRITE_EVERY = 64

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                " key TEXT PRIMARY KEY, content TEXT, refusal TEXT, created REAL NOT NULL)"
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(replies)")}
            if "first_token" not in columns:  # a cache made before logprobs were kept
                self._db.execute("ALTER TABLE replies ADD COLUMN first_token TEXT")
            self._db.commit()
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"the probe cache {path} cannot be used ({exc})",
                hint="give a writable path for a new cache, or an existing probe cache",
            ) from None
        self._unwritten: dict[str, ChatAnswer] = {}

    def get(self, key: str) -> ChatAnswer | None:
        if key in self._unwritten:
            return self._unwritten[key]
        row = self._db.execute(
            "SELECT content, refusal, first_token FROM replies WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        first = None if row[2] is None else tuple((t, float(p)) for t, p in json.loads(row[2]))
        return ChatAnswer(row[0], row[1], first)

    def put(self, key: str, answer: ChatAnswer) -> None:
        self._unwritten[key] = answer
        if len(self._unwritten) >= self._WRITE_EVERY:
            self.commit()

    def commit(self) -> None:
        """Write the replies kept in memory (at most the last 63)."""
        if self._unwritten:
            now = time.time()
            self._db.executemany(
                "INSERT OR REPLACE INTO replies (key, content, refusal, created, first_token)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        k,
                        a.content,
                        a.refusal,
                        now,
                        None if a.first_token is None else json.dumps(a.first_token),
                    )
                    for k, a in self._unwritten.items()
                ],
            )
            self._unwritten.clear()
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.commit()
        self._db.close()
