"""The ratios the benchmark is judged by, each with the issue's target (None where it sets none)."""

from __future__ import annotations

from typing import Any

COMPILE = "compile CLI seconds"  # the one target that is strict: under 0.5 s, not at most


def ratios(results: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    """``name``, ``value``, ``max`` (the target) and ``pass`` (None without a target or a value).

    The 1% incremental run's target against the full refresh tightens at 10M rows: the larger the
    history, the smaller the share of it a 1% batch should cost.
    """
    seconds = {name: fig.get("seconds") for name, fig in results["measurements"].items()}
    big = rows >= 10_000_000
    checks: list[tuple[str, float | None, float | None]] = [
        ("full / lower bound", _ratio(seconds, "full_refresh", "lower_bound"), 1.5),
        ("write floor / lower bound", _ratio(seconds, "write_floor", "lower_bound"), None),
        ("incremental 1pct / full", _ratio(seconds, "incremental_1pct", "full_refresh"), 0.05 if big else 0.2),
        ("incremental 1pct / naive 1pct", _ratio(seconds, "incremental_1pct", "naive_incremental_1pct"), 0.25),
        ("incremental 5pct / full", _ratio(seconds, "incremental_5pct", "full_refresh"), None),
        ("incremental 5pct / naive 5pct", _ratio(seconds, "incremental_5pct", "naive_incremental_5pct"), None),
        (COMPILE, results["compile"]["seconds"], 0.5),
    ]
    return [
        {"name": name, "value": value, "max": target, "pass": _passes(name, value, target)}
        for name, value, target in checks
    ]


def target_text(ratio: dict[str, Any]) -> str:
    """How the report prints a ratio's target."""
    if ratio["max"] is None:
        return "—"
    return ("< " if ratio["name"] == COMPILE else "≤ ") + str(ratio["max"])


def _ratio(seconds: dict[str, float | None], a: str, b: str) -> float | None:
    top, bottom = seconds.get(a), seconds.get(b)
    return round(top / bottom, 4) if top is not None and bottom else None


def _passes(name: str, value: float | None, target: float | None) -> bool | None:
    if target is None or value is None:
        return None
    return value < target if name == COMPILE else value <= target
