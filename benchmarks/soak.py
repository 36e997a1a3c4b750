"""Soak run: the API under concurrent clients while the scheduler runs a night of audits.

    python benchmarks/soak.py [--duration 600] [--clients 50] [--models 20] [--records 20000]
                              [--postgres URL] [--json]

What it does, all on 127.0.0.1 and bounded in time (issue 18, point 5):

1. a loopback HTTP source (``nightly.serve``, its own process) serves ``--records`` generated
   records for each of ``--models`` models;
2. a fresh PostgreSQL database ``soak_<pid>`` is created on ``--postgres`` (dropped at the
   end) and seeded as ``api.py`` does (``--reports`` issued reports with PDFs under a
   ``soak-seed`` policy, a regulator token), then as ``nightly.py`` does: the models, their
   ``http`` sources, the bundled ``truth-invariance`` policy, the signing key, and one daily
   schedule per model whose cron minute falls inside the run (spread over its first half);
3. ``compliance serve`` and ``compliance scheduler run`` start as real subprocesses on that
   database (the API's per-token rate limit raised, as in ``api.py``: one token drives the
   load; a 429 would still be counted apart);
4. one client process keeps ``--clients`` requests in flight for ``--duration`` seconds:
   the report list, and a ``--read-share`` of report reads and PDF downloads of the seeded
   reports; latencies are recorded per route;
5. every ``--sample`` seconds the RSS (``/proc/<pid>/status``) of every process of the two
   trees (the serve process and its workers, the scheduler and its rendering process) is
   sampled;
6. after the load, it waits (at most ``--drain`` seconds) until every slot due in the run has
   a final status, then counts from the database: slots due, audits issued (a succeeded slot
   audit with its report), and duplicates (more than one audit for a schedule's slot, or more
   than one report for an audit).

Printed (``--json``: the same figures as one JSON object): requests, answers by status (429
apart), p50/p95/p99 per route, RSS at start/mid/end/max and growth per process, slots due vs
issued vs duplicates, and a PASS/FAIL line. Targets: zero errors other than 429, p99 of the
report list under 250 ms, every due audit issued exactly once, and each process's memory flat:
its growth over the second half of the run (end minus mid-run RSS) under 10% of its mid-run
RSS + 8 MiB (the first half holds the warm-up: imports, caches, the first audits). Exit 1 when
a target is missed. The client shares the cores with the servers: on a small, loaded machine
its latencies include its own queueing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api import database, free_port, seed
from nightly import serve

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FINAL = ("succeeded", "failed", "timed_out", "missed", "error")  # schedule_runs.status
LIST, REPORT, PDF = "report list", "report read", "PDF download"


# --- setting up the night ---------------------------------------------------------------------


def slot_minutes(start: dt.datetime, duration: float, models: int) -> list[dt.datetime]:
    """One slot per model: whole minutes from the first one at least 20 s after ``start`` (the
    servers' start-up), spread over the first half of the run (at least one minute)."""
    first = (start + dt.timedelta(seconds=80)).replace(second=0, microsecond=0)
    spread = max(1, int(duration / 2 // 60))
    return [first + dt.timedelta(minutes=i % spread) for i in range(models)]


def prepare_night(url: str, home: Path, source_port: int, slots: list[dt.datetime]) -> list[str]:
    """Models with an ``http`` source on the loopback server and one daily schedule each at
    its slot (cron ``M H * * *``, UTC); returns the schedules' uids."""
    from compliance.bootstrap import build_app
    from compliance.config import Settings
    from compliance.paths import bundled_data
    from compliance.services.policies import add_policy
    from compliance.services.publish import ensure_signing_key
    from compliance.services.registry import register_model_version
    from compliance.services.schedules import add_schedule
    from compliance.services.sources import add_source

    app = build_app(Settings(database_url=url, home=home))
    uids = []
    try:
        ensure_signing_key(app.uow_factory, app.clock, app.settings.resolved_signing_key_path)
        add_policy(app.uow_factory, app.clock, bundled_data("policies") / "truth-invariance.yaml")
        for index, slot in enumerate(slots):
            name = f"model-{index:02d}"
            register_model_version(app.uow_factory, app.clock, name, "1.0")
            add_source(
                app.uow_factory,
                app.clock,
                f"{name}-http",
                model=name,
                version="1.0",
                kind="http",
                config={"url": f"http://127.0.0.1:{source_port}/models/{index}"},
            )
            view = add_schedule(
                app.uow_factory,
                app.clock,
                model=name,
                version="1.0",
                policy="truth-invariance",
                cron=f"{slot.minute} {slot.hour} * * *",
            )
            uids.append(view.id)
    finally:
        app.close()
    return uids


def report_uids(url: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT uid FROM reports ORDER BY id")).all()
    engine.dispose()
    return [row[0] for row in rows]


# --- the processes and their memory ------------------------------------------------------------


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for_port(port: int, process: subprocess.Popen[bytes], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {limit:g} s")


def tree(pid: int) -> list[int]:
    """``pid`` and its living descendants (from ``/proc/<pid>/task/*/children``)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Sampler:
    """RSS of every process of the named trees, every ``every`` seconds, on a thread."""

    roots: dict[str, int]
    every: float
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        began = time.monotonic()
        while True:
            now = time.monotonic() - began
            for role, root in self.roots.items():
                for pid in tree(root):
                    rss = rss_mib(pid)
                    if rss is not None:
                        name = role if pid == root else f"{role} child {pid}"
                        self.samples.setdefault(name, []).append((now, rss))
            if self.stop.wait(self.every):
                return

    def figures(self, load_end: float) -> dict[str, dict[str, float | bool | None]]:
        """Per process: RSS at start, mid-run, end, max; growth; flat (or None when the process
        did not live through the second half of the run)."""
        out: dict[str, dict[str, float | bool | None]] = {}
        for name, points in self.samples.items():
            first_t, first = points[0]
            mid_t = first_t + (load_end - first_t) / 2
            mid = next((rss for t, rss in points if t >= mid_t), points[-1][1])
            end_t, end = points[-1]
            lived = first_t <= mid_t and end_t >= load_end - 2 * self.every
            out[name] = {
                "start_mib": first,
                "mid_mib": mid,
                "end_mib": end,
                "max_mib": max(rss for _, rss in points),
                "growth_mib": end - first,
                "second_half_growth_mib": end - mid,
                "flat": (end - mid <= 0.10 * mid + 8) if lived else None,
            }
        return out


# --- the load ----------------------------------------------------------------------------------


async def _load(
    base: str, secret: str, reports: list[str], clients: int, seconds: float, read_share: float
) -> tuple[dict[str, list[float]], dict[str, dict[int, int]]]:
    import httpx

    latencies: dict[str, list[float]] = {LIST: [], REPORT: [], PDF: []}
    statuses: dict[str, dict[int, int]] = {LIST: {}, REPORT: {}, PDF: {}}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {secret}"}
    rng = random.Random(18)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as http:
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                route, path = LIST, "/reports"
                if rng.random() < read_share:
                    uid = rng.choice(reports)
                    if rng.random() < 0.5:
                        route, path = REPORT, f"/reports/{uid}"
                    else:
                        route, path = PDF, f"/reports/{uid}/artifacts/pdf"
                began = time.perf_counter()
                try:
                    response = await http.get(base + path)
                    await response.aread()
                    status = response.status_code
                except Exception:
                    status = 0  # transport error
                latencies[route].append(time.perf_counter() - began)
                statuses[route][status] = statuses[route].get(status, 0) + 1

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, statuses


def _client_process(out: mp.Queue, *args: Any) -> None:  # type: ignore[type-arg]
    out.put(asyncio.run(_load(*args)))


def percentiles(values: list[float]) -> dict[str, float | None]:
    values = sorted(values)
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    pick = lambda p: values[min(len(values) - 1, int(p * len(values)))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


# --- the night's outcome -----------------------------------------------------------------------


def slot_outcome(url: str, schedules: dict[str, dt.datetime]) -> dict[str, Any]:
    """Due slots (those before now), their final statuses, audits issued, and duplicates."""
    from sqlalchemy import create_engine, text

    from compliance.clock import utc_now

    now = utc_now()
    due = {uid: slot for uid, slot in schedules.items() if slot <= now}
    engine = create_engine(url)
    with engine.connect() as connection:
        runs = connection.execute(
            text(
                "SELECT s.uid, r.slot, r.status FROM schedule_runs r "
                "JOIN schedules s ON s.id = r.schedule_id"
            )
        ).all()
        audits = connection.execute(
            text(
                "SELECT s.uid, a.slot, a.status, count(r.id) FROM audits a "
                "JOIN schedules s ON s.model_version_id = a.model_version_id "
                "LEFT JOIN reports r ON r.audit_id = a.id "
                "WHERE a.trigger = 'schedule' GROUP BY s.uid, a.id, a.slot, a.status"
            )
        ).all()
    engine.dispose()
    statuses: dict[str, int] = {}
    final = 0
    for uid, slot, status in runs:
        if uid in due and _same(slot, due[uid]):
            statuses[status] = statuses.get(status, 0) + 1
            final += status in FINAL
    per_slot: dict[tuple[str, str], int] = {}
    issued = report_duplicates = 0
    for uid, slot, status, reports in audits:
        key = (uid, str(slot))
        per_slot[key] = per_slot.get(key, 0) + 1
        if uid in due and _same(slot, due[uid]) and status == "succeeded" and reports >= 1:
            issued += 1
        report_duplicates += max(0, reports - 1)
    duplicates = sum(n - 1 for n in per_slot.values() if n > 1) + report_duplicates
    return {
        "scheduled": len(schedules),
        "due": len(due),
        "final": final,
        "statuses": statuses,
        "issued": issued,
        "duplicates": duplicates,
    }


def _same(a: dt.datetime | None, b: dt.datetime) -> bool:
    if a is None:
        return False
    return (a if a.tzinfo else a.replace(tzinfo=dt.UTC)) == b


# --- the run -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--models", type=int, default=20, help="model versions audited")
    parser.add_argument("--records", type=int, default=20_000, help="records per model")
    parser.add_argument("--reports", type=int, default=200, help="seeded reports")
    parser.add_argument("--workers", type=int, default=2, help="compliance serve --workers")
    parser.add_argument("--read-share", type=float, default=0.1, help="share of report/PDF reads")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--drain", type=float, default=600.0, help="max wait for the night")
    parser.add_argument("--postgres", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    fork = mp.get_context("fork")
    port_queue: Any = fork.Queue()
    source = fork.Process(target=serve, args=(args.records, port_queue), daemon=True)
    source.start()
    source_port = port_queue.get(timeout=30)
    cli = str(Path(sys.executable).with_name("compliance"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix="soak-") as tmp,
            database(args.postgres, f"soak_{os.getpid()}") as url,
        ):
            assert url is not None
            home = Path(tmp) / "home"
            home.mkdir()
            secret = seed(home, args.reports, url, policy_name="soak-seed")
            from compliance.clock import utc_now

            slots = slot_minutes(utc_now(), args.duration, args.models)
            uids = prepare_night(url, home, source_port, slots)
            schedules = dict(zip(uids, slots, strict=True))
            env = {
                **os.environ,
                "COMPLIANCE_HOME": str(home),
                "COMPLIANCE_DATABASE_URL": url,
                "COMPLIANCE_API_RATE_PER_SECOND": "1000000",
                "COMPLIANCE_API_RATE_BURST": "1000000",
            }
            port = free_port()
            serve_cmd = [cli, "serve", "--port", str(port), "--workers", str(args.workers)]
            processes.append(start([*serve_cmd, "--log-level", "warning"], env, Path(tmp) / "s"))
            processes.append(start([cli, "scheduler", "run"], env, Path(tmp) / "scheduler.log"))
            wait_for_port(port, processes[0])
            roots = {"serve": processes[0].pid, "scheduler": processes[1].pid}
            sampler = Sampler(roots, args.sample)
            thread = threading.Thread(target=sampler.run, daemon=True)
            thread.start()

            spawn = mp.get_context("spawn")
            queue = spawn.Queue()
            base = f"http://127.0.0.1:{port}/api/v1"
            load_args = (base, secret, report_uids(url), args.clients, args.duration)
            client = spawn.Process(
                target=_client_process, args=(queue, *load_args, args.read_share)
            )
            began = time.monotonic()
            client.start()
            latencies, statuses = queue.get(timeout=args.duration + 300)
            client.join()
            load_seconds = time.monotonic() - began
            load_end = sampler.samples["serve"][-1][0] + args.sample / 2

            deadline = time.monotonic() + args.drain
            night = slot_outcome(url, schedules)
            while night["final"] < night["due"] and time.monotonic() < deadline:
                time.sleep(2)
                night = slot_outcome(url, schedules)
            sampler.stop.set()
            thread.join()
            night["drain_seconds"] = round(time.monotonic() - began - load_seconds, 1)
            crashed = [p.args[1] for p in processes if p.poll() is not None]
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
            memory = sampler.figures(load_end)
            scheduler_log = (Path(tmp) / "scheduler.log").read_text(errors="replace")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        source.terminate()
    return verdict(args, load_seconds, latencies, statuses, memory, night, crashed, scheduler_log)


def verdict(
    args: argparse.Namespace,
    seconds: float,
    latencies: dict[str, list[float]],
    statuses: dict[str, dict[int, int]],
    memory: dict[str, dict[str, float | bool | None]],
    night: dict[str, Any],
    crashed: list[str],
    scheduler_log: str,
) -> int:
    """Print (or emit as JSON) the figures and the targets; 0 when every target holds."""
    routes = {
        route: {
            "requests": len(latencies[route]),
            "statuses": {str(k): v for k, v in sorted(statuses[route].items())},
            **percentiles(latencies[route]),
        }
        for route in latencies
    }
    total = sum(r["requests"] for r in routes.values())
    ok = sum(n for s in statuses.values() for code, n in s.items() if code in (200, 206, 304))
    limited = sum(s.get(429, 0) for s in statuses.values())
    errors = total - ok - limited
    list_p99 = routes[LIST]["p99_ms"]
    checks = {
        "no errors but 429": errors == 0 and not crashed,
        "list p99 < 250 ms": list_p99 is not None and list_p99 < 250,
        "memory flat": all(m["flat"] is not False for m in memory.values()),
        "every due audit issued once": night["due"] == night["issued"] == night["scheduled"]
        and night["duplicates"] == 0,
    }
    figures = {
        "duration_s": round(seconds, 1),
        "clients": args.clients,
        "models": args.models,
        "records": args.records,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "requests": total,
        "requests_per_second": round(total / seconds, 1),
        "errors": errors,
        "limited_429": limited,
        "routes": routes,
        "memory": memory,
        "night": night,
        "crashed": crashed,
        "scheduler_errors": scheduler_log.count("level=error")
        + scheduler_log.count("level=critical"),
        "checks": checks,
        "passed": all(checks.values()),
    }
    if args.json:
        print(json.dumps(figures, indent=2, default=str))
        return 0 if figures["passed"] else 1
    print(
        f"\nsoak: {seconds:.0f} s, {args.clients} clients, {args.models} models x "
        f"{args.records:,} records, {os.cpu_count()} CPUs (load average at the end "
        f"{os.getloadavg()[0]:.1f}), PostgreSQL\n"
        f"requests {total} ({total / seconds:.0f}/s), errors {errors}, 429 {limited}"
    )
    print(f"\n{'route':<14} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for name, r in routes.items():
        cells = " ".join(
            f"{r[k]:>8.1f}" if r[k] is not None else f"{'-':>8}"
            for k in ("p50_ms", "p95_ms", "p99_ms")
        )
        print(f"{name:<14} {r['requests']:>9} {cells}  {r['statuses']}")
    print(f"\n{'process (RSS MiB)':<28} {'start':>7} {'mid':>7} {'end':>7} {'max':>7} "
          f"{'growth':>7} {'2nd half':>8}")  # fmt: skip
    for name, m in memory.items():
        flat = {True: "flat", False: "GROWS", None: "(not judged: short-lived)"}[m["flat"]]  # type: ignore[index]
        print(
            f"{name:<28} {m['start_mib']:>7.0f} {m['mid_mib']:>7.0f} {m['end_mib']:>7.0f} "
            f"{m['max_mib']:>7.0f} {m['growth_mib']:>+7.0f} {m['second_half_growth_mib']:>+8.0f}"
            f"  {flat}"
        )
    print(
        f"\nnight: {night['scheduled']} slots scheduled, {night['due']} due, {night['final']} "
        f"final {night['statuses']}, {night['issued']} issued, {night['duplicates']} duplicates "
        f"(waited {night['drain_seconds']} s after the load); scheduler error lines: "
        f"{figures['scheduler_errors']}"
    )
    if crashed:
        print(f"exited during the run: {', '.join(crashed)}")
    for name, passed in checks.items():
        print(f"  {'ok  ' if passed else 'MISS'} {name}")
    print("PASS" if figures["passed"] else "FAIL")
    return 0 if figures["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
