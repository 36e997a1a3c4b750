"""Tokens and authentication: 401s with a challenge, tokens refused in query strings,
revocation and expiry at once, model-limited tokens that see foreign objects as absent,
per-token rate limits, and secrets never stored or logged in clear."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time

import httpx
import pytest
from sqlalchemy import select

from compliance.api.app import create_app
from compliance.api.settings import ApiSettings
from compliance.cli.api_commands import proxy_options
from compliance.clock import isoformat_z
from compliance.services.tokens import create_token, list_tokens, revoke_token
from compliance.storage.tables import ApiToken
from tests.integration.api.world import World, live_server


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("headers", "invalid"),
    [
        ({}, False),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, True),
        ({"Authorization": "Bearer"}, True),
        ({"Authorization": "Bearer x\ty"}, True),
        ({"Authorization": "Bearer cmp_short"}, True),
        ({"Authorization": "Bearer a b"}, True),
        ({"Authorization": "Bearer cmp_" + "A" * 43}, True),  # well formed, unknown
    ],
)
def test_missing_malformed_and_unknown_tokens_are_401(
    client: httpx.Client, headers: dict[str, str], invalid: bool
) -> None:
    for path in ("/api/v1/models", "/api/v1/reports/rep_aaaaaaaaaaaaaaaa/artifacts/pdf"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer realm=")
        assert ('error="invalid_token"' in challenge) == invalid
        assert response.json()["code"] == "unauthenticated"


def test_revoked_and_expired_tokens_are_401_at_once(client: httpx.Client, world: World) -> None:
    app = world.app
    made = create_token(app.uow_factory, app.clock, "to-revoke", "regulator")
    assert client.get("/api/v1/models", headers=bearer(made.secret)).status_code == 200
    revoke_token(app.uow_factory, app.clock, made.token.id)
    assert client.get("/api/v1/models", headers=bearer(made.secret)).status_code == 401
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    old = create_token(app.uow_factory, lambda: long_ago, "expired", "regulator", expires_days=1)
    assert old.token.expires_at is not None
    assert client.get("/api/v1/models", headers=bearer(old.secret)).status_code == 401
    fresh = create_token(app.uow_factory, app.clock, "fresh", "regulator", expires_days=1)
    assert client.get("/api/v1/models", headers=bearer(fresh.secret)).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "access_token={secret}",
        "token={secret}",
        "api_key=anything",
        "model={secret}",
        "x=1&Authorization=Bearer%20{secret}",
    ],
)
def test_a_token_in_the_query_string_is_refused_with_400(
    client: httpx.Client, world: World, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = world.tokens["admin"]
    with caplog.at_level(logging.DEBUG):
        for headers in ({}, world.token("admin")):
            response = client.get(f"/api/v1/reports?{query.format(secret=secret)}", headers=headers)
            assert response.status_code == 400
            assert response.json()["code"] == "token_in_query"
    server_lines = [  # what the service logs (the test's own client logs its URLs)
        r.getMessage() for r in caplog.records if r.name.startswith(("compliance", "uvicorn"))
    ]
    assert any("path=/api/v1/reports status=400" in line for line in server_lines)
    assert not any(secret in line or "?" in line for line in server_lines)


def test_a_model_limited_token_sees_foreign_objects_as_absent(
    client: httpx.Client, world: World
) -> None:
    mine, theirs = world.token("regulator-steady"), world.token("regulator")

    def as_mine(path: str, **params: object) -> httpx.Response:
        return client.get(path, headers=mine, params=params or None)

    assert [m["name"] for m in as_mine("/api/v1/models").json()] == ["steady"]
    reports = as_mine("/api/v1/reports", limit=100).json()["items"]
    assert {r["model"]["name"] for r in reports} == {"steady"} and len(reports) == 4
    assert as_mine("/api/v1/reports", model="pleaser").json()["items"] == []
    audits = as_mine("/api/v1/audits", limit=100).json()["items"]
    assert {a["model"]["name"] for a in audits} == {"steady"}
    entries = as_mine("/api/v1/ledger/entries", limit=100).json()["items"]
    assert world.reports["pleaser-truth-1"] not in {e["report_id"] for e in entries}
    assert len(entries) == len(world.entries) - 1
    foreign = {
        "model": f"/api/v1/models/{world.models['pleaser']}",
        "versions": f"/api/v1/models/{world.models['pleaser']}/versions",
        "audit": f"/api/v1/audits/{world.audits['pleaser-truth-1']}",
        "metrics": f"/api/v1/audits/{world.audits['pleaser-truth-1']}/metric-results",
        "report": f"/api/v1/reports/{world.reports['pleaser-truth-1']}",
        "artifact": f"/api/v1/reports/{world.reports['pleaser-truth-1']}/artifacts/pdf",
        "bundle": f"/api/v1/reports/{world.reports['pleaser-truth-1']}/bundle",
        "entry": f"/api/v1/ledger/entries/{world.entries[2]}",
    }
    absent = {
        "model": "/api/v1/models/mdl_aaaaaaaaaaaaaaaa",
        "versions": "/api/v1/models/mdl_aaaaaaaaaaaaaaaa/versions",
        "audit": "/api/v1/audits/aud_aaaaaaaaaaaaaaaa",
        "metrics": "/api/v1/audits/aud_aaaaaaaaaaaaaaaa/metric-results",
        "report": "/api/v1/reports/rep_aaaaaaaaaaaaaaaa",
        "artifact": "/api/v1/reports/rep_aaaaaaaaaaaaaaaa/artifacts/pdf",
        "bundle": "/api/v1/reports/rep_aaaaaaaaaaaaaaaa/bundle",
        "entry": f"/api/v1/ledger/entries/{'0' * 64}",
    }
    for name, path in foreign.items():
        hidden = as_mine(path)
        missing = as_mine(absent[name])
        assert hidden.status_code == missing.status_code == 404, name
        assert hidden.json() == missing.json(), name  # nothing tells them apart
        assert client.get(path, headers=theirs).status_code == 200, name
    for path in (f"/api/v1/models/{world.models['steady']}", "/api/v1/policies", "/api/v1/keys"):
        assert as_mine(path).status_code == 200


def test_rate_limit_per_token_with_retry_after(world: World) -> None:
    limited = ApiSettings(rate_per_second=0.5, rate_burst=3)
    one = create_token(world.app.uow_factory, world.app.clock, "rate-1", "regulator").secret
    two = create_token(world.app.uow_factory, world.app.clock, "rate-2", "regulator").secret
    with live_server(create_app(world.app, limited)) as url, httpx.Client(base_url=url) as http:
        statuses = [http.get("/api/v1/models", headers=bearer(one)).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        refused = http.get("/api/v1/models", headers=bearer(one))
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 2
        assert http.get("/api/v1/models", headers=bearer(two)).status_code == 200
        assert http.get("/healthz").status_code == 200  # health checks are not limited


def test_only_the_hash_of_a_secret_is_stored(world: World) -> None:
    made = create_token(world.app.uow_factory, world.app.clock, "stored", "officer")
    assert made.secret.startswith("cmp_") and len(made.secret) == 47
    with world.app.engine.connect() as connection:
        row = connection.execute(select(ApiToken).where(ApiToken.uid == made.token.id)).one()
    values = [str(v) for v in row]
    assert hashlib.sha256(made.secret.encode()).hexdigest() in values
    assert not any(made.secret in v or made.secret[4:] in v for v in values)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/reports", "/api/v1/models"],  # the list runs on the event loop, models in a thread
)
def test_the_last_use_of_a_token_is_recorded(client: httpx.Client, world: World, path: str) -> None:
    app = world.app
    made = create_token(app.uow_factory, app.clock, f"used-{path.rsplit('/', 1)[1]}", "regulator")

    def last_used() -> str | None:
        (view,) = [t for t in list_tokens(app.uow_factory, app.clock) if t.id == made.token.id]
        return view.last_used_at

    assert last_used() is None
    response = client.get(path, headers={"Authorization": f"Bearer {made.secret}"})
    assert response.status_code == 200
    deadline = time.monotonic() + 10  # the list hands the write to a thread: not awaited
    while last_used() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert last_used() == isoformat_z(app.clock())


WRONG = {"Authorization": "Bearer cmp_" + "B" * 43}  # well formed, unknown


def test_failed_authentications_are_throttled_per_address_spoofing_or_not(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``auth_failures_per_minute`` 401s an address gets 429 with Retry-After, even
    with a valid token; a forged X-Forwarded-For is not believed without trusted proxies."""
    monkeypatch.delenv("COMPLIANCE_API_TRUSTED_PROXIES", raising=False)
    settings = ApiSettings(auth_failures_per_minute=5, rate_per_second=1000, rate_burst=1000)
    good = create_token(world.app.uow_factory, world.app.clock, "throttle-1", "regulator")
    asgi = create_app(world.app, settings)
    with live_server(asgi, **proxy_options()) as url, httpx.Client(base_url=url) as http:
        assert http.get("/api/v1/models", headers=bearer(good.secret)).status_code == 200
        statuses = [http.get("/api/v1/models", headers=WRONG).status_code for _ in range(7)]
        assert statuses == [401] * 5 + [429] * 2
        refused = http.get("/api/v1/models", headers=bearer(good.secret))
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 12  # one failure back: 60 s / 5
        for forged in ("203.0.113.9", "198.51.100.7, 203.0.113.9"):
            spoofed = http.get("/api/v1/models", headers={**WRONG, "X-Forwarded-For": forged})
            assert spoofed.status_code == 429, forged
        assert http.get("/healthz").status_code == 200  # health checks are not limited


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_API_TRUSTED_PROXIES", "127.0.0.1")
    settings = ApiSettings(auth_failures_per_minute=3, rate_per_second=1000, rate_burst=1000)
    asgi = create_app(world.app, settings)
    with live_server(asgi, **proxy_options()) as url, httpx.Client(base_url=url) as http:
        one = {**WRONG, "X-Forwarded-For": "198.51.100.1"}
        two = {**WRONG, "X-Forwarded-For": "198.51.100.2"}
        assert [http.get("/api/v1/models", headers=one).status_code for _ in range(4)] == [
            401,
            401,
            401,
            429,
        ]
        assert http.get("/api/v1/models", headers=two).status_code == 401


def test_serve_believes_forwarded_headers_only_from_configured_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COMPLIANCE_API_TRUSTED_PROXIES", raising=False)
    assert proxy_options() == {"proxy_headers": False}
    monkeypatch.setenv("COMPLIANCE_API_TRUSTED_PROXIES", " 10.0.0.1, 10.0.0.2 ,")
    assert proxy_options() == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.1,10.0.0.2"}


@pytest.mark.parametrize(("trusted", "secure"), [("", False), ("127.0.0.1", True)])
def test_x_forwarded_proto_makes_cookies_secure_only_from_a_trusted_proxy(
    world: World, monkeypatch: pytest.MonkeyPatch, trusted: str, secure: bool
) -> None:
    monkeypatch.setenv("COMPLIANCE_API_TRUSTED_PROXIES", trusted)
    asgi = create_app(world.app, ApiSettings())
    with live_server(asgi, **proxy_options()) as url:
        form = httpx.get(f"{url}/portal/login", headers={"X-Forwarded-Proto": "https"})
    cookie = next(v for k, v in form.headers.multi_items() if k == "set-cookie")
    assert cookie.startswith("portal_csrf=")
    assert ("secure" in cookie.lower()) == secure
