"""Offline verification of an exported report bundle: no network, no database.

``verify_bundle(path)`` answers with an exit code (DESIGN.md):

- **0** intact: the ledger runs from seq 1 without a gap, every ``prev_hash`` names the
  entry before, every ``entry_hash`` is the sha256 of its entry's canonical JSON, every
  Ed25519 signature verifies (rotations with both keys), the manifest, HTML and PDF in
  the bundle have exactly the sha256 the report's ledger entry names, and the optional
  pin ``SEQ:HASH`` (an entry hash recorded earlier) matches;
- **1** altered: any of those fails (a byte changed, an entry removed or reordered, a
  signature forged, a wrong pin, a foreign file added), or an officer's attestation does
  not hold (forged, altered, replayed, signed with a wrong or revoked key: see
  :func:`compliance.reporting.attestation.attestation_problems`);
- **2** malformed: the input is not a bundle (not a zip, a member missing, invalid or
  non-canonical JSON, a pin that is not ``SEQ:HASH``).

The report's entry is the ``report`` entry whose ``artifacts.manifest`` is the sha256 of
``manifest.json``; a bundle with no such entry is altered. A bundle made for a token
limited to some models carries the other models' report entries **sealed** (link and
signature only, see :mod:`compliance.reporting.ledger`): the chain still verifies whole,
and the result counts them (``sealed``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from compliance.reporting.attestation import attestation_problems, is_signed_off
from compliance.reporting.bundle import CorruptMember, MalformedBundle, read_bundle
from compliance.reporting.ledger import parse_pin, verify_chain

__all__ = ["ALTERED", "INTACT", "MALFORMED", "VerifyResult", "main_verify", "verify_bundle"]

INTACT, ALTERED, MALFORMED = 0, 1, 2
_ARTIFACT_FILES = {"manifest": "manifest.json", "html": "report.html", "pdf": "report.pdf"}


@dataclass(frozen=True)
class VerifyResult:
    """The answer of :func:`verify_bundle`; ``head`` (``SEQ:HASH`` of the last entry) is
    what to pin next time."""

    exit_code: int
    problems: list[str] = field(default_factory=list)
    entries: int = 0
    sealed: int = 0
    report_id: str | None = None
    report_seq: int | None = None
    head: str | None = None
    key_ids: list[str] = field(default_factory=list)
    attestations: list[dict[str, Any]] = field(default_factory=list)
    signed_off: bool = False

    @property
    def intact(self) -> bool:
        return self.exit_code == INTACT


def verify_bundle(
    path: Path | str | bytes,
    pin: tuple[int, str] | str | None = None,
    *,
    trusted_keys: Collection[str] | None = None,
) -> VerifyResult:
    """Verify the bundle at ``path`` (or the bundle's bytes) offline; see the module
    docstring for the checks and exit codes."""
    if isinstance(pin, str):
        try:
            pin = parse_pin(pin)
        except ValueError as exc:
            return VerifyResult(MALFORMED, [str(exc)])
    try:
        bundle = read_bundle(path)
    except MalformedBundle as exc:
        return VerifyResult(MALFORMED, [str(exc)])
    except CorruptMember as exc:
        return VerifyResult(ALTERED, [str(exc)])
    problems = list(bundle.key_problems)
    problems += [f"{name}: not part of a report bundle" for name in bundle.extra_members]
    problems += verify_chain(bundle.entries, bundle.public_keys, pin=pin, trusted_keys=trusted_keys)
    attestation_findings, checks = attestation_problems(bundle.entries)
    problems += attestation_findings
    digests = {
        name: hashlib.sha256(bundle.files[file]).hexdigest()
        for name, file in _ARTIFACT_FILES.items()
    }
    seq, entry = _report_entry(bundle.entries, digests["manifest"])
    if entry is None:
        problems.append(
            "no report entry of the ledger names this manifest.json "
            f"(sha256 {digests['manifest'][:16]}…): the manifest was altered or its entry removed"
        )
    else:
        artifacts = entry.get("artifacts")
        named = artifacts if isinstance(artifacts, dict) else {}
        for name, file in _ARTIFACT_FILES.items():
            if named.get(name) != digests[name]:
                problems.append(f"{file}: its sha256 is not the one ledger entry {seq} names")
        problems += _manifest_problems(bundle.files["manifest.json"], entry)
    last = bundle.entries[-1] if bundle.entries else {}
    return VerifyResult(
        exit_code=ALTERED if problems else INTACT,
        problems=problems,
        entries=len(bundle.entries),
        sealed=sum("sealed" in e for e in bundle.entries),
        report_id=entry.get("report_id") if entry else None,
        report_seq=seq,
        head=f"{last.get('seq')}:{last.get('entry_hash')}" if last else None,
        key_ids=sorted(bundle.public_keys),
        attestations=[
            asdict(c) for c in checks if entry is not None and c.report_id == entry.get("report_id")
        ],
        signed_off=entry is not None
        and is_signed_off([c for c in checks if c.report_id == entry.get("report_id")]),
    )


def _report_entry(
    entries: Sequence[dict[str, Any]], manifest_sha: str
) -> tuple[int | None, dict[str, Any] | None]:
    found: tuple[int | None, dict[str, Any] | None] = (None, None)
    for index, entry in enumerate(entries, start=1):
        artifacts = entry.get("artifacts")
        if (
            entry.get("kind") == "report"
            and isinstance(artifacts, dict)
            and artifacts.get("manifest") == manifest_sha
        ):
            found = (index, entry)
    return found


def _manifest_problems(data: bytes, entry: dict[str, Any]) -> list[str]:
    """The manifest's own report id, when it has one, is the entry's."""
    try:
        manifest = json.loads(data)
    except ValueError:
        return ["manifest.json is not JSON"]
    report = manifest.get("report") if isinstance(manifest, dict) else None
    if isinstance(report, dict) and report.get("id") != entry.get("report_id"):
        return ["manifest.json names another report than its ledger entry"]
    return []


def main_verify(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """``compliance reports verify PATH [--pin SEQ:HASH] [--key FINGERPRINT] [--json]``:
    prints the verdict and every problem; returns the exit code (0, 1 or 2)."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="compliance reports verify",
        description="Verify an exported report bundle offline (no network, no database).",
        exit_on_error=False,
    )
    parser.add_argument("path", help="the bundle (.zip) exported by `compliance reports export`")
    parser.add_argument("--pin", help="SEQ:HASH of a ledger entry recorded earlier")
    parser.add_argument(
        "--key",
        action="append",
        dest="keys",
        metavar="FINGERPRINT",
        help="a signing key fingerprint you trust (published by the operator); repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    try:
        args = parser.parse_args(argv)
    except (argparse.ArgumentError, SystemExit) as exc:
        if isinstance(exc, SystemExit) and exc.code in (0, None):
            return INTACT  # --help
        print(f"error: {exc}", file=out)
        return MALFORMED
    if not Path(args.path).is_file():
        print(f"error: {args.path}: no such file", file=out)
        return MALFORMED
    keys = [k.lower() for k in args.keys] if args.keys else None
    result = verify_bundle(args.path, args.pin, trusted_keys=keys)
    if args.json:
        print(json.dumps(asdict(result), indent=2, sort_keys=True), file=out)
        return result.exit_code
    if result.exit_code == INTACT:
        sealed = f" ({result.sealed} sealed: reports you may not see)" if result.sealed else ""
        print(
            f"intact: {result.entries} ledger entries{sealed}, report {result.report_id} "
            f"at entry {result.report_seq}",
            file=out,
        )
        print(f"pin this for next time: --pin {result.head}", file=out)
        _print_attestations(result, out)
    else:
        word = "ALTERED" if result.exit_code == ALTERED else "MALFORMED"
        print(f"{word}: {len(result.problems)} problem(s)", file=out)
        for problem in result.problems:
            print(f"  - {problem}", file=out)
        _print_attestations(result, out)
    return result.exit_code


def _print_attestations(result: VerifyResult, out: TextIO) -> None:
    """Who signed what: one line per attestation of the report (or "not signed off")."""
    if result.report_id is None:
        return
    if not result.signed_off:
        print(f"report {result.report_id} is not signed off (no approval)", file=out)
    for a in result.attestations:
        mark = "verified" if a["verified"] else "NOT VERIFIED"
        who = f"{a['officer_name'] or a['officer_id']} ({a['officer_role'] or 'unknown role'})"
        print(f"  entry {a['seq']}: {who} {a['statement']} at {a['time']}: {mark}", file=out)
