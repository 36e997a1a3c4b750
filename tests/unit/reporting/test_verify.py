"""Offline bundle verification: 0 intact, 1 altered/removed/reordered, 2 malformed."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.domain.manifest import ReportManifest, canonical_bytes, manifest_sha256
from compliance.reporting.bundle import MEMBERS, README, build_bundle, read_bundle, write_bundle
from compliance.reporting.html import IntegrityInfo, render_html
from compliance.reporting.ledger import (
    build_entry,
    key_fingerprint,
    public_key_raw,
    sign_entry,
    sign_manifest,
)
from compliance.reporting.pdf import render_pdf
from compliance.reporting.verify import ALTERED, INTACT, MALFORMED, main_verify, verify_bundle
from tests.unit.reporting.chain import HTML, MANIFEST, PDF, make_chain, new_key, sha

CHAIN = make_chain()
BUNDLE = CHAIN.bundle()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_member(name: str, data: bytes) -> bytes:
    files = members(BUNDLE)
    files[name] = data
    return rezip(files)


def ledger_lines(entries: list[dict[str, Any]]) -> bytes:
    return b"".join(bytes(rfc8785.dumps(e)) + b"\n" for e in entries)


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_intact_bundle(tmp_path: Path) -> None:
    result = verify_bundle(BUNDLE)
    assert result.exit_code == INTACT, result.problems
    assert (result.entries, result.report_id, result.report_seq) == (5, "rep_2", 4)
    assert result.head == f"5:{CHAIN.entries[-1]['entry_hash']}"
    path = tmp_path / "report.zip"
    write_bundle(
        path,
        manifest=MANIFEST,
        html=HTML,
        pdf=PDF,
        entries=CHAIN.entries,
        public_keys=CHAIN.public_keys,
    )
    assert path.read_bytes() == BUNDLE  # deterministic zip
    assert verify_bundle(path).exit_code == INTACT
    assert [i.filename for i in zipfile.ZipFile(path).infolist()] == [README, *MEMBERS]
    assert b"compliance reports verify" in zipfile.ZipFile(path).read(README)


def test_pin(tmp_path: Path) -> None:
    head = CHAIN.entries[-1]["entry_hash"]
    assert verify_bundle(BUNDLE, f"5:{head}").exit_code == INTACT
    assert verify_bundle(BUNDLE, (5, head)).exit_code == INTACT
    assert verify_bundle(BUNDLE, f"5:{'0' * 64}").exit_code == ALTERED
    assert verify_bundle(BUNDLE, f"4:{head}").exit_code == ALTERED
    # the last checkpoint removed: only a pin can tell
    shorter = with_member("ledger.jsonl", ledger_lines(CHAIN.entries[:4]))
    assert verify_bundle(shorter).exit_code == INTACT
    assert verify_bundle(shorter, f"5:{head}").exit_code == ALTERED
    assert verify_bundle(BUNDLE, "five:abc").exit_code == MALFORMED


@pytest.mark.parametrize("name", ["manifest.json", "report.html", "report.pdf"])
def test_changed_artifact_byte(name: str) -> None:
    original = members(BUNDLE)[name]
    result = verify_bundle(with_member(name, flip(original, len(original) // 2)))
    assert result.exit_code == ALTERED
    assert any(name in p or "manifest" in p for p in result.problems)


def test_artifact_byte_changed_inside_the_zip() -> None:
    index = BUNDLE.index(b"report.pdf") + 40  # inside report.pdf's compressed data
    assert verify_bundle(flip(BUNDLE, index)).exit_code in {ALTERED, MALFORMED}


def test_removed_entry() -> None:
    entries = CHAIN.entries[:1] + CHAIN.entries[2:]
    result = verify_bundle(with_member("ledger.jsonl", ledger_lines(entries)))
    assert result.exit_code == ALTERED
    assert any("removed" in p for p in result.problems)


def test_removed_report_entry() -> None:
    entries = CHAIN.entries[:3]
    result = verify_bundle(with_member("ledger.jsonl", ledger_lines(entries)))
    assert result.exit_code == ALTERED
    assert any("no report entry" in p for p in result.problems)


def test_reordered_entries() -> None:
    entries = list(CHAIN.entries)
    entries[1], entries[2] = entries[2], entries[1]
    assert verify_bundle(with_member("ledger.jsonl", ledger_lines(entries))).exit_code == ALTERED


def test_bad_signature() -> None:
    entries = [dict(e) for e in CHAIN.entries]
    entries[3]["signature"] = new_key().sign(b"x").hex()
    result = verify_bundle(with_member("ledger.jsonl", ledger_lines(entries)))
    assert result.exit_code == ALTERED
    assert any("signature does not verify" in p for p in result.problems)


def test_resigned_ledger_passes_only_without_a_trusted_key() -> None:
    forger = make_chain()  # the same artifacts, a whole new chain under other keys
    forged = forger.bundle()
    assert verify_bundle(forged).exit_code == INTACT
    assert verify_bundle(forged, trusted_keys=[CHAIN.id_b]).exit_code == ALTERED
    assert verify_bundle(BUNDLE, trusted_keys=[CHAIN.id_b]).exit_code == INTACT


def test_foreign_keys_and_members() -> None:
    keys = json.loads(members(BUNDLE)["keys.json"])
    keys["keys"][0]["key_id"] = "0" * 64
    assert verify_bundle(with_member("keys.json", rfc8785.dumps(keys))).exit_code == ALTERED
    assert verify_bundle(with_member("notes.txt", b"trust me")).exit_code == ALTERED


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a zip at all",
        b"PK\x03\x04 truncated",
        rezip({k: v for k, v in members(BUNDLE).items() if k != "keys.json"}),
        with_member("ledger.jsonl", b"{not json}\n"),
        with_member("ledger.jsonl", members(BUNDLE)["ledger.jsonl"][:-1]),  # no final newline
        with_member("ledger.jsonl", b'{"seq": "1"}\n'),  # not canonical
        with_member("ledger.jsonl", b"[]\n"),
        with_member("keys.json", b"{}"),
        with_member("keys.json", b'{"format":"compliance-keys-v1","keys":[1]}'),
    ],
)
def test_malformed_input(data: bytes) -> None:
    assert verify_bundle(data).exit_code == MALFORMED


def test_main_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(BUNDLE)
    assert main_verify([str(path)]) == INTACT
    out = capsys.readouterr().out
    assert out.startswith("intact: 5 ledger entries") and "--pin 5:" in out
    assert main_verify([str(path), "--pin", f"5:{'0' * 64}"]) == ALTERED
    assert "ALTERED" in capsys.readouterr().out
    assert main_verify([str(path), "--json"]) == INTACT
    assert json.loads(capsys.readouterr().out)["report_id"] == "rep_2"
    assert main_verify([str(tmp_path / "missing.zip")]) == MALFORMED
    assert main_verify([str(path), "--pin", "nonsense"]) == MALFORMED
    assert main_verify(["--no-such-flag"]) == MALFORMED
    assert main_verify([str(path), "--key", CHAIN.id_b.upper()]) == INTACT


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_single_byte_change_in_the_ledger_is_detected(data: st.DataObject) -> None:
    ledger = members(BUNDLE)["ledger.jsonl"]
    index = data.draw(st.integers(0, len(ledger) - 1), label="index")
    value = data.draw(st.integers(0, 255).filter(lambda b: b != ledger[index]), label="byte")
    changed = ledger[:index] + bytes([value]) + ledger[index + 1 :]
    assert verify_bundle(with_member("ledger.jsonl", changed)).exit_code in {ALTERED, MALFORMED}


def test_end_to_end_with_a_rendered_report(synthetic: ReportManifest) -> None:
    """Render, sign, append the ledger entry, export, verify: the flow of an issued report."""
    key = new_key()
    key_id = key_fingerprint(public_key_raw(key))
    first = sign_entry(
        build_entry(
            seq=1, kind="checkpoint", prev_hash=None, time="2026-11-22T02:00:00Z", key_id=key_id
        ),
        key,
    )
    digest = manifest_sha256(synthetic)
    integrity = IntegrityInfo(
        manifest_sha256=digest,
        manifest_signature=sign_manifest(key, digest),
        key_id=key_id,
        public_key=public_key_raw(key).hex(),
        ledger_seq=2,
        prev_hash=first["entry_hash"],
        issued_at="2026-11-23T02:00:09Z",
    )
    html = render_html(synthetic, integrity=integrity).encode()
    pdf = render_pdf(html.decode())
    manifest = canonical_bytes(synthetic)
    entry = build_entry(
        seq=2,
        kind="report",
        prev_hash=first["entry_hash"],
        time="2026-11-23T02:00:09Z",
        key_id=key_id,
        report_id="rep_toy_v3",
        artifacts={"manifest": sha(manifest), "html": sha(html), "pdf": sha(pdf)},
        extra={"manifest_signature": integrity.manifest_signature},
    )
    bundle = build_bundle(
        manifest=manifest,
        html=html,
        pdf=pdf,
        entries=[first, sign_entry(entry, key)],
        public_keys={key_id: public_key_raw(key)},
    )
    result = verify_bundle(bundle, trusted_keys=[key_id])
    assert result.exit_code == INTACT, result.problems
    assert result.report_id == "rep_toy_v3" and result.report_seq == 2
    assert read_bundle(bundle).files["manifest.json"] == manifest
    # a manifest of another report under this entry is caught
    other = synthetic.model_copy(
        update={
            "report": synthetic.report.model_copy(  # type: ignore[union-attr]
                update={"id": "rep_other"}
            )
        }
    )
    tampered = build_bundle(
        manifest=canonical_bytes(other),
        html=html,
        pdf=pdf,
        entries=[first, sign_entry(entry, key)],
        public_keys={key_id: public_key_raw(key)},
    )
    assert verify_bundle(tampered).exit_code == ALTERED


def _bomb_bundle(path: Path, pdf_bytes: int) -> Path:
    """The bundle with its PDF replaced by ``pdf_bytes`` of zeros, deflated (streamed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members(BUNDLE).items():
            if name != "report.pdf":
                archive.writestr(name, data)
        with archive.open("report.pdf", "w", force_zip64=True) as member:
            for _ in range(pdf_bytes >> 20):
                member.write(bytes(1 << 20))
    return path


def test_hostile_bundles_are_malformed_before_anything_is_expanded(tmp_path: Path) -> None:
    """A zip bomb member (declared too large, or expanding too many times), too many
    members, and a ``../`` member: exit 2 or reported foreign, in bounded memory."""
    import tracemalloc

    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for name, data in members(BUNDLE).items():
            archive.writestr(name, data)
        for i in range(1000):
            archive.writestr(f"pad/{i}", b"")
    cases = {
        "huge": (_bomb_bundle(tmp_path / "huge.zip", 600 << 20), "implausibly large"),
        "ratio": (_bomb_bundle(tmp_path / "ratio.zip", 64 << 20), "expands 1"),
        "many": (many.getvalue(), "declares 1006 members"),
    }
    for name, (source, fragment) in cases.items():
        tracemalloc.start()
        try:
            result = verify_bundle(source)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.exit_code == MALFORMED, name
        assert any(fragment in p for p in result.problems), (name, result.problems)
        assert peak < 16 << 20, (name, peak)
    traversal = with_member("../../etc/cron.d/evil", b"* * * * * root sh")
    result = verify_bundle(traversal)
    assert result.exit_code == ALTERED
    assert "../../etc/cron.d/evil: not part of a report bundle" in result.problems
