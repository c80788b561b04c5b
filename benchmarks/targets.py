"""The ratios the benchmark reports, and the targets of issues #12 and #26 it is judged by.

The ratios against the lower bound and the naive baseline stay in the report but are no longer
targets. A target holds at one size (the run's ``--rows``, or a fixed batch's history size); a run
that did not measure that size reports it as "not measured", never as passed or failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.data import fixed_key, size_label

SMALL, LARGE = 1_000_000, 10_000_000  # the sizes the targets are set at
MEMORY_LIMIT = "4GB"  # the large run must complete under it

PASS, FAIL, NOT_MEASURED = "PASS", "FAIL", "not measured"


@dataclass(frozen=True)
class Target:
    """The value must be at most ``limit`` (under it, when ``strict``) in a run of ``at`` rows
    (any run when None)."""

    limit: float
    at: int | None = None
    strict: bool = False

    def text(self) -> str:
        where = f" at {size_label(self.at)}" if self.at else ""
        return f"{'<' if self.strict else '≤'} {self.limit}{where}"

    def holds(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit


def ratios(results: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    """Each ratio as ``name``, ``value``, ``target`` (text), ``pass`` (None when there is no target
    or it was not measured) and ``status`` (PASS, FAIL, "not measured", or empty without a target).

    ``rows`` is the run's size: it picks which sized targets apply.
    """
    seconds = {name: fig.get("seconds") for name, fig in results["measurements"].items()}
    read = {name: fig.get("rows_read") for name, fig in results["measurements"].items()}
    # The targets on reads count them without the exact dedupe's read of every stored id (issue #26).
    own = {name: fig.get("rows_read_without_id_check") for name, fig in results["measurements"].items()}
    fixed_large, fixed_small = (f"incremental_{fixed_key(size)}" for size in (LARGE, SMALL))
    fixed = f"fixed batch {size_label(LARGE)} / {size_label(SMALL)}"
    checks: list[tuple[str, float | None, tuple[Target, ...]]] = [
        ("full / lower bound", _ratio(seconds, "full_refresh", "lower_bound"), ()),
        ("write floor / lower bound", _ratio(seconds, "write_floor", "lower_bound"), ()),
        ("full / write floor", _ratio(seconds, "full_refresh", "write_floor"),
         (Target(1.35, SMALL), Target(1.55, LARGE))),
        ("incremental 1pct / full", _ratio(seconds, "incremental_1pct", "full_refresh"), ()),
        ("incremental 1pct / full, rows read", _ratio(read, "incremental_1pct", "full_refresh"), ()),
        ("incremental 1pct / full, rows read w/o id check", _ratio(own, "incremental_1pct", "full_refresh"),
         (Target(0.1, LARGE),)),
        ("incremental 1pct / naive 1pct", _ratio(seconds, "incremental_1pct", "naive_incremental_1pct"),
         (Target(1.2, LARGE),)),
        ("incremental 5pct / full", _ratio(seconds, "incremental_5pct", "full_refresh"), (Target(0.25, SMALL),)),
        ("incremental 5pct / full, rows read", _ratio(read, "incremental_5pct", "full_refresh"), ()),
        ("incremental 5pct / naive 5pct", _ratio(seconds, "incremental_5pct", "naive_incremental_5pct"), ()),
        ("hourly process / full refresh process", _ratio(seconds, "process_hourly", "process_full_refresh"),
         (Target(0.1, SMALL),)),
        ("incremental hourly / full", _ratio(seconds, "incremental_hourly", "full_refresh"), ()),
        (f"{fixed}, rows read", _ratio(read, fixed_large, fixed_small), ()),
        (f"{fixed}, rows read w/o id check", _ratio(own, fixed_large, fixed_small), (Target(1.5),)),
        (f"{fixed}, seconds", _ratio(seconds, fixed_large, fixed_small), (Target(1.25),)),
        ("full, every Beyond setting on / full", _ratio(seconds, "full_refresh_beyond", "full_refresh"), ()),
        ("fixed batch, every Beyond setting on / defaults",
         _ratio(seconds, f"incremental_{fixed_key(rows)}_beyond", f"incremental_{fixed_key(rows)}"), ()),
        ("compile CLI seconds", results["compile"]["seconds"], (Target(0.5, strict=True),)),
        ("compile CLI seconds, cached", results["compile"].get("cached_seconds"), ()),
    ]  # fmt: skip
    judged = [_judge(name, value, targets, rows) for name, value, targets in checks]
    return [*judged, _completes(results, rows)]


def _judge(name: str, value: float | None, targets: tuple[Target, ...], rows: int) -> dict[str, Any]:
    applying = [t for t in targets if t.at in (None, rows)]
    passed = all(t.holds(value) for t in applying) if applying and value is not None else None
    status = "" if not targets else NOT_MEASURED if passed is None else PASS if passed else FAIL
    text = "; ".join(t.text() for t in (applying or targets)) or "—"
    return {"name": name, "value": value, "target": text, "pass": passed, "status": status}


def _completes(results: dict[str, Any], rows: int) -> dict[str, Any]:
    """The large run completes under the memory limit: measured only by a run of that size and limit."""
    done = bool(results["completed_within_memory_limit"])
    measured = rows == LARGE and results["meta"]["memory_limit"] == MEMORY_LIMIT
    return {
        "name": f"completed under memory_limit {results['meta']['memory_limit']}",
        "value": done,
        "target": f"yes at {size_label(LARGE)} with {MEMORY_LIMIT}",
        "pass": done if measured else None,
        "status": (PASS if done else FAIL) if measured else NOT_MEASURED,
    }


def _ratio(figures: dict[str, float | int | None], a: str, b: str) -> float | None:
    top, bottom = figures.get(a), figures.get(b)
    return round(top / bottom, 4) if top is not None and bottom else None
