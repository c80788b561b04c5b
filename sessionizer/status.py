"""`sessionizer status`: what a scheduler or an on-call person asks about the tables.

Reads the bookkeeping the runner keeps (the state row, the work lists) and information_schema,
plus one MAX over the source for the lag; writes nothing, so it is safe beside a running job.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlglot import exp

from sessionizer import plan
from sessionizer.engines import get_engine
from sessionizer.runner import Runner
from sessionizer.warehouse import Warehouse

# The tables status reports on, by the compiler's keys: the six, then the bookkeeping.
TABLE_KEYS = (*(s.name for s in plan.STAGES), "rejected", "state", "pending_anonymous_ids", "pending_users")


def collect(runner: Runner) -> dict[str, Any]:
    """The status as plain data; ``problems`` lists what makes it not ok (exit code 1)."""
    compiler = runner.compiler
    status: dict[str, Any] = {
        "target": runner.target.display,
        "schema": compiler.schema,
        "tables": [],
        "last_run": None,
        "built_at": None,
        "settings": None,
        "settings_match": None,
        "sources": [],
        "unfinished": None,
        "problems": [],
    }
    if get_engine(runner.target.dialect).holds_nothing(runner.target):
        status["tables"] = [{"name": compiler.tables[k].name, "rows": None} for k in TABLE_KEYS]
        status["problems"].append("no tables yet: run `sessionizer run` first")
        return _finish(status)
    with runner.warehouse() as wh:
        tables = [compiler.tables[k] for k in TABLE_KEYS]
        missing = {t.name for t in wh.missing_tables(tables)}
        counts = {t.name: None if t.name in missing else _count(wh, t) for t in tables}
        status["tables"] = [{"name": name, "rows": rows} for name, rows in counts.items()]
        state_table = compiler.tables["state"]
        older = state_table.name not in missing and bool(
            wh.missing_tables([state_table], {state_table.name: plan.STATE_COLUMNS})
        )
        state = None if state_table.name in missing or older else _state(wh, runner)
        status["sources"] = _sources(wh, runner, state is not None)
    six = [compiler.tables[s.name].name for s in plan.STAGES]
    if all(name in missing for name in six):
        status["problems"].append("no tables yet: run `sessionizer run` first")
        return _finish(status)
    if older:
        status["problems"].append(
            "the bookkeeping tables come from an older sessionizer; the next `sessionizer run` rebuilds by a full refresh"
        )
    elif state is None:
        status["problems"].append(
            "the state table is missing: a full refresh did not finish; the next `sessionizer run` rebuilds"
        )
    else:
        status.update({key: state[key] for key in ("last_run", "built_at", "settings")})
        stored = status["settings"]
        status["settings_match"] = stored == runner.config.settings_fingerprint()
    gone = [name for name in six if name in missing]
    if gone:
        status["problems"].append(f"missing table(s): {', '.join(gone)}; the next `sessionizer run` rebuilds")
    pending = {key: counts[compiler.tables[key].name] or 0 for key in plan.WORK_LISTS}
    half_done = state is not None and state["pending_watermark"] is not None
    status["unfinished"] = {**pending, "pending_watermark": state["pending_watermark"] if state else None}
    if any(pending.values()) or half_done:
        status["problems"].append(
            "an incremental run stopped before finishing (work lists left behind); the next `sessionizer run` "
            "finishes it"
        )
    return _finish(status)


def _finish(status: dict[str, Any]) -> dict[str, Any]:
    status["ok"] = not status["problems"]
    return status


def _count(wh: Warehouse, table: exp.Table) -> int:
    row = wh.fetch_one(wh.dialect.render(exp.select(exp.func("COUNT", exp.Star())).from_(table.copy()), pretty=False))
    return int(row[0]) if row else 0


def _state(wh: Warehouse, runner: Runner) -> dict[str, Any] | None:
    """The state row, or None when it is empty."""
    table = runner.compiler.tables["state"]
    # "IS NULL" asked apart: fakesnow hands a NULL timestamp back as 1970-01-01.
    nulls = [exp.column(c).is_(exp.null()) for c in plan.STATE_COLUMNS]
    query = exp.select(*plan.STATE_COLUMNS, *nulls).from_(table.copy())
    row = wh.fetch_one(wh.dialect.render(query, pretty=False))
    if row is None:
        return None
    width = len(plan.STATE_COLUMNS)
    values = {c: None if row[width + i] else row[i] for i, c in enumerate(plan.STATE_COLUMNS)}
    last_run = None
    if values["last_run_at"] is not None:
        last_run = {
            "at": values["last_run_at"],
            "mode": values["last_run_mode"],
            "seconds": None if values["last_run_seconds"] is None else float(values["last_run_seconds"]),
            "rows_written": None if values["last_run_rows_written"] is None else int(values["last_run_rows_written"]),
        }
    return {
        "last_run": last_run,
        "built_at": values["built_at"],
        "settings": json.loads(str(values["settings"])),
        "watermark": values["watermark"],
        "pending_watermark": values["pending_watermark"],
    }


def _sources(wh: Warehouse, runner: Runner, stored: bool) -> list[dict[str, Any]]:
    """Per source (each entry of a source list, which keeps its own watermark): the watermark,
    the newest load key and the lag between them."""
    compiler = runner.compiler
    watermarks = runner.stored_watermarks(wh) if stored else {}
    if not compiler.listed:
        return [_source(wh, runner, str(runner.config.source), watermarks.get(None), None)]
    return [
        _source(wh, runner, f"{e.name} ({e.kind.value}: {e.table})", watermarks.get(i), compiler.context["entries"][i])
        for i, e in enumerate(runner.config.entries or ())
    ]


def _source(
    wh: Warehouse, runner: Runner, label: str, watermark: Any, context: dict[str, Any] | None
) -> dict[str, Any]:
    """One source's watermark, its newest load key and the lag between them (seconds)."""
    entry: dict[str, Any] = {"source": label, "watermark": watermark}
    tree = runner.compiler.statement(plan.NEWEST_LOAD_KEY_TEMPLATE, False, entry=context)
    query = runner.dialect.render(tree, pretty=False)
    try:
        row = wh.fetch_one(query)
    except Exception as err:
        entry.update(newest_load_key=None, lag_seconds=None, error=f"cannot read the source: {wh.scrub(err)}")
        return entry
    newest = row[0] if row and row[1] else None  # no valid row: no newest key
    entry["newest_load_key"] = newest
    watermark = entry["watermark"]
    both = isinstance(newest, datetime) and isinstance(watermark, datetime)
    entry["lag_seconds"] = round((newest - watermark).total_seconds(), 3) if both else None
    return entry


def render_text(status: dict[str, Any]) -> str:
    """The status as an on-call person reads it."""
    lines = [f"target     {status['target']}" + (f" (schema {status['schema']})" if status["schema"] else "")]
    for i, table in enumerate(status["tables"]):
        rows = "missing" if table["rows"] is None else f"{table['rows']:,} rows"
        lines.append(f"{'tables' if i == 0 else '':<10} {table['name']:<40} {rows:>16}")
    run = status["last_run"]
    if run:
        written = "?" if run["rows_written"] is None else f"{run['rows_written']:,}"
        lines.append(f"last run   {_when(run['at'])}, {run['mode']}, {run['seconds']:.2f} s, {written} rows written")
    if status["built_at"] is not None:
        lines.append(f"built at   {_when(status['built_at'])} (last full refresh)")
    for source in status["sources"]:
        if "error" in source:
            lines.append(f"source     {source['source']}: {source['error']}")
            continue
        lag = "?" if source["lag_seconds"] is None else f"{source['lag_seconds']:,.0f} s"
        lines.append(
            f"source     {source['source']}: watermark {_when(source['watermark'])}, "
            f"newest load key {_when(source['newest_load_key'])}, lag {lag}"
        )
    if status["settings"] is not None:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(status["settings"].items()))
        same = "same as now" if status["settings_match"] else "DIFFERENT from now: the next run needs --full-refresh"
        lines.append(f"settings   {shown} ({same})")
    lines += [f"problem    {problem}" for problem in status["problems"]] or ["ok"]
    return "\n".join(lines)


def _when(value: Any) -> str:
    return "never" if value is None else f"{value:%Y-%m-%d %H:%M:%S} UTC" if isinstance(value, datetime) else str(value)


def to_json(status: dict[str, Any]) -> str:
    """JSON with timestamps as ISO 8601 (UTC, no zone)."""
    return json.dumps(status, indent=2, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))
