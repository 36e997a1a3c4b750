"""``compliance demo``: the whole flow on the project's own data, and with the user's BBQ."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.domain.manifest import ReportManifest
from compliance.paths import bundled_data
from tests.conftest import BACKEND, CliResult

Cli = Callable[..., CliResult]


@pytest.mark.slow
def test_demo_audits_every_bundled_model(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPLIANCE_DEMO_BBQ_DIR", raising=False)
    result = cli("demo", "--json")
    assert result.code == 0, result.err
    demo = json.loads(result.out)
    assert demo["verified"] is True
    assert len(demo["runs"]) == 2 and all(run["created"] for run in demo["runs"])
    verdicts = {(a["model"], a["version"], a["policy"]): a["verdict"] for a in demo["audits"]}
    assert verdicts[("steady-assistant", "1.0", "truth-invariance@2.1")] == "pass"
    assert verdicts[("steady-assistant", "1.0", "personalization@1.0")] == "pass"
    assert verdicts[("pleaser-assistant", "1.0", "truth-invariance@2.1")] == "fail"
    assert verdicts[("pleaser-assistant", "1.0", "personalization@1.0")] == "fail"
    assert not any(model == "unifiedqa-t5-11b" for model, _, _ in verdicts)  # no BBQ shipped
    for audit in demo["audits"]:
        manifest = ReportManifest.model_validate_json(Path(audit["manifest"]).read_bytes())
        assert manifest.identity.audit_id == audit["audit"]
        assert cli("reports", "verify", audit["bundle"]).code == 0
    _pages_are_not_blank([Path(a["pdf"]) for a in demo["audits"]], tmp_path)
    # the bundled data again is nothing new
    again = cli(
        "ingest",
        str(bundled_data("personalized") / "steady.jsonl.gz"),
        "--model",
        "steady-assistant",
        "--version",
        "1.0",
        "--json",
    )
    assert json.loads(again.out)["created"] is False
    reports = json.loads(cli("reports", "list", "--json").out)
    assert len(reports) == len(demo["audits"])


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "sqlite", reason="the BBQ part does not depend on the database")
def test_demo_adds_bbq_from_the_users_copy(
    cli: Cli, bbq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPLIANCE_DEMO_BBQ_DIR", raising=False)
    plain = cli("demo")
    assert plain.code == 0, plain.err
    assert "compliance demo --bbq-dir DIR" in plain.err  # says in one line how to add BBQ
    result = cli("demo", "--bbq-dir", str(bbq_dir), "--json")
    assert result.code == 0, result.err
    demo = json.loads(result.out)
    created = [run for run in demo["runs"] if run["created"]]  # 6 categories x 2 formats
    assert len(created) == 12 and {run["model"] for run in created} == {"unifiedqa-t5-11b"}
    verdicts = {(a["model"], a["version"], a["policy"]): a["verdict"] for a in demo["audits"]}
    # UnifiedQA's answers follow the stereotype in ambiguous contexts (Parrish et al.)
    assert verdicts[("unifiedqa-t5-11b", "race", "bias-benchmark@1.0")] == "fail"
    assert verdicts[("unifiedqa-t5-11b", "arc", "bias-benchmark@1.0")] == "fail"
    wrong = cli("demo", "--bbq-dir", str(bbq_dir / "absent"))
    assert wrong.code == 1 and "no such directory" in wrong.err


def _pages_are_not_blank(pdfs: list[Path], tmp_path: Path) -> None:
    """Each PDF turned into PNG pages by pdftoppm: several pages, none of them blank."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    from PIL import Image

    for pdf in pdfs:
        prefix = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(prefix)], check=True)
        pages = sorted(tmp_path.glob(f"{pdf.stem}-*.png"))
        assert len(pages) >= 6, pdf.name
        for page in pages:
            with Image.open(page) as image:
                darkest, _ = image.convert("L").getextrema()
            assert darkest < 128, f"{page.name} is blank"
