"""``make audit-deps``: the locked dependencies against known vulnerabilities, with pip-audit.

Usage: ``python tools/audit_deps.py LOCK EXCEPTIONS``. Runs ``pip-audit`` on the lock
(``--disable-pip --require-hashes``: the pinned versions as written, nothing installed) and
judges its JSON report:

- a known vulnerability not excepted: one line per vulnerability, exit 1;
- every package "could not be audited" (PyPI's vulnerability data is unreachable, as from
  the project's machines, which reach only the package indexes): says so plainly, exit 0;
- otherwise: how many were audited, and which could not be, exit 0.

Exceptions live in EXCEPTIONS, one a line: ``ID  EXPIRES  reason`` (``EXPIRES`` is a date,
``YYYY-MM-DD``; ``#`` starts a comment). An exception is passed to pip-audit as
``--ignore-vuln`` until its date; from the day after, it is void and the audit fails
(exit 1), so an exception is looked at again or removed. A malformed line: exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["AcceptedVuln", "Verdict", "judge", "main", "read_exceptions"]


@dataclass(frozen=True)
class AcceptedVuln:
    """One accepted vulnerability: its id, until when, and why."""

    vuln_id: str
    expires: dt.date
    reason: str
    line: int


@dataclass(frozen=True)
class Verdict:
    code: int
    lines: list[str]


class BadExceptions(ValueError):
    """A line of the exceptions file that cannot be read."""


def read_exceptions(path: Path) -> list[AcceptedVuln]:
    """The exceptions of ``path`` (none when it does not exist)."""
    if not path.exists():
        return []
    found: list[AcceptedVuln] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        parts = text.split(None, 2)
        if len(parts) < 3:
            raise BadExceptions(
                f"{path}:{number}: expected 'ID  YYYY-MM-DD  reason', got {text!r}: "
                "every exception needs an expiry date and a reason"
            )
        vuln_id, expires, reason = parts
        try:
            day = dt.date.fromisoformat(expires)
        except ValueError:
            raise BadExceptions(
                f"{path}:{number}: field 'expires' = {expires!r}: not a date (YYYY-MM-DD)"
            ) from None
        found.append(AcceptedVuln(vuln_id, day, reason, number))
    return found


def judge(report: dict[str, Any], exceptions: list[AcceptedVuln], today: dt.date) -> Verdict:
    """The verdict on pip-audit's JSON ``report`` (run with the unexpired exceptions
    ignored) and on the exceptions themselves."""
    lines: list[str] = []
    code = 0
    for item in exceptions:
        if item.expires < today:
            lines.append(
                f"exception line {item.line}: {item.vuln_id} expired on {item.expires} "
                f"({item.reason}): upgrade, or renew it with a new date and reason"
            )
            code = 1
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            lines.append(
                f"{dependency['name']} {dependency.get('version', '?')}: {vuln['id']} "
                f"(fixed in: {fixes}); upgrade it in pyproject.toml and run make lock, or add "
                "an exception with a reason and an expiry date"
            )
            code = 1
    if dependencies and not audited:
        lines.append(
            f"not audited: none of the {len(skipped)} locked packages could be audited "
            "(pip-audit cannot reach PyPI's vulnerability data from this machine); nothing "
            "is known either way: run make audit-deps where pypi.org/pypi/*/json is reachable"
        )
    else:
        vulnerable = sum(1 for d in audited if d.get("vulns"))
        lines.append(
            f"audited {len(audited)} locked packages: {vulnerable} with known vulnerabilities"
        )
        if skipped:
            names = ", ".join(sorted(d["name"] for d in skipped))
            lines.append(f"could not be audited ({len(skipped)}): {names}")
    return Verdict(code, lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: audit_deps.py LOCK EXCEPTIONS", file=sys.stderr)
        return 2
    lock, exceptions_path = Path(argv[0]), Path(argv[1])
    try:
        exceptions = read_exceptions(exceptions_path)
    except BadExceptions as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    today = dt.datetime.now(dt.UTC).date()
    ignore = [f"--ignore-vuln={e.vuln_id}" for e in exceptions if e.expires >= today]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        ran = subprocess.run(  # noqa: S603  (our own arguments)
            [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                str(lock),
                "--disable-pip",
                "--require-hashes",
                "--format",
                "json",
                "--progress-spinner",
                "off",
                "--output",
                str(out),
                *ignore,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if not out.exists():
            print(f"error: pip-audit failed (exit {ran.returncode}): {ran.stderr.strip()}")
            return 2
        report = json.loads(out.read_text())
    verdict = judge(report, exceptions, today)
    for line in verdict.lines:
        print(line)
    return verdict.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
