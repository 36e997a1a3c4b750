"""Officer attestations in the ledger: verified offline, and every kind of forgery caught."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from compliance.reporting.attestation import (
    attestation_bytes,
    attestation_problems,
    build_attestation,
    is_signed_off,
    officer_entry_fields,
    revocation_entry_fields,
    sign_attestation,
)
from compliance.reporting.ledger import build_entry, key_fingerprint, public_key_raw, sign_entry
from compliance.reporting.verify import ALTERED, INTACT, main_verify, verify_bundle
from tests.unit.reporting.chain import Chain, make_chain, new_key

OFFICER = "off_aaaaaaaaaaaaaaaa"


class Ledger:
    """The test chain (report rep_2 at entry 4, signed by key B) with entries appended."""

    def __init__(self) -> None:
        self.chain: Chain = make_chain()
        self.entries = list(self.chain.entries)
        self.officer_key = new_key()
        self.minute = 0

    def time(self) -> str:
        self.minute += 1
        return f"2026-11-24T10:{self.minute:02d}:00Z"

    def append(self, kind: str, extra: dict[str, Any], time: str | None = None) -> dict[str, Any]:
        entry = sign_entry(
            build_entry(
                seq=len(self.entries) + 1,
                kind=kind,
                prev_hash=self.entries[-1]["entry_hash"],
                time=time or self.time(),
                key_id=self.chain.id_b,
                extra=extra,
            ),
            self.chain.key_b,
        )
        self.entries.append(entry)
        return entry

    def register(self, officer: str = OFFICER, key: Any = None) -> None:
        public = public_key_raw(key or self.officer_key)
        self.append(
            "officer",
            officer_entry_fields(
                officer_id=officer, name="Ada Lovelace", role="Chief Compliance Officer",
                email="ada@example.org", public_key=public,
            ),
        )  # fmt: skip

    def attestation(self, statement: str = "approved", **kw: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "report_id": "rep_2",
            "report_entry_hash": self.entries[3]["entry_hash"],
            "officer_id": OFFICER,
            "officer_key_id": key_fingerprint(public_key_raw(self.officer_key)),
            "statement": statement,
            "time": self.time(),
        }
        fields.update(kw)
        return build_attestation(**fields)

    def attest(self, attestation: dict[str, Any], key: Any = None) -> dict[str, Any]:
        signature = sign_attestation(key or self.officer_key, attestation)
        return self.append(
            "attestation", {"attestation": attestation, "officer_signature": signature}
        )

    def bundle(self) -> bytes:
        return self.chain.bundle(entries=self.entries)


def test_an_attested_bundle_verifies_offline_and_says_who_signed_what(tmp_path: Path) -> None:
    ledger = Ledger()
    ledger.register()
    ledger.attest(ledger.attestation("reviewed", note="read it all"))
    ledger.attest(ledger.attestation("approved"))
    result = verify_bundle(ledger.bundle())
    assert result.exit_code == INTACT, result.problems
    assert [(a["statement"], a["officer_name"], a["verified"]) for a in result.attestations] == [
        ("reviewed", "Ada Lovelace", True),
        ("approved", "Ada Lovelace", True),
    ]
    assert result.signed_off
    out = io.StringIO()
    (tmp_path / "b.zip").write_bytes(ledger.bundle())
    assert main_verify([str(tmp_path / "b.zip")], out=out) == INTACT
    printed = out.getvalue()
    assert "Ada Lovelace (Chief Compliance Officer) approved at 2026-11-24T10:04:00Z" in printed
    assert "not signed off" not in printed


def test_a_report_without_approval_is_not_signed_off(tmp_path: Path) -> None:
    ledger = Ledger()
    ledger.register()
    ledger.attest(ledger.attestation("rejected"))
    result = verify_bundle(ledger.bundle())
    assert result.exit_code == INTACT
    assert not result.signed_off
    out = io.StringIO()
    (tmp_path / "b.zip").write_bytes(ledger.bundle())
    main_verify([str(tmp_path / "b.zip")], out=out)
    assert "report rep_2 is not signed off" in out.getvalue()


def test_a_withdrawn_approval_no_longer_signs_off() -> None:
    ledger = Ledger()
    ledger.register()
    approval = ledger.attest(ledger.attestation("approved"))
    ledger.attest(
        ledger.attestation(
            "withdrawn", justification="metric rerun pending", withdraws=approval["entry_hash"]
        )
    )
    result = verify_bundle(ledger.bundle())
    assert result.exit_code == INTACT, result.problems
    assert not result.signed_off


def test_a_forged_statement_is_caught() -> None:
    """The statement altered after signing, and the entry re-signed by the ledger key (an
    insider with the service's key cannot forge the officer's signature)."""
    ledger = Ledger()
    ledger.register()
    attestation = ledger.attestation("rejected")
    signature = sign_attestation(ledger.officer_key, attestation)
    ledger.append(
        "attestation",
        {"attestation": {**attestation, "statement": "approved"}, "officer_signature": signature},
    )
    result = verify_bundle(ledger.bundle())
    assert result.exit_code == ALTERED
    assert any("officer's signature does not verify" in p for p in result.problems)
    assert not result.signed_off


def test_an_altered_attestation_entry_breaks_the_chain() -> None:
    ledger = Ledger()
    ledger.register()
    ledger.attest(ledger.attestation("rejected"))
    ledger.entries[-1]["attestation"]["statement"] = "approved"
    result = verify_bundle(ledger.bundle())
    assert result.exit_code == ALTERED
    assert any("entry_hash does not match" in p for p in result.problems)


def test_an_attestation_replayed_on_another_report_is_caught() -> None:
    """The officer's approval of rep_2, moved to name rep_1's entry (signature kept), and
    the same signed attestation appended a second time."""
    ledger = Ledger()
    ledger.register()
    attestation = ledger.attestation("approved")
    entry = ledger.attest(attestation)
    moved = {
        **attestation,
        "report_id": "rep_1",
        "report_entry_hash": ledger.entries[1]["entry_hash"],
    }
    ledger.append(
        "attestation", {"attestation": moved, "officer_signature": entry["officer_signature"]}
    )
    ledger.append(
        "attestation",
        {"attestation": attestation, "officer_signature": entry["officer_signature"]},
    )
    problems, checks = attestation_problems(ledger.entries)
    assert checks[0].verified and not checks[1].verified and not checks[2].verified
    assert any("line 8: the officer's signature does not verify" in p for p in problems)
    assert any(
        "line 9: the same signed attestation appears again (replayed)" in p for p in problems
    )
    assert verify_bundle(ledger.bundle()).exit_code == ALTERED


def test_an_attestation_naming_an_entry_that_is_not_its_report_is_caught() -> None:
    ledger = Ledger()
    ledger.register()
    ledger.attest(ledger.attestation(report_entry_hash=ledger.entries[0]["entry_hash"]))
    problems, _ = attestation_problems(ledger.entries)
    assert problems == ["ledger line 7: names no earlier report entry of the ledger"]


def test_a_wrong_key_is_caught() -> None:
    ledger = Ledger()
    ledger.register()
    ledger.attest(ledger.attestation(), key=new_key())
    result = verify_bundle(ledger.bundle())
    assert result.exit_code == ALTERED
    assert any("officer's signature does not verify" in p for p in result.problems)
    other = Ledger()
    other.register()
    stranger = new_key()
    attestation = other.attestation(officer_key_id=key_fingerprint(public_key_raw(stranger)))
    other.attest(attestation, key=stranger)
    problems, _ = attestation_problems(other.entries)
    assert any("not officer off_aaaaaaaaaaaaaaaa's" in p for p in problems)


def test_a_revoked_key_is_caught_and_earlier_attestations_stand() -> None:
    ledger = Ledger()
    ledger.register()
    ledger.attest(ledger.attestation("reviewed"))
    officer_key_id = key_fingerprint(public_key_raw(ledger.officer_key))
    ledger.append("officer", revocation_entry_fields(officer_id=OFFICER, key_id=officer_key_id))
    ledger.attest(ledger.attestation("approved"))
    problems, checks = attestation_problems(ledger.entries)
    assert [c.verified for c in checks] == [True, False]
    assert problems == ["ledger line 9: officer off_aaaaaaaaaaaaaaaa's key was revoked before it"]
    assert verify_bundle(ledger.bundle()).exit_code == ALTERED
    assert not is_signed_off(checks)


def test_an_unregistered_officer_and_a_post_dated_attestation_are_caught() -> None:
    ledger = Ledger()
    ledger.attest(ledger.attestation())
    ledger.register()
    late = ledger.attestation(time="2027-01-01T00:00:00Z")
    ledger.attest(late)
    problems, _ = attestation_problems(ledger.entries)
    assert problems == [
        "ledger line 6: officer off_aaaaaaaaaaaaaaaa is not registered before it",
        "ledger line 8: the attestation is dated after its ledger entry",
    ]


def test_the_signed_bytes_are_rfc8785_canonical_and_the_form_is_checked() -> None:
    ledger = Ledger()
    attestation = ledger.attestation("approved-with-exceptions", justification="é gap")
    data = attestation_bytes(attestation)
    assert data.startswith(b'{"format":"compliance-attestation-v1","justification":"\xc3\xa9 gap"')
    with pytest.raises(ValueError, match="needs a justification"):
        ledger.attestation("approved-with-exceptions")
    with pytest.raises(ValueError, match="statement must be one of"):
        ledger.attestation("signed")
    with pytest.raises(ValueError, match="names the attestation it withdraws"):
        ledger.attestation("withdrawn", justification="x")
