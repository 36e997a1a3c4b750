"""Public identifiers: a short type prefix and 80 random bits (``run_q4t2m7c9x0d3k8ha``).

They name objects in the command line and in URLs; they are never sequential, so an
identifier tells nothing about how many objects exist or which came first.
"""

from __future__ import annotations

import base64
import re
import secrets

__all__ = ["PREFIXES", "is_uid", "new_uid"]

PREFIXES = frozenset(
    {"mdl", "ver", "src", "run", "pol", "aud", "rep", "art", "tok", "sch", "off", "att"}
)
_UID = re.compile(r"^(?P<prefix>[a-z]{3})_[a-z2-7]{16}$")


def new_uid(prefix: str) -> str:
    """A fresh identifier ``<prefix>_<16 base32 characters>`` (80 bits of randomness)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown identifier prefix {prefix!r}")
    random_part = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return f"{prefix}_{random_part}"


def is_uid(text: str, prefix: str | None = None) -> bool:
    """Whether ``text`` has the shape of an identifier (of ``prefix`` when given)."""
    match = _UID.match(text)
    if match is None:
        return False
    return prefix is None or match.group("prefix") == prefix
