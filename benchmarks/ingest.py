"""Ingestion throughput against a bare baseline, side by side in one run.

    python benchmarks/ingest.py [--records 1000000] [--postgres URL]

Writes a canonical JSONL file of ``--records`` records (items x 10 personas), then, each
in its own fresh process and its own freshly migrated database:

- ``ours``: ``compliance.services.ingest`` (validation, content hash, personas, batches);
- ``bare``: stdlib ``json.loads`` of each line and ``sqlite3.executemany`` of the same rows
  into the same ``eval_records`` table in one transaction (on PostgreSQL: a bare ``COPY``).

Prints records per second, the ratio ours/bare (target: at least 0.5), and the peak RSS of
our process at a quarter of the records and at all of them (target: it does not grow with
the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERSONAS = [(None, {})] + [
    (f"p{i}", {"gender": ("female", "male")[i % 2], "age_band": ("18-24", "35-44", "65+")[i % 3]})
    for i in range(9)
]


def write_records(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w") as out:
        for n in range(count):
            persona, attributes = PERSONAS[n % len(PERSONAS)]
            item = n // len(PERSONAS)
            row: dict[str, object] = {
                "item_id": f"q{item}",
                "cluster_id": f"t{item // 20}",
                "expected_answer": "B",
                "parsed_answer": rng.choice("ABCD"),
                "benchmark": "synthetic",
            }
            row["correct"] = row["parsed_answer"] == "B"
            if persona:
                row["persona_id"] = persona
                row["persona_attributes"] = attributes
            out.write(json.dumps(row) + "\n")


def migrated(url: str) -> None:
    from compliance.storage.engine import make_engine
    from compliance.storage.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def worker_ours(url: str, path: Path) -> float:
    from compliance.bootstrap import build_app
    from compliance.config import Settings
    from compliance.services.ingest import IngestRequest, ingest_records
    from compliance.services.registry import register_model_version
    from compliance.sources.local import FileFormat, open_record_file

    app = build_app(Settings(database_url=url, home=Path(tempfile.gettempdir())))
    register_model_version(app.uow_factory, app.clock, "bench", "1")
    started = time.perf_counter()
    with open_record_file(path, FileFormat.CANONICAL) as records:
        ingest_records(
            app.uow_factory,
            app.clock,
            IngestRequest("bench", "1", "bench", "canonical", "synthetic", str(path)),
            records,
        )
    return time.perf_counter() - started


def worker_bare(url: str, path: Path) -> float:
    """The least a loader can do: parse each line, build the row, write it in one go."""
    from compliance.bootstrap import build_app
    from compliance.config import Settings
    from compliance.services.registry import register_model_version
    from compliance.storage.repositories import RECORD_COLUMNS

    app = build_app(Settings(database_url=url, home=Path(tempfile.gettempdir())))
    register_model_version(app.uow_factory, app.clock, "bench", "1")
    now = dt.datetime.now(dt.UTC).isoformat()
    started = time.perf_counter()
    raw = app.engine.raw_connection()
    dbapi = raw.driver_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    postgres = app.engine.dialect.name == "postgresql"
    if not postgres:
        cursor.execute("BEGIN")
    cursor.execute(
        "INSERT INTO evaluation_runs (uid, model_version_id, benchmark, format, origin,"
        " record_count, content_sha256, created_at) VALUES ('run_bare', 1, 'synthetic',"
        f" 'canonical', 'bare', 0, 'bare', '{now}')"
    )
    # the baseline is handed the persona ids up front (in our favour: a lower bar for it)
    marker = "%s" if postgres else "?"
    personas: dict[str | None, int] = {}
    for name, attributes in PERSONAS:
        cursor.execute(
            "INSERT INTO personas (name, attributes, is_baseline, fingerprint)"
            f" VALUES ({marker}, {marker}, {marker}, {marker})",
            (name or "(baseline)", json.dumps(attributes), name is None, f"bare-{name}"),
        )
        personas[name] = len(personas) + 1

    def persona_id(name: str | None, attributes: dict[str, str]) -> int:
        return personas[name]

    def rows() -> object:
        with path.open("rb") as lines:
            for seq, line in enumerate(lines, 1):
                r = json.loads(line)
                yield (
                    1,
                    seq,
                    r["item_id"],
                    r.get("cluster_id"),
                    persona_id(r.get("persona_id"), r.get("persona_attributes", {})),
                    r.get("user_id") or "",
                    r.get("task_type", "objective"),
                    r.get("expected_answer"),
                    r.get("raw_response"),
                    r.get("parsed_answer"),
                    r.get("correct"),
                    r.get("refused", False),
                    r.get("followed_preference"),
                    r.get("preference_score"),
                    r.get("reference_score"),
                    r.get("outcome"),
                    r.get("label"),
                    r.get("benchmark"),
                    json.dumps(r["extra"]) if r.get("extra") else None,
                )

    if postgres:
        with cursor.copy(f"COPY eval_records ({', '.join(RECORD_COLUMNS)}) FROM STDIN") as copy:
            for row in rows():  # type: ignore[attr-defined]
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(RECORD_COLUMNS))
        cursor.executemany(
            f"INSERT INTO eval_records ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})", rows()
        )
    dbapi.commit()
    raw.close()
    return time.perf_counter() - started


def run_worker(kind: str, url: str, path: Path) -> tuple[float, int]:
    """(seconds, peak RSS in MiB) of ``kind`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--url", url, "--file", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, rss_kib = done.stdout.split()
    return float(seconds), int(rss_kib) // 1024


def fresh_url(base: str | None, directory: Path, name: str) -> str:
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
    migrated(url)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure too (COPY baseline)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        work = worker_ours if args.worker == "ours" else worker_bare
        seconds = work(args.url, Path(args.file))
        print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        quarter, full = directory / "quarter.jsonl", directory / "full.jsonl"
        write_records(quarter, args.records // 4)
        write_records(full, args.records)
        size = os.path.getsize(full) / 2**20
        print(f"{args.records:,} canonical records, {size:.0f} MiB of JSONL")
        for label, base in (("SQLite", None), ("PostgreSQL", args.postgres)):
            if label == "PostgreSQL" and base is None:
                continue
            _t_q, rss_q = run_worker("ours", fresh_url(base, directory, "ours_q"), quarter)
            t_ours, rss_ours = run_worker("ours", fresh_url(base, directory, "ours"), full)
            t_bare, rss_bare = run_worker("bare", fresh_url(base, directory, "bare"), full)
            bare_name = "json + COPY" if base else "json + sqlite3.executemany"
            print(f"\n[{label}]")
            print(f"  ours : {args.records / t_ours:>10,.0f} records/s ({t_ours:.1f} s)")
            print(
                f"  bare : {args.records / t_bare:>10,.0f} records/s ({t_bare:.1f} s, {bare_name})"
            )
            print(f"  ratio ours/bare: {t_bare / t_ours:.2f} (target >= 0.50)")
            print(
                f"  peak RSS ours: {rss_q} MiB at {args.records // 4:,} records,"
                f" {rss_ours} MiB at {args.records:,} (bare: {rss_bare} MiB)"
            )


if __name__ == "__main__":
    main()
