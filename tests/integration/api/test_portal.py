"""The officer portal over HTTP: login (CSRF, cookie flags, roles), pages, downloads
(logged), logout, and sessions that end when their token is revoked."""

from __future__ import annotations

import io
import socket
import time
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from compliance.services.access_log import list_access
from compliance.services.tokens import create_token, revoke_token
from tests.integration.api.portal_client import csrf_of, login
from tests.integration.api.world import World


@pytest.fixture
def browser(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def set_cookie_header(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}="))


def test_login_sets_a_hardened_session_cookie(browser: httpx.Client, world: World) -> None:
    form = browser.get("/portal/login")
    assert form.status_code == 200 and 'type="password"' in form.text
    assert '<label for="token">' in form.text
    csrf_cookie = set_cookie_header(form, "portal_csrf").lower()
    assert "httponly" in csrf_cookie and "samesite=strict" in csrf_cookie
    assert "style-src 'self'" in form.headers["content-security-policy"]
    done = login(browser, world.tokens["officer"])
    assert done.status_code == 303 and done.headers["location"] == "/portal/"
    cookie = set_cookie_header(done, "portal_session")
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/portal" in flags
    assert "secure" not in flags  # plain http on loopback
    assert world.tokens["officer"] not in cookie and world.tokens["officer"][4:20] not in cookie
    page = browser.get("/portal/")
    assert page.status_code == 200 and "steady" in page.text and "pleaser" in page.text


def test_the_cookies_are_secure_over_https(base_url: str, world: World) -> None:
    https = {"X-Forwarded-Proto": "https"}  # as a TLS-terminating proxy on loopback says
    form = httpx.get(f"{base_url}/portal/login", headers=https)
    csrf_cookie = set_cookie_header(form, "portal_csrf")
    assert "secure" in csrf_cookie.lower()
    done = httpx.post(
        f"{base_url}/portal/login",
        data={"token": world.tokens["officer"], "csrf": csrf_of(form)},
        headers={**https, "Cookie": csrf_cookie.split(";")[0]},
    )
    assert done.status_code == 303
    assert "secure" in set_cookie_header(done, "portal_session").lower()


@pytest.mark.parametrize(
    ("label", "status", "message"),
    [
        ("regulator", 403, "may not use the portal"),
        ("nobody", 401, "not valid"),
    ],
)
def test_login_refusals(
    browser: httpx.Client, world: World, label: str, status: int, message: str
) -> None:
    secret = world.tokens.get(label, "cmp_" + "N" * 43)
    refused = login(browser, secret)
    assert refused.status_code == status and message in refused.text
    assert 'role="alert"' in refused.text
    assert "portal_session" not in refused.headers.get("set-cookie", "")


def test_login_without_csrf_or_from_elsewhere_is_refused(
    browser: httpx.Client, world: World
) -> None:
    form = browser.get("/portal/login")
    token = world.tokens["officer"]
    no_csrf = browser.post("/portal/login", data={"token": token})
    assert no_csrf.status_code == 403
    forged = browser.post("/portal/login", data={"token": token, "csrf": "x" * 43})
    assert forged.status_code == 403
    elsewhere = browser.post(
        "/portal/login",
        data={"token": token, "csrf": csrf_of(form)},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403
    as_json = browser.post("/portal/login", json={"token": token, "csrf": csrf_of(form)})
    assert as_json.status_code == 403
    big = browser.post("/portal/login", data={"token": "x" * 10_000, "csrf": csrf_of(form)})
    assert big.status_code == 413
    assert "portal_session" not in browser.cookies


def test_an_oversized_form_is_answered_413_not_reset(base_url: str) -> None:
    """The refusal must reach even a client slow to read it: the server reads and drops
    the refused body before it closes, since closing on unread bytes sends a TCP reset
    that destroys the unread answer (seen as 'connection reset by peer' under load)."""
    url = httpx.URL(base_url)
    body = b"token=" + b"x" * 200_000
    head = (
        f"POST /portal/login HTTP/1.1\r\nHost: {url.host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((url.host, url.port or 80), timeout=10) as sock:
        sock.sendall(head + body)
        time.sleep(0.5)  # the answer and the close arrive before the client reads
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert b"body_too_large" in answer


def test_pages_downloads_and_logout(browser: httpx.Client, world: World) -> None:
    made = create_token(world.app.uow_factory, world.app.clock, "officer-pages", "officer")
    assert login(browser, made.secret).status_code == 303
    dashboard = browser.get("/portal/")
    assert "badge-fail" in dashboard.text and "badge-pass" in dashboard.text
    steady = world.models["steady"]
    series = browser.get(f"/portal/models/{steady}/series/truth-invariance")
    assert series.status_code == 200
    assert series.text.count("<svg") >= 3 and "Version history" in series.text
    assert "What changed in version 3 since version 2" in series.text
    older = browser.get(f"/portal/models/{steady}/series/truth-invariance", params={"v": 2})
    assert (
        "What changed in version 2 since version 1" in older.text and "changed</span>" in older.text
    )
    report_id = world.reports["steady-truth-2"]
    report = browser.get(f"/portal/reports/{report_id}")
    assert report.status_code == 200
    assert f'src="/portal/reports/{report_id}/view" sandbox' in report.text
    for kind in ("pdf", "html", "json", "bundle"):
        assert f"/portal/reports/{report_id}/download/{kind}" in report.text
    view = browser.get(f"/portal/reports/{report_id}/view")
    assert view.status_code == 200 and view.headers["content-type"].startswith("text/html")
    assert view.headers["content-security-policy"].startswith("sandbox")
    assert view.headers["x-frame-options"] == "SAMEORIGIN"
    assert view.headers["content-disposition"].startswith("inline")
    pdf = browser.get(f"/portal/reports/{report_id}/download/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment")
    bundle = browser.get(f"/portal/reports/{report_id}/download/bundle")
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert {"manifest.json", "report.html", "report.pdf"} <= set(names)
    actions = [
        (r.action, r.object_type) for r in list_access(world.app.uow_factory, token=made.token.id)
    ]
    assert list(reversed(actions)) == [
        ("read", "report"),
        ("view", "artifact"),
        ("download", "artifact"),
        ("bundle", "report"),
    ]
    logout = browser.post("/portal/logout", data={"csrf": csrf_of(dashboard)})
    assert logout.status_code == 303 and logout.headers["location"] == "/portal/login"
    assert (
        'portal_session=""' in logout.headers["set-cookie"]
        or "Max-Age=0" in logout.headers["set-cookie"]
    )
    after = browser.get("/portal/")
    assert after.status_code == 303 and after.headers["location"] == "/portal/login"


def test_a_revoked_token_ends_its_sessions(browser: httpx.Client, world: World) -> None:
    made = create_token(world.app.uow_factory, world.app.clock, "officer-revoked", "officer")
    assert login(browser, made.secret).status_code == 303
    assert browser.get("/portal/").status_code == 200
    revoke_token(world.app.uow_factory, world.app.clock, made.token.id)
    assert browser.get("/portal/").status_code == 303


def test_a_tampered_cookie_is_no_session(browser: httpx.Client, world: World) -> None:
    assert login(browser, world.tokens["admin"]).status_code == 303
    value = browser.cookies["portal_session"]
    body, mac = value.split(".")
    browser.cookies.set("portal_session", body + "." + mac[::-1], path="/portal")
    assert browser.get("/portal/").status_code == 303


def test_a_model_limited_officer_sees_only_its_models(browser: httpx.Client, world: World) -> None:
    assert login(browser, world.tokens["officer-pleaser"]).status_code == 303
    page = browser.get("/portal/")
    assert "pleaser" in page.text and ">steady<" not in page.text
    foreign = browser.get(f"/portal/reports/{world.reports['steady-truth-1']}")
    assert foreign.status_code == 404 and "not one your token may see" in foreign.text
    series = browser.get(f"/portal/models/{world.models['steady']}/series/truth-invariance")
    assert series.status_code == 404
    download = browser.get(f"/portal/reports/{world.reports['steady-truth-1']}/download/pdf")
    assert download.status_code == 404 and not download.content.startswith(b"%PDF")
