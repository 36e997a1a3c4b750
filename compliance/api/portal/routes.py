"""The officer portal's pages: login, dashboard, series, report, downloads, sign-off, logout.

Every page but the login form needs a valid session cookie (else: a redirect to the login
form) whose token is an officer or admin token that is still valid in the database (else:
the cookie is cleared and the login form shown). Report pages and downloads are logged
reads, like the API's. Templates are read by fixed names from ``reports/portal/``.

Sign-off never sends a private key to the server: the report page prepares an attestation
and shows its exact RFC 8785 bytes; the officer signs them on their own machine
(``compliance officers sign-payload``) and pastes the hex signature back. Both forms are
CSRF-protected; the signing is checked, appended to the ledger and written to the access
log in one transaction.

Why one module of this length: the portal's pages share the session, CSRF and same-origin
checks defined at the top; one module keeps every page behind them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Annotated
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from compliance.api.deps import client_of, state_of
from compliance.api.errors import RateLimited
from compliance.api.portal import session as cookies
from compliance.api.portal.views import VERDICT_COLORS, dashboard_rows, diff, trends
from compliance.api.routes.reports import send_artifact, send_bundle
from compliance.api.views import portal as portal_reads
from compliance.api.views import reads as api_reads
from compliance.api.views.reads import Access
from compliance.api.views.responses import ReportDetail
from compliance.domain.attestation import STATEMENTS
from compliance.errors import Conflict, InputError, NotFound, StorageUnavailable
from compliance.paths import bundled_dir
from compliance.reporting.bundle import MalformedBundle, parse_canonical_json
from compliance.services.attestations import (
    attestation_payload,
    list_officers,
    payload_text,
    record_attestation_as,
)
from compliance.services.tokens import (
    PORTAL_ROLES,
    Credential,
    Forbidden,
    Unauthenticated,
    check_credential,
)

__all__ = ["router"]

router = APIRouter(prefix="/portal", include_in_schema=False)
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
VIEW_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'"
)
ReportId = Annotated[str, Path(pattern=r"^rep_[a-z2-7]{16}$")]
Page = Callable[[Access, cookies.Session], Response]


@functools.cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(bundled_dir("reports") / "portal")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["verdict_colors"] = VERDICT_COLORS
    return env


@functools.cache
def _stylesheet() -> str:
    return (bundled_dir("reports") / "portal" / "portal.css").read_text(encoding="utf-8")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def render(
    request: Request,
    name: str,
    *,
    status: int = 200,
    session: cookies.Session | None = None,
    **context: object,
) -> HTMLResponse:
    """A page, with a CSRF token for its forms (and the CSRF cookie, when new)."""
    key = state_of(request).session_key
    csrf_cookie = request.cookies.get(cookies.CSRF_COOKIE)
    fresh = csrf_cookie is None or len(csrf_cookie) > 100
    if fresh:
        csrf_cookie = cookies.new_csrf_cookie()
    assert csrf_cookie is not None
    html = (
        _templates()
        .get_template(name)
        .render(csrf=cookies.csrf_token(key, csrf_cookie), session=session, **context)
    )
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on
    # the forms' POSTs, and the Origin check needs the real one
    headers = {"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "same-origin"}
    response = HTMLResponse(html, status_code=status, headers=headers)
    if fresh:
        response.set_cookie(
            cookies.CSRF_COOKIE,
            csrf_cookie,
            path="/portal",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    return response


def _to_login(request: Request, *, clear: bool = False) -> Response:
    response = RedirectResponse("/portal/login", status_code=303)
    if clear:
        response.delete_cookie(cookies.COOKIE, path="/portal", httponly=True, samesite="strict")
    return response


def _page(request: Request, work: Page) -> Response:
    """Run a page for the request's session, turning the use cases' refusals into pages."""
    state = state_of(request)
    session = cookies.read_session(state.session_key, request.cookies.get(cookies.COOKIE))
    if session is None:
        return _to_login(request, clear=cookies.COOKIE in request.cookies)
    wait = state.limiter.take(f"session:{session.token_id}")
    access = Access(
        Credential(token_id=session.token_id),
        client_of(request),
        PORTAL_ROLES,
        misses=state.misses,
    )
    try:
        if wait > 0:
            raise RateLimited(wait)
        return work(access, session)
    except (Unauthenticated, Forbidden):
        return _to_login(request, clear=True)
    except NotFound:
        return render(
            request,
            "error.html.j2",
            status=404,
            session=session,
            title="Not found",
            message="There is no such page, or it is not one your token may see.",
        )
    except RateLimited as exc:
        page = render(
            request,
            "error.html.j2",
            status=429,
            session=session,
            title="Slow down",
            message="Too many requests: wait a moment and try again.",
        )
        page.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return page
    except StorageUnavailable:
        return render(
            request,
            "error.html.j2",
            status=503,
            session=session,
            title="Unavailable",
            message="The service cannot serve this now. "
            "Nothing was shown, because the access could not be recorded.",
        )


# --- login and logout ---------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "login.html.j2", error=None)


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded form of a POST (at most ``max_form_bytes``), or None if refused."""
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        return None
    limit, body = state_of(request).settings.max_form_bytes, b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=10, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in fields.items() if v}


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


async def _checked_form(request: Request) -> dict[str, str] | Response:
    form = await _form(request)
    key = state_of(request).session_key
    if (
        form is None
        or not _same_origin(request)
        or not cookies.valid_csrf(key, request.cookies.get(cookies.CSRF_COOKIE), form.get("csrf"))
    ):
        return render(
            request,
            "error.html.j2",
            status=403,
            title="Refused",
            message="The form was refused (expired or forged). Go back, reload and retry.",
        )
    return form


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _checked_form(request)
    if isinstance(form, Response):
        return form
    state = state_of(request)
    if state.login_limiter.take(f"login:{client_of(request)}") > 0:
        return render(
            request,
            "login.html.j2",
            status=429,
            error="Too many attempts from this address: wait a minute.",
        )
    core = state.core
    credential = Credential(secret=form.get("token", "").strip())
    try:
        principal = await run_in_threadpool(
            check_credential, core.uow_factory, core.clock, credential, PORTAL_ROLES
        )
    except Unauthenticated:
        return render(
            request,
            "login.html.j2",
            status=401,
            error="This token is not valid (unknown, revoked or expired).",
        )
    except Forbidden:
        return render(
            request,
            "login.html.j2",
            status=403,
            error="This token may not use the portal: an officer or admin token is needed.",
        )
    except StorageUnavailable:
        return render(
            request,
            "login.html.j2",
            status=503,
            error="The service is unavailable; try again later.",
        )
    lifetime = int(state.settings.session_hours * 3600)
    expires = int(time.time()) + lifetime
    if principal.expires_at is not None:
        expires = min(expires, int(principal.expires_at.timestamp()))
    value = cookies.write_session(
        state.session_key,
        cookies.Session(principal.token_id, principal.name, principal.role, expires),
    )
    response = RedirectResponse("/portal/", status_code=303)
    response.set_cookie(
        cookies.COOKIE,
        value,
        max_age=max(0, expires - int(time.time())),
        path="/portal",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await _checked_form(request)
    if isinstance(form, Response):
        return form
    return _to_login(request, clear=True)


# --- pages --------------------------------------------------------------------------------


@router.get("/")
def dashboard(request: Request) -> Response:
    core = state_of(request).core

    def work(access: Access, session: cookies.Session) -> Response:
        board = portal_reads.dashboard(core.uow_factory, core.clock, access)
        return render(
            request, "dashboard.html.j2", session=session, board=board, rows=dashboard_rows(board)
        )

    return _page(request, work)


@router.get("/models/{model_id}/series/{policy}")
def series(
    request: Request,
    model_id: Annotated[str, Path(pattern=r"^mdl_[a-z2-7]{16}$")],
    policy: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,100}$")],
    v: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    core = state_of(request).core

    def work(access: Access, session: cookies.Session) -> Response:
        view = portal_reads.series(core.uow_factory, core.clock, access, model_id, policy)
        points = view.versions
        index = next((i for i, p in enumerate(points) if p.report.version == v), len(points) - 1)
        previous = points[index - 1] if index > 0 else None
        return render(
            request,
            "series.html.j2",
            session=session,
            view=view,
            history=list(reversed(points)),
            current=points[index],
            previous=previous,
            changes=diff(previous, points[index]),
            trends=trends(points),
        )

    return _page(request, work)


@router.get("/reports/{report_id}")
def report(request: Request, report_id: ReportId) -> Response:
    core = state_of(request).core

    def work(access: Access, session: cookies.Session) -> Response:
        detail = api_reads.get_report(core.uow_factory, core.clock, access, report_id)
        return _report_page(request, session, detail)

    return _page(request, work)


def _report_page(
    request: Request,
    session: cookies.Session,
    detail: ReportDetail,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    core = state_of(request).core
    officers = [o for o in list_officers(core.uow_factory) if o.key_revoked_at is None]
    return render(
        request,
        "report.html.j2",
        status=status,
        session=session,
        report=detail,
        kinds={a.kind: a for a in detail.artifacts},
        officers=officers,
        statements=STATEMENTS,
        error=error,
    )


# --- sign-off: the officer signs offline, the portal never sees a private key ---------------


@router.post("/reports/{report_id}/attest")
async def prepare_attestation(request: Request, report_id: ReportId) -> Response:
    """Step 1: the attestation to sign, shown as its exact canonical bytes."""
    form = await _checked_form(request)
    if isinstance(form, Response):
        return form
    core = state_of(request).core

    def work(access: Access, session: cookies.Session) -> Response:
        detail = api_reads.get_report(core.uow_factory, core.clock, access, report_id)
        try:
            payload = attestation_payload(
                core.uow_factory,
                core.clock,
                report_id,
                form.get("officer", ""),
                statement=form.get("statement", ""),
                justification=form.get("justification") or None,
                note=form.get("note") or None,
                withdraws=form.get("withdraws") or None,
            )
        except (InputError, Conflict, NotFound) as exc:
            return _report_page(request, session, detail, error=str(exc), status=400)
        return render(
            request, "attest.html.j2", session=session, report=detail,
            payload=payload_text(payload), error=None,
        )  # fmt: skip

    return await run_in_threadpool(_page, request, work)


@router.post("/reports/{report_id}/attest/sign")
async def record_signed_attestation(request: Request, report_id: ReportId) -> Response:
    """Step 2: the signature made offline, pasted back; checked, then appended and logged."""
    form = await _checked_form(request)
    if isinstance(form, Response):
        return form
    core = state_of(request).core
    text = form.get("payload", "")

    def work(access: Access, session: cookies.Session) -> Response:
        try:
            attestation = parse_canonical_json(text.encode("utf-8"), "the payload")
            if not isinstance(attestation, dict) or attestation.get("report_id") != report_id:
                raise InputError("is not an attestation on this report", field="payload")
            record_attestation_as(
                core.uow_factory, core.clock, core.signing_key_path, access, attestation,
                form.get("signature", ""),
            )  # fmt: skip
        except (InputError, Conflict, MalformedBundle) as exc:
            detail = api_reads.get_report(core.uow_factory, core.clock, access, report_id)
            return render(
                request, "attest.html.j2", status=400, session=session, report=detail,
                payload=text, error=str(exc),
            )  # fmt: skip
        return RedirectResponse(f"/portal/reports/{report_id}#signoff-title", status_code=303)

    return await run_in_threadpool(_page, request, work)


@router.get("/reports/{report_id}/view")
def report_view(request: Request, report_id: ReportId) -> Response:
    """The HTML artifact, inline, for the report page's sandboxed frame."""
    headers = {"Content-Security-Policy": VIEW_CSP, "X-Frame-Options": "SAMEORIGIN"}
    return _page(
        request,
        lambda access, _s: send_artifact(
            request,
            access,
            report_id,
            "html",
            disposition="inline",
            action="view",
            extra_headers=headers,
        ),
    )


@router.get("/reports/{report_id}/download/{kind}")
def download(
    request: Request,
    report_id: ReportId,
    kind: Annotated[str, Path(pattern=r"^(pdf|html|json|bundle)$")],
) -> Response:
    if kind == "bundle":
        return _page(request, lambda access, _s: send_bundle(request, access, report_id))
    return _page(
        request,
        lambda access, _s: send_artifact(
            request, access, report_id, kind, disposition="attachment"
        ),
    )


@router.get("/static/portal.css")
def stylesheet() -> Response:
    return Response(
        _stylesheet(),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )
