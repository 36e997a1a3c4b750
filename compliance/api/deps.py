"""What routes share: the process state, and the bearer credential (checked, rate limited).

:func:`bearer_access` reads ``Authorization: Bearer <token>``, refuses a missing or
malformed header (401), spends one request of the token's bucket (429 when empty; the key
is the secret's sha256) and hands the use case an :class:`Access`. Whether the token is
known, unrevoked and unexpired is decided by the use case, in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from compliance.api.counters import RequestCounts
from compliance.api.errors import RateLimited
from compliance.api.ratelimit import RateLimiter, failure_key
from compliance.api.settings import ApiSettings
from compliance.api.views.common import Access, PageCache
from compliance.bootstrap import App
from compliance.errors import InputError
from compliance.services.access_log import MissLog
from compliance.services.tokens import Credential, Unauthenticated, hash_secret

__all__ = [
    "ApiState",
    "admin_access",
    "bearer_access",
    "bearer_of",
    "check_query_names",
    "client_of",
    "is_head",
    "known_query_only",
    "state_of",
]

_bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token made by 'compliance tokens create' (cmp_...), never in the URL.",
)


@dataclass
class ApiState:
    """Everything a request needs that outlives it; one per FastAPI application."""

    core: App
    settings: ApiSettings
    limiter: RateLimiter
    login_limiter: RateLimiter
    auth_failures: RateLimiter
    session_key: bytes
    pages: PageCache
    misses: MissLog = field(default_factory=MissLog)
    requests: RequestCounts = field(default_factory=RequestCounts)


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


def client_of(request: Request) -> str | None:
    """The client's address: the socket's peer, or what a trusted proxy forwarded (uvicorn
    believes ``X-Forwarded-For`` only from ``COMPLIANCE_API_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else None


def is_head(request: Request) -> bool:
    return bool(getattr(request.state, "head", False))


_QUERY_NAMES: dict[int, frozenset[str]] = {}


async def known_query_only(request: Request) -> None:
    """Refuse (400) a query parameter the route does not take (a typo such as ``?modle=``
    would otherwise silently widen the answer) or one given twice."""
    route = request.scope.get("route")
    if not request.query_params or not isinstance(route, APIRoute):
        return
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        names = _QUERY_NAMES.setdefault(id(route), frozenset(_query_names(route.dependant)))
    check_query_names(request, names)


def check_query_names(request: Request, names: frozenset[str]) -> dict[str, str]:
    """The query string as a dict, if it names only ``names``, each once; else 400."""
    values: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in names:
            raise InputError("is not a parameter of this route", field=name[:40])
        if name in values:
            raise InputError("is given more than once", field=name)
        values[name] = value
    return values


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def bearer_access(
    request: Request,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)],
) -> Access:
    return bearer_of(request)


def bearer_of(request: Request) -> Access:
    """The caller's :class:`Access`: 429 when its address has failed authentication more
    than ``auth_failures_per_minute`` times lately (whatever token it sends now), 401
    without a well-formed ``Authorization: Bearer`` header, 429 when its token's bucket is
    empty."""
    blocked = state_of(request).auth_failures.peek(failure_key(client_of(request)))
    if blocked > 0:
        raise RateLimited(blocked)
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthenticated("a bearer token is required: 'Authorization: Bearer <token>'")
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or " " in secret:
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    state = state_of(request)
    wait = state.limiter.take(hash_secret(secret))
    if wait > 0:
        raise RateLimited(wait)
    return Access(Credential(secret=secret), client=client_of(request), misses=state.misses)


async def admin_access(access: Annotated[Access, Depends(bearer_access)]) -> Access:
    return replace(access, roles=frozenset({"admin"}))
