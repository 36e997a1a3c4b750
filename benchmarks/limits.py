"""The cost of the bounded line reader against a bare one, side by side in one run.

    python benchmarks/limits.py [--lines 1000000]

Writes a gzip JSONL file of ``--lines`` record-sized lines (about 300 bytes each), then
reads it, best of 3, with:

- ``ours``: :func:`compliance.sources.files.open_lines` (``readline(limit + 1)`` per line,
  the decompressed bytes and compression ratio counted);
- ``bare``: ``for line in gzip.open(path)``, no limit at all.

Prints lines per second of each and the ratio ours/bare (target: at least 0.8; the
record validation that follows each line costs far more than either).
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from pathlib import Path

from compliance.sources.files import open_lines


def write(path: Path, count: int) -> None:
    with gzip.open(path, "wb", compresslevel=6) as out:
        for n in range(count):
            row = {
                "item_id": f"q{n // 10}",
                "persona_id": f"p{n % 10}",
                "persona_attributes": {"gender": "female", "age_band": "65+"},
                "expected_answer": "B",
                "parsed_answer": "B" if n % 3 else "C",
                "correct": bool(n % 3),
                "benchmark": "bench",
                "raw_response": f"The answer is option B, number {n}.",
            }
            out.write(json.dumps(row).encode() + b"\n")


def ours(path: Path) -> int:
    reader = open_lines(path)
    try:
        return sum(1 for _ in reader)
    finally:
        reader.close()


def bare(path: Path) -> int:
    with gzip.open(path, "rb") as stream:
        return sum(1 for _ in stream)


def best(read: object, path: Path) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        read(path)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.jsonl.gz"
        write(path, args.lines)
        assert ours(path) == bare(path) == args.lines
        t_ours, t_bare = best(ours, path), best(bare, path)
    print(f"lines: {args.lines}")
    print(f"ours (bounded): {args.lines / t_ours:,.0f} lines/s")
    print(f"bare (unbounded): {args.lines / t_bare:,.0f} lines/s")
    print(f"ratio ours/bare: {t_bare / t_ours:.2f} (target >= 0.8)")


if __name__ == "__main__":
    main()
