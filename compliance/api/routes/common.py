"""Shared pieces of the ``/api/v1`` routes: identifier patterns, documented errors, helpers."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator, TypeAdapter
from starlette.responses import Response

from compliance.api.errors import responses
from compliance.api.views.reads import CURSOR_PATTERNS

__all__ = [
    "ERRORS",
    "NAME_PATTERN",
    "ArtifactKind",
    "Limit",
    "Moment",
    "Name",
    "as_utc",
    "cursor_query",
    "uid_path",
]

ERRORS = responses(400, 401, 403, 404, 429, 503)
"""The errors every ``/api/v1`` route may answer."""


class ArtifactKind(StrEnum):
    pdf = "pdf"
    html = "html"
    json = "json"


def uid_path(prefix: str, what: str) -> object:
    """A path parameter holding a public identifier ``<prefix>_<16 base32 characters>``."""
    return Path(
        pattern=rf"^{prefix}_[a-z2-7]{{16}}$",
        description=f"the {what}'s identifier ({prefix}_...)",
        examples=[f"{prefix}_abcdefghijklmnop"],
    )


def cursor_query(kind: str) -> object:
    """The ``cursor`` of one list: opaque, the ``next_cursor`` of the previous page."""
    return Query(
        pattern=CURSOR_PATTERNS[kind],
        description="opaque: the next_cursor of the previous page (absent: the first page)",
    )


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
Limit = Annotated[
    int,
    Query(ge=1, le=1_000_000, description="page size; values above 100 are taken as 100"),
]
Name = Annotated[str | None, Query(pattern=NAME_PATTERN, description="a name (slug)")]


_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$"
)


def rfc3339(value: object) -> object:
    """An RFC 3339 date-time (a zone is required; a leap second is read as :59), as UTC."""
    if value is None or isinstance(value, dt.datetime):
        return value
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be an RFC 3339 date-time such as 2026-11-23T02:00:00Z")
    day, minutes, seconds, fraction, zone = match.groups()
    text = f"{day}T{minutes}:{min(int(seconds), 59):02d}.{(fraction or '0')[:6]:0<6}"
    offset = "+00:00" if zone in {"Z", "z"} else zone
    try:
        return dt.datetime.fromisoformat(text + offset).astimezone(dt.UTC)
    except ValueError:
        raise ValueError("is not a valid date-time") from None


Moment = Annotated[
    dt.datetime | None,
    BeforeValidator(rfc3339),
    Query(description="RFC 3339 date-time with a zone, e.g. 2026-11-23T02:00:00Z"),
]


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A query time in UTC."""
    return None if moment is None else moment.astimezone(dt.UTC)


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}
_SENT: OrderedDict[int, tuple[object, bytes]] = OrderedDict()
_SENT_SIZE = 64
_SENT_LOCK = threading.Lock()


def json_response(value: object, view: type) -> Response:
    """``value`` (an instance of the view ``view``) as JSON, serialized by pydantic-core
    without FastAPI validating it again (the route declares ``response_model=view`` for
    the schema). The same object sent again (a cached page) is not serialized again: the
    last few encodings are kept by identity, each with its object so the id stays its own
    (thread-safe)."""
    with _SENT_LOCK:
        sent = _SENT.get(id(value))
    if sent is not None and sent[0] is value:
        return Response(sent[1], media_type="application/json")
    adapter = _ADAPTERS.get(view)
    if adapter is None:
        adapter = _ADAPTERS.setdefault(view, TypeAdapter(view))
    body = adapter.dump_json(value)
    with _SENT_LOCK:
        _SENT[id(value)] = (value, body)
        while len(_SENT) > _SENT_SIZE:
            _SENT.popitem(last=False)
    return Response(body, media_type="application/json")
