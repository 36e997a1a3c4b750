"""The PDF rendered in a child process: the same bytes as in-process, and a child that died
is replaced."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from compliance.reporting.pdf import PdfProcess, render_pdf

HTML = (
    "<!doctype html><html><head><title>t</title></head><body><h1>Report</h1><p>x</p></body></html>"
)


@pytest.mark.slow
def test_the_child_renders_the_same_bytes_and_is_replaced_when_it_dies() -> None:
    renderer = PdfProcess()
    try:
        first = renderer(HTML)
        assert first == render_pdf(HTML)
        pool = renderer._pool
        assert pool is not None
        (child,) = pool._processes  # type: ignore[attr-defined]
        assert child != os.getpid()
        os.kill(child, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            renderer(HTML)
        assert renderer(HTML) == first  # a new child
        assert renderer._pool is not pool
    finally:
        renderer.close()
    assert renderer._pool is None
