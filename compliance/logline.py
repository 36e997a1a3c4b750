"""One log record per line: logfmt whose values can never start another record.

:func:`logfmt` writes ``key=value`` pairs. A value is written bare only when it is a short
run of printable ASCII without spaces, quotes, ``=`` or backslashes; any other value is a
JSON string with every non-ASCII and control character escaped (CR, LF, tab, ANSI escape
``\\x1b``, DEL, NEL, the Unicode line and paragraph separators...), so whatever a client
sent, the record stays on one line and a reader (or a parser) sees where each value ends.
:func:`capped` cuts a value to ``limit`` characters and says how many it dropped.
:class:`LogfmtFormatter` makes every record of a process such a line: the API server's
(uvicorn's own lines included), the scheduler's and the workers'.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping

from compliance.clock import Clock, isoformat_z, utc_now

__all__ = ["MAX_VALUE", "WHOLE", "LogfmtFormatter", "capped", "logfmt"]

MAX_VALUE = 512
"""Characters of one value kept in a log record (:func:`capped`)."""
WHOLE = frozenset({"exc"})
"""Keys whose values are never cut (a traceback the service formatted itself)."""
_BARE = re.compile(r"^[!#-<>-\[\]-~]+$")  # printable ASCII except space, '"', '=', '\'


def capped(text: str, limit: int = MAX_VALUE) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and
    ``...(+N chars)``."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...(+{len(text) - limit} chars)"


def _value(value: object) -> str:
    if isinstance(value, dt.datetime):
        return isoformat_z(value, "milliseconds")
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def logfmt(fields: Mapping[str, object], *, limit: int = MAX_VALUE) -> str:
    """``key=value`` pairs on one line (``None`` values left out), each value cut to
    ``limit`` characters (:func:`capped`; not those of :data:`WHOLE`); see the module."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        text = _value(value)
        if key not in WHOLE:
            text = capped(text, limit)
        if not _BARE.match(text):
            text = json.dumps(text, ensure_ascii=True).replace("\x7f", "\\u007f")
        parts.append(f"{key}={text}")
    return " ".join(parts)


class LogfmtFormatter(logging.Formatter):
    """``ts=... level=... logger=... event=... k=v`` or ``... msg="..."``: one line per record.

    A record logged with ``extra={"fields": {...}}`` is an event: its name is the record's
    ``event`` attribute (``extra={"event": ...}``) or else its message, and the fields follow
    (so a record can carry a self-contained logfmt message for other formatters and still
    be written once here). Any other record (a library's, uvicorn's) keeps its formatted
    message as the one value ``msg``, escaped like every other value, so an argument that
    came from a client (a path, an exception's text) cannot start a record of its own.
    """

    def __init__(self, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = {
            "ts": self._clock(),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            fields["event"] = getattr(record, "event", None) or record.getMessage()
            fields.update(extra)
        else:
            fields["msg"] = record.getMessage()
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        return logfmt(fields)
