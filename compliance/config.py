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
