"""``compliance reports rerender --check``: a stored report's manifest renders again to the
stored bytes, days later, in another process, whatever the clock and SOURCE_DATE_EPOCH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.bootstrap import App
from compliance.config import Settings
from compliance.domain.manifest import ReportManifest
from compliance.reporting.html import IntegrityInfo
from compliance.services import rerender
from compliance.services.audit import AuditRequest, run_audit
from compliance.services.publish import (
    ReportRenderer,
    append_checkpoint,
    ledger_entry_json,
    rotate_key,
)
from compliance.services.rerender import first_difference, rerender_report
from tests.conftest import CliResult
from tests.fake_time import (
    CHILD_AT,
    DAYS_LATER,
    FONTTOOLS_ENV,
    ISSUED,
    ISSUED_AT,
    clock_at,
    use_fonttools_subsetter,
)
from tests.integration.conftest import STAND_IN_PDF, html_and_stand_in_pdf
from tests.integration.test_reports import _prepare_then_checkpoint

Cli = Callable[..., CliResult]


def issue(app: App, model: str, renderer: ReportRenderer | None = None) -> str:
    """Issue the next truth-invariance report of ``model`` at the fake issue time."""
    result = run_audit(
        app.uow_factory,
        lambda: ISSUED_AT,
        AuditRequest(model, "1.0", "truth-invariance"),
        key_path=app.signing_key_path,
        renderer=renderer,
    )
    assert result.report_id is not None
    return result.report_id


@pytest.mark.slow
@pytest.mark.usefixtures("loaded")
def test_a_report_renders_again_byte_for_byte_days_later_in_another_process(
    app: App, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fonts subset by fontTools here and in the children, whatever the machine has: the
    subsetter that writes the clock into them (tests/unit/reporting/test_pdf.py checks the
    machine's own)."""
    use_fonttools_subsetter(monkeypatch)
    with clock_at(ISSUED):  # the real renderer, this process, no SOURCE_DATE_EPOCH
        report_id = issue(app, "steady")
    env = {**os.environ, "COMPLIANCE_HOME": str(settings.home), FONTTOOLS_ENV: "1"}
    env["COMPLIANCE_DATABASE_URL"] = settings.resolved_database_url
    for source_date_epoch in (None, str(int(DAYS_LATER) + 86_400)):
        env.pop("SOURCE_DATE_EPOCH", None)
        if source_date_epoch is not None:
            env["SOURCE_DATE_EPOCH"] = source_date_epoch
        args = ["reports", "rerender", report_id, "--check", "--json"]
        child = subprocess.run(
            [sys.executable, "-c", CHILD_AT, str(DAYS_LATER), *args],
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert child.returncode == 0, (source_date_epoch, child.stdout, child.stderr)
        result = json.loads(child.stdout)
        assert result["equal"] is True and result["report_id"] == report_id
        assert result["rendering_stack"]["font_subsetter"] == "fonttools"
        assert {kind: a["first_difference"] for kind, a in result["artifacts"].items()} == {
            "manifest": None,
            "html": None,
            "pdf": None,
        }


@pytest.mark.usefixtures("loaded")
def test_the_integrity_printed_is_the_one_issued_with(app: App) -> None:
    """Rebuilt from what was stored: across a checkpoint and a key rotation, and for a
    report rendered ahead then again under the lock."""
    issued_with: dict[str, IntegrityInfo] = {}

    def recording(manifest: ReportManifest, integrity: IntegrityInfo) -> tuple[bytes, bytes]:
        assert manifest.report is not None
        issued_with[manifest.report.id] = integrity  # the last rendering is the one stored
        return html_and_stand_in_pdf(manifest, integrity)

    first = issue(app, "steady", recording)
    append_checkpoint(app.uow_factory, lambda: ISSUED_AT, app.signing_key_path)
    rotate_key(app.uow_factory, lambda: ISSUED_AT, app.signing_key_path)
    second = issue(app, "pleaser", recording)
    assert _prepare_then_checkpoint(app, recording) == 5  # rendered as seq 5, stored as 6
    with app.uow_factory() as uow:
        third = str(ledger_entry_json(uow.ledger.entries(kind="report")[-1])["report_id"])
    assert len(issued_with) == 4  # one rendering was not stored
    again: dict[str, IntegrityInfo] = {}

    def recording_again(manifest: ReportManifest, integrity: IntegrityInfo) -> tuple[bytes, bytes]:
        assert manifest.report is not None
        again[manifest.report.id] = integrity
        return html_and_stand_in_pdf(manifest, integrity)

    for report_id in (first, second, third):
        result = rerender_report(app.uow_factory, report_id, renderer=recording_again)
        assert result.equal, result.artifacts
    assert again == {report_id: issued_with[report_id] for report_id in (first, second, third)}
    assert again[first].key_id != again[second].key_id
    assert again[second].ledger_seq == 4 and again[first].prev_hash is None
    assert again[third].ledger_seq == 6


@pytest.mark.usefixtures("loaded")
def test_a_rendering_that_differs_is_named_with_its_first_offset(app: App) -> None:
    report_id = issue(app, "steady", html_and_stand_in_pdf)

    def other_html(manifest: ReportManifest, integrity: IntegrityInfo) -> tuple[bytes, bytes]:
        html, pdf = html_and_stand_in_pdf(manifest, integrity)
        return html[:1000] + b"X" + html[1001:], pdf

    result = rerender_report(app.uow_factory, report_id, renderer=other_html)
    assert not result.equal and result.differing == ["html"]
    html = result.artifacts["html"]
    assert html.first_difference == 1000 and html.stored_size == html.rendered_size
    assert html.stored_sha256 != html.rendered_sha256
    assert result.artifacts["pdf"].equal and result.artifacts["manifest"].equal


@pytest.mark.usefixtures("loaded")
def test_the_command_line_check(
    cli: Cli, app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    report_id = issue(app, "steady", html_and_stand_in_pdf)
    monkeypatch.setattr(rerender, "render_report", html_and_stand_in_pdf)
    same = cli("reports", "rerender", report_id, "--check")
    assert same.code == 0, same.err
    assert "equal the stored bytes" in same.out and "font_subsetter" in same.out

    altered = STAND_IN_PDF[:9] + b"!" + STAND_IN_PDF[10:]
    monkeypatch.setattr(
        rerender, "render_report", lambda m, i: (html_and_stand_in_pdf(m, i)[0], altered)
    )
    differs = cli("reports", "rerender", report_id, "--check")
    assert differs.code == 1
    assert "pdf differ from the stored bytes" in differs.out
    assert "pdf      differs at byte 9 " in differs.out and "html     equal" in differs.out
    data = json.loads(cli("reports", "rerender", report_id, "--check", "--json").out)
    assert data["equal"] is False and data["artifacts"]["pdf"]["first_difference"] == 9

    written = cli("reports", "rerender", report_id, "--out", str(tmp_path))  # no --check
    assert written.code == 0
    assert (tmp_path / f"{report_id}-v1.rerendered.pdf").read_bytes() == altered

    unknown = cli("reports", "rerender", "rep_nope", "--check")
    assert unknown.code == 2 and "no report 'rep_nope'" in unknown.err
    nothing = cli("reports", "rerender", report_id)
    assert nothing.code == 2 and "--check" in nothing.err


def test_first_difference() -> None:
    assert first_difference(b"abc", b"abc") is None
    assert first_difference(b"abc", b"abd") == 2
    assert first_difference(b"abc", b"abcd") == 3  # one is a prefix of the other
    zeros = bytes(10_000)
    assert first_difference(zeros, zeros[:9_000] + b"\x01" + zeros[9_001:]) == 9_000
