"""Officers sign reports off through the command line: stored, listed, bundled, verified."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import rfc8785
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from compliance.bootstrap import App
from compliance.errors import Conflict, InputError
from compliance.reporting.attestation import sign_attestation
from compliance.reporting.ledger import load_private_key, verify_chain
from compliance.services.attestations import attestation_payload, record_attestation
from tests.conftest import CliResult, table_counts

Cli = Callable[..., CliResult]


def _report(cli: Cli) -> str:
    result = cli(
        "audit", "run", "--model", "steady", "--version", "1.0", "--policy", "truth-invariance",
        "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    return str(json.loads(result.out)["report_id"])


def _officer(cli: Cli, tmp_path: Path, name: str = "Ada Lovelace") -> tuple[str, Path]:
    key = tmp_path / f"{name.split(maxsplit=1)[0].lower()}.pem"
    made = cli("officers", "keygen", "--out", str(key), "--json")
    assert made.code == 0, made.err
    assert os.stat(key).st_mode & 0o777 == 0o600
    added = cli(
        "officers", "add", "--name", name, "--role", "Chief Compliance Officer",
        "--email", "ada@example.org", "--public-key", str(key) + ".pub", "--json",
    )  # fmt: skip
    assert added.code == 0, added.err
    return str(json.loads(added.out)["id"]), key


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_an_officer_signs_off_and_the_bundle_verifies_with_the_attestations(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    report = _report(cli)
    officer, key = _officer(cli, tmp_path)
    listed = json.loads(cli("officers", "list", "--json").out)
    assert [(o["id"], o["key_revoked_at"]) for o in listed] == [(officer, None)]
    assert "PRIVATE" not in json.dumps(listed)
    before = json.loads(cli("reports", "attestations", report, "--json").out)
    assert before == {"report_id": report, "signed_off": False, "attestations": []}
    assert "NOT SIGNED OFF" in cli("reports", "attestations", report).out
    signed = cli(
        "reports", "sign", report, "--officer", officer, "--key", str(key),
        "--statement", "approved-with-exceptions", "--justification", "BBQ gap tracked",
        "--json",
    )  # fmt: skip
    assert signed.code == 0, signed.err
    shown = json.loads(cli("reports", "attestations", report, "--json").out)
    assert shown["signed_off"] is True
    [attestation] = shown["attestations"]
    assert attestation["officer_name"] == "Ada Lovelace"
    assert attestation["statement"] == "approved-with-exceptions"
    assert attestation["justification"] == "BBQ gap tracked"
    assert attestation["verified"] is True
    # the ledger stays one chain, and the bundle carries the officer and the attestation
    with app.uow_factory() as uow:
        entries = [json.loads(e.payload) for e in uow.ledger.entries()]
        keys = {k.key_id: bytes.fromhex(k.public_key) for k in uow.ledger.public_keys()}
    assert [e["kind"] for e in entries] == ["report", "officer", "attestation"]
    assert verify_chain(entries, keys) == []
    bundle = tmp_path / "b.zip"
    exported = cli("reports", "export", report, "--format", "bundle", "--out", str(bundle))
    assert exported.code == 0, exported.err
    verified = cli("reports", "verify", str(bundle))
    assert verified.code == 0, verified.out
    assert "Ada Lovelace (Chief Compliance Officer) approved-with-exceptions" in verified.out
    assert ": verified" in verified.out
    as_json = json.loads(cli("reports", "verify", str(bundle), "--json").out)
    assert as_json["signed_off"] is True
    # the Annex IV 2(g) extract carries the results, the attestation and the mapping
    exported = cli("reports", "export", report, "--format", "annex-iv", "--out", str(tmp_path))
    assert exported.code == 0, exported.err
    [path] = tmp_path.glob("*.annex-iv.json")
    extract = json.loads(path.read_text())
    assert extract["clause"] == "Regulation (EU) 2024/1689, Annex IV, point 2(g)"
    assert extract["signed_off"] is True
    assert [a["officer_name"] for a in extract["attestations"]] == ["Ada Lovelace"]
    rules = {r["rule_id"]: r for r in extract["results"]}
    assert rules["accuracy-gap"]["threshold"] == "<= 0.1"
    mapped = {m["regime"]: m for m in extract["regulatory_mapping"]}
    assert set(mapped) == {"eu-ai-act", "nist-ai-rmf", "iso-42001"}
    clauses = {c["citation"]: c for c in mapped["eu-ai-act"]["clauses"]}
    assert "accuracy-gap" in [r["rule_id"] for r in clauses["Art. 10(2)(f)"]["rules"]]
    shown = cli("reports", "mapping", report)
    assert "Art. 10(5)" in shown.out and "not covered" in shown.out
    assert json.loads(cli("reports", "mapping", report, "--json").out)[0]["regime"] == "eu-ai-act"
    # an insider re-signs the ledger after turning the statement into a plain approval
    with zipfile.ZipFile(bundle) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    lines = files["ledger.jsonl"].decode().splitlines()
    forged = json.loads(lines[-1])
    forged["attestation"]["statement"] = "approved"
    forged["attestation"]["justification"] = None
    from compliance.reporting.ledger import sign_entry

    forged = sign_entry(
        {k: v for k, v in forged.items() if k not in ("entry_hash", "signature")},
        load_private_key(app.signing_key_path),
    )
    lines[-1] = rfc8785.dumps(forged).decode()
    files["ledger.jsonl"] = ("\n".join(lines) + "\n").encode()
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    refused = cli("reports", "verify", str(tampered))
    assert refused.code == 1
    assert "the officer's signature does not verify" in refused.out
    assert "NOT VERIFIED" in refused.out


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_wrong_revoked_and_replayed_signatures_are_refused_and_write_nothing(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    report = _report(cli)
    officer, key = _officer(cli, tmp_path)
    _, other_key = _officer(cli, tmp_path, name="Grace Hopper")
    counts = table_counts(app)
    wrong = cli(
        "reports", "sign", report, "--officer", officer, "--key", str(other_key),
        "--statement", "approved",
    )  # fmt: skip
    assert wrong.code != 0
    assert "not officer" in wrong.err and "registered key" in wrong.err
    missing = cli(
        "reports", "sign", report, "--officer", officer, "--key", str(key),
        "--statement", "approved-with-exceptions",
    )  # fmt: skip
    assert missing.code != 0 and "needs a justification" in missing.err
    # a payload signed once is recorded once: the same signature again is a replay
    payload = attestation_payload(app.uow_factory, app.clock, report, officer, statement="reviewed")
    signature = sign_attestation(load_private_key(key), payload)
    record_attestation(app.uow_factory, app.clock, app.signing_key_path, payload, signature)
    counts = table_counts(app)
    with pytest.raises(Conflict, match="replay"):
        record_attestation(app.uow_factory, app.clock, app.signing_key_path, payload, signature)
    # the same signature on a payload naming another report does not verify
    other = attestation_payload(
        app.uow_factory, app.clock, _report(cli), officer, statement="reviewed"
    )
    moved = {**payload, "report_id": other["report_id"], "report_entry_hash": other[
        "report_entry_hash"]}  # fmt: skip
    counts = table_counts(app)
    with pytest.raises(InputError, match="does not verify with officer"):
        record_attestation(app.uow_factory, app.clock, app.signing_key_path, moved, signature)
    assert table_counts(app) == counts
    revoked = cli("officers", "revoke-key", officer, "--json")
    assert revoked.code == 0 and json.loads(revoked.out)["key_revoked_at"]
    after = cli(
        "reports", "sign", report, "--officer", officer, "--key", str(key),
        "--statement", "approved",
    )  # fmt: skip
    assert after.code != 0 and "revoked" in after.err
    assert table_counts(app) == {**counts, "ledger_entries": counts["ledger_entries"] + 1}
    # the earlier attestation still verifies; the report is not signed off
    shown = json.loads(cli("reports", "attestations", report, "--json").out)
    assert [(a["statement"], a["verified"]) for a in shown["attestations"]] == [("reviewed", True)]
    assert shown["signed_off"] is False
    for statement in ("UPDATE attestations SET statement = 'approved'", "DELETE FROM attestations"):
        with pytest.raises(DBAPIError, match="append-only"), app.engine.begin() as connection:
            connection.execute(text(statement))


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_the_key_comes_from_stdin_and_a_withdrawal_is_a_new_attestation(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    report = _report(cli)
    officer, key = _officer(cli, tmp_path)

    def sign(*args: str) -> CliResult:
        stdin = io.TextIOWrapper(io.BytesIO(key.read_bytes()))
        monkeypatch.setattr(sys, "stdin", stdin)
        return cli("reports", "sign", report, "--officer", officer, "--key", "-", *args)

    approved = sign("--statement", "approved", "--json")
    assert approved.code == 0, approved.err
    approval = json.loads(approved.out)["entry_hash"]
    withdrawn = sign(
        "--statement", "withdrawn", "--justification", "numbers rerun", "--withdraws", approval
    )
    assert withdrawn.code == 0, withdrawn.err
    shown = json.loads(cli("reports", "attestations", report, "--json").out)
    assert [a["statement"] for a in shown["attestations"]] == ["approved", "withdrawn"]
    assert shown["signed_off"] is False
