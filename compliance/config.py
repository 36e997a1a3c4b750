"""Settings, read from the environment (prefix ``COMPLIANCE_``) when asked for, never at import.

``COMPLIANCE_HOME`` (default ``./var``) holds the embedded SQLite database and the signing key;
``COMPLIANCE_DATABASE_URL`` points at PostgreSQL in production
(``postgresql+psycopg://user@host/db``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the composition root needs; build one with ``Settings()``."""

    model_config = SettingsConfigDict(env_prefix="COMPLIANCE_", extra="ignore")

    home: Path = Field(
        default=Path("var"), description="directory of the embedded database and keys"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in home"
    )
    signing_key_path: Path | None = Field(default=None, description="Ed25519 private key file")
    bootstrap_resamples: int = Field(default=2000, ge=100, le=100_000)
    ingest_batch_size: int = Field(default=10_000, ge=100, le=1_000_000)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<home>/compliance.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'compliance.db').resolve()}"

    @property
    def resolved_signing_key_path(self) -> Path:
        """The private signing key file, by default ``<home>/keys/ledger-ed25519.pem``."""
        return self.signing_key_path or self.home / "keys" / "ledger-ed25519.pem"


class InputLimits(BaseSettings):
    """How much of any input is read before it is refused (``COMPLIANCE_MAX_*``).

    Promise: no input path holds more than about one line, one HTTP body, one archive member
    or one probe reply of the sizes below in memory; past a limit the input is refused with
    one line naming it, the limit and the variable to raise, and nothing is stored.
    """

    model_config = SettingsConfigDict(env_prefix="COMPLIANCE_", extra="ignore")

    max_line_bytes: int = Field(
        default=1 << 20, ge=1024, description="bytes of one line (one record) of a file"
    )
    max_decompressed_bytes: int = Field(
        default=8 << 30, ge=1 << 20, description="bytes one compressed file may expand to"
    )
    max_compression_ratio: float = Field(
        default=200.0,
        ge=2.0,
        description="decompressed / compressed bytes, checked past the first 16 MiB",
    )
    max_records_per_run: int = Field(
        default=10_000_000,
        ge=1000,
        description="records of one run (its content hash keeps 32 bytes a record)",
    )
    max_http_response_bytes: int = Field(
        default=64 << 20, ge=1024, description="bytes of one HTTP source response body"
    )
    max_member_bytes: int = Field(
        default=256 << 20,
        ge=1024,
        description="bytes of one Inspect log member (or a whole JSON log) once decompressed",
    )
    max_probe_reply_bytes: int = Field(
        default=4 << 20, ge=1024, description="bytes of one chat endpoint reply"
    )
