"""The read-only API over a live server: every family of objects, filters, pagination,
HEAD, 405 on every route for every other method, bodies refused, errors without internals."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import event

from compliance.api.app import create_app
from compliance.api.views.common import MAX_PAGE, limit_of
from compliance.bootstrap import App
from compliance.services.tokens import create_token, revoke_token
from tests.integration.api.conftest import FAST
from tests.integration.api.world import World, live_server, minimal_report

INTERNALS = ("Traceback", "sqlalchemy", "SELECT ", "psycopg", "sqlite3", 'File "')


def get(client: httpx.Client, world: World, path: str, **params: object) -> httpx.Response:
    return client.get(path, headers=world.token("regulator"), params=params or None)


def test_models_and_versions(client: httpx.Client, world: World) -> None:
    models = get(client, world, "/api/v1/models").json()
    assert [m["name"] for m in models] == ["pleaser", "steady"]
    steady = next(m for m in models if m["name"] == "steady")
    assert steady["id"] == world.models["steady"] and steady["id"].startswith("mdl_")
    assert [v["version"] for v in steady["versions"]] == ["1.0", "1.1", "1.2"]
    assert all(v["registered_at"].endswith("Z") for v in steady["versions"])
    one = get(client, world, f"/api/v1/models/{steady['id']}").json()
    assert one == steady
    versions = get(client, world, f"/api/v1/models/{steady['id']}/versions").json()
    assert versions == steady["versions"]
    missing = get(client, world, "/api/v1/models/mdl_aaaaaaaaaaaaaaaa")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    malformed = get(client, world, "/api/v1/models/1")
    assert malformed.status_code == 400 and malformed.json()["code"] == "bad_request"


def test_policies_and_their_versions(client: httpx.Client, world: World) -> None:
    policies = get(client, world, "/api/v1/policies").json()
    names = sorted(p["name"] for p in policies)
    assert names == ["bias-benchmark", "personalization", "truth-invariance"]
    only = get(client, world, "/api/v1/policies", name="truth-invariance").json()
    assert [p["name"] for p in only] == ["truth-invariance"]
    detail = get(client, world, f"/api/v1/policies/{only[0]['id']}").json()
    assert len(detail["sha256"]) == 64 and detail["source_text"].startswith(("name:", "#"))
    assert {r["rule_id"] for r in detail["rules"]} >= {"accuracy-gap", "drop-vs-baseline"}
    assert get(client, world, "/api/v1/policies/pol_aaaaaaaaaaaaaaaa").status_code == 404


def test_audits_with_findings_and_metric_results(client: httpx.Client, world: World) -> None:
    page = get(client, world, "/api/v1/audits").json()
    assert len(page["items"]) == 5 and page["next_cursor"] is None
    started = [a["started_at"] for a in page["items"]]
    assert started == sorted(started, reverse=True)
    audit_id = world.audits["steady-truth-2"]
    audit = get(client, world, f"/api/v1/audits/{audit_id}").json()
    assert audit["verdict"] == "fail" and audit["model_version"]["version"] == "1.1"
    assert audit["report_id"] == world.reports["steady-truth-2"]
    assert audit["runs"] and all(r.startswith("run_") for r in audit["runs"])
    failed = {f["rule_id"] for f in audit["findings"] if f["verdict"] == "fail"}
    assert "accuracy-gap" in failed
    metrics = get(client, world, f"/api/v1/audits/{audit_id}/metric-results").json()
    assert (
        len(metrics) > 10 and {"metric", "dimension", "group", "estimate", "n"} <= metrics[0].keys()
    )
    accuracy = [m for m in metrics if m["metric"] == "truth.accuracy"]
    for row in accuracy:  # the strict accuracy's breakdown: every answer counted once
        assert set(row["outcomes"]) == {"correct", "incorrect", "refused", "unparsed"}
        assert sum(row["outcomes"].values()) == row["n"]
        assert row["estimate"] == pytest.approx(row["outcomes"]["correct"] / row["n"])
    assert all(m["outcomes"] is None for m in metrics if m["metric"] != "truth.accuracy")
    by_model = get(client, world, "/api/v1/audits", model="pleaser").json()["items"]
    assert [a["model"]["name"] for a in by_model] == ["pleaser"]
    by_policy = get(client, world, "/api/v1/audits", policy="personalization").json()["items"]
    assert [a["id"] for a in by_policy] == [world.audits["steady-pers-1"]]


def test_reports_filters(client: httpx.Client, world: World) -> None:
    everything = get(client, world, "/api/v1/reports").json()["items"]
    assert len(everything) == 5
    issued = [(r["issued_at"], r["id"]) for r in everything]
    assert issued == sorted(issued, reverse=True)
    steady = get(client, world, "/api/v1/reports", model="steady").json()["items"]
    assert len(steady) == 4 and {r["model"]["name"] for r in steady} == {"steady"}
    failing = get(client, world, "/api/v1/reports", verdict="fail").json()["items"]
    assert {r["id"] for r in failing} == {
        world.reports["pleaser-truth-1"],
        world.reports["steady-truth-2"],
        world.reports["steady-pers-1"],
    }
    series = get(client, world, "/api/v1/reports", model="steady", policy="truth-invariance")
    versions = [r["version"] for r in series.json()["items"]]
    assert versions == [3, 2, 1]
    newest = series.json()["items"][0]
    assert newest["supersedes"] == world.reports["steady-truth-2"]
    window = get(
        client,
        world,
        "/api/v1/reports",
        **{"from": "2026-11-02T00:00:00Z", "to": "2026-11-02T23:59:59+00:00"},
    ).json()["items"]
    assert {r["id"] for r in window} == {
        world.reports["steady-truth-2"],
        world.reports["steady-pers-1"],
    }
    assert get(client, world, "/api/v1/reports", verdict="maybe").status_code == 400
    assert get(client, world, "/api/v1/reports", **{"from": "yesterday"}).status_code == 400
    assert get(client, world, "/api/v1/reports", model="x" * 101).status_code == 400
    assert get(client, world, "/api/v1/reports", **{"from": "1700000000"}).status_code == 400
    assert get(client, world, "/api/v1/reports", **{"to": "2026-11-02"}).status_code == 400
    typo = get(client, world, "/api/v1/reports", modle="steady")
    assert typo.status_code == 400 and "modle" in typo.json()["message"]
    twice = client.get(
        "/api/v1/reports?model=steady&model=pleaser", headers=world.token("regulator")
    )
    assert twice.status_code == 400 and "more than once" in twice.json()["message"]


def test_reports_cursor_pagination(client: httpx.Client, world: World) -> None:
    everything = [r["id"] for r in get(client, world, "/api/v1/reports").json()["items"]]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = get(client, world, "/api/v1/reports", **params).json()
        seen += [r["id"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert cursor.startswith("r") and world.reports["steady-truth-1"] not in cursor
    assert seen == everything and pages == 3
    assert get(client, world, "/api/v1/reports", limit=0).status_code == 400
    assert len(get(client, world, "/api/v1/reports", limit=5000).json()["items"]) == 5
    assert limit_of(5000) == MAX_PAGE == 100
    bad = get(client, world, "/api/v1/reports", cursor="not-a-cursor")
    assert bad.status_code == 400
    audits_cursor = get(client, world, "/api/v1/audits", limit=1).json()["next_cursor"]
    assert get(client, world, "/api/v1/reports", cursor=audits_cursor).status_code == 400
    # any well-formed cursor is a position: before every report (newest first) or after all
    future = get(client, world, "/api/v1/reports", cursor="r" + "f" * 13 + "0" * 20).json()
    assert [r["id"] for r in future["items"]] == everything
    past = get(client, world, "/api/v1/reports", cursor="r" + "0" * 33).json()
    assert past == {"items": [], "next_cursor": None}


def test_report_detail(client: httpx.Client, world: World) -> None:
    report_id = world.reports["steady-truth-1"]
    detail = get(client, world, f"/api/v1/reports/{report_id}").json()
    assert detail["id"] == report_id and detail["version"] == 1 and detail["verdict"] == "pass"
    kinds = {a["kind"]: a for a in detail["artifacts"]}
    assert set(kinds) == {"pdf", "html", "json"}
    assert kinds["pdf"]["content_type"] == "application/pdf" and len(kinds["pdf"]["sha256"]) == 64
    assert detail["findings"] and detail["ledger_seq"] == 2
    assert detail["ledger_entry_hash"] == world.entries[1]


def test_ledger_checkpoints_and_keys(client: httpx.Client, world: World) -> None:
    entries = get(client, world, "/api/v1/ledger/entries", limit=100).json()
    assert [e["seq"] for e in entries["items"]] == list(range(1, 8))
    assert [e["entry_hash"] for e in entries["items"]] == world.entries
    assert entries["items"][1]["prev_hash"] == entries["items"][0]["entry_hash"]
    first = get(client, world, "/api/v1/ledger/entries", limit=3).json()
    rest = get(client, world, "/api/v1/ledger/entries", cursor=first["next_cursor"]).json()
    assert [e["seq"] for e in first["items"] + rest["items"]] == list(range(1, 8))
    beyond = get(client, world, "/api/v1/ledger/entries", cursor="l" + "f" * 12)
    assert beyond.json() == {"items": [], "next_cursor": None}
    checkpoints = get(client, world, "/api/v1/ledger/checkpoints").json()["items"]
    assert [e["seq"] for e in checkpoints] == [1, 7] and {e["kind"] for e in checkpoints} == {
        "checkpoint"
    }
    one = get(client, world, f"/api/v1/ledger/entries/{world.entries[2]}").json()
    assert one["seq"] == 3 and one["report_id"] == world.reports["pleaser-truth-1"]
    assert get(client, world, f"/api/v1/ledger/entries/{'0' * 64}").status_code == 404
    keys = get(client, world, "/api/v1/keys").json()
    assert [k["key_id"] for k in keys] == [entries["items"][0]["key_id"]]
    assert keys[0]["algorithm"] == "ed25519" and keys[0]["public_key"]


def test_head_answers_like_get_without_a_body(client: httpx.Client, world: World) -> None:
    for path in ("/api/v1/models", "/api/v1/reports", "/healthz"):
        got = client.get(path, headers=world.token("regulator"))
        head = client.head(path, headers=world.token("regulator"))
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == got.headers["content-length"]
    assert client.head("/api/v1/models").status_code == 401


def concrete_paths(client: httpx.Client, world: World) -> list[str]:
    """Every path of the OpenAPI document, with real identifiers filled in."""
    document = client.get("/api/v1/openapi.json").json()
    values = {
        "model_id": world.models["steady"],
        "policy_id": get(client, world, "/api/v1/policies").json()[0]["id"],
        "audit_id": world.audits["steady-truth-1"],
        "report_id": world.reports["steady-truth-1"],
        "kind": "pdf",
        "entry_hash": world.entries[0],
        "regime_id": get(client, world, "/api/v1/regimes").json()[0]["id"],
    }
    return [path.format(**values) for path in document["paths"]]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FROB"])
def test_every_other_method_is_405_on_every_route(
    client: httpx.Client, world: World, method: str
) -> None:
    paths = concrete_paths(client, world)
    assert len(paths) >= 18
    for path in paths:
        for headers in ({}, world.token("admin")):
            response = client.request(method, path, headers=headers)
            assert response.status_code == 405, (method, path, response.text)
            assert response.headers["allow"] == "GET, HEAD"
            assert response.json()["code"] == "method_not_allowed"
    body = client.post("/api/v1/reports", headers=world.token("admin"), content=b"x" * 100_000)
    assert body.status_code == 405


def test_request_bodies_are_refused(client: httpx.Client, world: World) -> None:
    with_body = client.request(
        "GET", "/api/v1/models", headers=world.token("regulator"), content=b'{"a": 1}'
    )
    assert with_body.status_code == 400 and with_body.json()["code"] == "body_not_allowed"

    def chunks() -> object:
        yield b"abc"

    chunked = client.request(
        "GET", "/api/v1/models", headers=world.token("regulator"), content=chunks()
    )
    assert chunked.status_code == 400
    empty = client.request(
        "GET", "/api/v1/models", headers={**world.token("regulator"), "Content-Length": "0"}
    )
    assert empty.status_code == 200


def test_errors_reveal_no_internals_and_responses_are_hardened(
    client: httpx.Client, world: World
) -> None:
    probes = [
        client.get("/api/v1/reports/rep_aaaaaaaaaaaaaaaa", headers=world.token("regulator")),
        client.get("/api/v1/reports?limit=-1", headers=world.token("regulator")),
        client.get("/api/v1/reports?from=%00", headers=world.token("regulator")),
        client.get("/api/v1/reports?model=%27%3B%20DROP%20TABLE", headers=world.token("regulator")),
        client.get("/api/v1/nothing-here", headers=world.token("regulator")),
        client.get("/api/v1/models", headers={"Authorization": "Bearer cmp_" + "x" * 43}),
    ]
    for response in probes:
        assert response.status_code in {400, 401, 404}, response.text
        assert set(response.json()) == {"code", "message"}
        assert not any(marker in response.text for marker in INTERNALS), response.text
    ok = get(client, world, "/api/v1/models")
    assert ok.headers["cache-control"] == "no-store"
    assert ok.headers["x-content-type-options"] == "nosniff"
    assert ok.headers["x-frame-options"] == "DENY"


def test_a_new_report_is_listed_at_once(app: App) -> None:
    """Pages of the report list are reused only while no report was issued."""
    first = minimal_report(app, pdf=b"%PDF-1.7 one", model="alpha")
    secret = create_token(app.uow_factory, app.clock, "r", "regulator").secret
    headers = {"Authorization": f"Bearer {secret}"}
    with live_server(create_app(app, FAST)) as url:
        listed = httpx.get(f"{url}/api/v1/reports", headers=headers).json()["items"]
        assert [r["id"] for r in listed] == [first]
        assert httpx.get(f"{url}/api/v1/reports", headers=headers).json()["items"] == listed
        second = minimal_report(app, pdf=b"%PDF-1.7 two", model="beta")
        again = httpx.get(f"{url}/api/v1/reports", headers=headers).json()["items"]
        assert {r["id"] for r in again} == {first, second}


def test_a_cached_page_is_one_statement_and_still_checks_the_token(app: App) -> None:
    """A page of reports served from the cache costs one SELECT (the token and the reports'
    mark together), yet a revoked token is refused and a token limited to other models
    never gets a page cached for a wider one."""
    alpha = minimal_report(app, pdf=b"%PDF-1.7 one", model="alpha")
    beta = minimal_report(app, pdf=b"%PDF-1.7 two", model="beta")
    wide = create_token(app.uow_factory, app.clock, "wide", "regulator")
    narrow = create_token(app.uow_factory, app.clock, "narrow", "regulator", models=["beta"])
    statements: list[str] = []

    def count(*args: object) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with live_server(create_app(app, FAST)) as url:

        def listed(secret: str) -> httpx.Response:
            return httpx.get(
                f"{url}/api/v1/reports?limit=5", headers={"Authorization": f"Bearer {secret}"}
            )

        assert {r["id"] for r in listed(wide.secret).json()["items"]} == {alpha, beta}
        event.listen(app.engine, "before_cursor_execute", count)
        try:
            again = listed(wide.secret)
        finally:
            event.remove(app.engine, "before_cursor_execute", count)
        assert {r["id"] for r in again.json()["items"]} == {alpha, beta}
        assert len(statements) == 1, statements
        assert "api_tokens" in statements[0] and "reports" in statements[0]

        assert [r["id"] for r in listed(narrow.secret).json()["items"]] == [beta]
        revoke_token(app.uow_factory, app.clock, wide.token.id)
        refused = listed(wide.secret)
        assert refused.status_code == 401 and "items" not in refused.json()
        assert [r["id"] for r in listed(narrow.secret).json()["items"]] == [beta]
