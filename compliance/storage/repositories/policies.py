"""Policy versions: immutable once stored, identified by name, version and content sha256."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from compliance.domain.ids import new_uid
from compliance.domain.policy import PolicySpec
from compliance.storage.tables import Policy, PolicyRule

__all__ = ["PolicyRepository"]


class PolicyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str, version: str) -> Policy | None:
        return self._session.scalars(
            select(Policy)
            .where(Policy.name == name, Policy.version == version)
            .options(selectinload(Policy.rules))
        ).one_or_none()

    def latest(self, name: str) -> Policy | None:
        """The most recently added version of policy ``name``."""
        return self._session.scalars(
            select(Policy)
            .where(Policy.name == name)
            .order_by(Policy.created_at.desc(), Policy.id.desc())
            .limit(1)
            .options(selectinload(Policy.rules))
        ).one_or_none()

    def by_id(self, policy_id: int) -> Policy:
        return self._session.get_one(Policy, policy_id)

    def list(self) -> list[Policy]:
        return list(
            self._session.scalars(
                select(Policy).order_by(Policy.name, Policy.created_at, Policy.id)
            )
        )

    def add(self, spec: PolicySpec, text: str, sha256: str, *, now: dt.datetime) -> Policy:
        policy = Policy(
            uid=new_uid("pol"),
            name=spec.name,
            version=spec.version,
            description=spec.description or None,
            source_text=text,
            sha256=sha256,
            created_at=now,
        )
        policy.rules = [
            PolicyRule(
                position=position,
                rule_id=rule.id,
                metric_id=rule.metric,
                dimension=rule.dimension,
                comparison=rule.comparison,
                threshold=rule.threshold,
                severity=rule.severity,
                mode=spec.mode_of(rule),
            )
            for position, rule in enumerate(spec.rules)
        ]
        self._session.add(policy)
        self._session.flush()
        return policy
