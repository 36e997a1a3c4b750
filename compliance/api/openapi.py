"""The published OpenAPI document (``schemas/openapi.json``): rendered from the routes,
exported and checked.

The document itself is :func:`compliance.api.openapi_document.openapi_document` of
:func:`compliance.api.routing.build_routes` (the routes without process state). It depends
on the code only (no settings, no database), so the committed file can be checked for being
stale: ``python -m compliance.api.openapi --check`` exits 1 when it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from compliance.api.openapi_document import MANIFEST_REF, openapi_document
from compliance.api.routing import build_routes
from compliance.paths import bundled_dir

__all__ = [
    "MANIFEST_REF",
    "export_openapi",
    "openapi_document",
    "openapi_path",
    "render_openapi",
]


def render_openapi() -> str:
    """The document as the committed file holds it: indented JSON and a final newline."""
    document = openapi_document(build_routes())
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def openapi_path() -> Path:
    return bundled_dir("schemas") / "openapi.json"


def export_openapi(*, check: bool = False, path: Path | None = None) -> bool:
    """Write the document to ``path`` (default ``schemas/openapi.json``); True if it changed.

    With ``check``, write nothing and only tell whether the file is stale.
    """
    target = path or openapi_path()
    text = render_openapi()
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current == text:
        return False
    if not check:
        target.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    changed = export_openapi(check=check)
    where = openapi_path()
    if check and changed:
        print(f"{where} is stale: run 'python -m compliance.api.openapi'", file=sys.stderr)
        return 1
    print(f"{'checked' if check else 'wrote'} {where}{' (changed)' if changed else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
