"""A report rendered in a child process: the same HTML and PDF bytes as in this process,
whatever either's clock says, and a child that died is replaced."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from compliance.domain.manifest import ReportManifest
from compliance.reporting.html import IntegrityInfo
from compliance.reporting.render import RenderProcess, render_report
from tests.fake_time import DAYS_LATER, ISSUED, clock_at


@pytest.mark.slow
def test_the_child_renders_the_same_bytes_and_is_replaced_when_it_dies(
    truth_manifest: ReportManifest, integrity: IntegrityInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    with clock_at(ISSUED):  # no SOURCE_DATE_EPOCH here
        here = render_report(truth_manifest, integrity)
    # the children inherit another clock, days later (spawned after this)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(DAYS_LATER)))
    renderer = RenderProcess()
    try:
        assert renderer(truth_manifest, integrity) == here
        pool = renderer._pool
        assert pool is not None
        (child,) = pool._processes
        assert child != os.getpid()
        os.kill(child, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            renderer(truth_manifest, integrity)
        html, pdf = renderer(truth_manifest, integrity)  # a new child
        assert (html, pdf) == here and renderer._pool is not pool
    finally:
        renderer.close()
    assert renderer._pool is None
    assert html.lower().startswith(b"<!doctype html>") and pdf.startswith(b"%PDF-")


@pytest.mark.slow
def test_the_child_is_replaced_after_its_share_of_reports(
    truth_manifest: ReportManifest, integrity: IntegrityInfo
) -> None:
    """Memory stays bounded over a night: after ``renders_per_child`` reports a fresh child
    renders the next ones, the same bytes."""
    renderer = RenderProcess(renders_per_child=2)
    rendered, children = [], []
    try:
        for call in range(3):
            rendered.append(renderer(truth_manifest, integrity))
            if call % 2 == 0:  # a child with one report done: alive until its second
                pool = renderer._pool
                assert pool is not None
                children.append(set(pool._processes))
    finally:
        renderer.close()
    assert rendered[0] == rendered[1] == rendered[2]
    first, third = children
    assert len(first) == len(third) == 1 and first != third  # the third report: another child
