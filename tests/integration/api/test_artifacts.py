"""Artifacts: strong ETag, Content-Disposition, 304, Range (206/416), HEAD, streaming."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import tracemalloc
import zipfile

import httpx
import pytest

from compliance.api.app import create_app
from compliance.bootstrap import App
from compliance.services.access_log import list_access
from compliance.services.tokens import create_token
from tests.integration.api.conftest import FAST
from tests.integration.api.world import World, live_server, minimal_report


@pytest.fixture
def pdf_url(world: World, client: httpx.Client) -> str:
    return f"/api/v1/reports/{world.reports['steady-truth-1']}/artifacts/pdf"


def meta(client: httpx.Client, world: World, kind: str) -> dict[str, object]:
    detail = client.get(
        f"/api/v1/reports/{world.reports['steady-truth-1']}", headers=world.token("regulator")
    ).json()
    return next(a for a in detail["artifacts"] if a["kind"] == kind)


def test_download_with_etag_and_disposition(
    client: httpx.Client, world: World, pdf_url: str
) -> None:
    pdf = meta(client, world, "pdf")
    response = client.get(pdf_url, headers=world.token("regulator"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["etag"] == f'"{pdf["sha256"]}"'
    assert hashlib.sha256(response.content).hexdigest() == pdf["sha256"]
    assert int(response.headers["content-length"]) == pdf["size"] == len(response.content)
    assert response.headers["content-disposition"] == (
        'attachment; filename="steady_truth-invariance_v1.pdf"'
    )
    assert response.headers["accept-ranges"] == "bytes"
    for kind, filename in (("html", "v1.html"), ("json", "v1.json")):
        other = client.get(pdf_url.replace("/pdf", f"/{kind}"), headers=world.token("regulator"))
        assert other.status_code == 200 and other.headers["content-disposition"].endswith(
            f'{filename}"'
        )
        assert hashlib.sha256(other.content).hexdigest() == meta(client, world, kind)["sha256"]
    assert (
        client.get(pdf_url.replace("/pdf", "/docx"), headers=world.token("regulator")).status_code
        == 400
    )


def test_conditional_get(client: httpx.Client, world: World, pdf_url: str) -> None:
    etag = client.get(pdf_url, headers=world.token("regulator")).headers["etag"]
    for value in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        response = client.get(pdf_url, headers={**world.token("regulator"), "If-None-Match": value})
        assert response.status_code == 304 and response.content == b"", value
        assert response.headers["etag"] == etag
    changed = client.get(pdf_url, headers={**world.token("regulator"), "If-None-Match": '"other"'})
    assert changed.status_code == 200 and len(changed.content) > 0


def test_ranges(client: httpx.Client, world: World, pdf_url: str) -> None:
    whole = client.get(pdf_url, headers=world.token("regulator")).content
    size = len(whole)

    def ranged(value: str, **extra: str) -> httpx.Response:
        return client.get(pdf_url, headers={**world.token("regulator"), "Range": value, **extra})

    first = ranged("bytes=0-99")
    assert first.status_code == 206 and first.content == whole[:100]
    assert first.headers["content-range"] == f"bytes 0-99/{size}"
    assert ranged("bytes=-10").content == whole[-10:]
    tail = ranged(f"bytes={size - 5}-")
    assert tail.status_code == 206 and tail.content == whole[-5:]
    assert ranged(f"bytes=100-{size + 1000}").content == whole[100:]
    beyond = ranged(f"bytes={size}-")
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    assert ranged("bytes=-0").status_code == 416
    for ignored in ("bytes=5-2", "bytes=0-1,5-6", "items=0-5", "bytes=x-y"):
        response = ranged(ignored)
        assert response.status_code == 200 and response.content == whole, ignored
    etag = first.headers["etag"]
    assert ranged("bytes=0-9", **{"If-Range": etag}).status_code == 206
    assert ranged("bytes=0-9", **{"If-Range": '"stale"'}).status_code == 200


def test_head_sends_headers_only_and_is_logged_as_head(
    client: httpx.Client, world: World, pdf_url: str
) -> None:
    made = create_token(world.app.uow_factory, world.app.clock, "head-probe", "regulator")
    headers = {"Authorization": f"Bearer {made.secret}"}
    head = client.head(pdf_url, headers=headers)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == meta(client, world, "pdf")["size"]
    rows = list_access(world.app.uow_factory, token=made.token.id)
    assert [(r.action, r.status) for r in rows] == [("head", 200)]


def test_large_artifacts_stream_with_flat_memory(app: App) -> None:
    size = 24 * 1024 * 1024
    block = hashlib.sha256(b"large").digest() * 32  # 1 KiB
    pdf = b"%PDF-1.7\n" + block * (size // 1024) + b"\n%%EOF\n"
    report = minimal_report(app, pdf=pdf)
    secret = create_token(app.uow_factory, app.clock, "big", "regulator").secret
    del block
    digest = hashlib.sha256(pdf).hexdigest()
    del pdf
    with live_server(create_app(app, FAST)) as url, httpx.Client(base_url=url, timeout=60) as http:
        path = f"/api/v1/reports/{report}/artifacts/pdf"
        headers = {"Authorization": f"Bearer {secret}"}
        http.head(path, headers=headers)  # warm up imports and pools outside the measure
        tracemalloc.start()
        tracemalloc.reset_peak()
        received = hashlib.sha256()
        total = 0
        with http.stream("GET", path, headers=headers) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received.update(chunk)
                total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert total > size and received.hexdigest() == digest
    assert peak < 8 * 1024 * 1024, (
        f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB artifact"
    )
    assert threading.active_count() < 100


def test_the_bundle_verifies_offline(client: httpx.Client, world: World) -> None:
    from compliance.reporting.verify import INTACT, verify_bundle

    report = world.reports["steady-truth-2"]
    response = client.get(f"/api/v1/reports/{report}/bundle", headers=world.token("regulator"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == (
        'attachment; filename="steady_truth-invariance_v2.zip"'
    )
    result = verify_bundle(response.content)
    assert result.exit_code == INTACT, result.problems
    assert result.report_id == report
    assert result.sealed == 0
    # a model-limited token's bundle carries the other models' report entries sealed: the
    # chain verifies whole, and nothing of those reports is in it
    scoped = client.get(f"/api/v1/reports/{report}/bundle", headers=world.token("regulator-steady"))
    assert scoped.status_code == 200
    narrow = verify_bundle(scoped.content)
    assert narrow.exit_code == INTACT, narrow.problems
    assert narrow.entries == result.entries and narrow.head == result.head
    with zipfile.ZipFile(io.BytesIO(scoped.content)) as archive:
        lines = archive.read("ledger.jsonl").decode().splitlines()
    sealed = [json.loads(line) for line in lines if '"sealed":true' in line]
    others = {world.reports[k] for k in world.reports if not k.startswith("steady-")}
    assert narrow.sealed == len(sealed) > 0
    assert all(set(e) == {"seq", "key_id", "prev_hash", "entry_hash", "signature", "sealed"}
               for e in sealed)  # fmt: skip
    assert not any(uid in line for uid in others for line in lines)
    assert "pleaser" not in "".join(lines)
