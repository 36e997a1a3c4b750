"""The HTTP layer reaches the database only through the use cases (DESIGN.md, layout)."""

from __future__ import annotations

import ast
from pathlib import Path

import compliance.api

FORBIDDEN = ("sqlalchemy", "compliance.storage", "alembic", "psycopg")


def test_the_api_package_imports_no_storage() -> None:
    root = Path(compliance.api.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(root)}: {name}" for name in names if name.startswith(FORBIDDEN)
            ]
    assert offenders == []
