"""The HTTP layer reaches the database only through the use cases and its own read models
(DESIGN.md, layout): ``compliance/api/views/`` may read the storage repositories, nothing in
the API imports SQL libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import compliance.api

SQL = ("sqlalchemy", "alembic", "psycopg")
STORAGE = ("compliance.storage",)
READ_MODELS = "views"


def test_the_api_package_imports_no_storage_outside_its_read_models() -> None:
    root = Path(compliance.api.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        forbidden = SQL if relative.parts[0] == READ_MODELS else SQL + STORAGE
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{relative}: {name}" for name in names if name.startswith(forbidden)]
    assert offenders == []


def test_the_read_models_are_checked_at_all() -> None:
    root = Path(compliance.api.__file__).parent / READ_MODELS
    assert (root / "reads.py").is_file()  # the exception above names a real package
