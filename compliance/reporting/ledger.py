"""The report ledger, pure: entries, hashes, Ed25519 signatures, keys and chain verification.

An entry is a JSON object whose numbers are decimal strings::

    {"seq": "7", "kind": "report", "prev_hash": "<hex>" | null, "time": "2026-11-23T02:00:00Z",
     "key_id": "<fingerprint of the signing key>",
     "report_id": "...", "artifacts": {"manifest": "<sha256>", "html": "...", "pdf": "..."},
     "manifest_signature": "<hex>",                      # optional, report entries
     "entry_hash": "<hex>", "signature": "<hex>"}

- ``entry_hash = sha256(RFC 8785 canonical JSON of the entry without entry_hash,
  signature and new_key_signature)``;
- ``signature = Ed25519(key, b"compliance-ledger-v1\\x00" + bytes.fromhex(entry_hash))``:
  the prefix separates ledger signatures from every other use of the key;
- ``kind`` is ``report`` (one per issued report), ``checkpoint`` (nightly, even when
  nothing was issued, so a gap shows) or ``key_rotation``: signed by the old key
  (``key_id``, ``signature``) *and* by the new one (``new_key_id``, ``new_public_key``,
  ``new_key_signature``); later entries are signed by the new key; ``officer`` (an
  officer registered, or their key revoked) and ``attestation`` (an officer's signed
  statement on a report): see :mod:`compliance.reporting.attestation`;
- ``key_id`` is the key's fingerprint: the sha256 hex of its raw 32-byte public key;
- a report's own manifest signature (printed in the report, which cannot carry its own
  ledger entry) is ``Ed25519(key, b"compliance-manifest-v1\\x00" + bytes.fromhex(sha256))``;
- a **sealed** entry (:func:`seal_entry`) is a report entry (or an attestation on one)
  shown to someone who may not see that report (a token limited to other models): only
  its seq, key_id, prev_hash, entry_hash and signature, and ``"sealed": true``. Its place
  in the chain and its signature (over ``entry_hash``) verify as any entry's; nothing else
  of it can be checked without its content, so nothing else is shown (no kind, time,
  report id, model, series or artifact hash).

The private key is a PKCS#8 PEM file of mode 0600 in a directory of mode 0700, outside the
database; :func:`load_private_key` refuses a missing, unreadable or group/world-readable
file with a :class:`~compliance.errors.ConfigError`.

Why one module of this length: the ledger's entry format, hashing, signatures and chain
verification must agree byte for byte; one module keeps the writer and the verifier of each
rule side by side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from compliance.errors import ConfigError

__all__ = [
    "ARTIFACT_NAMES",
    "KINDS",
    "LEDGER_DOMAIN",
    "MANIFEST_DOMAIN",
    "build_entry",
    "build_rotation_entry",
    "entry_hash",
    "generate_key",
    "key_fingerprint",
    "load_private_key",
    "parse_pin",
    "private_key_from_pem",
    "public_key_raw",
    "seal_entry",
    "sign_entry",
    "sign_manifest",
    "verify_chain",
    "verify_manifest_signature",
    "write_private_key",
]

LEDGER_DOMAIN = b"compliance-ledger-v1\x00"
MANIFEST_DOMAIN = b"compliance-manifest-v1\x00"
KINDS = ("report", "checkpoint", "key_rotation", "officer", "attestation")
ARTIFACT_NAMES = ("manifest", "html", "pdf")
_UNHASHED = frozenset({"entry_hash", "signature", "new_key_signature"})
_RESERVED = frozenset(
    {"seq", "kind", "prev_hash", "time", "key_id", "report_id", "artifacts", "sealed"}
)
_SEALED_FIELDS = ("seq", "key_id", "prev_hash", "entry_hash", "signature")
_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
_HEX128 = re.compile(r"^[0-9a-f]{128}\Z")
_SEQ = re.compile(r"^[1-9][0-9]{0,17}\Z")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z\Z")

Entry = dict[str, Any]


# ---------------------------------------------------------------------------- keys


def generate_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key: (PKCS#8 PEM of the private key, raw 32-byte public key)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, public_key_raw(key)


def public_key_raw(key: Ed25519PrivateKey) -> bytes:
    """The raw 32 bytes of ``key``'s public half."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public: bytes) -> str:
    """sha256 hex (64 characters) of the raw 32-byte public key: the ``key_id``."""
    if len(public) != 32:
        raise ValueError("an Ed25519 public key is 32 raw bytes")
    return hashlib.sha256(public).hexdigest()


def private_key_from_pem(pem: bytes, *, where: str = "the signing key") -> Ed25519PrivateKey:
    """Parse an unencrypted PKCS#8 PEM Ed25519 private key (ConfigError otherwise)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{where} is not an unencrypted PEM private key ({exc})",
            hint="recreate it with `compliance init` (and publish the new key)",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{where} is not an Ed25519 key", hint="the ledger signs with Ed25519")
    return key


def write_private_key(path: Path, private_pem: bytes) -> None:
    """Write the key file with mode 0600 (parents created 0700), atomically, never over an
    existing key (a lost key would orphan every signature: rotate instead)."""
    path = Path(path)
    if path.exists():
        raise ConfigError(f"a signing key already exists at {path}", hint="rotate it instead")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # created 0600
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails if path appeared meanwhile: no overwrite
    except FileExistsError:
        raise ConfigError(
            f"a signing key already exists at {path}", hint="rotate it instead"
        ) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at ``path``; ConfigError when missing, unreadable, not a regular
    file, readable or writable by group or others, or not an Ed25519 PEM key."""
    path = Path(path)
    hint = "create it with `compliance init`, or set the key path in the settings"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"the signing key file {path} does not exist", hint=hint) from None
    except OSError as exc:
        raise ConfigError(
            f"the signing key file {path} cannot be read ({exc})", hint=hint
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"the signing key path {path} is not a regular file", hint=hint)
    if info.st_mode & 0o077:
        raise ConfigError(
            f"the signing key file {path} has mode {stat.S_IMODE(info.st_mode):04o}: "
            "group or others may access it",
            hint=f"chmod 600 {path}",
        )
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"the signing key file {path} cannot be read ({exc})", hint=hint
        ) from None
    return private_key_from_pem(pem, where=f"the signing key file {path}")


# ---------------------------------------------------------------------------- entries


def build_entry(
    *,
    seq: int,
    kind: str,
    prev_hash: str | None,
    time: str,
    key_id: str,
    report_id: str | None = None,
    artifacts: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Entry:
    """An unsigned entry. ``prev_hash`` is None exactly for ``seq`` 1; a ``report`` entry
    names its report and at least the manifest's sha256; ``extra`` holds more fields
    (strings, null, lists and objects of them: numbers go as decimal strings)."""
    _check_header(seq, kind, prev_hash, time, key_id)
    entry: Entry = {
        "seq": str(seq),
        "kind": kind,
        "prev_hash": prev_hash,
        "time": time,
        "key_id": key_id,
    }
    if kind == "report" and (not report_id or artifacts is None or "manifest" not in artifacts):
        raise ValueError("a report entry names its report_id and the manifest's sha256")
    if report_id is not None:
        entry["report_id"] = report_id
    if artifacts is not None:
        for name, digest in artifacts.items():
            if name not in ARTIFACT_NAMES or not _HEX64.match(digest):
                raise ValueError(f"artifact {name!r}: a known name and a lowercase sha256")
        entry["artifacts"] = dict(sorted(artifacts.items()))
    for name, value in (extra or {}).items():
        if name in _RESERVED or name in _UNHASHED:
            raise ValueError(f"extra field {name!r} is reserved")
        _check_no_numbers(name, value)
        entry[name] = value
    return entry


def _check_header(seq: int, kind: str, prev_hash: str | None, time: str, key_id: str) -> None:
    if seq < 1:
        raise ValueError("seq starts at 1")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if (prev_hash is None) != (seq == 1):
        raise ValueError("prev_hash is null for the first entry, and only for it")
    if prev_hash is not None and not _HEX64.match(prev_hash):
        raise ValueError("prev_hash is a lowercase sha256 hex digest")
    if _time(time) is None:
        raise ValueError("time is ISO 8601 UTC with a Z, e.g. 2026-11-23T02:00:00Z")
    if not _HEX64.match(key_id):
        raise ValueError("key_id is a key fingerprint (64 lowercase hex)")


def build_rotation_entry(
    *, seq: int, prev_hash: str | None, time: str, old_key_id: str, new_public: bytes
) -> Entry:
    """An unsigned key-rotation entry: from ``old_key_id`` to the key ``new_public``."""
    return build_entry(
        seq=seq,
        kind="key_rotation",
        prev_hash=prev_hash,
        time=time,
        key_id=old_key_id,
        extra={"new_key_id": key_fingerprint(new_public), "new_public_key": new_public.hex()},
    )


def entry_hash(entry: Mapping[str, Any]) -> str:
    """sha256 hex of the RFC 8785 canonical JSON of ``entry`` minus hash and signatures."""
    body = {k: v for k, v in entry.items() if k not in _UNHASHED}
    return hashlib.sha256(bytes(rfc8785.dumps(body))).hexdigest()


def sign_entry(
    entry: Mapping[str, Any], key: Ed25519PrivateKey, *, new_key: Ed25519PrivateKey | None = None
) -> Entry:
    """The entry with ``entry_hash`` and ``signature`` (and, for a rotation, the new key's
    ``new_key_signature``). The signing key must be the entry's ``key_id``."""
    if key_fingerprint(public_key_raw(key)) != entry.get("key_id"):
        raise ValueError("the signing key is not the entry's key_id")
    digest = entry_hash(entry)
    signed: Entry = {k: v for k, v in entry.items() if k not in _UNHASHED}
    signed["entry_hash"] = digest
    signed["signature"] = key.sign(LEDGER_DOMAIN + bytes.fromhex(digest)).hex()
    if entry.get("kind") == "key_rotation":
        if new_key is None or public_key_raw(new_key).hex() != entry.get("new_public_key"):
            raise ValueError("a rotation entry is signed by the old key and by the new key")
        signed["new_key_signature"] = new_key.sign(LEDGER_DOMAIN + bytes.fromhex(digest)).hex()
    elif new_key is not None:
        raise ValueError("only a key_rotation entry carries a second signature")
    return signed


def sign_manifest(key: Ed25519PrivateKey, manifest_sha256: str) -> str:
    """Ed25519 over ``b"compliance-manifest-v1\\x00" + bytes.fromhex(manifest_sha256)``, hex."""
    if not _HEX64.match(manifest_sha256):
        raise ValueError("manifest_sha256 is a lowercase sha256 hex digest")
    return key.sign(MANIFEST_DOMAIN + bytes.fromhex(manifest_sha256)).hex()


def verify_manifest_signature(public: bytes, manifest_sha256: str, signature: str) -> bool:
    """Whether ``signature`` is ``public``'s signature of the manifest digest."""
    if not _HEX64.match(manifest_sha256):
        return False
    return _verify(public, MANIFEST_DOMAIN + bytes.fromhex(manifest_sha256), signature)


def parse_pin(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` → (seq, lowercase hash); ValueError when it is not of that form."""
    seq_text, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if not _SEQ.match(seq_text) or not _HEX64.match(digest):
        raise ValueError(f"a pin is SEQ:HASH (an entry number and its 64-hex hash), not {text!r}")
    return int(seq_text), digest


def seal_entry(entry: Mapping[str, Any]) -> Entry:
    """``entry`` (a signed report entry) with its content withheld: see the module docstring."""
    if entry.get("kind") not in ("report", "attestation"):
        raise ValueError(
            "only a report entry, or an attestation on one, is sealed (the others are shown)"
        )
    return {**{name: entry[name] for name in _SEALED_FIELDS if name in entry}, "sealed": True}


# ---------------------------------------------------------------------------- verification


def verify_chain(
    entries: Sequence[Mapping[str, Any]],
    public_keys: Mapping[str, bytes],
    *,
    pin: tuple[int, str] | None = None,
    trusted_keys: Collection[str] | None = None,
) -> list[str]:
    """Every problem of the chain, in words (empty: intact). Checks: sequence contiguous
    from 1; every ``prev_hash`` is the previous entry's hash; every ``entry_hash`` matches
    the content (a sealed entry's cannot be recomputed, nor its kind and time checked: it
    must carry nothing more than :func:`seal_entry` keeps); every signature verifies with
    the current key (the first entry's key, then the key each rotation introduces, itself
    signed by both keys); field forms are canonical (lowercase hex), times never go back;
    ``pin`` (seq, hash) matches; when ``trusted_keys`` is given, at least one signing key
    of the chain is trusted."""
    problems: list[str] = [] if entries else ["the ledger has no entries"]
    state = _Chain()
    for index, entry in enumerate(entries):
        problems += _link_problems(index, entry, state)
        problems += _signature_problems(index, entry, state, public_keys)
    if pin is not None:
        seq, digest = pin
        if not 1 <= seq <= len(entries):
            problems.append(f"pinned entry {seq} is not in the ledger (entries were removed)")
        elif entries[seq - 1].get("entry_hash") != digest:
            problems.append(f"pinned entry {seq} has another hash than the pin (history rewritten)")
    if trusted_keys is not None and not set(state.used_keys) & set(trusted_keys):
        problems.append("no entry is signed by a trusted key (the ledger may have been re-signed)")
    return problems


@dataclass
class _Chain:
    """What verifying an entry needs to know of the entries before it."""

    current_key: str | None = None
    previous_hash: str | None = None
    previous_time: dt.datetime | None = None
    used_keys: list[str] = field(default_factory=list)


def _link_problems(index: int, entry: Mapping[str, Any], state: _Chain) -> list[str]:
    """Sequence number, kind, time order and the link to the previous entry."""
    where, problems = f"ledger line {index + 1}", []
    seq = entry.get("seq")
    if seq != str(index + 1):
        problems.append(
            f"{where}: seq is {seq!r}, expected '{index + 1}' "
            "(an entry was removed, added or moved)"
        )
    if "sealed" not in entry:  # a sealed entry has no kind or time to check (seal_entry)
        problems += _kind_and_time_problems(where, entry, state)
    if entry.get("prev_hash") != (state.previous_hash if index else None):
        problems.append(f"{where}: prev_hash does not name the previous entry's hash")
    stored = entry.get("entry_hash")
    state.previous_hash = stored if isinstance(stored, str) else None
    return problems


def _kind_and_time_problems(where: str, entry: Mapping[str, Any], state: _Chain) -> list[str]:
    problems = []
    if entry.get("kind") not in KINDS:
        problems.append(f"{where}: unknown kind {entry.get('kind')!r}")
    moment = _time(entry.get("time"))
    if moment is None:
        problems.append(f"{where}: time {entry.get('time')!r} is not ISO 8601 UTC")
    elif state.previous_time is not None and moment < state.previous_time:
        problems.append(f"{where}: its time is before the previous entry's")
    else:
        state.previous_time = moment
    return problems


def _signature_problems(
    index: int, entry: Mapping[str, Any], state: _Chain, public_keys: Mapping[str, bytes]
) -> list[str]:
    """The entry's own hash, its signature by the current key and its kind's fields."""
    where, problems = f"ledger line {index + 1}", []
    stored = entry.get("entry_hash")
    well_formed = isinstance(stored, str) and _HEX64.match(stored) is not None
    sealed = "sealed" in entry
    if sealed:
        actual = stored if well_formed and isinstance(stored, str) else ""
        problems += _sealed_problems(where, entry)
    else:
        try:
            actual = entry_hash(entry)
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: not canonical JSON ({exc})")
            actual = ""
    if not well_formed:
        problems.append(f"{where}: entry_hash is not a lowercase sha256 hex digest")
    elif stored != actual:
        problems.append(f"{where}: entry_hash does not match the entry's content (altered)")
    key_id = entry.get("key_id")
    if not isinstance(key_id, str):
        return [*problems, f"{where}: no key_id"]
    if state.current_key is None:
        state.current_key = key_id
    elif key_id != state.current_key:
        problems.append(
            f"{where}: signed by key {key_id[:16]}… but the current key is "
            f"{state.current_key[:16]}… (no rotation entry introduced it)"
        )
    state.used_keys.append(key_id)
    public = public_keys.get(key_id)
    if public is None:
        problems.append(f"{where}: signing key {key_id[:16]}… is not among the public keys")
    elif actual and not _verify(
        public, LEDGER_DOMAIN + bytes.fromhex(actual), entry.get("signature")
    ):
        problems.append(f"{where}: the signature does not verify with key {key_id[:16]}…")
    if not sealed:
        problems += _kind_problems(where, entry, actual, public, public_keys)
    new_key = entry.get("new_key_id")
    if entry.get("kind") == "key_rotation" and isinstance(new_key, str):
        state.current_key = new_key
        state.used_keys.append(new_key)
    return problems


def _sealed_problems(where: str, entry: Mapping[str, Any]) -> list[str]:
    problems = []
    if entry.get("sealed") is not True:
        problems.append(f"{where}: 'sealed' is reserved (true, on a sealed entry only)")
    extra = sorted(set(entry) - {*_SEALED_FIELDS, "sealed"})
    if extra:
        problems.append(f"{where}: a sealed entry carries {', '.join(extra)}")
    return problems


def _kind_problems(
    where: str,
    entry: Mapping[str, Any],
    actual: str,
    public: bytes | None,
    public_keys: Mapping[str, bytes],
) -> list[str]:
    problems: list[str] = []
    kind = entry.get("kind")
    if kind != "key_rotation" and "new_key_signature" in entry:
        problems.append(f"{where}: only a key rotation carries a second signature")
    if kind == "report":
        artifacts = entry.get("artifacts")
        if not isinstance(entry.get("report_id"), str):
            problems.append(f"{where}: a report entry without report_id")
        if not isinstance(artifacts, dict) or not isinstance(artifacts.get("manifest"), str):
            problems.append(f"{where}: a report entry without the manifest's sha256")
        elif any(not isinstance(v, str) or not _HEX64.match(v) for v in artifacts.values()):
            problems.append(f"{where}: an artifact hash is not a lowercase sha256 hex digest")
        elif (
            public is not None
            and "manifest_signature" in entry
            and not verify_manifest_signature(
                public, artifacts["manifest"], entry["manifest_signature"]
            )
        ):
            problems.append(f"{where}: the manifest signature does not verify")
    if kind == "key_rotation":
        new_id, new_hex = entry.get("new_key_id"), entry.get("new_public_key")
        if not isinstance(new_hex, str) or not _HEX64.match(new_hex):
            problems.append(f"{where}: new_public_key is not 32 bytes of lowercase hex")
            return problems
        new_public = bytes.fromhex(new_hex)
        if new_id != key_fingerprint(new_public):
            problems.append(f"{where}: new_key_id is not the fingerprint of new_public_key")
        if new_id in public_keys and public_keys[str(new_id)] != new_public:
            problems.append(
                f"{where}: the published key {str(new_id)[:16]}… differs from the entry's"
            )
        if actual and not _verify(
            new_public, LEDGER_DOMAIN + bytes.fromhex(actual), entry.get("new_key_signature")
        ):
            problems.append(f"{where}: the new key's signature of the rotation does not verify")
    return problems


def _time(text: object) -> dt.datetime | None:
    if not isinstance(text, str) or not _TIME.match(text):
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _verify(public: bytes, message: bytes, signature: object) -> bool:
    if not isinstance(signature, str) or not _HEX128.match(signature) or len(public) != 32:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _check_no_numbers(name: str, value: Any) -> None:
    if value is None or isinstance(value, str):
        return
    if isinstance(value, list):
        for item in value:
            _check_no_numbers(name, item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"extra field {name!r}: object keys are strings")
            _check_no_numbers(name, item)
        return
    raise ValueError(
        f"extra field {name!r}: only strings, null, lists and objects (numbers as decimal strings)"
    )
