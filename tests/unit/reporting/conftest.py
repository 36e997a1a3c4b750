"""Fixtures of the reporting tests: manifests of real audits and a synthetic one, rendered once."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from compliance.domain.manifest import ReportManifest
from compliance.reporting.html import IntegrityInfo, render_html
from tests.bbq_files import bbq_audit_manifest
from tests.unit.reporting.synthetic import synthetic_manifest

DATA = Path(__file__).resolve().parents[2] / "data" / "reporting"


def embedded_fonts(pdf: bytes) -> list[bytes]:
    """The font programs embedded in ``pdf`` (its sfnt streams, inflated)."""
    fonts = []
    for match in re.finditer(rb"\d+ 0 obj\n<<(.*?)>>\nstream\n", pdf, re.S):
        length = re.search(rb"/Length (\d+)", match.group(1))
        assert length is not None
        data = pdf[match.end() : match.end() + int(length.group(1))]
        if b"/FlateDecode" in match.group(1):
            data = zlib.decompress(data)
        if data[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            fonts.append(data)
    return fonts


def load(name: str) -> ReportManifest:
    return ReportManifest.model_validate_json((DATA / name).read_bytes())


@pytest.fixture(scope="session")
def bbq_manifest(tmp_path_factory: pytest.TempPathFactory) -> ReportManifest:
    """A simulated model on BBQ-format items of our own, audited by the real pipeline
    against bias-benchmark (section B only; ``tests.bbq_files``)."""
    home = tmp_path_factory.mktemp("bbq-audit")
    return ReportManifest.model_validate_json(bbq_audit_manifest(home))


@pytest.fixture(scope="session")
def truth_manifest() -> ReportManifest:
    """`compliance demo`: pleaser-assistant against truth-invariance (sections A and D)."""
    return load("manifest_truth.json")


@pytest.fixture(scope="session")
def synthetic() -> ReportManifest:
    return synthetic_manifest()


@pytest.fixture(scope="session")
def integrity() -> IntegrityInfo:
    return IntegrityInfo(
        manifest_sha256="a" * 64,
        manifest_signature="b" * 128,
        key_id="c" * 64,
        public_key="d" * 64,
        ledger_seq=7,
        prev_hash="e" * 64,
        issued_at="2026-11-23T02:00:09Z",
    )


@pytest.fixture(scope="session")
def html_of(
    bbq_manifest: ReportManifest, truth_manifest: ReportManifest, synthetic: ReportManifest
) -> dict[str, str]:
    """Each fixture manifest rendered once, without integrity information."""
    manifests = {"bbq_manifest": bbq_manifest, "truth_manifest": truth_manifest}
    manifests["synthetic"] = synthetic
    return {name: render_html(m) for name, m in manifests.items()}


@pytest.fixture(scope="session")
def synthetic_html(synthetic: ReportManifest, integrity: IntegrityInfo) -> str:
    return render_html(synthetic, integrity=integrity)
