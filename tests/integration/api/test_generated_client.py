"""The document is only right when a client generated from it works: the Python client in
``tests/data/openapi_client`` was written by a standard generator (openapi-python-client,
``generate.sh`` there) from ``schemas/openapi.json``; this test checks it was generated
from the current document, then uses it against the live service as a regulator: list the
reports, read one, parse its manifest into the generated model, download its PDF (whole
and a range, then revalidated) and its bundle, and verify the bundle offline."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from compliance.api.openapi import openapi_path
from compliance.reporting.verify import INTACT, verify_bundle
from tests.integration.api.world import World

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parents[2] / "data" / "openapi_client"


def test_the_committed_client_is_generated_from_the_current_document() -> None:
    current = hashlib.sha256(openapi_path().read_bytes()).hexdigest()
    recorded = (HERE / "document.sha256").read_text(encoding="utf-8").strip()
    assert recorded == current, "regenerate: bash tests/data/openapi_client/generate.sh"


@pytest.fixture
def generated() -> Iterator[ModuleType]:
    sys.path.insert(0, str(HERE))
    try:
        import compliance_regulator_client

        yield compliance_regulator_client
    finally:
        sys.path.remove(str(HERE))


def test_a_generated_client_reads_reports_and_verifies_a_bundle(
    generated: ModuleType, base_url: str, world: World
) -> None:
    from compliance_regulator_client.api.reports import (
        get_artifact_api_v1_reports_report_id_artifacts_kind_get as get_artifact,
    )
    from compliance_regulator_client.api.reports import (
        get_bundle_api_v1_reports_report_id_bundle_get as get_bundle,
    )
    from compliance_regulator_client.api.reports import (
        get_report_api_v1_reports_report_id_get as get_report,
    )
    from compliance_regulator_client.api.reports import (
        list_reports_api_v1_reports_get as list_reports,
    )
    from compliance_regulator_client.models import ArtifactKind, ReportManifest, ReportPage

    client = generated.AuthenticatedClient(base_url=base_url, token=world.tokens["regulator"])
    page = list_reports.sync(client=client, limit=100)
    assert isinstance(page, ReportPage) and len(page.items) == len(world.reports)
    newest = page.items[0]
    detail = get_report.sync(newest.id, client=client)
    assert detail.id == newest.id and detail.manifest_sha256 == newest.manifest_sha256
    kinds = {a.kind: a for a in detail.artifacts}
    assert set(kinds) == {"pdf", "html", "json"}

    manifest_text = get_artifact.sync(newest.id, ArtifactKind.JSON, client=client)
    manifest = ReportManifest.from_dict(json.loads(manifest_text))  # the declared model
    assert manifest.identity.model.name == newest.model.name
    assert manifest.to_dict() == json.loads(manifest_text)  # nothing the model does not know

    pdf = get_artifact.sync_detailed(newest.id, ArtifactKind.PDF, client=client)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == kinds["pdf"].sha256
    part = get_artifact.sync_detailed(
        newest.id, ArtifactKind.PDF, client=client, range_="bytes=0-9"
    )
    assert part.status_code == 206 and part.content == pdf.content[:10]
    etag = pdf.headers["etag"]
    same = get_artifact.sync_detailed(
        newest.id, ArtifactKind.PDF, client=client, if_none_match=etag
    )
    assert same.status_code == 304 and same.content == b""

    bundle = get_bundle.sync_detailed(newest.id, client=client)
    assert bundle.status_code == 200
    result = verify_bundle(bundle.content)
    assert result.exit_code == INTACT, result.problems
    assert result.report_id == newest.id

    missing = get_report.sync_detailed("rep_aaaaaaaaaaaaaaaa", client=client)
    assert missing.status_code == 404 and missing.parsed.code == "not_found"
