"""Where the project's shipped directories are: inside the wheel, or beside the package.

A wheel carries ``migrations/``, ``reports/`` and ``schemas/`` under
``compliance/_bundled/``; a source checkout (or an editable install) has them at the top
of the repository. Nothing here is derived from a request.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_data", "bundled_dir"]

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The directory ``name`` (``migrations``, ``reports`` or ``schemas``) of this install."""
    if name not in {"migrations", "reports", "schemas"}:
        raise ValueError(f"not a shipped directory: {name}")
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the '{name}' directory is missing from this installation")


def bundled_data(name: str) -> Path:
    """The directory ``compliance/data/<name>`` of example data shipped with the package."""
    path = _PACKAGE / "data" / name
    if not path.is_dir():
        raise FileNotFoundError(f"the bundled data '{name}' is missing from this installation")
    return path
