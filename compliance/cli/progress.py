"""Progress of long work: a bar on a terminal, structured log lines otherwise.

**On a terminal** (stderr, as rich sees it: a TTY that can redraw, not ``TERM=dumb``) a
transient rich bar per part, with its count and, when the total is known (a probe's
prompts), the bar and the time left.

**Otherwise** (a pipe, a file, CI logs) one logfmt line per event on stderr, each on a
line of its own::

    event=progress task='acme-files: /data/a.jsonl' records=20000 elapsed_s=5.0

A line is written whole, in one write, and flushed; stdout is flushed first, so that
when both streams end up in one file or pane (``2>&1``, a CI log, an IDE console) what
was printed before comes before it (stdout is block-buffered off a terminal, stderr is
not). The choice between the two follows rich's view of stderr (``FORCE_COLOR``,
``TTY_COMPATIBLE`` and ``TERM=dumb`` included), the same console that draws the bar, so
a bar is never drawn where it cannot redraw itself and log lines never land inside one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from compliance.cli.context import err_console

__all__ = ["file_progress", "log_line", "on_terminal", "record_progress"]


def on_terminal() -> bool:
    """Whether stderr can show a live bar (a terminal that redraws)."""
    return err_console.is_terminal and not err_console.is_dumb_terminal


def log_line(text: str) -> None:
    """Write ``text`` as one line of its own on stderr, after whatever stdout holds."""
    sys.stdout.flush()
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


def _bar(*columns: ProgressColumn) -> Progress:
    """A transient bar on stderr: the description, the bar, ``columns``, the time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *columns,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


@contextmanager
def file_progress(
    label: str, size: int, position: Callable[[], int], *, interval: float = 5.0
) -> Iterator[Callable[[int], None]]:
    """A callback ``(records_so_far) -> None`` that shows how far into a file of ``size``
    bytes reading has got (``position()``): a rich bar on a terminal, else a logfmt line on
    stderr at most every ``interval`` seconds."""
    if on_terminal():
        with _bar(DownloadColumn(), TextColumn("{task.fields[records]:,} records")) as bar:
            task = bar.add_task(label, total=size, records=0)

            def update(count: int) -> None:
                bar.update(task, completed=position(), records=count)

            yield update
        return
    started = last = time.monotonic()

    def log(count: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= interval:
            last = now
            log_line(
                f"event=progress task={label!r} records={count} bytes={position()} "
                f"total_bytes={size} elapsed_s={now - started:.1f}"
            )

    yield log


@contextmanager
def record_progress(*, interval: float = 5.0) -> Iterator[Callable[[str, int, int | None], None]]:
    """A callback ``(what, records_so_far, total_or_None) -> None`` for work made of several
    parts (a pull's sources and files): one rich bar per part on a terminal, else a logfmt
    line on stderr when a part starts and then at most every ``interval`` seconds per
    part."""
    if on_terminal():
        with _bar(TextColumn("{task.completed:,}{task.fields[of]} records")) as bar:
            tasks: dict[str, TaskID] = {}

            def update(what: str, count: int, total: int | None) -> None:
                if what not in tasks:
                    of = "" if total is None else f"/{total:,}"
                    tasks[what] = bar.add_task(what, total=total, of=of)
                bar.update(tasks[what], completed=count)

            yield update
        return
    started = time.monotonic()
    last: dict[str, float] = {}

    def log(what: str, count: int, total: int | None) -> None:
        now = time.monotonic()
        if what in last and now - last[what] < interval:
            return
        last[what] = now
        of = "" if total is None else f" total={total}"
        log_line(f"event=progress task={what!r} records={count}{of} elapsed_s={now - started:.1f}")

    yield log
