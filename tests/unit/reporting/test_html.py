"""The HTML report: sections in DESIGN.md's order, summary worst first, escaping, purity."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from compliance.domain.manifest import ReportManifest, manifest_sha256
from compliance.reporting._format import verdict_rank
from compliance.reporting.html import SECTION_IDS, IntegrityInfo, render_html
from tests.unit.reporting.synthetic import HOSTILE


def section(html: str, name: str) -> str:
    start = html.index(f'id="sec-{name}"')
    following = [html.find(f'id="sec-{other}"', start + 1) for other in SECTION_IDS]
    ends = [i for i in following if i > start]
    return html[start : min(ends) if ends else len(html)]


@pytest.mark.parametrize("name", ["bbq_manifest", "truth_manifest", "synthetic"])
def test_all_ten_sections_in_order(name: str, html_of: dict[str, str]) -> None:
    html = html_of[name]
    positions = [html.index(f'<section id="sec-{sid}"') for sid in SECTION_IDS]
    assert positions == sorted(positions)
    numbers = re.findall(
        r'<section id="sec-[a-z]+" class="report-section[^"]*" data-section="(\d+)"', html
    )
    assert numbers == [str(i) for i in range(1, 11)]
    assert html.index('id="sec-appendix"') > positions[-1]
    for title in ("1 Identity", "2 Executive summary", "7 Findings", "10 Integrity"):
        assert f"<h2>{title}</h2>" in html


@pytest.mark.parametrize("name", ["bbq_manifest", "truth_manifest", "synthetic"])
def test_summary_lines_worst_first(
    name: str, request: pytest.FixtureRequest, html_of: dict[str, str]
) -> None:
    manifest: ReportManifest = request.getfixturevalue(name)
    summary = section(html_of[name], "summary")
    shown = re.findall(r'class="summary-line" data-verdict="([a-z_]+)"', summary)
    assert shown == [line.verdict for line in manifest.summary.lines]
    assert [verdict_rank(v) for v in shown] == sorted(verdict_rank(v) for v in shown)
    rules = re.findall(r"<td><code>([a-z0-9._-]+)</code></td>", summary)
    assert rules == [line.rule_id for line in manifest.summary.lines]
    word = {"fail": "FAIL", "pass": "PASS", "inconclusive": "INCONCLUSIVE"}[
        manifest.summary.verdict
    ]
    assert 'verdict-big"><span class="verdict-shape" aria-hidden="true">' in summary
    assert word in summary


def test_identity_names_every_run_and_the_policy(
    truth_manifest: ReportManifest, html_of: dict[str, str]
) -> None:
    identity = section(html_of["truth_manifest"], "identity")
    for run in truth_manifest.identity.runs:
        assert run.sha256 in identity
        assert run.id in identity
    assert truth_manifest.identity.policy.sha256 in identity
    assert truth_manifest.identity.code_version in identity
    assert "not yet issued" in identity


def test_issued_report_identity_and_integrity(
    synthetic_html: str, synthetic: ReportManifest
) -> None:
    identity = section(synthetic_html, "identity")
    assert "rep_toy_v3" in identity and "rep_toy_v2" in identity
    integrity = section(synthetic_html, "integrity")
    assert manifest_sha256(synthetic) in integrity
    assert "b" * 128 in integrity and "c" * 64 in integrity
    assert "<td>7</td>" in integrity
    assert "not yet issued" not in integrity


def test_unissued_integrity_says_so(bbq_manifest: ReportManifest, html_of: dict[str, str]) -> None:
    integrity = section(html_of["bbq_manifest"], "integrity")
    assert "not yet issued" in integrity
    assert manifest_sha256(bbq_manifest) in integrity


def test_manifest_text_is_escaped(synthetic_html: str) -> None:
    assert HOSTILE not in synthetic_html
    assert "&lt;b&gt;p&amp;c&lt;/b&gt; $x$" in synthetic_html


def test_sections_present_and_absent(html_of: dict[str, str], synthetic_html: str) -> None:
    html = html_of["bbq_manifest"]
    assert "Not measured in this audit" in section(html, "truth")
    assert "bbq.bias_score.ambiguous" in section(html, "benchmarks")
    truth = section(synthetic_html, "truth")
    assert "By persona" in truth and "By gender×age_band" in truth
    assert "✱ yes" in truth  # the significant drop
    assert "Not measured in this audit" in section(synthetic_html, "benchmarks")


def test_findings_show_every_rule(synthetic: ReportManifest, synthetic_html: str) -> None:
    findings = section(synthetic_html, "findings")
    for f in synthetic.findings:
        block = findings[findings.index(f'id="finding-{f.rule_id}"') :]
        block = block[: block.index("</table>")]
        assert f.metric in block and f.mode in block and f.reason.split(":")[0] in block
        assert f"{f.comparison} " in block.replace("&gt;", ">").replace("&lt;", "<")


def test_trend_shows_changes_since_previous(synthetic_html: str) -> None:
    trend = section(synthetic_html, "trend")
    assert "What changed since version 2" in trend
    assert "+0.1925" in trend  # drop: 0.2125 − 0.02, exact decimal
    assert "(changed)" in trend
    assert "old-rule" in trend  # no longer in the policy
    assert "<svg" in trend


def test_first_version_has_no_trend(html_of: dict[str, str]) -> None:
    assert "first version of the series" in section(html_of["bbq_manifest"], "trend")


def test_print_css_promises(synthetic_html: str) -> None:
    css = synthetic_html[: synthetic_html.index("</style>")]
    for rule in (
        "size: A4",
        'counter(page) " of " counter(pages)',
        "target-counter(attr(href), page)",
        "tr { break-inside: avoid",
        "thead { display: table-header-group; }",
        "position: running(rhmodel)",
    ):
        assert rule in css
    assert '<meta name="dcterms.created" content="2026-11-23T02:00:05Z">' in synthetic_html
    assert 'class="rh-report">report v3<' in synthetic_html


def test_appendix_defines_every_catalog_metric(synthetic_html: str) -> None:
    from compliance.domain.metric_catalog import CATALOG

    appendix = synthetic_html[synthetic_html.index('id="sec-appendix"') :]
    for metric_id, spec in CATALOG.items():
        assert f"<code>{metric_id}</code>" in appendix
        assert spec.title in appendix


def test_deterministic_and_unique_ids(synthetic: ReportManifest, synthetic_html: str) -> None:
    integrity = IntegrityInfo(
        "a" * 64, "b" * 128, "c" * 64, "d" * 64, 7, "e" * 64, "2026-11-23T02:00:09Z"
    )
    assert render_html(synthetic, integrity=integrity) == synthetic_html
    ids = re.findall(r'\sid="([^"]+)"', synthetic_html)
    assert len(ids) == len(set(ids))


def test_the_order_dicts_were_built_in_does_not_show(
    truth_manifest: ReportManifest, html_of: dict[str, str]
) -> None:
    """An audit builds the manifest's dicts in its own order; the stored manifest reads
    back in canonical (sorted) order: both are the same manifest and the same page."""
    data = truth_manifest.data
    assert len(data.excluded) >= 2
    reordered = truth_manifest.model_copy(
        update={"data": data.model_copy(update={"excluded": dict(reversed(data.excluded.items()))})}
    )
    assert list(reordered.data.excluded) != list(data.excluded) and reordered == truth_manifest
    assert render_html(reordered) == html_of["truth_manifest"]


def test_reporting_imports_no_storage_or_frameworks() -> None:
    code = (
        "import sys\n"
        "import compliance.reporting.html, compliance.reporting.pdf, compliance.reporting.charts\n"
        "import compliance.reporting.ledger, compliance.reporting.bundle\n"
        "import compliance.reporting.verify, compliance.reporting.diff\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'sqlalchemy', 'fastapi', 'typer'}"
        " or m.startswith(('compliance.storage', 'compliance.services', 'compliance.cli',"
        " 'compliance.api'))]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
