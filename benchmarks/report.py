"""The benchmark's results: the JSON written to ``--out`` and the tables printed from it."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import duckdb

from benchmarks.data import LATE_SHARE, fixed_key, size_label
from benchmarks.measure import Measurement, StatementProfile
from benchmarks.options import Options
from benchmarks.targets import ratios
from sessionizer.plan import STAGES


def results_json(
    options: Options,
    measurements: dict[str, Measurement],
    batches: dict[str, dict[str, int]],
    verified: dict[str, dict[str, dict[str, int]]],
    compile_runs: tuple[list[float], list[float]],
    process_peak_rss_bytes: int,
) -> dict[str, Any]:
    """Every figure of a run, with the settings and versions it ran under, so a result file read
    months later still says what was measured; ratios are judged against their targets here."""
    figures = {name: measurement_json(m, options.top) for name, m in measurements.items()}
    results: dict[str, Any] = {
        "meta": {
            "rows": options.rows,
            "seed": options.seed,
            "repeat": options.repeat,
            "memory_limit": options.memory_limit,
            "threads": options.threads,
            "duckdb": duckdb.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "late_share_of_batch": LATE_SHARE,
            "fixed_batch_rows": options.fixed_batch_rows,
            "history_sizes": list(options.history_sizes),
        },
        "measurements": figures,
        "batches": batches,
        "compile": {
            "seconds": round(statistics.median(compile_runs[0]), 3),
            "runs": compile_runs[0],
            "cached_seconds": round(statistics.median(compile_runs[1]), 3),
            "cached_runs": compile_runs[1],
        },
        "completed_within_memory_limit": all(m.completed for m in measurements.values()),
        "process_peak_rss_bytes": process_peak_rss_bytes,
    }
    if options.verify:
        results["verified"] = verified
    results["ratios"] = ratios(results, options.rows)
    return results


def measurement_json(m: Measurement, top: int) -> dict[str, Any]:
    """One measurement's figures; the top statements by time are where a slow run's cost is."""
    by_time = sorted(m.statements, key=lambda s: s.seconds, reverse=True)[:top]
    return {
        "seconds": m.seconds,
        "runs": m.runs,
        "stages": {k: round(statistics.median(v), 3) for k, v in m.stages.items()},
        "rows_read": m.rows_read,
        "id_check_rows": m.id_check_rows,
        "rows_read_without_id_check": m.rows_read_without_id_check,
        "rows_written": m.rows_written,
        "peak_rss_bytes": m.peak_rss_bytes,
        "completed": m.completed,
        "error": m.error,
        "profiled_seconds_by_stage": _sum_by_stage(m.statements, "seconds"),
        "rows_read_by_stage": _sum_by_stage(m.statements, "rows_read"),
        "split": m.split,
        "top_statements": [_statement_json(s) for s in by_time],
        "statements": [_statement_json(s) for s in m.statements],
    }


def _statement_json(s: StatementProfile) -> dict[str, Any]:
    return {**asdict(s), "sql": _one_line(s.sql, 160)}


def _sum_by_stage(statements: list[StatementProfile], figure: str) -> dict[str, Any]:
    """One figure of the profiled statements summed per stage, in the order the stages ran."""
    out: dict[str, Any] = {}
    for s in statements:
        out[s.stage] = round(out.get(s.stage, 0) + (getattr(s, figure) or 0), 3)
    return out


def _one_line(sql: str, width: int) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell: the first left-aligned (names), the rest right (numbers)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    head = line(header)
    return [head, "-" * len(head), *(line(r) for r in rows)]


def _rows_read_by_stage(m: dict[str, Any]) -> list[str]:
    """Every measurement's profiled rows read split by the stage of the statements that read them
    (``sql`` for a baseline's file): where an incremental run's reads go."""
    stages = list(dict.fromkeys(stage for fig in m.values() for stage in fig["rows_read_by_stage"]))
    if not stages:
        return []
    rows = [[n, *(_fmt(f["rows_read_by_stage"].get(s)) for s in stages), _fmt(f["rows_read"])] for n, f in m.items()]
    return ["", "rows read by stage (profiled run)", *_table(["run", *stages, "sum"], rows)]


def _processes(m: dict[str, Any]) -> list[str]:
    """Whole `sessionizer run` processes: the median wall seconds, and one run's seconds by part;
    the statements of each by stage (count and seconds)."""
    runs = [(n, f) for n, f in m.items() if f.get("split")]
    if not runs:
        return []
    parts = list(dict.fromkeys(["start", *(p for _, f in runs for p in f["split"]["parts"])]))
    rows = [[n, _fmt(f["seconds"]), _fmt(f["split"]["wall"]), _fmt(f["split"]["start"]),
             *(_fmt(f["split"]["parts"].get(p)) for p in parts[1:])] for n, f in runs]  # fmt: skip
    lines = ["", "whole `sessionizer run` processes: median wall s, and one run's split (s)",
             *_table(["process", "median s", "split run s", *parts], rows)]  # fmt: skip
    for name, fig in runs:
        by_stage: dict[str, list[float]] = {}
        for s in fig["split"]["statements"]:
            by_stage.setdefault(s["stage"], []).append(s["seconds"])
        shown = ", ".join(f"{k} {len(v)}: {sum(v):.3f}s" for k, v in by_stage.items())
        lines.append(f"{name}: {len(fig['split']['statements'])} statements by stage: {shown}")
    return lines


def _fixed_batch(results: dict[str, Any]) -> list[str]:
    """The fixed batch over each history size side by side, each against the smallest history."""
    meta, m = results["meta"], results["measurements"]
    keys = [fixed_key(size) for size in meta["history_sizes"]]
    runs = [(k, results["batches"][k], m[f"incremental_{k}"]) for k in keys if f"incremental_{k}" in m]
    if not runs:
        return []
    first = runs[0][2]

    def times(fig: dict[str, Any], figure: str) -> str:
        top, bottom = fig[figure], first[figure]
        return _fmt(round(top / bottom, 3)) if top is not None and bottom else "—"

    smallest = size_label(meta["history_sizes"][0])
    rows = [[k, _fmt(b["history_rows"]), _fmt(b["history_rows_of_batch_visitors"]), _fmt(f["seconds"]),
             _fmt(f["rows_read"]), _fmt(f["rows_read_without_id_check"]), _fmt(f["rows_written"]), times(f, "seconds"),
             times(f, "rows_read"), times(f, "rows_read_without_id_check")] for k, b, f in runs]  # fmt: skip
    head = ["batch", "history rows", "batch visitors' history rows", "median s", "rows read", "w/o id check",
            "rows written", f"s / {smallest}", f"rows read / {smallest}", f"w/o id check / {smallest}"]  # fmt: skip
    title = f"fixed batch: {meta['fixed_batch_rows']:,} rows ({meta['late_share_of_batch']:.0%} late) over each history"
    return ["", title, *_table(head, rows)]


def render(results: dict[str, Any]) -> str:
    """The printed report: measurements, sessionizer stages, ratios with targets, top statements.

    It reads only the JSON, so a result file can be printed again the same way.
    """
    meta, m = results["meta"], results["measurements"]
    lines = [
        f"sessionizer benchmark: {meta['rows']:,} rows, seed {meta['seed']}, DuckDB {meta['duckdb']}, "
        f"memory_limit {meta['memory_limit']}, threads {meta['threads']}, median of {meta['repeat']} "
        f"(total {meta['total_seconds']}s)",
        "",
    ]
    rows = []
    for name, fig in m.items():
        runs = fig["runs"]
        rows.append([name, _fmt(fig["seconds"]), _fmt(min(runs)) if runs else "—", _fmt(max(runs)) if runs else "—",
                     _fmt(fig["rows_read"]), _fmt(fig["id_check_rows"]), _fmt(fig["rows_read_without_id_check"]),
                     _fmt(fig["rows_written"]), _fmt(round(fig["peak_rss_bytes"] / 2**20)) if fig["peak_rss_bytes"] else "—",
                     "yes" if fig["completed"] else "NO"])  # fmt: skip
    lines += _table(["measurement", "median s", "min s", "max s", "rows read", "of it id check", "read w/o id check",
                     "rows written", "peak RSS MiB", "completed"], rows)  # fmt: skip
    stage_names = [s.name for s in STAGES]
    runs_with_stages = [n for n, f in m.items() if f["stages"]]
    if runs_with_stages:
        lines += ["", "sessionizer stages (median wall s, from RunSummary)"]
        rows = [[n, *(_fmt(m[n]["stages"].get(s)) for s in stage_names),
                 _fmt(round(sum(m[n]["stages"].values()), 3))] for n in runs_with_stages]  # fmt: skip
        lines += _table(["run", *stage_names, "sum"], rows)
    lines += _rows_read_by_stage(m)
    lines += _processes(m)
    lines += _fixed_batch(results)
    if results["batches"]:
        lines += ["", "batches"]
        keys = list(next(iter(results["batches"].values())).keys())
        lines += _table(["batch", *keys], [[p, *(_fmt(b.get(k)) for k in keys)] for p, b in results["batches"].items()])
    lines += ["", "ratios and targets"]
    rows = [[r["name"], _fmt(r["value"]), r["target"], r["status"]] for r in results["ratios"]]
    lines += _table(["ratio", "value", "target", ""], rows)
    lines.append(
        f"compile CLI runs: {results['compile']['runs']} (cache off); "
        f"{results['compile'].get('cached_runs')} (from the compiled-SQL cache)"
    )
    lines.append(
        f"completed with memory_limit {meta['memory_limit']}: {'yes' if results['completed_within_memory_limit'] else 'NO'}"
        f"; process peak RSS {results['process_peak_rss_bytes'] / 2**20:,.0f} MiB"
    )
    if "verified" in results:
        for pct, check in results["verified"].items():
            same = not any(check["differing_rows"].values())
            lines.append(f"incremental {pct} == full refresh over the same rows: {'yes' if same else 'NO'} {check}")
    for name in ("full_refresh", "incremental_1pct", "incremental_hourly"):
        fig = m.get(name)
        if not fig or not fig["top_statements"]:
            continue
        lines += ["", f"{name}: profiled run, seconds by stage {fig['profiled_seconds_by_stage']}",
                  f"{name}: top statements by time"]  # fmt: skip
        rows = [[s["stage"], _fmt(s["seconds"]), _fmt(s["rows_read"]), _fmt(s["rows_written"]), _one_line(s["sql"], 90)]
                for s in fig["top_statements"]]  # fmt: skip
        lines += _table(["stage", "s", "rows read", "rows written", "sql"], rows)
    return "\n".join(lines)
