"""Where a tool's log keeps the persona: one path-style scheme for lm-eval and Inspect.

A log sample is a JSON object; a **field path** is a dotted path into it
(``doc.persona``, ``metadata.persona_id``; a number indexes a list). A source config
names two:

- ``persona_field``: the persona's **attributes**, an object (``{"gender": "female",
  "age_band": "65+"}``), or null/absent (no attributes). A bare id (text or a number)
  there is read as the persona id, with no attributes (older logs did so);
- ``persona_id_field``: the persona's **id**, one path or a list of paths tried in order
  (the first that holds a value wins). A path *inside* the attributes object
  (``metadata.persona.id``) names a key that is the id, not an attribute.

A sample with no id and no attributes is the baseline (``persona_id`` null); a sample
with an id and no attributes is a persona without attributes, which
:mod:`compliance.sources.baseline` reads as the baseline when it is the only one (a
task's ``persona_id: "baseline", persona: null``). Attributes without an id are refused:
the persona could not be told apart from the others.

Defaults: lm-eval ``doc.persona`` and ``[doc.persona_id, doc.persona.id]``; Inspect
``metadata.persona`` and ``[metadata.persona_id, metadata.persona.id]`` (an Inspect
task's ``Sample(metadata={"persona_id": ..., "persona": {...} or None})``, and the older
layout with the id inside the persona object).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compliance.errors import InputError

__all__ = [
    "id_paths",
    "judgement_at",
    "persona_at",
    "scalar_at",
    "value_at",
]


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` in ``data``; ``None`` when any step is missing."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def scalar_at(data: Any, path: str) -> str | None:
    """The text or number at ``path`` as text; ``None`` when absent; an object is refused."""
    value = value_at(data, path)
    if value is None:
        return None
    if isinstance(value, str | int | float | bool):
        return str(value)
    raise InputError("must be text or a number", field=path, value=value)


def id_paths(persona_id_field: str | Sequence[str] | None) -> tuple[str, ...]:
    """A config's ``persona_id_field`` (one path, a list, or none) as a tuple of paths."""
    if persona_id_field is None:
        return ()
    if isinstance(persona_id_field, str):
        return (persona_id_field,)
    return tuple(persona_id_field)


def persona_at(
    sample: dict[str, Any],
    *,
    persona_field: str | None,
    persona_id_field: str | Sequence[str] | None,
) -> tuple[str | None, dict[str, str]]:
    """``(persona id or None, attributes)`` of one sample (see the module docstring)."""
    paths = id_paths(persona_id_field)
    persona_id: str | None = None
    for path in paths:
        persona_id = scalar_at(sample, path)
        if persona_id is not None:
            break
    attributes: dict[str, str] = {}
    if persona_field is not None:
        found = value_at(sample, persona_field)
        if isinstance(found, str | int | float) and not isinstance(found, bool):
            if persona_id is None:
                persona_id = str(found)
        elif isinstance(found, dict):
            prefix = persona_field + "."
            inner = {p.removeprefix(prefix) for p in paths if p.startswith(prefix)}
            for key, value in found.items():
                if key in inner or value is None:
                    continue
                if not isinstance(value, str | int | float | bool):
                    raise InputError(
                        "persona attributes must be text or numbers",
                        field=f"{persona_field}.{key}",
                        value=value,
                    )
                attributes[str(key)] = str(value)
        elif found is not None:
            raise InputError(
                "must be an object of persona attributes, an id, or null",
                field=persona_field,
                value=found,
                hint="set persona_field to the path of the attributes object",
            )
    if persona_id is None and attributes:
        raise InputError(
            "is missing but the sample has persona attributes",
            field=paths[0] if paths else "persona_id_field",
            hint="set persona_id_field to the path of the persona id"
            + (f" (tried: {', '.join(paths)})" if len(paths) > 1 else ""),
        )
    return persona_id, attributes


def judgement_at(data: Any, path: str | None) -> bool | None:
    """A yes/no judgement at ``path`` (``followed_preference``): true/false, 1/0, or
    "yes"/"no"/"true"/"false" (any case); None when the path is unset or absent; anything
    else is refused naming the path and value."""
    if path is None:
        return None
    value = value_at(data, path)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise InputError(
        "must be a yes/no judgement (true/false, 1/0, yes/no)", field=path, value=value
    )


_YES = {"true", "yes", "1", "y"}
_NO = {"false", "no", "0", "n"}
