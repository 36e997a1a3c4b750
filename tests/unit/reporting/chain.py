"""A small signed ledger and bundle for the ledger and verification tests.

Entries: 1 checkpoint (key A), 2 report (A), 3 key rotation A → B (signed by both),
4 report (B) whose artifacts are the bundle's, 5 checkpoint (B).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compliance.reporting.bundle import build_bundle
from compliance.reporting.ledger import (
    build_entry,
    build_rotation_entry,
    key_fingerprint,
    private_key_from_pem,
    public_key_raw,
    sign_entry,
    sign_manifest,
)

MANIFEST = b'{"report":{"id":"rep_2"},"schema":"urn:compliance:schema:report:1"}'
HTML = b"<!DOCTYPE html><html><body>report 2</body></html>"
PDF = b"%PDF-1.7\n% a tiny stand-in for the rendered report\n%%EOF\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Chain:
    key_a: Ed25519PrivateKey
    key_b: Ed25519PrivateKey
    entries: list[dict[str, Any]]

    @property
    def id_a(self) -> str:
        return key_fingerprint(public_key_raw(self.key_a))

    @property
    def id_b(self) -> str:
        return key_fingerprint(public_key_raw(self.key_b))

    @property
    def public_keys(self) -> dict[str, bytes]:
        return {self.id_a: public_key_raw(self.key_a), self.id_b: public_key_raw(self.key_b)}

    def bundle(
        self,
        *,
        entries: list[dict[str, Any]] | None = None,
        manifest: bytes = MANIFEST,
        html: bytes = HTML,
        pdf: bytes = PDF,
        public_keys: dict[str, bytes] | None = None,
    ) -> bytes:
        return build_bundle(
            manifest=manifest,
            html=html,
            pdf=pdf,
            entries=self.entries if entries is None else entries,
            public_keys=self.public_keys if public_keys is None else public_keys,
        )


def new_key() -> Ed25519PrivateKey:
    from compliance.reporting.ledger import generate_key

    pem, _ = generate_key()
    return private_key_from_pem(pem)


def make_chain(
    key_a: Ed25519PrivateKey | None = None,
    key_b: Ed25519PrivateKey | None = None,
    *,
    manifest: bytes = MANIFEST,
    html: bytes = HTML,
    pdf: bytes = PDF,
) -> Chain:
    a, b = key_a or new_key(), key_b or new_key()
    id_a = key_fingerprint(public_key_raw(a))
    id_b = key_fingerprint(public_key_raw(b))
    entries: list[dict[str, Any]] = []

    def add(entry: dict[str, Any], key: Ed25519PrivateKey, **kw: Any) -> None:
        entries.append(sign_entry(entry, key, **kw))

    def prev() -> str | None:
        return entries[-1]["entry_hash"] if entries else None

    add(
        build_entry(
            seq=1, kind="checkpoint", prev_hash=None, time="2026-11-20T02:00:00Z", key_id=id_a
        ),
        a,
    )
    old = b'{"report":{"id":"rep_1"}}'
    add(
        build_entry(
            seq=2,
            kind="report",
            prev_hash=prev(),
            time="2026-11-21T02:00:09Z",
            key_id=id_a,
            report_id="rep_1",
            artifacts={"manifest": sha(old)},
        ),
        a,
    )
    add(
        build_rotation_entry(
            seq=3,
            prev_hash=prev(),
            time="2026-11-22T00:00:00Z",
            old_key_id=id_a,
            new_public=public_key_raw(b),
        ),
        a,
        new_key=b,
    )
    add(
        build_entry(
            seq=4,
            kind="report",
            prev_hash=prev(),
            time="2026-11-22T02:00:09Z",
            key_id=id_b,
            report_id="rep_2",
            artifacts={"manifest": sha(manifest), "html": sha(html), "pdf": sha(pdf)},
            extra={"manifest_signature": sign_manifest(b, sha(manifest))},
        ),
        b,
    )
    add(
        build_entry(
            seq=5, kind="checkpoint", prev_hash=prev(), time="2026-11-23T02:00:00Z", key_id=id_b
        ),
        b,
    )
    return Chain(a, b, entries)
