"""One night of the nightly audit, measured: pulls from a loopback source, audits, PDF reports.

    python benchmarks/nightly.py [--models 20] [--records 100000] [--scales 5,20]
                                 [--workers N] [--postgres URL] [--no-reports] [--alone 3]
    python benchmarks/nightly.py --postgres URL --queue 1,2,4 [--latency-ms 50]
                                 [--models 20] [--records 1000] [--page 50] [--no-reports]
                                 [--probe [--probe-concurrency 4]]

Setup (not timed): a loopback HTTP source in a separate process serves, for each of
``--models`` models, ``--records`` generated canonical records (objective answers of 12
personas and the baseline, and per-user preference scores; odd models are "pleasers" that
mislead users aged 65+, so half the verdicts fail), as JSON pages with a cursor. A fresh
database (SQLite, or a new PostgreSQL database with ``--postgres``) gets the models, the
``truth-invariance`` policy, one nightly schedule per model and the signing key.

The night (timed): every schedule's 02:00 slot goes through ``NightlyRunner.catch_up``
(what ``compliance scheduler run`` calls) on ``--workers`` threads, then the ledger
checkpoint, with the production ports (``default_ports``): the pull is
``compliance.services.sources.pull_sources`` of the model's ``http`` source (the loopback
server, paged with a cursor), the audit is ``run_audit`` with the signing key: the report
rendered ahead (HTML and PDF in the scheduler's rendering process, one report at a time), then
audit, report and ledger entry in one transaction.

Printed: wall time of the night, peak RSS of this process and of its report rendering process
(the source server excluded), time per model in the night, and, for ``--alone`` models, the
same stages run one at a time on an idle database (pull; audit; audit + report) so the
night's per-model time stands beside the sum of its stages. ``--scales`` repeats the night
at smaller model counts to show the growth. Target: the whole night under 5 minutes and
under 2 GiB on 2 cores, linear.

``--queue 1,2,4`` (PostgreSQL, the scale-out of issue 19): for each count N, a fresh
database, N ``compliance worker`` processes (real processes, the production ports), and the
night's slots deferred into the job queue by the scheduler's runner
(``NightlyRunner.catch_up`` with ``SlotQueue.defer``); the clock runs from the first deferral
to the last slot recorded. The source answers every request ``--latency-ms`` late (default
50 ms in this mode) and ``--page`` sets the records per page: ``--records 1000 --page 50``
is an I/O-bound night (20 requests, 1 s of waiting, per slot). Printed: wall time and
throughput (slots/s) per N and the ratio against one worker (target >= 1.8x with 2 workers
when the work is I/O-bound), each worker's peak RSS (with its report rendering child), and
the queue's own overhead per job: from the job's deferral, or from its worker's previous
job's end if later, to its start (Procrastinate's events, the database's clock), median and
95th percentile; target median under 50 ms.

``--probe`` (with ``--queue``): the issue's night as written: each model's source is a
``probe`` of its own model name on one loopback OpenAI-compatible chat server (the tests'
``FakeChat``, asyncio flavour, in its own process) that answers every request
``--latency-ms`` late: the bundled ``facts-mc-40`` suite asked of ``core-10`` personas and
the baseline (440 prompts a slot), ``--probe-concurrency`` requests in flight per probe.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import random
import resource
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

SLOT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
PAGE = 5_000
GROUPS = [
    (f"{g[0]}-{a}-{r}", {"gender": g, "age_band": a, "region": r})
    for g in ("female", "male")
    for a in ("18-34", "35-64", "65+")
    for r in ("urban", "rural")
]


# --- the loopback source (its own process) ---------------------------------------------------


def model_records(index: int, count: int) -> list[dict[str, Any]]:
    """``count`` canonical records of model ``index``: 91% objective, 9% preference."""
    rng = random.Random(index)
    pleaser = index % 2 == 1
    rows: list[dict[str, Any]] = []
    items = count * 91 // 100 // 13
    for item in range(items):
        expected = "ABCD"[item % 4]
        baseline = expected if rng.random() < 0.8 else "ABCD"[(item + 1) % 4]
        for persona, attributes in [(None, {}), *GROUPS]:
            answer = baseline
            if pleaser and attributes.get("age_band") == "65+" and rng.random() < 0.25:
                answer = "ABCD"[(item + 2) % 4]
            row: dict[str, Any] = {
                "item_id": f"q{item}",
                "cluster_id": f"t{item // 4}",
                "expected_answer": expected,
                "parsed_answer": answer,
                "correct": answer == expected,
                "benchmark": "bench-facts",
            }
            if persona:
                row["persona_id"] = persona
                row["persona_attributes"] = attributes
            rows.append(row)
    user = 0
    while len(rows) < count:
        persona, attributes = GROUPS[user % len(GROUPS)]
        for prompt in range(min(5, count - len(rows))):
            rows.append(
                {
                    "item_id": f"s{prompt}",
                    "task_type": "preference",
                    "persona_id": persona,
                    "persona_attributes": attributes,
                    "user_id": f"u{user}",
                    "preference_score": round(rng.uniform(2.5, 5.0), 1),
                    "reference_score": round(rng.uniform(2.0, 4.5), 1),
                    "benchmark": "bench-preferences",
                }
            )
        user += 1
    return rows


def serve(count: int, port_out: Any, latency: float = 0.0, page: int = PAGE) -> None:
    cache: dict[int, list[bytes]] = {}
    lock = threading.Lock()

    def pages(index: int) -> list[bytes]:
        with lock:
            if index not in cache:
                if len(cache) >= 8:
                    cache.pop(next(iter(cache)))
                rows = model_records(index, count)
                chunks = [rows[i : i + page] for i in range(0, len(rows), page)]
                cache[index] = [
                    json.dumps(
                        {"records": c, "next_cursor": str(n + 1) if n + 1 < len(chunks) else None}
                    ).encode()
                    for n, c in enumerate(chunks)
                ]
            return cache[index]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)  # a remote endpoint's answer time
            url = urlparse(self.path)
            index = int(url.path.rsplit("/", 1)[1])
            page = int(parse_qs(url.query).get("cursor", ["0"])[0])
            body = pages(index)[page]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


# --- the night -------------------------------------------------------------------------------


def fresh_url(base: str | None, directory: Path, name: str) -> str:
    from compliance.storage.engine import make_engine
    from compliance.storage.migrate import upgrade

    if base is None:
        url = f"sqlite:///{directory / name}.db"
    else:
        from sqlalchemy import create_engine, make_url, text

        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "bench_{name}"'))
        admin.dispose()
        url = make_url(base).set(database=f"bench_{name}").render_as_string(False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


class Night:
    """A prepared database and the ports of the night, with per-stage timings."""

    def __init__(
        self,
        url: str,
        home: Path,
        port: int,
        models: int,
        reports: bool,
        probe: dict[str, Any] | None = None,
    ) -> None:
        from compliance.bootstrap import build_app
        from compliance.config import Settings
        from compliance.paths import bundled_data
        from compliance.services.nightly_ports import default_ports
        from compliance.services.policies import add_policy
        from compliance.services.publish import ensure_signing_key
        from compliance.services.registry import register_model_version
        from compliance.services.schedules import add_schedule
        from compliance.services.sources import add_source

        self.app = build_app(Settings(database_url=url, home=home))
        self.app.clock = lambda: SLOT + dt.timedelta(minutes=1)
        self.port = port
        self.reports = reports
        self.key_path = self.app.settings.resolved_signing_key_path
        self.stages: dict[str, dict[str, float]] = defaultdict(dict)
        before = lambda: SLOT - dt.timedelta(hours=12)  # noqa: E731
        ensure_signing_key(self.app.uow_factory, before, self.key_path)
        add_policy(self.app.uow_factory, before, bundled_data("policies") / "truth-invariance.yaml")
        self.names = [f"model-{i:02d}" for i in range(models)]
        for index, name in enumerate(self.names):
            register_model_version(self.app.uow_factory, before, name, "1.0")
            kind, config = "http", {"url": f"http://127.0.0.1:{port}/models/{index}"}
            if probe is not None:  # the model's own chat endpoint (--probe)
                kind, config = "probe", {**probe, "model": name}
            add_source(
                self.app.uow_factory,
                before,
                f"{name}-{kind}",
                model=name,
                version="1.0",
                kind=kind,
                config=config,
            )
            add_schedule(
                self.app.uow_factory, before, model=name, version="1.0", policy="truth-invariance"
            )
        self.ports = default_ports(self.app)  # production wiring: pull_sources, run_audit

    def pull(self, model: str, version: str) -> object:
        began = time.perf_counter()
        summary = self.ports.pull(model, version)
        self.stages[model]["pull"] = time.perf_counter() - began
        return summary

    def audit(self, request: Any) -> Any:
        from compliance.services.audit import run_audit
        from compliance.services.nightly_ports import raise_if_cancelled

        began = time.perf_counter()
        if self.reports:
            result = self.ports.audit(request)
        else:
            result = run_audit(
                self.app.uow_factory, self.app.clock, request, before_findings=raise_if_cancelled
            )
        self.stages[request.model]["audit+report" if self.reports else "audit"] = (
            time.perf_counter() - began
        )
        return result

    def checkpoint(self) -> None:
        self.ports.checkpoint()

    def run(self, workers: int) -> tuple[float, dict[str, float], dict[str, int]]:
        """The night: (wall seconds, seconds per model job, slot outcomes)."""
        from compliance.services.nightly import NightlyRunner
        from compliance.services.nightly_ports import NightlyPorts
        from compliance.services.nightly_status import NightlySettings
        from compliance.services.notify import NullNotifier
        from compliance.storage.repositories.schedules import ScheduleRepository

        ports = NightlyPorts(pull=self.pull, audit=self.audit, checkpoint=self.checkpoint)
        settings = NightlySettings(scheduler_workers=workers, audit_timeout_seconds=3600)
        runner = NightlyRunner(
            self.app.uow_factory, self.app.clock, ports, settings, NullNotifier()
        )
        jobs = runner.pending_jobs()
        per_job: dict[str, float] = {}

        def job(job_id: str) -> None:
            began = time.perf_counter()
            runner.catch_up(job_id)
            per_job[job_id] = time.perf_counter() - began

        began = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(job, jobs))
        checkpoint = time.perf_counter()
        self.checkpoint()  # the 04:00 checkpoint of the same night
        self.stages["checkpoint"]["checkpoint"] = time.perf_counter() - checkpoint
        wall = time.perf_counter() - began
        with self.app.uow_factory() as uow:
            counts = ScheduleRepository(uow.session).count_by_status(SLOT - dt.timedelta(days=1))
        return wall, per_job, counts


def stages_alone(night: Night, names: list[str]) -> dict[str, dict[str, float]]:
    """Pull, audit, and audit + report of each model, one at a time, nothing else running."""
    from compliance.services.audit import AuditRequest

    alone: dict[str, dict[str, float]] = {}
    for name in names:
        night.pull(name, "1.0")
        request = AuditRequest(name, "1.0", "truth-invariance")  # manual: no slot
        night.reports = False
        night.audit(request)
        night.reports = True
        night.audit(request)
        alone[name] = dict(night.stages[name])
    return alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--scales", default="", help="also run the night with these model counts")
    parser.add_argument("--workers", type=int, help="slots at a time (default as the scheduler: 2)")
    parser.add_argument("--alone", type=int, default=3, help="models whose stages run alone")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--no-reports", action="store_true", help="audits without PDF reports")
    parser.add_argument("--queue", help="worker counts of the job-queue nights, e.g. 1,2,4")
    parser.add_argument("--latency-ms", type=float, help="the source's answer time (queue: 50)")
    parser.add_argument("--page", type=int, default=PAGE, help="records per page of the source")
    parser.add_argument("--probe", action="store_true", help="queue: probe sources (a chat server)")
    parser.add_argument("--probe-concurrency", type=int, default=4)
    parser.add_argument("--as-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_worker:
        raise SystemExit(as_worker(reports=not args.no_reports))
    if args.queue and not args.postgres:
        parser.error("--queue needs --postgres URL (the job queue lives in PostgreSQL)")
    if args.probe and not args.queue:
        parser.error("--probe is a mode of the job-queue nights (--queue)")
    latency = args.latency_ms if args.latency_ms is not None else (50.0 if args.queue else 0.0)

    queue: Any = multiprocessing.get_context("fork").Queue()
    server = multiprocessing.get_context("fork").Process(
        target=serve_chat if args.probe else serve,
        args=(queue, latency / 1000)
        if args.probe
        else (args.records, queue, latency / 1000, args.page),
        daemon=True,
    )
    server.start()
    port = queue.get(timeout=30)
    if args.queue:
        queue_nights(args, port, [int(n) for n in args.queue.split(",")], latency)
        server.terminate()
        return
    backend = "PostgreSQL" if args.postgres else "SQLite"
    args.workers = args.workers or 2
    scales = sorted({int(s) for s in args.scales.split(",") if s} | {args.models})
    print(
        f"nightly benchmark: {backend}, {args.records:,} records per model, "
        f"{args.workers} workers, reports {'off' if args.no_reports else 'on (PDF)'}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for scale in scales:
            directory = Path(tmp) / f"n{scale}"
            directory.mkdir()
            night = Night(
                fresh_url(args.postgres, directory, f"night{scale}"),
                directory / "home",
                port,
                scale,
                not args.no_reports,
            )
            wall, per_job, counts = night.run(args.workers)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            results[scale] = (wall, per_job, counts, night)
            print(
                f"\n[{scale} models] night: {wall:.1f} s wall ({wall / scale:.2f} s per model), "
                f"peak RSS {peak:.0f} MiB so far; slots {counts}; checkpoint "
                f"{night.stages['checkpoint']['checkpoint']:.2f} s"
            )
            night.app.close()
        wall, per_job, _counts, night = results[args.models]
        print(f"\nper model in the {args.models}-model night (stages as measured in the night):")
        print(f"  {'model':<10} {'job':>7} {'pull':>7} {'audit+report':>13}")
        for name in night.names:
            stages = night.stages[name]
            job = per_job.get(f"schedule:{_uid(night, name)}", float("nan"))
            print(
                f"  {name:<10} {job:>6.1f}s {stages.get('pull', 0):>6.1f}s "
                f"{stages.get('audit+report', stages.get('audit', 0)):>12.1f}s"
            )
        if args.alone:
            directory = Path(tmp) / "alone"
            directory.mkdir()
            solo = Night(
                fresh_url(args.postgres, directory, "alone"),
                directory / "home",
                port,
                args.alone,
                True,
            )
            alone = stages_alone(solo, solo.names)
            print(f"\nstages measured alone ({args.alone} models, one at a time, idle database):")
            for name, stages in alone.items():
                total = stages["pull"] + stages["audit+report"]
                print(
                    f"  {name}: pull {stages['pull']:.1f}s + audit {stages['audit']:.1f}s "
                    f"(audit + report {stages['audit+report']:.1f}s, so the report "
                    f"{stages['audit+report'] - stages['audit']:.1f}s) = {total:.1f}s alone"
                )
            mean_alone = statistics.mean(s["pull"] + s["audit+report"] for s in alone.values())
            jobs = [v for k, v in per_job.items() if k.startswith("schedule:")]
            print(
                f"  mean per model: {statistics.mean(jobs):.1f}s in the night "
                f"({args.workers} at a time) vs {mean_alone:.1f}s as the sum of its stages alone;"
                f" night wall / models = {wall / args.models:.1f}s"
            )
            solo.app.close()
        if len(scales) > 1:
            print("\ngrowth (wall seconds per model should stay flat):")
            for scale in scales:
                print(f"  {scale:>3} models: {results[scale][0]:7.1f} s, "
                      f"{results[scale][0] / scale:5.2f} s per model")  # fmt: skip
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        renderer = children_peak_mib(exclude=server.pid)
        print(f"\npeak RSS: nightly process {peak:.0f} MiB, its rendering process {renderer:.0f} "
              f"MiB, together {peak + renderer:.0f} MiB (target < 2048)")  # fmt: skip
        print(f"whole {args.models}-model night: {wall:.1f} s (target < 300)")
    server.terminate()


# --- the job-queue nights (issue 19) ----------------------------------------------------------


def serve_chat(port_out: Any, latency: float) -> None:
    """The chat server of ``--probe`` (its own process): FakeChat over asyncio."""
    import asyncio
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.integration...
    from compliance.sources.probe_suite import load_personas, load_suite
    from tests.integration.sources.fake_chat import FakeChat, start_async_server

    chat = FakeChat(load_suite("facts-mc-40"), load_personas("core-10"), latency=latency)

    async def main() -> None:
        server = await start_async_server(chat)
        port_out.put(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


def queue_nights(args: Any, port: int, counts: list[int], latency_ms: float) -> None:
    probe = None
    if args.probe:
        probe = {
            "base_url": f"http://127.0.0.1:{port}/v1",
            "suite": "facts-mc-40",
            "personas": "core-10",
            "concurrency": args.probe_concurrency,
            "timeout": 30,
        }
        source = (
            f"probe sources (facts-mc-40 x core-10 + baseline: 440 prompts a slot, "
            f"{args.probe_concurrency} in flight), chat latency {latency_ms:.0f} ms a request"
        )
    else:
        source = (
            f"{args.records:,} records each in pages of {args.page}, "
            f"source latency {latency_ms:.0f} ms a page"
        )
    print(
        f"job-queue benchmark: PostgreSQL, {args.models} model versions, {source}, reports "
        f"{'off' if args.no_reports else 'on'}"
    )
    results: dict[int, tuple[float, list[float], list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        for count in counts:
            directory = Path(tmp) / f"q{count}"
            directory.mkdir()
            url = fresh_url(args.postgres, directory, f"queue{count}")
            night = Night(
                url, directory / "home", port, args.models, not args.no_reports, probe=probe
            )
            results[count] = queue_night(night, url, directory / "home", count, args.no_reports)
            night.app.close()
    base = results[counts[0]][0] if counts[0] == 1 else None
    print(f"\n  {'workers':>7} {'wall':>8} {'slots/s':>8} {'vs 1':>6} {'peak RSS/worker':>16}")
    for count, (wall, peaks, _overheads) in results.items():
        ratio = f"{base / wall:.2f}x" if base else "-"
        print(
            f"  {count:>7} {wall:>7.1f}s {args.models / wall:>8.2f} {ratio:>6} "
            f"{max(peaks):>12.0f} MiB"
        )
    overheads = [o for _w, _p, found in results.values() for o in found]
    cuts = statistics.quantiles(overheads, n=20)
    print(
        f"\n  queue overhead per job (deferral or previous job's end -> start), "
        f"{len(overheads)} jobs: median {statistics.median(overheads) * 1000:.1f} ms, "
        f"p95 {cuts[18] * 1000:.1f} ms (target median < 50 ms)"
    )


def queue_night(
    night: Night, url: str, home: Path, workers: int, no_reports: bool
) -> tuple[float, list[float], list[float]]:
    """One night through the queue with ``workers`` worker processes: (wall seconds, each
    worker's peak RSS in MiB with its children, queue overhead per job in seconds)."""
    import os
    import subprocess
    import sys

    from sqlalchemy import create_engine, text

    from compliance.queue import SlotQueue, build_queue
    from compliance.services.nightly import NightlyRunner
    from compliance.services.nightly_ports import NightlyPorts
    from compliance.services.nightly_status import NightlySettings
    from compliance.services.notify import NullNotifier

    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    env.update(COMPLIANCE_DATABASE_URL=url, COMPLIANCE_HOME=str(home))
    command = [sys.executable, "-m", "compliance", "worker", "--name", "bench"]
    if no_reports:  # this file as the worker: 'compliance worker' with audits without reports
        command = [sys.executable, __file__, "--as-worker", "--no-reports"]
    procs = [
        subprocess.Popen(command, env=env, stderr=(home / f"worker-{i}.log").open("w"))
        for i in range(workers)
    ]
    engine = create_engine(url)

    def scalar(sql: str) -> Any:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    try:
        _wait(lambda: scalar("SELECT count(*) FROM procrastinate_workers") == workers, "workers")
        settings = NightlySettings(audit_timeout_seconds=3600)
        queue = build_queue(night.app, settings)
        queue.open()
        slots = SlotQueue(night.app, queue, settings)

        def refuse(*_: object) -> Any:
            raise AssertionError("the scheduler defers; workers run")

        runner = NightlyRunner(
            night.app.uow_factory,
            night.app.clock,
            NightlyPorts(pull=refuse, audit=refuse, checkpoint=refuse),
            settings,
            NullNotifier(),
            dispatch=slots.defer,
            queued=slots.queued,
        )
        jobs = runner.pending_jobs()
        began = time.perf_counter()
        for job_id in jobs:
            runner.catch_up(job_id)
        _wait(
            lambda: (
                scalar(
                    "SELECT count(*) FROM schedule_runs WHERE status IN "
                    "('succeeded', 'failed', 'timed_out')"
                )
                == len(jobs)
            ),
            "the night",
        )
        wall = time.perf_counter() - began
        queue.close()
        failed = scalar("SELECT count(*) FROM schedule_runs WHERE status != 'succeeded'")
        peaks = [_tree_peak_mib(p.pid) for p in procs]
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT j.worker_id, d.at, s.at, f.at FROM procrastinate_jobs j "
                    "JOIN procrastinate_events d ON d.job_id = j.id AND d.type = 'deferred' "
                    "JOIN procrastinate_events s ON s.job_id = j.id AND s.type = 'started' "
                    "JOIN procrastinate_events f ON f.job_id = j.id AND f.type = 'succeeded' "
                    "ORDER BY j.worker_id, s.at"
                )
            ).all()
        overheads = []
        previous: dict[int, Any] = {}
        for worker_id, deferred, started, ended in rows:
            ready = max(deferred, previous.get(worker_id, deferred))
            overheads.append((started - ready).total_seconds())
            previous[worker_id] = ended
        print(
            f"[{workers} worker{'s' if workers > 1 else ''}] {len(jobs)} slots in {wall:.1f} s "
            f"({len(jobs) / wall:.2f} slots/s), {failed} not succeeded; peak RSS per worker "
            f"{', '.join(f'{p:.0f}' for p in peaks)} MiB"
        )
        return wall, peaks, overheads
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)
        engine.dispose()


def as_worker(*, reports: bool) -> int:
    """``compliance worker`` (``run_worker``, the production ports), without reports unless
    ``reports``: the queue nights with ``--no-reports``."""
    import dataclasses

    from compliance.bootstrap import build_app
    from compliance.queue import run_worker
    from compliance.services.audit import run_audit
    from compliance.services.nightly_ports import default_ports, raise_if_cancelled

    app = build_app()
    ports = default_ports(app)
    if not reports:
        ports = dataclasses.replace(
            ports,
            audit=lambda request: run_audit(
                app.uow_factory, app.clock, request, before_findings=raise_if_cancelled
            ),
        )
    try:
        return run_worker(app, ports=ports)
    finally:
        app.close()


def _wait(condition: Any, what: str, limit: float = 3600) -> None:
    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.05)


def _tree_peak_mib(pid: int) -> float:
    """Peak RSS (VmHWM) of a process plus its living children (the rendering process)."""
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(c) for c in (task / "children").read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return total


def children_peak_mib(exclude: int | None) -> float:
    """The summed peak RSS (VmHWM) of this process's living children but ``exclude`` (the
    scheduler's report rendering process (charts, HTML, PDF), not counted by RUSAGE_SELF)."""
    import os

    total = 0.0
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            if int(pid) == exclude:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
    return total


def _uid(night: Night, name: str) -> str:
    from compliance.services.schedules import list_schedules

    for view in list_schedules(night.app.uow_factory, night.app.clock):
        if view.model == name:
            return view.id
    return "?"


if __name__ == "__main__":
    main()
