"""The certificate page: what it prints when an attestation does not verify; escaping."""

from __future__ import annotations

from dataclasses import replace

from compliance.domain.attestation import AttestationView
from compliance.reporting.certificate import CertificateInfo, certificate_html

INFO = CertificateInfo(
    report_id="rep_1", report_version=2, report_issued_at="2026-12-07T19:00:00Z",
    report_entry_hash="a" * 64, model="steady 1.0", policy="truth-invariance@1.0.0",
    verdict="pass",
    attestation=AttestationView(
        id="att_1", entry_hash="b" * 64, ledger_seq=3,
        officer_id="off_1", officer_name="Ada <b>Lovelace</b>", officer_role="CCO",
        officer_key_id="c" * 64, statement="approved", justification=None, note="ok",
        withdraws=None, time="2026-12-07T19:01:00Z", recorded_at="2026-12-07T19:02:00Z",
        verified=True, problems=[],
    ),
)  # fmt: skip


def test_a_verified_attestation_shows_a_tick_and_dates_the_pdf_by_its_record() -> None:
    html = certificate_html(INFO)
    assert "✓ verified" in html and "✗" not in html
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html and "<b>Lovelace" not in html
    assert '<meta name="dcterms.created" content="2026-12-07T19:02:00Z">' in html
    assert "approves" in html


def test_an_attestation_that_does_not_verify_lists_its_problems() -> None:
    html = certificate_html(
        replace(
            INFO,
            attestation=replace(
                INFO.attestation,
                verified=False,
                problems=["the officer's signature does not verify"],
            ),
        )
    )
    assert "✗ not verified" in html and "✓" not in html
    assert "the officer&#39;s signature does not verify" in html
