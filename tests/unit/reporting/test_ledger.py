"""The ledger: keys on disk, entry hashes and signatures, rotation, chain verification."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from compliance.errors import ConfigError
from compliance.reporting.ledger import (
    LEDGER_DOMAIN,
    build_entry,
    build_rotation_entry,
    entry_hash,
    generate_key,
    key_fingerprint,
    load_private_key,
    parse_pin,
    private_key_from_pem,
    public_key_raw,
    seal_entry,
    sign_entry,
    sign_manifest,
    verify_chain,
    verify_manifest_signature,
    write_private_key,
)
from tests.unit.reporting.chain import make_chain, new_key, sha


def test_generated_key_and_fingerprint() -> None:
    pem, public = generate_key()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----") and len(public) == 32
    key = private_key_from_pem(pem)
    assert public_key_raw(key) == public
    fingerprint = key_fingerprint(public)
    assert len(fingerprint) == 64 and fingerprint == fingerprint.lower()


def test_key_file_is_0600_in_a_0700_directory(tmp_path: Path) -> None:
    pem, public = generate_key()
    path = tmp_path / "keys" / "deep" / "signing.pem"
    write_private_key(path, pem)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert public_key_raw(load_private_key(path)) == public
    assert [p.name for p in path.parent.iterdir()] == ["signing.pem"]  # no temp file left
    with pytest.raises(ConfigError, match="already exists"):
        write_private_key(path, generate_key()[0])


def test_missing_key_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        load_private_key(tmp_path / "absent.pem")
    assert caught.value.hint is not None and "compliance init" in caught.value.hint


def test_open_permissions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    write_private_key(path, generate_key()[0])
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="0644"):
        load_private_key(path)


def test_directory_and_garbage_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        load_private_key(tmp_path)
    path = tmp_path / "bad.pem"
    path.write_bytes(b"not a key")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="not an unencrypted PEM"):
        load_private_key(path)


def test_entry_hash_is_sha256_of_canonical_json_without_signatures() -> None:
    key = new_key()
    entry = build_entry(
        seq=1,
        kind="checkpoint",
        prev_hash=None,
        time="2026-11-23T02:00:00Z",
        key_id=key_fingerprint(public_key_raw(key)),
    )
    signed = sign_entry(entry, key)
    import hashlib

    import rfc8785

    assert signed["entry_hash"] == hashlib.sha256(bytes(rfc8785.dumps(entry))).hexdigest()
    assert entry_hash(signed) == signed["entry_hash"]
    message = LEDGER_DOMAIN + bytes.fromhex(signed["entry_hash"])
    key.public_key().verify(bytes.fromhex(signed["signature"]), message)
    assert signed["seq"] == "1"  # numbers are decimal strings


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seq": 0}, "seq starts at 1"),
        ({"kind": "deletion"}, "kind must be"),
        ({"prev_hash": "ab" * 32}, "prev_hash is null"),
        ({"time": "2026-11-23 02:00:00"}, "ISO 8601"),
        ({"key_id": "XYZ"}, "fingerprint"),
        ({"kind": "report"}, "report_id"),
        ({"extra": {"n": 3}}, "decimal strings"),
        ({"extra": {"seq": "2"}}, "reserved"),
    ],
)
def test_build_entry_refuses_bad_fields(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "seq": 1,
        "kind": "checkpoint",
        "prev_hash": None,
        "time": "2026-11-23T02:00:00Z",
        "key_id": "0" * 64,
    }
    with pytest.raises(ValueError, match=message):
        build_entry(**{**base, **kwargs})  # type: ignore[arg-type]


def test_signing_with_another_key_is_refused() -> None:
    entry = build_entry(
        seq=1, kind="checkpoint", prev_hash=None, time="2026-11-23T02:00:00Z", key_id="0" * 64
    )
    with pytest.raises(ValueError, match="key_id"):
        sign_entry(entry, new_key())


def test_intact_chain_with_rotation_verifies() -> None:
    chain = make_chain()
    assert verify_chain(chain.entries, chain.public_keys) == []
    rotation = chain.entries[2]
    assert rotation["kind"] == "key_rotation"
    assert rotation["key_id"] == chain.id_a and rotation["new_key_id"] == chain.id_b
    message = LEDGER_DOMAIN + bytes.fromhex(rotation["entry_hash"])
    chain.key_a.public_key().verify(bytes.fromhex(rotation["signature"]), message)
    chain.key_b.public_key().verify(bytes.fromhex(rotation["new_key_signature"]), message)


def test_rotation_needs_both_signatures() -> None:
    chain = make_chain()
    rotation = build_rotation_entry(
        seq=3,
        prev_hash=chain.entries[1]["entry_hash"],
        time="2026-11-22T00:00:00Z",
        old_key_id=chain.id_a,
        new_public=public_key_raw(chain.key_b),
    )
    with pytest.raises(ValueError, match="old key and by the new key"):
        sign_entry(rotation, chain.key_a)
    with pytest.raises(ValueError, match="old key and by the new key"):
        sign_entry(rotation, chain.key_a, new_key=new_key())
    entries = [dict(e) for e in chain.entries]
    entries[2]["new_key_signature"] = chain.entries[2]["signature"]  # old key signed twice
    assert any("new key's signature" in p for p in verify_chain(entries, chain.public_keys))
    del entries[2]["new_key_signature"]
    assert any("new key's signature" in p for p in verify_chain(entries, chain.public_keys))


def test_old_key_after_rotation_is_refused() -> None:
    chain = make_chain()
    entries = [dict(e) for e in chain.entries]
    forged = build_entry(
        seq=5,
        kind="checkpoint",
        prev_hash=entries[3]["entry_hash"],
        time="2026-11-23T02:00:00Z",
        key_id=chain.id_a,
    )
    entries[4] = sign_entry(forged, chain.key_a)
    problems = verify_chain(entries, chain.public_keys)
    assert any("current key" in p for p in problems)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda es: es.pop(2), "seq is '4', expected '3'"),
        (lambda es: es.insert(1, es.pop(2)), "expected '2'"),
        (lambda es: es[1].update(report_id="rep_x"), "does not match the entry's content"),
        (lambda es: es[0].update(signature="0" * 128), "signature does not verify"),
        (lambda es: es[0].update(signature=es[0]["signature"].upper()), "signature does not"),
        (lambda es: es[3].update(entry_hash=es[3]["entry_hash"].upper()), "lowercase"),
        (lambda es: es[3].update(manifest_signature="0" * 128), "content"),
        (lambda es: es.clear(), "no entries"),
    ],
)
def test_tampered_chains_are_caught(mutate: object, expected: str) -> None:
    chain = make_chain()
    entries = [dict(e) for e in chain.entries]
    mutate(entries)  # type: ignore[operator]
    problems = verify_chain(entries, chain.public_keys)
    assert any(expected in p for p in problems), problems


def test_pin_and_trusted_keys() -> None:
    chain = make_chain()
    head = chain.entries[-1]
    assert verify_chain(chain.entries, chain.public_keys, pin=(5, head["entry_hash"])) == []
    assert verify_chain(chain.entries, chain.public_keys, pin=(5, "0" * 64))
    assert verify_chain(chain.entries, chain.public_keys, pin=(9, head["entry_hash"]))
    assert verify_chain(chain.entries, chain.public_keys, trusted_keys={chain.id_b}) == []
    assert verify_chain(chain.entries, chain.public_keys, trusted_keys={"f" * 64})


def test_parse_pin() -> None:
    assert parse_pin("12:" + "AB" * 32) == (12, "ab" * 32)
    for bad in ("12", "x:" + "ab" * 32, "0:" + "ab" * 32, "3:abc", "-1:" + "ab" * 32):
        with pytest.raises(ValueError, match="SEQ:HASH"):
            parse_pin(bad)


def test_manifest_signature() -> None:
    key = new_key()
    digest = sha(b"manifest")
    signature = sign_manifest(key, digest)
    public = public_key_raw(key)
    assert verify_manifest_signature(public, digest, signature)
    assert not verify_manifest_signature(public, sha(b"other"), signature)
    assert not verify_manifest_signature(public_key_raw(new_key()), digest, signature)
    # a ledger signature of the same digest is not a manifest signature (domain separation)
    ledger_signature = key.sign(LEDGER_DOMAIN + bytes.fromhex(digest)).hex()
    assert not verify_manifest_signature(public, digest, ledger_signature)


def test_a_sealed_report_entry_still_links_and_verifies_and_shows_nothing_of_its_report() -> None:
    chain = make_chain()
    report = chain.entries[1]
    assert report["kind"] == "report"
    sealed = seal_entry(report)
    assert sealed == {
        **{k: report[k] for k in ("seq", "key_id", "prev_hash", "entry_hash", "signature")},
        "sealed": True,
    }
    entries = [chain.entries[0], sealed, *chain.entries[2:]]
    assert verify_chain(entries, chain.public_keys) == []
    with pytest.raises(ValueError, match="only a report entry"):
        seal_entry(chain.entries[0])
    with pytest.raises(ValueError, match="reserved"):
        build_entry(seq=9, kind="checkpoint", prev_hash="0" * 64, time="2026-11-23T04:00:00Z",
                    key_id=chain.id_a, extra={"sealed": "true"})  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda e: e.update(entry_hash="0" * 64), "signature does not verify"),
        (lambda e: e.update(report_id="rep_x"), "a sealed entry carries report_id"),
        (lambda e: e.update(sealed=False), "'sealed' is reserved"),
        (lambda e: e.update(kind="report"), "a sealed entry carries kind"),
        (lambda e: e.update(time="2026-11-23T02:00:00Z"), "a sealed entry carries time"),
        (lambda e: e.update(prev_hash="1" * 64), "prev_hash does not name the previous"),
        (lambda e: e.update(key_id="f" * 64), "signed by key ffffffffffffffff"),
    ],
)
def test_a_sealed_entry_cannot_be_altered_or_carry_content(mutate: Any, expected: str) -> None:
    chain = make_chain()
    sealed = seal_entry(chain.entries[1])
    mutate(sealed)
    entries = [chain.entries[0], sealed, *chain.entries[2:]]
    problems = verify_chain(entries, chain.public_keys)
    assert any(expected in p for p in problems), problems
