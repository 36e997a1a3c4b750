"""Personas, stored once each and referenced by every record that uses them."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.storage.dialects import upsert_ignoring
from compliance.storage.tables import Persona

__all__ = ["BASELINE_NAME", "PersonaRepository", "persona_fingerprint"]

BASELINE_NAME = "(baseline)"


def persona_fingerprint(name: str | None, attributes: dict[str, str]) -> str:
    """sha256 of the persona's canonical JSON; the baseline (no persona) has its own."""
    if name is None:
        return hashlib.sha256(b"compliance:baseline").hexdigest()
    text = json.dumps({"name": name, "attributes": attributes}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PersonaRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get_or_add(self, name: str | None, attributes: dict[str, str]) -> int:
        """The id of the persona ``name`` with ``attributes`` (``None``: the baseline)."""
        fingerprint = persona_fingerprint(name, attributes)
        lookup = select(Persona.id).where(Persona.fingerprint == fingerprint)
        found = self._session.scalar(lookup)
        if found is not None:
            return found
        values = {
            "name": BASELINE_NAME if name is None else name,
            "attributes": dict(attributes),
            "is_baseline": name is None,
            "fingerprint": fingerprint,
        }
        # a concurrent writer may add the same persona: let the unique fingerprint decide
        self._session.execute(upsert_ignoring(self._session, Persona, ["fingerprint"], values))
        return self._session.scalars(lookup).one()

    def by_ids(self, ids: list[int]) -> list[Persona]:
        if not ids:
            return []
        return list(self._session.scalars(select(Persona).where(Persona.id.in_(ids))))
