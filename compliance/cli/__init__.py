"""The ``compliance`` command line: thin Typer commands over the use cases.

Every command that prints data takes ``--json``; a user error prints one line
(``error: ...`` and, when there is one, ``hint: ...``) on stderr and exits non-zero; a
traceback is shown only with ``--debug``.
"""

from compliance.cli.main import app, main

__all__ = ["app", "main"]
