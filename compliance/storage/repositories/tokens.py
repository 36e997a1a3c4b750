"""API tokens and the access log.

Only the sha256 of a token's secret is stored (``secret_hash``); nothing here ever sees the
secret. The access log is append-only by use: rows are added, never changed. Like every
repository, these add and flush; the unit of work commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from compliance.domain.ids import new_uid
from compliance.storage.tables import AccessLog, ApiToken, Model

__all__ = [
    "CREDENTIALS_BY_HASH",
    "CREDENTIALS_BY_UID",
    "AccessLogRepository",
    "TokenCredentials",
    "TokenRepository",
]


class TokenCredentials(NamedTuple):
    """What checking a bearer token needs of its row (read without the ORM: it is the
    hottest query of the API)."""

    id: int
    uid: str
    name: str
    role: str
    allowed_models: list[Any] | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


_CREDENTIALS = select(
    ApiToken.id,
    ApiToken.uid,
    ApiToken.name,
    ApiToken.role,
    ApiToken.allowed_models,
    ApiToken.expires_at,
    ApiToken.revoked_at,
    ApiToken.last_used_at,
)
# built once: a statement object memoizes its cache key, so executing it again skips the
# expression building and key generation that cost more than the query itself
CREDENTIALS_BY_HASH = _CREDENTIALS.where(ApiToken.secret_hash == bindparam("key"))
CREDENTIALS_BY_UID = _CREDENTIALS.where(ApiToken.uid == bindparam("key"))
"""A token's :class:`TokenCredentials` (its first columns) by secret hash or id (``key``)."""


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        name: str,
        role: str,
        secret_hash: str,
        allowed_models: Sequence[str] | None,
        now: dt.datetime,
        expires_at: dt.datetime | None,
    ) -> ApiToken:
        token = ApiToken(
            uid=new_uid("tok"),
            name=name,
            role=role,
            secret_hash=secret_hash,
            allowed_models=list(allowed_models) if allowed_models is not None else None,
            created_at=now,
            expires_at=expires_at,
        )
        self._session.add(token)
        self._session.flush()
        return token

    def credentials(
        self, *, secret_hash: str | None = None, uid: str | None = None
    ) -> TokenCredentials | None:
        """The token whose secret hashes to ``secret_hash`` (or whose id is ``uid``)."""
        query, key = (
            (CREDENTIALS_BY_HASH, secret_hash) if uid is None else (CREDENTIALS_BY_UID, uid)
        )
        row = self._session.connection().execute(query, {"key": key}).one_or_none()
        return TokenCredentials(*row) if row is not None else None

    def by_uid(self, uid: str) -> ApiToken | None:
        return self._session.scalars(select(ApiToken).where(ApiToken.uid == uid)).one_or_none()

    def list(self) -> list[ApiToken]:
        return list(self._session.scalars(select(ApiToken).order_by(ApiToken.created_at)))

    def revoke(self, token: ApiToken, now: dt.datetime) -> None:
        token.revoked_at = now
        self._session.flush()

    def touch(self, token_id: int, now: dt.datetime, *, older_than: dt.timedelta) -> None:
        """Set ``last_used_at`` to ``now`` unless it was set less than ``older_than`` ago."""
        self._session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - older_than),
            )
            .values(last_used_at=now)
        )

    def existing_model_names(self, names: Sequence[str]) -> set[str]:
        return set(self._session.scalars(select(Model.name).where(Model.name.in_(names))))


class AccessLogRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        token_id: int | None,
        action: str,
        object_type: str,
        object_uid: str,
        at: dt.datetime,
        client_addr: str | None,
        status: int,
    ) -> None:
        """Insert one row and flush, so a refused insert fails here, before anything is served."""
        self._session.add(
            AccessLog(
                token_id=token_id,
                action=action,
                object_type=object_type,
                object_uid=object_uid,
                at=at,
                client_addr=client_addr,
                status=status,
            )
        )
        self._session.flush()

    def query(
        self,
        *,
        token_uid: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 1000,
    ) -> list[tuple[AccessLog, ApiToken | None]]:
        """Rows newest first, with their token (``None`` for a row without one)."""
        query: Any = (
            select(AccessLog, ApiToken)
            .outerjoin(ApiToken, ApiToken.id == AccessLog.token_id)
            .order_by(AccessLog.at.desc(), AccessLog.id.desc())
            .limit(limit)
        )
        if token_uid is not None:
            query = query.where(ApiToken.uid == token_uid)
        if since is not None:
            query = query.where(AccessLog.at >= since)
        return [(row[0], row[1]) for row in self._session.execute(query)]
