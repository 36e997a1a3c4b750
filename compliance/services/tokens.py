"""API tokens: create (the secret is shown once), list, revoke, and authenticate a caller.

Promises:

- a secret is ``cmp_`` + 43 URL-safe characters (256 random bits); only its sha256 is
  stored, and nothing in this module logs or returns it after :func:`create_token`;
- a token is valid while it is neither revoked nor past ``expires_at``; roles are
  ``regulator`` (API), ``officer`` (API and portal) and ``admin`` (everything);
- a token limited to some models (``models``) sees only those models' objects, whatever
  its role;
- :func:`authenticate` runs inside the caller's unit of work, so the token check and the
  read it guards are one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from compliance.clock import Clock, isoformat_z
from compliance.errors import ComplianceError, InputError, NotFound
from compliance.storage.repositories.tokens import TokenCredentials, TokenRepository
from compliance.storage.tables import ApiToken
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "ALL_ROLES",
    "PORTAL_ROLES",
    "ROLES",
    "TOKEN_PREFIX",
    "CreatedToken",
    "Credential",
    "Forbidden",
    "Principal",
    "TokenView",
    "Unauthenticated",
    "admit",
    "authenticate",
    "check_credential",
    "create_token",
    "hash_secret",
    "list_tokens",
    "looks_like_token",
    "lookup_key",
    "needs_touch",
    "revoke_token",
    "touch",
]

ROLES = ("regulator", "officer", "admin")
ALL_ROLES = frozenset(ROLES)
PORTAL_ROLES = frozenset({"officer", "admin"})
TOKEN_PREFIX = "cmp_"  # noqa: S105 - the public prefix of every secret, not a secret
_SECRET = re.compile(r"^cmp_[A-Za-z0-9_-]{43}$")
_NAME = re.compile(r"^[\w .@-]{1,100}$")
TOUCH_INTERVAL = dt.timedelta(minutes=5)


class Unauthenticated(ComplianceError):
    """No valid credential: missing, malformed, unknown, revoked or expired (HTTP 401)."""


class Forbidden(ComplianceError):
    """A valid token whose role may not do this (HTTP 403)."""


@dataclass(frozen=True)
class Credential:
    """What a caller presents: a bearer secret, or the id of a token a signed session names."""

    secret: str | None = None
    token_id: str | None = None


@dataclass(frozen=True)
class Principal:
    """An authenticated token: who it is, its role and the models it may see (None: all)."""

    token_pk: int
    token_id: str
    name: str
    role: str
    models: frozenset[str] | None
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def sees(self, model_name: str) -> bool:
        return self.models is None or model_name in self.models


@dataclass(frozen=True)
class TokenView:
    id: str
    name: str
    role: str
    models: tuple[str, ...] | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None
    state: str


@dataclass(frozen=True)
class CreatedToken:
    token: TokenView
    secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its sha256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    return _SECRET.match(text) is not None


def create_token(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    name: str,
    role: str,
    *,
    models: Sequence[str] | None = None,
    expires_days: int | None = None,
) -> CreatedToken:
    """Store a new token (its hash) and return it with its secret, the only time it is seen."""
    if not _NAME.match(name):
        raise InputError(
            "must be 1-100 letters, digits, spaces or . @ - _", field="NAME", value=name
        )
    if role not in ROLES:
        raise InputError(f"must be one of {', '.join(ROLES)}", field="role", value=role)
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise InputError("must be between 1 and 3650 days", field="expires", value=expires_days)
    wanted = sorted({m.strip() for m in models if m.strip()}) if models is not None else None
    if models is not None and not wanted:
        raise InputError("names no model", field="models", value=",".join(models))
    now = clock()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow_factory(write=True) as uow:
        tokens = TokenRepository(uow.session)
        if wanted is not None:
            missing = sorted(set(wanted) - tokens.existing_model_names(wanted))
            if missing:
                raise NotFound(
                    f"no such model: {', '.join(missing)}",
                    hint="see the registered models with: compliance models list",
                )
        expires = now + dt.timedelta(days=expires_days) if expires_days is not None else None
        token = tokens.add(
            name=name,
            role=role,
            secret_hash=hash_secret(secret),
            allowed_models=wanted,
            now=now,
            expires_at=expires,
        )
        view = _view(token, now)
        uow.commit()
    return CreatedToken(token=view, secret=secret)


def list_tokens(uow_factory: UnitOfWorkFactory, clock: Clock) -> list[TokenView]:
    now = clock()
    with uow_factory() as uow:
        return [_view(t, now) for t in TokenRepository(uow.session).list()]


def revoke_token(uow_factory: UnitOfWorkFactory, clock: Clock, token_id: str) -> TokenView:
    """Revoke a token at once (revoking a revoked token changes nothing)."""
    now = clock()
    with uow_factory(write=True) as uow:
        tokens = TokenRepository(uow.session)
        token = tokens.by_uid(token_id)
        if token is None:
            raise NotFound(
                f"no such token: {token_id}", hint="see the token ids with: compliance tokens list"
            )
        if token.revoked_at is None:
            tokens.revoke(token, now)
        view = _view(token, now)
        uow.commit()
    return view


def authenticate(
    uow: UnitOfWork, credential: Credential, now: dt.datetime, roles: frozenset[str]
) -> Principal:
    """The principal of ``credential``, checked in ``uow``'s transaction.

    Raises :class:`Unauthenticated` for a missing, malformed, unknown, revoked or expired
    token and :class:`Forbidden` when the token's role is not in ``roles``.
    """
    tokens = TokenRepository(uow.session)
    return admit(tokens.credentials(**lookup_key(credential)), now, roles)


def require_role(
    uow_factory: UnitOfWorkFactory, now: dt.datetime, credential: Credential, roles: frozenset[str]
) -> Principal:
    """:func:`authenticate` in a transaction of its own (for a read that touches nothing)."""
    with uow_factory() as uow:
        return authenticate(uow, credential, now, roles)


def lookup_key(credential: Credential) -> dict[str, str]:
    """How to find ``credential``'s token: ``{"secret_hash": ...}`` or ``{"uid": ...}``;
    :class:`Unauthenticated` if there is nothing to look up."""
    if credential.secret is not None:
        if not looks_like_token(credential.secret):
            raise Unauthenticated("the bearer token is malformed")
        return {"secret_hash": hash_secret(credential.secret)}
    if credential.token_id is not None:
        return {"uid": credential.token_id}
    raise Unauthenticated("a bearer token is required")


def admit(token: TokenCredentials | None, now: dt.datetime, roles: frozenset[str]) -> Principal:
    """The principal of the token found by :func:`lookup_key` (None: none was found), if it
    is active and its role is in ``roles``; raises as :func:`authenticate` does."""
    if token is None or _state(token, now) != "active":
        raise Unauthenticated("the token is not valid (unknown, revoked or expired)")
    if token.role not in roles:
        raise Forbidden(f"a {token.role} token may not do this")
    models = frozenset(token.allowed_models) if token.allowed_models is not None else None
    return Principal(
        token_pk=token.id,
        token_id=token.uid,
        name=token.name,
        role=token.role,
        models=models,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )


def check_credential(
    uow_factory: UnitOfWorkFactory, clock: Clock, credential: Credential, roles: frozenset[str]
) -> Principal:
    """Authenticate ``credential`` on its own (a portal login) and record the use."""
    now = clock()
    with uow_factory(write=True) as uow:
        principal = authenticate(uow, credential, now, roles)
        touch(uow, principal, now)
        uow.commit()
    return principal


def needs_touch(principal: Principal, now: dt.datetime) -> bool:
    """Whether ``last_used_at`` is older than :data:`TOUCH_INTERVAL` (or unset)."""
    last = principal.last_used_at
    return last is None or now - last >= TOUCH_INTERVAL


def touch(uow: UnitOfWork, principal: Principal, now: dt.datetime) -> None:
    """Record that the token was used (in ``uow``; the caller commits)."""
    TokenRepository(uow.session).touch(principal.token_pk, now, older_than=TOUCH_INTERVAL)


def _state(token: ApiToken | TokenCredentials, now: dt.datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def _view(token: ApiToken, now: dt.datetime) -> TokenView:
    def when(moment: dt.datetime | None) -> str | None:
        return isoformat_z(moment) if moment is not None else None

    return TokenView(
        id=token.uid,
        name=token.name,
        role=token.role,
        models=tuple(token.allowed_models) if token.allowed_models is not None else None,
        created_at=isoformat_z(token.created_at),
        expires_at=when(token.expires_at),
        revoked_at=when(token.revoked_at),
        last_used_at=when(token.last_used_at),
        state=_state(token, now),
    )
