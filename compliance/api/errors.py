"""Errors over HTTP: one JSON body shape, fixed messages, no internals.

Every error answers ``{"code": "...", "message": "..."}``. Messages come from the use cases'
user-facing errors or are fixed strings here; a driver error, an SQL statement or a
traceback never reaches a client (they are logged on the server). The mapping:

==========================================  ======
``InputError``, request validation           400
``Unauthenticated``                          401 (+ ``WWW-Authenticate: Bearer``)
``Forbidden``                                403
``NotFound``, unknown path                   404
unsupported method                           405 (+ ``Allow: GET, HEAD``)
``RateLimited``                              429 (+ ``Retry-After``)
``StorageUnavailable`` (access log too)      503
anything else                                500
==========================================  ======
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from compliance.api.ratelimit import failure_key
from compliance.errors import ComplianceError, InputError, NotFound, StorageUnavailable
from compliance.logline import logfmt
from compliance.services.access_log import AccessLogUnavailable
from compliance.services.tokens import Forbidden, Unauthenticated

__all__ = ["ErrorBody", "RateLimited", "error_response", "install_handlers", "responses"]

_log = logging.getLogger("compliance.api")


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str
    message: str


class RateLimited(Exception):
    """The token has used its requests; it may retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


_DESCRIPTIONS = {
    400: "Bad request: invalid parameter, a body on GET, or a token in the query string",
    401: "Missing, malformed, unknown, revoked or expired token",
    403: "The token's role may not use this route",
    404: "No such object (or not one this token may see)",
    405: "Method not allowed: only GET and HEAD (see Allow)",
    413: "Request body too large",
    429: "Rate limit exceeded; retry after the Retry-After seconds",
    503: "Not available now (database, or the access log cannot be written)",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    405: {"Allow": {"schema": {"type": "string"}, "description": "GET, HEAD"}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error ``codes`` a route can answer."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {"model": ErrorBody, "description": _DESCRIPTIONS[code]}
        if code in _HEADERS:
            entry["headers"] = _HEADERS[code]
        documented[code] = entry
    return documented


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_response(400, "bad_request", "; ".join(problems) or "invalid request")


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allowed = [m.strip() for m in (exc.headers or {}).get("Allow", "GET").split(",")]
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.insert(allowed.index("GET") + 1, "HEAD")
        allow = ", ".join(allowed)
        return error_response(405, "method_not_allowed", f"allowed: {allow}", {"Allow": allow})
    if exc.status_code == 404:
        return error_response(404, "not_found", "no such resource")
    return error_response(exc.status_code, "error", str(exc.detail)[:200])


def _unauthenticated(request: Request, exc: Exception) -> Response:
    # every 401 spends one of the client address's failed authentications (deps.bearer_of
    # answers 429 once they are spent)
    state = getattr(request.app.state, "api", None)
    if state is not None:
        state.auth_failures.take(failure_key(request.client.host if request.client else None))
    challenge = 'Bearer realm="compliance"'
    if "authorization" in request.headers:
        challenge += ', error="invalid_token"'
    return error_response(401, "unauthenticated", str(exc), {"WWW-Authenticate": challenge})


def _rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    wait = str(max(1, math.ceil(exc.retry_after)))
    return error_response(429, "rate_limited", "too many requests", {"Retry-After": wait})


def _domain(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Forbidden):
        return error_response(403, "forbidden", str(exc))
    if isinstance(exc, NotFound):
        return error_response(404, "not_found", str(exc))
    if isinstance(exc, InputError):
        return error_response(400, "bad_request", str(exc))
    if isinstance(exc, AccessLogUnavailable):
        _log.error("refused a read: the access log cannot be written")
        return error_response(503, "access_log_unavailable", "the read could not be logged")
    if isinstance(exc, StorageUnavailable):
        _log.error("storage unavailable: %s", exc)
        return error_response(503, "unavailable", "the service is unavailable, retry later")
    return _internal(request, exc)


def _internal(request: Request, exc: Exception) -> Response:
    where = logfmt({"method": request.method, "path": request.url.path})
    _log.error("unexpected error %s", where, exc_info=exc)
    return error_response(500, "internal", "internal error")


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(ComplianceError, _domain)
    app.add_exception_handler(Exception, _internal)
