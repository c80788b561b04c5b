"""``python -m benchmarks [--rows N] [--history 1M,10M] [--repeat N] [--memory-limit 4GB] [--threads 2] [--out FILE]``."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from benchmarks.options import Options
from benchmarks.orchestrate import run
from benchmarks.report import render

RESULTS_DIR = Path(__file__).resolve().parent / "results"
UNITS = {"k": 1_000, "m": 1_000_000}


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the benchmark, print the table and write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated page views [1000000]")
    parser.add_argument(
        "--history",
        type=parse_sizes,
        default=(),
        help="sizes the fixed 10,000-row batch runs over, e.g. 1M,10M [--rows]",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions per measurement; median shown [3]")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit [4GB]")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads [2]")
    parser.add_argument("--seed", type=int, default=42, help="generator seed [42]")
    parser.add_argument("--out", type=Path, help="JSON results [benchmarks/results/<rows>-<time>.json]")
    parser.add_argument("--workdir", type=Path, help="scratch directory for DuckDB files [a temp dir, removed]")
    parser.add_argument("--verify", action="store_true", help="also check incremental tables equal a full refresh")
    args = parser.parse_args(argv)
    out = args.out or RESULTS_DIR / f"{args.rows}-{datetime.now():%Y%m%d-%H%M%S}.json"
    try:
        options = Options(rows=args.rows, history=args.history, repeat=args.repeat, memory_limit=args.memory_limit,
                          threads=args.threads, seed=args.seed, out=out, workdir=args.workdir, verify=args.verify)  # fmt: skip
    except ValueError as err:
        parser.error(str(err))
    results = run(options)
    print(render(results))
    print(f"\nwritten: {out}")
    failed = [r["name"] for r in results["ratios"] if r["pass"] is False]
    return 1 if failed or not results["completed_within_memory_limit"] else 0


def parse_sizes(text: str) -> tuple[int, ...]:
    """``1M,10M`` or ``300k`` or ``1000000``: page view counts, comma-separated."""
    sizes = []
    for part in (p.strip() for p in text.lower().replace("_", "").split(",")):
        unit = UNITS.get(part[-1:], 1)
        try:
            sizes.append(round(float(part[:-1] if unit > 1 else part) * unit))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {part!r} (e.g. 1M, 300k, 1000000)") from None
    return tuple(sizes)


if __name__ == "__main__":
    raise SystemExit(main())
