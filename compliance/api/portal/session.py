"""The portal's signed session cookie and its CSRF tokens.

Promises:

- the session cookie holds a token's *id* (``tok_...``), its display name and role, an
  expiry and a random nonce, signed with HMAC-SHA256 under the portal key; never the
  token's secret. It is ``HttpOnly``, ``SameSite=Strict``, ``Path=/portal`` and ``Secure``
  when the request came over https. Every request still checks the token in the database
  (revoking a token ends its sessions at once); a session also ends at its expiry;
- a form POST (login, logout) must carry ``csrf``, the HMAC of the random ``portal_csrf``
  cookie under the same key (double submit, bound to the key), and an ``Origin``, when
  sent, equal to the portal's own;
- the key comes from ``COMPLIANCE_API_SESSION_SECRET`` or, by default, the file
  ``<home>/keys/portal-session.key`` (32 random bytes, mode 0600, made on first use).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COOKIE",
    "CSRF_COOKIE",
    "Session",
    "csrf_token",
    "load_session_key",
    "new_csrf_cookie",
    "read_session",
    "valid_csrf",
    "write_session",
]

COOKIE = "portal_session"
CSRF_COOKIE = "portal_csrf"


@dataclass(frozen=True)
class Session:
    token_id: str
    name: str
    role: str
    expires: int


def load_session_key(secret: str | None, home: Path) -> bytes:
    """The portal key: from ``secret`` if given, else the key file under ``home``."""
    if secret:
        return hashlib.sha256(b"compliance-portal-session\x00" + secret.encode()).digest()
    path = home / "keys" / "portal-session.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
    else:
        key = secrets.token_bytes(32)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
    if len(key) < 32:
        raise ValueError(f"the portal session key {path} is too short")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: bytes, data: bytes) -> str:
    return _b64(hmac.new(key, purpose + b"\x00" + data, hashlib.sha256).digest())


def write_session(key: bytes, session: Session) -> str:
    payload = {
        "t": session.token_id,
        "n": session.name,
        "r": session.role,
        "e": session.expires,
        "x": secrets.token_hex(8),
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_mac(key, b'session', body.encode())}"


def read_session(key: bytes, value: str | None, now: float | None = None) -> Session | None:
    """The session of a cookie value, or None if it is absent, forged or expired."""
    if not value or value.count(".") != 1 or len(value) > 2048:
        return None
    body, mac = value.split(".")
    if not hmac.compare_digest(mac, _mac(key, b"session", body.encode())):
        return None
    try:
        data = json.loads(_unb64(body))
        session = Session(str(data["t"]), str(data["n"]), str(data["r"]), int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > (time.time() if now is None else now) else None


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(key: bytes, cookie: str) -> str:
    return _mac(key, b"csrf", cookie.encode())


def valid_csrf(key: bytes, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(submitted, csrf_token(key, cookie))
