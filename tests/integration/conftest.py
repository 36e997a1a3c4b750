"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from compliance.bootstrap import App
from compliance.domain.manifest import ReportManifest
from compliance.paths import bundled_data
from compliance.reporting.html import IntegrityInfo, render_html
from compliance.services import publish
from compliance.services.policies import add_policy
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.fixture
def loaded(cli: Cli, app: App) -> None:
    """Both simulated assistants ingested and the shipped policies added."""
    for model in ("steady", "pleaser"):
        assert cli("models", "register", model, "--version", "1.0").code == 0
        path = bundled_data("personalized") / f"{model}.jsonl.gz"
        result = cli("ingest", str(path), "--model", model, "--version", "1.0")
        assert result.code == 0, result.err
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(app.uow_factory, app.clock, path)


STAND_IN_PDF = b"%PDF-1.7\n% stand-in: this test reads the HTML and the ledger\n%%EOF\n"


def html_and_stand_in_pdf(
    manifest: ReportManifest, integrity: IntegrityInfo
) -> tuple[bytes, bytes]:
    """The real HTML of the report and a stand-in PDF, for tests that read the HTML, the
    ledger or the verdicts (a real PDF costs seconds a report; tests/unit/reporting/test_pdf,
    the bundle test of test_reports and the demo render real ones)."""
    return render_html(manifest, integrity=integrity).encode("utf-8"), STAND_IN_PDF


@pytest.fixture
def stand_in_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports issued through the command line get :func:`html_and_stand_in_pdf`."""
    monkeypatch.setattr(publish, "render_report", html_and_stand_in_pdf)
