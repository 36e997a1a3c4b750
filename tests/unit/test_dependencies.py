"""The lock (requirements/dev.lock) and ``make audit-deps`` (tools/audit_deps.py).

The lock must pin, with hashes, every dependency pyproject.toml names, at a version its
range allows. The audit's verdicts are judged on pip-audit's own report of this lock from a
machine that cannot reach PyPI's vulnerability data (tests/data/pip_audit, written by
pip-audit), and on a report of a vulnerable package in pip-audit's JSON format.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools.audit_deps import AcceptedVuln, BadExceptions, judge, read_exceptions

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "dev.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
TODAY = dt.date(2026, 12, 7)


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes)."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in LOCK.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = (match[2], 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(n) for n in names]


def test_the_lock_pins_every_declared_dependency_within_its_range_with_hashes() -> None:
    pins = _locked()
    assert len(pins) > 50
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in the lock: run make lock"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (name, version)
    unhashed = [name for name, (_, hashes) in pins.items() if hashes == 0]
    assert unhashed == []


def test_make_setup_and_ci_install_from_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make setup" in ci and "make audit-deps" in ci


def test_unreachable_vulnerability_data_is_said_plainly_and_passes() -> None:
    report = json.loads((ROOT / "tests/data/pip_audit/unreachable.json").read_text())
    skipped = len(report["dependencies"])
    verdict = judge(report, [], TODAY)
    assert verdict.code == 0
    assert verdict.lines == [
        f"not audited: none of the {skipped} locked packages could be audited (pip-audit "
        "cannot reach PyPI's vulnerability data from this machine); nothing is known either "
        "way: run make audit-deps where pypi.org/pypi/*/json is reachable"
    ]


VULNERABLE = {  # pip-audit's JSON format (``--format json``), as the reachable service fills it
    "dependencies": [
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [
                {
                    "id": "GHSA-h5c8-rqwp-cp95",
                    "fix_versions": ["3.1.3"],
                    "aliases": [],
                    "description": "xmlattr filter accepts keys containing spaces",
                },
            ],
        },
        {"name": "pyyaml", "version": "6.0.2", "vulns": []},
        {"name": "private-pkg", "skip_reason": "Dependency not found on PyPI"},
    ],
    "fixes": [],
}


def test_a_known_vulnerability_fails_with_one_line() -> None:
    verdict = judge(VULNERABLE, [], TODAY)
    assert verdict.code == 1
    assert verdict.lines[0].startswith("jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in: 3.1.3)")
    assert verdict.lines[1] == "audited 2 locked packages: 1 with known vulnerabilities"
    assert verdict.lines[2] == "could not be audited (1): private-pkg"


def test_an_exception_holds_until_its_date_then_fails(tmp_path: Path) -> None:
    path = tmp_path / "exceptions.txt"
    path.write_text(
        "# comment\n\nGHSA-aaaa  2026-12-07  not reachable from our code  # trailing\n"
        "GHSA-bbbb  2026-12-06  waiting for upstream\n"
    )
    accepted = read_exceptions(path)
    assert accepted == [
        AcceptedVuln("GHSA-aaaa", dt.date(2026, 12, 7), "not reachable from our code", 3),
        AcceptedVuln("GHSA-bbbb", dt.date(2026, 12, 6), "waiting for upstream", 4),
    ]
    clean = {"dependencies": [{"name": "x", "version": "1", "vulns": []}], "fixes": []}
    verdict = judge(clean, accepted, TODAY)
    assert verdict.code == 1
    assert verdict.lines[0] == (
        "exception line 4: GHSA-bbbb expired on 2026-12-06 (waiting for upstream): upgrade, "
        "or renew it with a new date and reason"
    )
    assert judge(clean, accepted[:1], TODAY).code == 0


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("GHSA-cccc  2027-01-01", "every exception needs an expiry date and a reason"),
        ("GHSA-cccc  soon  because", "field 'expires' = 'soon': not a date"),
    ],
)
def test_a_malformed_exception_names_its_line(tmp_path: Path, line: str, fragment: str) -> None:
    path = tmp_path / "exceptions.txt"
    path.write_text(f"# header\n{line}\n")
    with pytest.raises(BadExceptions, match=f"exceptions.txt:2: .*{re.escape(fragment)}"):
        read_exceptions(path)


def test_the_checked_in_exceptions_file_reads() -> None:
    assert all(e.reason for e in read_exceptions(ROOT / "requirements" / "audit-exceptions.txt"))
