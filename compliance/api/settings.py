"""Settings of the HTTP layer, read from ``COMPLIANCE_API_*`` when asked for (never at import)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings"]


class ApiSettings(BaseSettings):
    """Abuse limits, the portal session and streaming; one instance per process."""

    model_config = SettingsConfigDict(env_prefix="COMPLIANCE_API_", extra="ignore")

    rate_per_second: float = Field(
        default=20.0, gt=0, description="sustained requests per second per token (per process)"
    )
    rate_burst: int = Field(default=60, ge=1, description="requests a token may burst at once")
    login_per_minute: int = Field(
        default=10, ge=1, description="portal login attempts per client address per minute"
    )
    auth_failures_per_minute: int = Field(
        default=20,
        ge=1,
        description="failed authentications per client address per minute before 429",
    )
    trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: the socket's peer is the client",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="key signing portal cookies; default: <home>/keys/portal-session.key",
    )
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    chunk_bytes: int = Field(default=256 * 1024, ge=4096, le=16 * 1024 * 1024)
    threads: int = Field(
        default=8,
        ge=1,
        le=200,
        description="threads per process running database reads (more only add GIL contention)",
    )
    max_form_bytes: int = Field(default=4096, ge=512, le=65536)
    misses_per_minute: int = Field(
        default=30,
        ge=0,
        description="lookups of absent ids written to the access log per token and client "
        "per minute (per process); the others are only counted",
    )
