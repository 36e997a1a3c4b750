"""A browser-like client of the portal: keeps cookies, reads the CSRF field of forms."""

from __future__ import annotations

import re

import httpx

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    match = _CSRF.search(page.text)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)


def login(http: httpx.Client, secret: str) -> httpx.Response:
    """GET the form, POST the token with its CSRF field (no redirects followed)."""
    form = http.get("/portal/login")
    return http.post(
        "/portal/login",
        data={"token": secret, "csrf": csrf_of(form)},
        headers={"Origin": str(http.base_url).rstrip("/")},
    )
