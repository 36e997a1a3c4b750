"""The exported report bundle: one ``.zip`` a regulator verifies offline.

Members (and nothing else), in this order:

- ``manifest.json``: the manifest's RFC 8785 canonical bytes (the ledger signs their sha256);
- ``report.html`` and ``report.pdf``: the renderings;
- ``ledger.jsonl``: ledger entries from seq 1 up to the report's entry or later, one per
  line, each line the entry's RFC 8785 canonical JSON, each line ending in ``\\n``;
- ``keys.json``: ``{"format": "compliance-keys-v1", "keys": [{"algorithm": "ed25519",
  "key_id": <fingerprint>, "public_key": <raw hex>}, ...]}``, canonical JSON.

The zip is byte-deterministic: fixed member order, timestamps (1980-01-01), permissions
and compression level. :func:`read_bundle` parses one back and raises
:class:`MalformedBundle` for anything that is not a bundle (exit code 2 of ``verify``);
whether the bundle is *intact* is :mod:`compliance.reporting.verify`'s question.

Hostile zips are refused before their bytes are expanded: more than 64 members (counted
from the end record, before :mod:`zipfile` reads the directory), a member declaring more
than 512 MiB or, past 16 MiB, expanding more than 200 times. Members are read into memory
by their expected names only, never extracted: a ``../`` or symlink member is never
followed, only reported as foreign.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785

from compliance.reporting.ledger import key_fingerprint

__all__ = [
    "KEYS_FORMAT",
    "MEMBERS",
    "Bundle",
    "CorruptMember",
    "MalformedBundle",
    "build_bundle",
    "keys_document",
    "parse_canonical_json",
    "read_bundle",
    "write_bundle",
]

MEMBERS = ("manifest.json", "report.html", "report.pdf", "ledger.jsonl", "keys.json")
README = "README.txt"
README_TEXT = b"""This bundle is one audit report and the ledger that vouches for it.

  manifest.json  the report's authoritative data (RFC 8785 canonical JSON)
  report.html    the report rendered from the manifest
  report.pdf     the same, as PDF
  ledger.jsonl   the signed ledger from entry 1 up to and including this report's entry
  keys.json      the public keys that signed it (Ed25519, with their fingerprints)

Verify it offline (no network, no database):

  compliance reports verify THIS.zip [--pin SEQ:HASH] [--key FINGERPRINT]

Exit 0: intact. Exit 1: something was altered, removed, reordered or re-signed (the
findings are listed). Exit 2: the input is not a readable bundle. --pin checks the chain
against an entry hash you noted earlier; --key requires the signer's published fingerprint.
"""
KEYS_FORMAT = "compliance-keys-v1"
_MAX_MEMBER = 512 * 1024 * 1024  # a guard against zip bombs: no real report is this big
_MAX_MEMBERS = 64  # a bundle has six; a zip of a million empty members is an attack
_MAX_RATIO = 200  # PDFs and JSON compress 1 to 20 times; bombs 1000
_RATIO_FLOOR = 16 * 1024 * 1024  # the ratio is judged on members larger than this
_END = b"PK\x05\x06"  # the zip's end of central directory record
_EPOCH = (1980, 1, 1, 0, 0, 0)


class MalformedBundle(ValueError):
    """The input is not a report bundle (not a zip, a member missing, bad JSON...)."""


class CorruptMember(ValueError):
    """A member's bytes do not match the zip's own CRC: the file was altered in place."""


@dataclass(frozen=True)
class Bundle:
    """A parsed bundle: raw artifact bytes, ledger entries and public keys by key id."""

    files: dict[str, bytes]
    entries: list[dict[str, Any]]
    public_keys: dict[str, bytes]
    key_problems: list[str]
    extra_members: list[str]


def keys_document(public_keys: Mapping[str, bytes]) -> dict[str, Any]:
    """The ``keys.json`` object of ``public_keys`` (key id → raw public key)."""
    return {
        "format": KEYS_FORMAT,
        "keys": [
            {"algorithm": "ed25519", "key_id": key_id, "public_key": public.hex()}
            for key_id, public in sorted(public_keys.items())
        ],
    }


def build_bundle(
    *,
    manifest: bytes,
    html: bytes,
    pdf: bytes,
    entries: Sequence[Mapping[str, Any]],
    public_keys: Mapping[str, bytes],
) -> bytes:
    """The bundle's zip bytes (deterministic for the same inputs)."""
    for key_id, public in public_keys.items():
        if key_fingerprint(public) != key_id:
            raise ValueError(f"key id {key_id[:16]}… is not the fingerprint of its key")
    ledger = b"".join(bytes(rfc8785.dumps(dict(entry))) + b"\n" for entry in entries)
    keys = bytes(rfc8785.dumps(keys_document(public_keys)))
    contents = dict(zip(MEMBERS, (manifest, html, pdf, ledger, keys), strict=True))
    contents[README] = README_TEXT
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in (README, *MEMBERS):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permissions below are meaningful
            info.external_attr = 0o100644 << 16
            archive.writestr(info, contents[name], compresslevel=9)
    return buffer.getvalue()


def write_bundle(
    path: Path,
    *,
    manifest: bytes,
    html: bytes,
    pdf: bytes,
    entries: Sequence[Mapping[str, Any]],
    public_keys: Mapping[str, bytes],
) -> None:
    """Write the bundle to ``path`` atomically (a temporary file renamed into place)."""
    data = build_bundle(
        manifest=manifest, html=html, pdf=pdf, entries=entries, public_keys=public_keys
    )
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".zip", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def read_bundle(source: Path | str | bytes) -> Bundle:
    """Parse a bundle (a path, or the zip's bytes). :class:`MalformedBundle` when it is not
    one; :class:`CorruptMember` when a member fails the zip's CRC (bytes changed in place)."""
    target: Path | io.BytesIO = io.BytesIO(source) if isinstance(source, bytes) else Path(source)
    try:
        _check_member_count(target)
        with zipfile.ZipFile(target) as archive:
            files, extra = _members(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise MalformedBundle(f"not a readable zip file ({exc})") from None
    entries = _ledger(files["ledger.jsonl"])
    public_keys, key_problems = _keys(files["keys.json"])
    return Bundle(files, entries, public_keys, key_problems, extra)


def _check_member_count(target: Path | io.BytesIO) -> None:
    """Refuse a zip declaring more than ``_MAX_MEMBERS`` members, read from its end record
    before :mod:`zipfile` builds an object per member (a zip64 one declares 0xFFFF)."""
    with target.open("rb") if isinstance(target, Path) else contextlib.nullcontext(target) as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        tail_size = min(size, 22 + 65535)
        f.seek(size - tail_size)
        tail = f.read(tail_size)
        f.seek(0)
    at = tail.rfind(_END)
    if at < 0 or at + 22 > len(tail):
        return  # not a zip: zipfile says so
    declared = int.from_bytes(tail[at + 10 : at + 12], "little")
    if declared > _MAX_MEMBERS:
        raise MalformedBundle(
            f"the zip declares {declared} members (a bundle has at most {_MAX_MEMBERS})"
        )


def _members(archive: zipfile.ZipFile) -> tuple[dict[str, bytes], list[str]]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise MalformedBundle("the zip names a member twice")
    missing = [name for name in MEMBERS if name not in names]
    if missing:
        raise MalformedBundle(f"not a report bundle: missing {', '.join(missing)}")
    files: dict[str, bytes] = {}
    for info in infos:
        if info.filename not in MEMBERS:
            continue  # the README, or a member verify reports as foreign
        if info.file_size > _MAX_MEMBER:
            raise MalformedBundle(f"{info.filename} is implausibly large ({info.file_size} bytes)")
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > _RATIO_FLOOR and ratio > _MAX_RATIO:
            raise MalformedBundle(
                f"{info.filename} expands {ratio:.0f} times (at most {_MAX_RATIO}): a zip bomb?"
            )
        try:
            files[info.filename] = archive.read(info)
        except zipfile.BadZipFile as exc:
            if "CRC" in str(exc):
                raise CorruptMember(f"{info.filename}: its bytes were changed ({exc})") from None
            raise
        except (zlib.error, ValueError, RuntimeError, NotImplementedError, EOFError) as exc:
            raise MalformedBundle(f"{info.filename} cannot be decompressed ({exc})") from None
    return files, sorted(set(names) - {*MEMBERS, README})


def _ledger(data: bytes) -> list[dict[str, Any]]:
    """Entries of ``ledger.jsonl``: every line canonical JSON of an object, ``\\n``-ended."""
    if not data.endswith(b"\n"):
        raise MalformedBundle("ledger.jsonl does not end with a newline")
    entries = []
    for number, line in enumerate(data[:-1].split(b"\n"), start=1):
        entry = parse_canonical_json(line, f"ledger.jsonl line {number}")
        if not isinstance(entry, dict):
            raise MalformedBundle(f"ledger.jsonl line {number} is not a JSON object")
        entries.append(entry)
    return entries


def _keys(data: bytes) -> tuple[dict[str, bytes], list[str]]:
    document = parse_canonical_json(data, "keys.json")
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("format") != KEYS_FORMAT:
        raise MalformedBundle(f"keys.json is not a {KEYS_FORMAT} document")
    if not isinstance(keys, list):
        raise MalformedBundle("keys.json has no list of keys")
    public_keys: dict[str, bytes] = {}
    problems: list[str] = []
    for index, item in enumerate(keys):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("algorithm", "key_id", "public_key")
        ):
            raise MalformedBundle(f"keys.json key {index + 1} is not a key object")
        try:
            public = bytes.fromhex(item["public_key"])
        except ValueError:
            raise MalformedBundle(f"keys.json key {index + 1} is not hex") from None
        if (
            item["algorithm"] != "ed25519"
            or len(public) != 32
            or public.hex() != item["public_key"]
            or key_fingerprint(public) != item["key_id"]
        ):
            problems.append(f"keys.json key {index + 1}: its id is not its key's fingerprint")
            continue
        public_keys[item["key_id"]] = public
    return public_keys, problems


def parse_canonical_json(data: bytes, where: str) -> Any:
    """Parse ``data`` as JSON that must already be in RFC 8785 canonical form."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
        canonical = bytes(rfc8785.dumps(value))
    except (UnicodeDecodeError, ValueError, TypeError, rfc8785.CanonicalizationError) as exc:
        raise MalformedBundle(f"{where} is not valid JSON ({exc})") from None
    if canonical != data:
        raise MalformedBundle(f"{where} is not in canonical (RFC 8785) form")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
