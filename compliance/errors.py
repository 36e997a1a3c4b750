"""The error tree of the service.

Every error a user can cause is a :class:`ComplianceError`; the command line prints it as
one line (``error: <message>``, then ``hint: <fix>`` when there is one) and exits with its
``exit_code``. Anything else is a bug and shows a traceback only with ``--debug``.

::

    ComplianceError                 exit 1
    ├── InputError                  a file or value the user gave is wrong (file, line, field)
    ├── NotFound                    a named object does not exist
    ├── AlreadyExists               creating something that is already there
    ├── Conflict                    the request contradicts what is stored (immutable objects)
    ├── ConfigError                 settings, keys or environment are missing or wrong
    ├── StorageUnavailable          the database cannot be reached
    └── SourceUnavailable           a remote source kept failing after every retry
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "ComplianceError",
    "ConfigError",
    "Conflict",
    "InputError",
    "NotFound",
    "SourceUnavailable",
    "StorageUnavailable",
]


class ComplianceError(Exception):
    """Base class of every error a user can cause; ``str()`` is the one-line message."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(ComplianceError):
    """Bad input, located as precisely as possible: ``file:line: field=value: problem``."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(self._format(), hint=hint)

    def _format(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where] if where else []
        if self.field is not None:
            shown = _shorten(repr(self.value)) if self.value is not None else None
            parts.append(f"field '{self.field}'" + (f" = {shown}" if shown else ""))
        parts.append(self.problem)
        return ": ".join(parts)

    def at(self, *, file: str | None = None, line: int | None = None) -> InputError:
        """The same error, located in ``file`` (and ``line``) when it was not yet."""
        return InputError(
            self.problem,
            file=self.file or file,
            line=self.line if self.line is not None else line,
            field=self.field,
            value=self.value,
            hint=self.hint,
        )


class NotFound(ComplianceError):
    """A named object (model, version, run, policy, report...) does not exist."""


class AlreadyExists(ComplianceError):
    """Creating an object that already exists (a model version registered twice)."""


class Conflict(ComplianceError):
    """The request contradicts stored, immutable state."""


class ConfigError(ComplianceError):
    """Settings, keys or environment variables are missing or invalid."""


class StorageUnavailable(ComplianceError):
    """The database cannot be reached or is not initialized."""


class SourceUnavailable(ComplianceError):
    """A remote source could not be reached, or kept failing, after every retry.

    Nothing is wrong with the user's input; running again later may succeed (and, for the
    probe, the answers already received are cached).
    """


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
