"""Progress of long work: a bar on a terminal, structured log lines otherwise."""

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
    TimeRemainingColumn,
)

from compliance.cli.context import err_console

__all__ = ["file_progress", "record_progress"]


def _bar(*columns: ProgressColumn) -> Progress:
    """A transient bar on stderr: the description, the bar, ``columns``, the time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *columns,
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
    if sys.stderr.isatty():
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
            done = position()
            sys.stderr.write(
                f"event=progress task={label!r} records={count} bytes={done} total_bytes={size} "
                f"elapsed_s={now - started:.1f}\n"
            )

    yield log


@contextmanager
def record_progress(*, interval: float = 5.0) -> Iterator[Callable[[str, int, int | None], None]]:
    """A callback ``(what, records_so_far, total_or_None) -> None`` for work made of several
    parts (a pull's sources): one rich bar per part on a terminal, else a logfmt line on
    stderr at most every ``interval`` seconds per part and one when a part starts."""
    if sys.stderr.isatty():
        with _bar(TextColumn("{task.completed:,} records")) as bar:
            tasks: dict[str, TaskID] = {}

            def update(what: str, count: int, total: int | None) -> None:
                if what not in tasks:
                    tasks[what] = bar.add_task(what, total=total)
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
        sys.stderr.write(
            f"event=progress task={what!r} records={count}{of} elapsed_s={now - started:.1f}\n"
        )

    yield log
