"""An attestation is rendered as its own one-page PDF certificate; the report's PDF stays."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.bootstrap import App
from tests.conftest import CliResult
from tests.integration.test_attestations import _officer, _report

Cli = Callable[..., CliResult]

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils not installed",
)


def _text(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    [line] = [x for x in info.stdout.splitlines() if x.startswith("Pages:")]
    return int(line.split()[1])


def _stored_pdf(cli: Cli, report: str, out: Path) -> str:
    done = cli("reports", "export", report, "--format", "pdf", "--out", str(out))
    assert done.code == 0, done.err
    return hashlib.sha256(out.read_bytes()).hexdigest()


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_the_certificate_names_everything_and_the_report_pdf_never_changes(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    report = _report(cli)
    before = _stored_pdf(cli, report, tmp_path / "before.pdf")
    officer, key = _officer(cli, tmp_path)
    signed = cli(
        "reports", "sign", report, "--officer", officer, "--key", str(key),
        "--statement", "approved-with-exceptions", "--justification", "BBQ gap <tracked>",
        "--json",
    )  # fmt: skip
    assert signed.code == 0, signed.err
    attestation = json.loads(signed.out)
    assert _stored_pdf(cli, report, tmp_path / "after.pdf") == before

    first = tmp_path / "first.pdf"
    done = cli("reports", "certificate", report, "--attestation", attestation["id"],
               "--out", str(first))  # fmt: skip
    assert done.code == 0, done.err
    assert _pages(first) == 1
    with app.uow_factory() as uow:
        stored = uow.reports.get(report)
        assert stored is not None
        entry = uow.ledger.entry_for_report(stored.id)
        assert entry is not None
        report_hash = entry.entry_hash
    text = " ".join(_text(first).split())
    for expected in (
        report, "Ada Lovelace", "Chief Compliance Officer", officer,
        "approved-with-exceptions", "BBQ gap <tracked>", attestation["time"], "✓ verified",
    ):  # fmt: skip
        assert expected in text, expected
    # hashes may wrap across lines
    squeezed = "".join(text.split())
    for digest in (report_hash, attestation["entry_hash"], attestation["officer_key_id"]):
        assert digest in squeezed, digest
    # rendered again (another process would give the same): the same bytes
    second = tmp_path / "second.pdf"
    again = cli("reports", "certificate", report, "--attestation", attestation["id"],
                "--out", str(second))  # fmt: skip
    assert again.code == 0, again.err
    assert second.read_bytes() == first.read_bytes()
    # into a directory: named after the report and the attestation
    into = tmp_path / "dir"
    into.mkdir()
    assert cli("reports", "certificate", report, "--attestation", attestation["id"],
               "--out", str(into)).code == 0  # fmt: skip
    assert [p.name for p in into.iterdir()] == [f"{report}-{attestation['id']}.certificate.pdf"]
    assert _stored_pdf(cli, report, tmp_path / "last.pdf") == before


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_an_unknown_attestation_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    report = _report(cli)
    out = tmp_path / "out"
    out.mkdir()
    done = cli("reports", "certificate", report, "--attestation", "att_nope", "--out", str(out))
    assert done.code != 0
    assert "att_nope" in done.err and "compliance reports attestations" in done.err
    assert list(out.iterdir()) == []
