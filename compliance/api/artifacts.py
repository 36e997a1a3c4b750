"""Sending an artifact: strong ETag, conditional GET, one byte range, streamed in chunks.

Promises (RFC 9110):

- the ETag is the artifact's sha256 in quotes (a strong validator: the bytes never change);
- ``If-None-Match`` matching it (or ``*``) answers **304** with no body;
- one ``Range: bytes=a-b`` / ``a-`` / ``-n`` answers **206** with ``Content-Range``; a range
  starting past the end answers **416** with ``Content-Range: bytes */size``; a malformed
  or multi-part range, or an ``If-Range`` that does not match, is ignored (**200**, whole);
- the body is read ``chunk`` bytes at a time from the database, the first chunk in the
  transaction that logged the read, the others each in the thread pool, so memory stays
  flat whatever the artifact's size; HEAD reads nothing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response, StreamingResponse

from compliance.api.errors import error_response
from compliance.api.views.reads import OpenedArtifact
from compliance.api.views.responses import ArtifactOut

__all__ = ["Plan", "artifact_response", "plan_for", "strong_etag"]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
ReadChunk = Callable[[int, int, int], bytes]


@dataclass(frozen=True)
class Plan:
    """What to send: a status and, for 200/206, the byte span ``[start, end)``."""

    status: int
    start: int = 0
    end: int = 0

    @property
    def span(self) -> tuple[int, int, int]:
        return self.status, self.start, self.end


def strong_etag(meta: ArtifactOut) -> str:
    return f'"{meta.sha256}"'


def plan_for(meta: ArtifactOut, headers: Headers) -> Plan:
    """The response an artifact deserves given the request's conditional headers."""
    tag = strong_etag(meta)
    wanted = headers.get("if-none-match")
    if wanted is not None:
        tags = [t.strip().removeprefix("W/") for t in wanted.split(",")]
        if "*" in tags or tag in tags:
            return Plan(304)
    whole = Plan(200, 0, meta.size)
    requested = headers.get("range")
    if requested is None:
        return whole
    if_range = headers.get("if-range")
    if if_range is not None and if_range.strip() != tag:
        return whole
    return _range_plan(requested, meta.size) or whole


def _range_plan(requested: str, size: int) -> Plan | None:
    """206 or 416 for one satisfiable or unsatisfiable range; None to ignore the header."""
    match = _RANGE.match(requested.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None  # malformed or several ranges: ignored
    first, last = match.group(1), match.group(2)
    if first == "":  # the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            return Plan(416)
        return Plan(206, max(0, size - length), size)
    start = int(first)
    end = size if last == "" else int(last) + 1
    if last != "" and end <= start:
        return None  # a-b with b < a is invalid: ignored
    if start >= size:
        return Plan(416)
    return Plan(206, start, min(end, size))


def artifact_response(
    opened: OpenedArtifact,
    plan: Plan,
    *,
    read: ReadChunk,
    chunk: int,
    head: bool,
    disposition: str = "attachment",
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """The response for an artifact opened with ``plan``'s status (already logged)."""
    meta = opened.meta
    headers = {
        "ETag": strong_etag(meta),
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, no-cache",
        "Content-Disposition": f'{disposition}; filename="{opened.filename}"',
        **(extra_headers or {}),
    }
    if plan.status == 304:
        return Response(status_code=304, headers=headers)
    if plan.status == 416:
        return error_response(
            416,
            "range_not_satisfiable",
            "the requested range is outside the artifact",
            {"Content-Range": f"bytes */{meta.size}"},
        )
    headers["Content-Length"] = str(plan.end - plan.start)
    if plan.status == 206:
        headers["Content-Range"] = f"bytes {plan.start}-{plan.end - 1}/{meta.size}"
    if head:
        return Response(status_code=plan.status, headers=headers, media_type=meta.content_type)
    return StreamingResponse(
        _chunks(read, opened, plan.start, plan.end, chunk),
        status_code=plan.status,
        headers=headers,
        media_type=meta.content_type,
    )


async def _chunks(
    read: ReadChunk, opened: OpenedArtifact, start: int, end: int, chunk: int
) -> AsyncIterator[bytes]:
    offset = start + len(opened.first)
    if opened.first:
        yield opened.first
    while offset < end:
        data = await run_in_threadpool(read, opened.handle, offset, min(chunk, end - offset))
        if not data:
            return
        offset += len(data)
        yield data
