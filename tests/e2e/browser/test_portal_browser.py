"""The officer portal in a real browser (Debian's Chromium driven by Playwright): log in
with the keyboard, open the dashboard, a series and a report, download its PDF, log out,
sign a report off with a signature made offline;
screenshots at 1280 px and 390 px go to /tmp/portal-shots for a person to look at."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from compliance.services.access_log import list_access
from compliance.services.attestations import register_officer
from compliance.services.tokens import create_token
from tests.e2e.browser.conftest import RENDERED
from tests.integration.api.world import World

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/portal-shots")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        yield launched
        launched.close()


def shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def log_in(page: object, base: str, secret: str) -> None:
    page.goto(f"{base}/portal/")  # type: ignore[attr-defined]
    assert page.url.endswith("/portal/login")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    focused = page.evaluate("document.activeElement.textContent")  # type: ignore[attr-defined]
    assert focused.strip() == "Skip to content"
    field = page.get_by_label("Access token")  # type: ignore[attr-defined]
    field.focus()
    page.keyboard.type(secret)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/portal/")  # type: ignore[attr-defined]


def test_log_in_open_a_report_and_download_its_pdf(
    portal: tuple[str, World], browser: object, tmp_path: Path
) -> None:
    base, world = portal
    made = create_token(world.app.uow_factory, world.app.clock, "officer-browser", "officer")
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{base}/portal/login")
    shot(page, "login-1280")
    log_in(page, base, made.secret)
    assert page.get_by_role("heading", name="Models and their latest verdicts").is_visible()
    cookies = {c["name"]: c for c in context.cookies()}
    assert (
        cookies["portal_session"]["httpOnly"] and cookies["portal_session"]["sameSite"] == "Strict"
    )
    shot(page, "dashboard-1280")

    page.get_by_role("link", name="steady under truth-invariance").click()
    page.wait_for_selector("svg.trend")
    assert page.get_by_role("heading", name="Version history").is_visible()
    shot(page, "series-1280")

    page.get_by_role("link", name="v2", exact=True).click()
    page.wait_for_selector("iframe.report-frame")
    page.wait_for_load_state("load")
    frame = page.frame_locator("iframe.report-frame")
    frame.get_by_text("Overall verdict").first.wait_for()
    page.wait_for_timeout(500)  # let the 500 kB report paint before the picture
    assert "scripts must not run" not in page.title()
    shot(page, "report-1280")

    with page.expect_download() as info:
        page.get_by_role("link", name="PDF").click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    body = target.read_bytes()
    assert download.suggested_filename == "steady_truth-invariance_v2.pdf"
    assert body.startswith(b"%PDF") and len(body) > 10_000
    with world.app.uow_factory() as uow:
        report = uow.reports.get(world.reports[RENDERED])
        assert report is not None
        pdf = uow.reports.artifacts_of(report.id)["pdf"]
        assert hashlib.sha256(body).hexdigest() == pdf.sha256
    actions = [
        (r.action, r.status) for r in list_access(world.app.uow_factory, token=made.token.id)
    ]
    assert ("download", 200) in actions and ("read", 200) in actions and ("view", 200) in actions

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/portal/login")
    page.goto(f"{base}/portal/")
    assert page.url.endswith("/portal/login")
    context.close()


def test_the_portal_on_a_phone(portal: tuple[str, World], browser: object) -> None:
    base, world = portal
    made = create_token(world.app.uow_factory, world.app.clock, "officer-phone", "officer")
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.goto(f"{base}/portal/login")
    shot(page, "login-390")
    log_in(page, base, made.secret)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard scrolls sideways on a phone ({width}px)"
    shot(page, "dashboard-390")
    page.goto(f"{base}/portal/models/{world.models['steady']}/series/truth-invariance")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "series-390")
    page.goto(f"{base}/portal/reports/{world.reports[RENDERED]}", wait_until="load")
    page.frame_locator("iframe.report-frame").get_by_text("Overall verdict").first.wait_for()
    # an off-screen sandboxed frame is not painted until scrolled to, as for a person
    page.locator("iframe.report-frame").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "report-390")
    context.close()


def test_an_officer_signs_a_report_off_in_the_browser_without_uploading_a_key(
    portal: tuple[str, World], browser: object, tmp_path: Path
) -> None:
    """The portal shows the exact bytes; the officer signs them offline with the CLI (a
    real process that opens no database) and pastes the signature; a wrong signature is
    refused and records nothing; the report page then lists the verified attestation."""
    base, world = portal
    app = world.app
    key = tmp_path / "ada.pem"
    cli = [sys.executable, "-m", "compliance"]
    subprocess.run([*cli, "officers", "keygen", "--out", str(key)], check=True, timeout=120)
    officer = register_officer(
        app.uow_factory, app.clock, app.signing_key_path, name="Ada Lovelace",
        role="Chief Compliance Officer", email="ada@example.org",
        public_key=bytes.fromhex((tmp_path / "ada.pem.pub").read_text().strip()),
    )  # fmt: skip
    report_id = world.reports[RENDERED]
    made = create_token(app.uow_factory, app.clock, "officer-signs", "officer")
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    log_in(page, base, made.secret)
    page.goto(f"{base}/portal/reports/{report_id}")
    assert page.get_by_text("not signed off").first.is_visible()
    page.get_by_label("Officer").select_option(officer.id)
    page.get_by_label("Statement").select_option("approved")
    page.get_by_label("Note").fill("read in full")
    page.get_by_role("button", name="Prepare the statement to sign").click()
    page.wait_for_selector("#payload")
    payload = page.locator("#payload").inner_text()
    assert json.loads(payload)["statement"] == "approved"
    (tmp_path / "attestation.json").write_text(payload, encoding="utf-8")
    shot(page, "sign-1280")

    def signed(*extra: str) -> str:
        done = subprocess.run(
            [*cli, "officers", "sign-payload", str(tmp_path / "attestation.json"), *extra],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return done.stdout.strip()

    signature = signed("--key", str(key))
    assert len(signature) == 128
    with app.uow_factory() as uow:
        entries_before = len(uow.ledger.entries())
    page.get_by_label("Signature (hex)").fill(
        signature[:-2] + ("00" if signature[-2:] != "00" else "11")
    )
    page.get_by_role("button", name="Record the signed statement").click()
    page.wait_for_selector("#sign-error")
    assert "does not verify" in page.locator("#sign-error").inner_text()
    with app.uow_factory() as uow:
        assert len(uow.ledger.entries()) == entries_before
    page.get_by_label("Signature (hex)").fill(signature)
    page.get_by_role("button", name="Record the signed statement").click()
    page.wait_for_url(f"{base}/portal/reports/{report_id}#signoff-title")
    row = page.locator("#attestations tbody tr").first
    assert "Ada Lovelace" in row.inner_text() and "approved" in row.inner_text()
    assert row.get_by_label("verified").is_visible()
    assert page.get_by_text("signed off", exact=True).first.is_visible()
    shot(page, "signed-1280")
    actions = [(r.action, r.status) for r in list_access(app.uow_factory, token=made.token.id)]
    assert ("sign", 200) in actions
    # the same form without the CSRF token is refused
    cookies = {c["name"]: c["value"] for c in context.cookies()}  # type: ignore[attr-defined]
    forged = httpx.post(
        f"{base}/portal/reports/{report_id}/attest/sign",
        data={"payload": payload, "signature": signature},
        cookies=cookies,
    )
    assert forged.status_code == 403
    context.close()
