"""A report's two renderings, HTML and PDF, in this process or in a child process.

:func:`render_report` is the HTML of :func:`~compliance.reporting.html.render_html` and the
PDF of :func:`~compliance.reporting.pdf.render_pdf`. :class:`RenderProcess` gives the same
bytes from one long-lived child process: charts and WeasyPrint are pure Python and hold
the interpreter for seconds per report, so a process with other work (the nightly
scheduler's next model) renders there and keeps its own threads running. The child gets
the manifest as its canonical JSON, which parses back to an equal manifest; the bytes are
the same in either process whatever their clocks say (``render_html`` renders the
canonical form of the manifest, ``render_pdf`` reads no clock).

The child is replaced after :data:`RENDERS_PER_CHILD` reports, so a night of hundreds of
reports keeps its memory bounded: a long-lived renderer creeps up (fonts, caches, a
fragmented heap; measured: 206 to 229 MiB over 40 reports of the demo's size, more for
larger ones), and a fresh one costs one spawn (about a second) per that many reports.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from compliance.domain.manifest import ReportManifest, canonical_bytes
from compliance.reporting.html import IntegrityInfo, render_html
from compliance.reporting.pdf import render_pdf

__all__ = ["RENDERS_PER_CHILD", "RenderProcess", "render_report"]

RENDERS_PER_CHILD = 50
"""Reports one rendering child renders before a fresh one takes over."""


def render_report(manifest: ReportManifest, integrity: IntegrityInfo) -> tuple[bytes, bytes]:
    """(HTML, PDF) of the issued report ``manifest``."""
    html = render_html(manifest, integrity=integrity)
    return html.encode("utf-8"), render_pdf(html)


def _render_in_child(manifest_json: bytes, integrity: IntegrityInfo) -> tuple[bytes, bytes]:
    return render_report(ReportManifest.model_validate_json(manifest_json), integrity)


class RenderProcess:
    """:func:`render_report` in a child process (spawned on first use, one report at a
    time, replaced after ``renders_per_child`` reports). A child that died is replaced on
    the next call (the call that saw it die raises). Thread-safe; :meth:`close` stops the
    child."""

    def __init__(self, renders_per_child: int = RENDERS_PER_CHILD) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._renders_per_child = renders_per_child

    def __call__(self, manifest: ReportManifest, integrity: IntegrityInfo) -> tuple[bytes, bytes]:
        pool = self._ensure()
        try:
            return pool.submit(_render_in_child, canonical_bytes(manifest), integrity).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise

    def _ensure(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=context,
                    max_tasks_per_child=self._renders_per_child,
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
