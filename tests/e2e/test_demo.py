"""``compliance demo``: the whole flow on the bundled data, twice."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.domain.manifest import ReportManifest
from compliance.paths import bundled_data
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.mark.slow
def test_demo_audits_every_bundled_model(cli: Cli, tmp_path: Path) -> None:
    result = cli("demo", "--json")
    assert result.code == 0, result.err
    demo = json.loads(result.out)
    assert len(demo["runs"]) == 14 and all(run["created"] for run in demo["runs"])
    verdicts = {(a["model"], a["version"], a["policy"]): a["verdict"] for a in demo["audits"]}
    assert verdicts[("steady-assistant", "1.0", "truth-invariance@1.0")] == "pass"
    assert verdicts[("steady-assistant", "1.0", "personalization@1.0")] == "pass"
    assert verdicts[("pleaser-assistant", "1.0", "truth-invariance@1.0")] == "fail"
    assert verdicts[("pleaser-assistant", "1.0", "personalization@1.0")] == "fail"
    assert verdicts[("unifiedqa-t5-11b", "race", "bias-benchmark@1.0")] == "fail"
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
