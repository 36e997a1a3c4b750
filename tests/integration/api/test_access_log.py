"""The access log: every report read and artifact download is recorded with the read, and
a read that cannot be recorded is refused (503, nothing served); ``compliance access-log``."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from compliance.api.app import create_app
from compliance.api.routes import reports as reports_routes
from compliance.api.views import reads as api_reads
from compliance.bootstrap import App
from compliance.services.access_log import MissLog, list_access
from compliance.services.tokens import create_token
from compliance.storage.repositories.tokens import AccessLogRepository
from tests.conftest import BACKEND
from tests.integration.api.cli import run_cli
from tests.integration.api.conftest import FAST
from tests.integration.api.world import World, live_server, minimal_report


def test_report_reads_and_downloads_are_logged(
    client: httpx.Client, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    made = create_token(world.app.uow_factory, world.app.clock, "auditor-x", "regulator")
    headers = {"Authorization": f"Bearer {made.secret}"}
    report = world.reports["steady-truth-2"]
    pdf = f"/api/v1/reports/{report}/artifacts/pdf"
    assert client.get("/api/v1/reports", headers=headers).status_code == 200  # a list: not logged
    assert client.get(f"/api/v1/reports/{report}", headers=headers).status_code == 200
    etag = client.get(pdf, headers=headers).headers["etag"]
    assert client.get(pdf, headers={**headers, "Range": "bytes=0-9"}).status_code == 206
    assert client.get(pdf, headers={**headers, "If-None-Match": etag}).status_code == 304
    assert client.get(pdf, headers={**headers, "Range": "bytes=99999999-"}).status_code == 416
    assert client.get(f"/api/v1/reports/{report}/bundle", headers=headers).status_code == 200
    missing = "/api/v1/reports/rep_aaaaaaaaaaaaaaaa/artifacts/pdf"
    assert client.get(missing, headers=headers).status_code == 404
    rows = list(reversed(list_access(world.app.uow_factory, token=made.token.id)))
    artifact_id = next(
        a["id"]
        for a in client.get(f"/api/v1/reports/{report}", headers=world.token("admin")).json()[
            "artifacts"
        ]
        if a["kind"] == "pdf"
    )
    assert [(r.action, r.object_type, r.object_id, r.status) for r in rows] == [
        ("read", "report", report, 200),
        ("download", "artifact", artifact_id, 200),
        ("download", "artifact", artifact_id, 206),
        ("download", "artifact", artifact_id, 304),
        ("download", "artifact", artifact_id, 416),
        ("bundle", "report", report, 200),
        ("miss", "artifact", "rep_aaaaaaaaaaaaaaaa/pdf", 404),
    ]
    assert {r.client for r in rows} == {"127.0.0.1"} and {r.token for r in rows} == {made.token.id}
    assert all(r.at.endswith("Z") for r in rows)

    settings = world.app.settings
    shown = run_cli(settings, capsys, "access-log", "--token", made.token.id, "--json")
    assert shown.code == 0, shown.err
    listed = json.loads(shown.out)
    assert len(listed) == 7 and listed[0]["token_name"] == "auditor-x"
    assert listed[-1]["action"] == "read"  # newest first
    table = run_cli(settings, capsys, "access-log", "--token", made.token.id, "--since", "1h")
    assert table.code == 0 and "auditor-x" in table.out and report in table.out
    future = run_cli(settings, capsys, "access-log", "--since", "2999-01-01T00:00:00Z", "--json")
    assert json.loads(future.out) == []
    bad = run_cli(settings, capsys, "access-log", "--since", "last tuesday")
    assert bad.code == 1 and "--since" in bad.err


def test_the_access_log_over_http_is_for_admins(client: httpx.Client, world: World) -> None:
    made = create_token(world.app.uow_factory, world.app.clock, "watched", "regulator")
    headers = {"Authorization": f"Bearer {made.secret}"}
    client.get(f"/api/v1/reports/{world.reports['steady-truth-1']}", headers=headers)
    query = {"token_id": made.token.id}
    assert client.get("/api/v1/access-log", params=query, headers=headers).status_code == 403
    officer = client.get("/api/v1/access-log", params=query, headers=world.token("officer"))
    assert officer.status_code == 403
    rows = client.get("/api/v1/access-log", params=query, headers=world.token("admin")).json()
    assert [(r["action"], r["status"]) for r in rows] == [("read", 200)]


def refuse_access_log(app: App) -> None:
    """Make the database refuse every access-log row (as a full disk or a broken grant would)."""
    with app.engine.begin() as connection:
        if BACKEND == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_access_log BEFORE INSERT ON access_log "
                    "BEGIN SELECT RAISE(ABORT, 'access log refused by the test'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_access_log() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'access log refused by the test'; END; $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_access_log BEFORE INSERT ON access_log "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_access_log()"
                )
            )


def allow_access_log(app: App) -> None:
    with app.engine.begin() as connection:
        connection.execute(
            text(
                "DROP TRIGGER IF EXISTS refuse_access_log"
                + ("" if BACKEND == "sqlite" else " ON access_log")
            )
        )
        if BACKEND != "sqlite":
            connection.execute(text("DROP FUNCTION IF EXISTS refuse_access_log()"))


def test_a_read_that_cannot_be_logged_is_refused(app: App) -> None:
    pdf = b"%PDF-1.7\nsecret report content\n%%EOF\n"
    report = minimal_report(app, pdf=pdf)
    secret = create_token(app.uow_factory, app.clock, "refused", "regulator").secret
    headers = {"Authorization": f"Bearer {secret}"}
    refuse_access_log(app)
    try:
        with live_server(create_app(app, FAST)) as url, httpx.Client(base_url=url) as http:
            for path in (
                f"/api/v1/reports/{report}/artifacts/pdf",
                f"/api/v1/reports/{report}",
                f"/api/v1/reports/{report}/bundle",
            ):
                response = http.get(path, headers=headers)
                assert response.status_code == 503, path
                assert response.json() == {
                    "code": "access_log_unavailable",
                    "message": "the read could not be logged",
                }
                assert b"secret report content" not in response.content
            assert http.get("/api/v1/reports", headers=headers).status_code == 200
    finally:
        allow_access_log(app)
    assert list_access(app.uow_factory) == []


def test_a_head_is_logged_as_head_and_the_bundle_is_not_built_for_it(
    client: httpx.Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = create_token(world.app.uow_factory, world.app.clock, "header-reader", "regulator")
    headers = {"Authorization": f"Bearer {made.secret}"}
    report = world.reports["steady-truth-2"]
    bundle, pdf = f"/api/v1/reports/{report}/bundle", f"/api/v1/reports/{report}/artifacts/pdf"
    got = client.get(bundle, headers=headers)
    assert got.status_code == 200 and got.content.startswith(b"PK")
    built: list[str] = []

    def refuse(*_: object) -> bytes:
        built.append("zip")
        raise AssertionError("a HEAD built the bundle")

    monkeypatch.setattr(reports_routes, "build_bundle", refuse)
    monkeypatch.setattr(api_reads, "report_bundle", refuse)  # reads every artifact's bytes
    head = client.head(bundle, headers=headers)
    assert head.status_code == 200 and head.content == b"" and built == []
    assert head.headers["content-type"] == "application/zip"
    assert head.headers["etag"] == got.headers["etag"]  # the validator of the bytes a GET sends
    assert head.headers["content-disposition"] == got.headers["content-disposition"]
    assert "content-length" not in head.headers  # unknown without building: not claimed as 0
    pdf_head = client.head(pdf, headers=headers)
    assert pdf_head.status_code == 200 and pdf_head.content == b""
    pdf_meta = next(
        a
        for a in client.get(f"/api/v1/reports/{report}", headers=world.token("admin")).json()[
            "artifacts"
        ]
        if a["kind"] == "pdf"
    )
    assert pdf_head.headers["content-length"] == str(pdf_meta["size"])
    assert pdf_head.headers["etag"] == f'"{pdf_meta["sha256"]}"'
    missing = client.head("/api/v1/reports/rep_aaaaaaaaaaaaaaaa/bundle", headers=headers)
    assert missing.status_code == 404
    rows = list(reversed(list_access(world.app.uow_factory, token=made.token.id)))
    assert [(r.action, r.object_type, r.status) for r in rows] == [
        ("bundle", "report", 200),
        ("head", "report", 200),
        ("head", "artifact", 200),
        ("miss", "report", 404),
    ]


def test_misses_are_counted_but_cannot_flood_the_access_log(app: App) -> None:
    report = minimal_report(app, pdf=b"%PDF-1.7\n%%EOF\n")
    made = create_token(app.uow_factory, app.clock, "prober", "regulator")
    other = create_token(app.uow_factory, app.clock, "other", "regulator")
    api = create_app(app, FAST.model_copy(update={"misses_per_minute": 3}))
    assert api.state.api.misses.per_minute == 3  # the setting reaches the service
    api.state.api.misses = MissLog(3, clock=lambda: 0.0)  # one minute, however long this takes
    absent = [f"rep_{letter * 16}" for letter in "abcdefghij"]
    with live_server(api) as url, httpx.Client(base_url=url) as http:
        for uid in absent:
            for path in (f"/api/v1/reports/{uid}", f"/api/v1/reports/{uid}/artifacts/json"):
                answer = http.get(path, headers={"Authorization": f"Bearer {made.secret}"})
                assert answer.status_code == 404, path
        # another token (another key) has its own allowance; a found object is always logged
        auth = {"Authorization": f"Bearer {other.secret}"}
        assert http.get(f"/api/v1/reports/{absent[0]}", headers=auth).status_code == 404
        assert http.get(f"/api/v1/reports/{report}", headers=auth).status_code == 200
    misses = api.state.api.misses
    assert (misses.missed, misses.recorded, misses.suppressed) == (21, 4, 17)
    probed = list(reversed(list_access(app.uow_factory, token=made.token.id)))
    assert [(r.action, r.object_id, r.status) for r in probed] == [
        ("miss", absent[0], 404),
        ("miss", f"{absent[0]}/json", 404),
        ("miss", absent[1], 404),
    ]
    assert [r.action for r in reversed(list_access(app.uow_factory, token=other.token.id))] == [
        "miss",
        "read",
    ]
    series = scrape(api, app)  # every miss counted, by whether the access log kept it
    assert series["compliance_api_misses_total", (("logged", "yes"),)] == 4
    assert series["compliance_api_misses_total", (("logged", "no"),)] == 17
    assert series["compliance_api_requests_total", (("code", "404"),)] == 21
    assert series["compliance_api_requests_total", (("code", "200"),)] == 1


def scrape(api: FastAPI, app: App) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``GET /api/v1/metrics`` with an admin token, read by Prometheus's own parser: each
    sample by name and labels (the pid label checked and dropped). Regulator tokens get 403,
    no token 401, and the scrape itself is counted after it is answered."""
    admin = create_token(app.uow_factory, app.clock, "scraper", "admin")
    regulator = create_token(app.uow_factory, app.clock, "curious", "regulator")
    with live_server(api) as url, httpx.Client(base_url=url) as http:
        assert http.get("/api/v1/metrics").status_code == 401
        denied = http.get(
            "/api/v1/metrics", headers={"Authorization": f"Bearer {regulator.secret}"}
        )
        assert denied.status_code == 403
        answer = http.get("/api/v1/metrics", headers={"Authorization": f"Bearer {admin.secret}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = dict(sample.labels)
            assert labels.pop("pid") == str(os.getpid())  # the server ran in this process
            samples[sample.name, tuple(sorted(labels.items()))] = sample.value
    assert samples["compliance_api_requests_total", (("code", "401"),)] == 1
    assert samples["compliance_api_requests_total", (("code", "403"),)] == 1
    return samples


def test_the_miss_allowance_is_per_minute() -> None:
    now = [120.0]
    misses = MissLog(2, clock=lambda: now[0])
    assert [misses.admit("k") for _ in range(3)] == [True, True, False]
    assert misses.admit("other")
    now[0] += 59.0  # still the same minute
    assert not misses.admit("k")
    now[0] += 1.0
    assert [misses.admit("k") for _ in range(3)] == [True, True, False]
    assert (misses.missed, misses.recorded, misses.suppressed) == (8, 5, 3)


def test_the_cli_table_shows_client_supplied_values_literally(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client address a trusted proxy forwarded and an id a client asked for are the
    client's text: in the table they add no row, draw nothing, and Rich markup stays text."""
    hostile = "10.0.0.9\x1b[2J\r\n2026-01-01 tok_forged admin download [red]x[/red]"
    with app.uow_factory() as uow:
        AccessLogRepository(uow.session).add(
            token_id=None,
            action="miss",
            object_type="report",
            object_uid="rep_x\nforged row",
            at=app.clock(),
            client_addr=hostile,
            status=404,
        )
        uow.commit()
    shown = run_cli(app.settings, capsys, "access-log")
    assert shown.code == 0, shown.err
    assert "\x1b" not in shown.out and "\r" not in shown.out
    assert "\\x1b[2J\\r\\n2026-01-01" in shown.out.replace("\n", "").replace(" ", "")
    assert "[red]x[/red]" in shown.out.replace("\n", "").replace(" ", "")  # not markup
    assert "rep_x\\nforged" in shown.out.replace("\n", "").replace(" ", "")
    listed = json.loads(run_cli(app.settings, capsys, "access-log", "--json").out)
    assert listed[0]["client"] == hostile  # --json carries the value itself, JSON-escaped
