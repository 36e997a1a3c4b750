"""The report's "Regulatory mapping" and "Sign-off" sections (reports issued with a mapping);
the PDF pages are rasterized to PNG for a person to look at (/tmp/report-shots)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from compliance.domain.manifest import ReportManifest, canonical_bytes
from compliance.domain.regimes import load_catalogue, map_findings, to_manifest
from compliance.paths import bundled_data
from compliance.reporting.html import IntegrityInfo, render_html
from compliance.reporting.pdf import render_pdf

SHOTS = Path("/tmp/report-shots")


def mapped(manifest: ReportManifest, regimes: list[str]) -> ReportManifest:
    findings = [(f.rule_id, f.metric, f.verdict) for f in manifest.findings]
    mapping = map_findings(
        load_catalogue(bundled_data("regimes")), regimes, findings, dt.date(2026, 12, 7)
    )
    return manifest.model_copy(update={"regulatory_mapping": to_manifest(mapping)})


def test_a_manifest_without_a_mapping_keeps_its_bytes_and_its_sections(
    synthetic: ReportManifest,
) -> None:
    assert synthetic.regulatory_mapping is None
    assert b"regulatory_mapping" not in canonical_bytes(synthetic)
    html = render_html(synthetic)
    assert 'id="sec-mapping"' not in html and 'id="sec-signoff"' not in html


def test_the_mapping_and_sign_off_sections(synthetic: ReportManifest) -> None:
    manifest = mapped(synthetic, ["eu-ai-act", "colorado-sb24-205"])
    html = render_html(manifest)
    mapping = html[html.index('id="sec-mapping"') : html.index('id="sec-signoff"')]
    assert "11 Regulatory mapping" in mapping and "Art. 10(2)(f)" in mapping
    assert "Not yet applicable on the issue date: 2027-12-02" in mapping
    assert "superseded by Colorado SB 26-189" in mapping
    assert "Art. 10(5)" in mapping and "Not covered: Art. 10(5)" in mapping
    rules = {f.rule_id for f in manifest.findings}
    shown = set(
        re.findall(r"([a-z0-9-]+) \((?:pass|fail|inconclusive|insufficient data)\)", mapping)
    )
    assert shown and shown <= rules
    signoff = html[html.index('id="sec-signoff"') :]
    assert "12 Sign-off" in signoff and signoff.count("<tr><td>&nbsp;</td>") == 3
    # a manifest read back from its canonical bytes renders the same page
    again = ReportManifest.model_validate_json(canonical_bytes(manifest))
    assert render_html(again) == html


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_pdf_has_the_mapping_and_a_sign_off_page(
    synthetic: ReportManifest, integrity: IntegrityInfo, tmp_path: Path
) -> None:
    manifest = mapped(synthetic, ["eu-ai-act", "nist-ai-rmf"])
    source = tmp_path / "report.pdf"
    source.write_bytes(render_pdf(render_html(manifest, integrity=integrity)))
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[:-1]
    mapping_pages = [n for n, p in enumerate(pages, 1) if "11 Regulatory mapping" in p]
    signoff_pages = [n for n, p in enumerate(pages, 1) if "12 Sign-off" in p]
    assert mapping_pages and signoff_pages
    signoff = pages[signoff_pages[-1] - 1]
    assert "11 Regulatory mapping" not in signoff  # its own page
    assert "Name" in signoff and "Signature" in signoff
    assert "MEASURE 2.11" in "".join(
        pages[n - 1] for n in range(mapping_pages[-1], signoff_pages[-1])
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, number in (("mapping", mapping_pages[-1]), ("signoff", signoff_pages[-1])):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number),
             "-singlefile", str(source), str(SHOTS / name)],
            check=True,
        )  # fmt: skip
        assert (SHOTS / f"{name}.png").read_bytes().startswith(b"\x89PNG")
