"""The read-only API serves who signed a report off; scoped tokens see only their models'."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from compliance.api.app import create_app
from compliance.bootstrap import App
from compliance.reporting.verify import INTACT, verify_bundle
from compliance.services.tokens import create_token
from compliance.storage.tables import AccessLog
from tests.conftest import CliResult
from tests.integration.api.conftest import FAST
from tests.integration.api.world import live_server

Cli = Callable[..., CliResult]


def _audit(cli: Cli, model: str) -> str:
    result = cli(
        "audit", "run", "--model", model, "--version", "1.0", "--policy", "truth-invariance",
        "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    return str(json.loads(result.out)["report_id"])


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_attestations_over_the_api(cli: Cli, app: App, tmp_path: Path) -> None:
    steady, pleaser = _audit(cli, "steady"), _audit(cli, "pleaser")
    key = tmp_path / "officer.pem"
    assert cli("officers", "keygen", "--out", str(key)).code == 0
    added = cli(
        "officers", "add", "--name", "Ada Lovelace", "--role", "DPO", "--email",
        "ada@example.org", "--public-key", f"{key}.pub", "--json",
    )  # fmt: skip
    officer = json.loads(added.out)["id"]
    signed = cli(
        "reports", "sign", steady, "--officer", officer, "--key", str(key),
        "--statement", "approved",
    )  # fmt: skip
    assert signed.code == 0, signed.err
    everyone = create_token(app.uow_factory, app.clock, "reg", "regulator").secret
    scoped = create_token(app.uow_factory, app.clock, "reg p", "regulator", models=["pleaser"])
    full = {"Authorization": f"Bearer {everyone}"}
    limited = {"Authorization": f"Bearer {scoped.secret}"}
    with live_server(create_app(app, FAST)) as url, httpx.Client(base_url=url) as http:
        body = http.get(f"/api/v1/reports/{steady}/attestations", headers=full).json()
        assert body["report_id"] == steady and body["signed_off"] is True
        [one] = body["attestations"]
        assert (one["officer_name"], one["officer_role"], one["statement"], one["verified"]) == (
            "Ada Lovelace", "DPO", "approved", True,
        )  # fmt: skip
        detail = http.get(f"/api/v1/reports/{steady}", headers=full).json()
        assert detail["signed_off"] is True and detail["attestations"] == body["attestations"]
        unsigned = http.get(f"/api/v1/reports/{pleaser}", headers=full).json()
        assert (unsigned["signed_off"], unsigned["attestations"]) == (False, [])
        # a token limited to pleaser neither reads steady's attestations nor its entry
        path = f"/api/v1/reports/{steady}/attestations"
        assert http.get(path, headers=limited).status_code == 404
        kinds = [
            e["kind"] for e in http.get("/api/v1/ledger/entries", headers=limited).json()["items"]
        ]
        assert kinds == ["report", "officer"]  # pleaser's report and the officer registration
        assert http.post(path, headers=full).status_code == 405
        # the regulatory catalogue and the report's mapping onto it
        regimes = http.get("/api/v1/regimes", headers=limited).json()
        eu = next(r for r in regimes if r["id"] == "eu-ai-act")
        assert eu["applies"][0]["from"] == "2027-12-02"
        assert eu["applies"][0]["scope"].startswith("high-risk obligations for Annex III")
        assert http.get("/api/v1/regimes/eu-ai-act", headers=full).json() == eu
        assert http.get("/api/v1/regimes/no-such", headers=full).status_code == 404
        mapping = http.get(f"/api/v1/reports/{steady}/mapping", headers=full).json()
        assert [m["regime"] for m in mapping] == ["eu-ai-act", "nist-ai-rmf", "iso-42001"]
        clauses = {c["citation"]: c for c in mapping[0]["clauses"]}
        assert "accuracy-gap" in [r["rule_id"] for r in clauses["Art. 10(2)(f)"]["rules"]]
        assert http.get(f"/api/v1/reports/{steady}/mapping", headers=limited).status_code == 404
        bundle = http.get(f"/api/v1/reports/{steady}/bundle", headers=full)
        result = verify_bundle(bundle.content)
        assert result.exit_code == INTACT, result.problems
        assert [a["statement"] for a in result.attestations] == ["approved"]
        # the scoped caller's bundle of pleaser's report seals steady's entries
        sealed = verify_bundle(
            http.get(f"/api/v1/reports/{pleaser}/bundle", headers=limited).content
        )
        assert sealed.exit_code == INTACT, sealed.problems
    with app.uow_factory() as uow:
        logged = uow.session.execute(
            select(AccessLog.object_type, AccessLog.object_uid).where(
                AccessLog.object_type.in_(["attestations", "mapping"])
            )
        ).all()
    assert sorted(tuple(row) for row in logged) == [
        ("attestations", steady), ("attestations", steady), ("mapping", steady), ("mapping", steady)
    ]  # fmt: skip
