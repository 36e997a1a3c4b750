"""One record per line: whatever a value holds, ``logfmt`` keeps it on the record's line,
and a reader gets the value back (cut to the cap)."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from compliance.logline import MAX_VALUE, capped, logfmt

_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ ]+)')


def parse(line: str) -> dict[str, str]:
    """A logfmt reader: bare values as they are, quoted ones as JSON strings."""
    fields = {}
    for key, raw in _PAIR.findall(line):
        fields[key] = json.loads(raw) if raw.startswith('"') else raw
    assert " ".join(f"{k}={v}" for k, v in _PAIR.findall(line)) == line  # nothing in between
    return fields


@given(st.text(max_size=MAX_VALUE), st.text(max_size=40))
def test_any_value_stays_on_the_line_and_reads_back(value: str, other: str) -> None:
    line = logfmt({"path": value, "status": 404, "client": other})
    assert len(line.splitlines()) == 1 and line.isprintable() and line.isascii()
    assert parse(line) == {"path": value, "status": "404", "client": other}


def test_a_forged_record_stays_inside_its_value() -> None:
    forged = "/api/v1/reports/x\nINFO:     127.0.0.1 GET /api/v1/reports/rep_forged 200"
    for value in (
        forged,
        forged.replace("\n", "\r\n"),
        "/x\x1b[31mred\x1b[0m",
        "/x\u2028y\x85z\x7f",
    ):
        line = logfmt({"method": "GET", "path": value, "status": 404})
        assert "\n" not in line and "\r" not in line and "\x1b" not in line
        assert len(line.splitlines()) == 1 and line.isprintable()
        assert parse(line)["path"] == value
    assert logfmt({"path": forged}).startswith('path="/api/v1/reports/x\\nINFO:')


def test_values_are_capped_but_a_traceback_is_not() -> None:
    line = logfmt({"path": "/" + "a" * 10_000, "exc": "Traceback\n" + "b" * 5000})
    fields = parse(line)
    assert fields["path"] == "/" + "a" * (MAX_VALUE - 1) + "...(+9489 chars)"
    assert fields["exc"] == "Traceback\n" + "b" * 5000
    assert capped("short") == "short" and capped("abcdef", 3) == "abc...(+3 chars)"


def test_simple_values_stay_bare() -> None:
    assert logfmt({"method": "GET", "status": 200, "ms": 1.5, "none": None}) == (
        "method=GET status=200 ms=1.500"
    )
    assert logfmt({"a": "", "b": "x y", "c": 'q"', "d": "k=v"}) == ('a="" b="x y" c="q\\"" d="k=v"')
