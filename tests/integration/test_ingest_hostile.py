"""Hostile files: refused with one clear line, exit 1, nothing stored, in bounded memory.

The memory tests run ``compliance ingest`` as a real process on files small on disk and
huge once expanded (a 512 MiB line in 0.5 MiB of gzip, a gzip bomb of blank lines) and
measure its peak resident memory: it must stay within 32 MiB of the same command refusing
a one-line file, far below what the file expands to (a 2 GiB line measured 160 MiB against
159 MiB; before the limits, 4.4 GB).
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.bootstrap import App, build_app
from compliance.config import Settings
from compliance.services.registry import register_model_version
from compliance.storage.migrate import upgrade
from tests.conftest import CliResult, table_counts
from tests.hostile import MIB, gzip_repeated, peak_rss_mib
from tests.integration.test_ingest import records, write_jsonl

Cli = Callable[..., CliResult]
GROWTH_MIB = 32  # over the same command refusing a one-line file (its imports: ~160 MiB)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "compliance", *args]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An embedded database (made in process: no extra subprocess) with ``acme`` 1."""
    home = tmp_path_factory.mktemp("hostile") / "home"
    home.mkdir()
    app = build_app(Settings(home=home, database_url=f"sqlite:///{home / 'compliance.db'}"))
    try:
        upgrade(app.engine)
        register_model_version(app.uow_factory, app.clock, "acme", "1")
    finally:
        app.close()
    env = dict(os.environ, COMPLIANCE_HOME=str(home))
    env.pop("COMPLIANCE_DATABASE_URL", None)
    for name in list(env):
        if name.startswith("COMPLIANCE_MAX_"):
            env.pop(name)
    return home, env


@pytest.fixture(scope="module")
def baseline_mib(
    home: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> float:
    """Peak resident memory of the same command refusing a one-line file."""
    tmp = tmp_path_factory.mktemp("baseline")
    tiny = tmp / "tiny.jsonl"
    tiny.write_text('{"item_id": "q1", "correct": tru\n')
    peak, code, _ = peak_rss_mib(
        _cli("ingest", str(tiny), "--model", "acme", "--version", "1"),
        report=tmp / "peak.txt",
        env=home[1],
    )
    assert code == 1
    return peak


def _stored_records(home: Path) -> int:
    with sqlite3.connect(home / "compliance.db") as db:
        runs = db.execute("select count(*) from evaluation_runs").fetchone()[0]
        rows = db.execute("select count(*) from eval_records").fetchone()[0]
    return int(runs) + int(rows)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        (
            "line.jsonl.gz",
            # one 512 MiB line after a good record
            lambda p: gzip_repeated(p, b"a", 512 * MIB, head=b'{"item_id": "q1"}\n'),
            (":2:", "longer than 1048576 bytes", "COMPLIANCE_MAX_LINE_BYTES", "nothing was stored"),
        ),
        (
            "bomb.jsonl.gz",
            # 1 GiB of blank lines (skipped one by one, were they read): ratio ~1000
            lambda p: gzip_repeated(p, b" " * 1023 + b"\n", 1024 * MIB),
            ("expands", "COMPLIANCE_MAX_COMPRESSION_RATIO", "nothing was stored"),
        ),
    ],
)
def test_hostile_gzip_is_refused_in_bounded_memory(
    home: tuple[Path, dict[str, str]],
    baseline_mib: float,
    tmp_path: Path,
    name: str,
    make: Callable[[Path], Path],
    expected: tuple[str, ...],
) -> None:
    where, env = home
    path = make(tmp_path / name)
    assert path.stat().st_size < 4 * MIB
    peak, code, err = peak_rss_mib(
        _cli("ingest", str(path), "--model", "acme", "--version", "1"),
        report=tmp_path / "peak.txt",
        env=env,
    )
    assert code == 1, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert peak < baseline_mib + GROWTH_MIB, f"peak {peak:.0f} MiB, one line {baseline_mib:.0f}"
    assert _stored_records(where) == 0


@pytest.fixture
def registered(cli: Cli) -> None:
    assert cli("models", "register", "acme", "--version", "1").code == 0


def _refused(cli: Cli, app: App, path: Path, *fragments: str) -> str:
    before = table_counts(app)
    result = cli("ingest", str(path), "--model", "acme", "--version", "1")
    assert result.code == 1, result.err
    assert result.err.startswith("error: ") and "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err, (fragment, result.err)
    assert table_counts(app) == before
    return result.err


@pytest.mark.usefixtures("registered")
def test_line_limit_is_a_setting_and_applies_to_csv_too(
    cli: Cli, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_MAX_LINE_BYTES", "1024")
    csv = tmp_path / "long.csv"
    csv.write_text("item_id,raw_response\nq1,short\nq2," + "x" * 2000 + "\n")
    _refused(cli, app, csv, "long.csv:3:", "longer than 1024 bytes", "COMPLIANCE_MAX_LINE_BYTES")
    jsonl = tmp_path / "long.jsonl"
    jsonl.write_text('{"item_id": "q1", "raw_response": "' + "y" * 2000 + '"}\n')
    _refused(cli, app, jsonl, "long.jsonl:1:", "longer than 1024 bytes")
    fits = tmp_path / "fits.jsonl"  # a line of exactly the limit, newline apart, is read
    line = '{"item_id": "q1", "raw_response": "'
    fits.write_text(line + "z" * (1024 - len(line) - 2) + '"}\n')
    assert cli("ingest", str(fits), "--model", "acme", "--version", "1").code == 0


@pytest.mark.usefixtures("registered")
def test_decompressed_bytes_limit_is_a_setting(
    cli: Cli, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = write_jsonl(tmp_path / "many.jsonl", records(12_000))
    assert plain.stat().st_size > MIB
    packed = tmp_path / "many.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    monkeypatch.setenv("COMPLIANCE_MAX_DECOMPRESSED_BYTES", str(MIB))
    _refused(cli, app, packed, "expands to more than 1048576 bytes", "DECOMPRESSED_BYTES")
    # the limit is for decompressed streams: the same bytes uncompressed are read
    assert cli("ingest", str(plain), "--model", "acme", "--version", "1").code == 0


@pytest.mark.usefixtures("registered")
def test_invalid_utf8_is_refused_with_its_line(cli: Cli, app: App, tmp_path: Path) -> None:
    jsonl = tmp_path / "latin.jsonl"
    jsonl.write_bytes(b'{"item_id": "q1"}\n{"item_id": "caf\xe9"}\n')
    _refused(cli, app, jsonl, "latin.jsonl:2:")
    csv = tmp_path / "latin.csv"
    csv.write_bytes(b"item_id\nq1\ncaf\xe9\n")
    _refused(cli, app, csv, "latin.csv:3:", "not UTF-8")


@pytest.mark.usefixtures("registered")
def test_records_per_run_limit_is_a_setting(
    cli: Cli, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "many.jsonl", records(400))  # 1200 records
    monkeypatch.setenv("COMPLIANCE_MAX_RECORDS_PER_RUN", "1000")
    _refused(
        cli,
        app,
        path,
        "many.jsonl:1001:",
        "more than 1000 records (COMPLIANCE_MAX_RECORDS_PER_RUN)",
    )
    monkeypatch.setenv("COMPLIANCE_MAX_RECORDS_PER_RUN", "1200")
    assert cli("ingest", str(path), "--model", "acme", "--version", "1").code == 0
