"""`sessionizer status`: what a scheduler or an on-call person asks about the tables.

Reads the bookkeeping tables (the state row, through sessionizer/state.py; the work lists) and information_schema,
plus one MAX over the source for the lag; writes nothing, so it is safe beside a running job.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sessionizer import preflight, schema, sources
from sessionizer.compiler import Compiler
from sessionizer.engines import get_engine
from sessionizer.errors import SessionizerError
from sessionizer.job import Job
from sessionizer.plan import NEWEST_LOAD_KEY_TEMPLATE, STAGES
from sessionizer.state import State
from sessionizer.warehouse import Warehouse

# The tables status reports on, by key: the six, then the bookkeeping.
TABLE_KEYS = (*(s.name for s in STAGES), "rejected", "state", *schema.WORK_LISTS)


def collect(job: Job) -> dict[str, Any]:
    """The status as plain data; ``problems`` lists what makes it not ok (exit code 1)."""
    tables = job.tables
    status: dict[str, Any] = {
        "target": job.target.display,
        "schema": job.config.schema,
        "tables": [],
        "last_run": None,
        "built_at": None,
        "settings": None,
        "settings_match": None,
        "sources": [],
        "unfinished": None,
        "problems": [],
    }
    if get_engine(job.target.dialect).holds_nothing(job.target):
        status["tables"] = [{"name": tables[k].name, "rows": None} for k in TABLE_KEYS]
        status["problems"].append("no tables yet: run `sessionizer run` first")
        return _finish(status)
    with job.warehouse(read_only=True) as wh:
        missing = {t.name for t in wh.missing_tables([tables[k] for k in (*TABLE_KEYS, "refreshing")])}
        counts = {tables[k].name: None if tables[k].name in missing else (wh.count(tables[k]) or 0) for k in TABLE_KEYS}
        status["tables"] = [{"name": name, "rows": rows} for name, rows in counts.items()]
        older = tables["state"].name not in missing and job.state.older(wh)
        # Tables built from one source while the settings name a list keep a state row without an
        # entry: read it as it is (the settings then differ), rather than fail on the column.
        state_table = tables["state"]
        per_entry = job.config.listed and not wh.missing_tables([state_table], {state_table.name: ["entry"]})
        state = None if state_table.name in missing or older else job.state.read(wh, per_entry)
        status["sources"] = _sources(wh, job, state)
    status["problems"] += [f"source {s['source']}: {s['error']}" for s in status["sources"] if "error" in s]
    six = [tables[s.name].name for s in STAGES]
    if all(name in missing for name in six):
        status["problems"].append("no tables yet: run `sessionizer run` first")
        return _finish(status)
    if tables["refreshing"].name not in missing:
        status["problems"].append(
            "a full refresh stopped before it finished (the tables may be part old, part new); the next "
            "`sessionizer run` finishes it"
        )
    if older:
        status["problems"].append(
            "the bookkeeping tables come from an older sessionizer; the next `sessionizer run` rebuilds by a full refresh"
        )
    elif state is None:
        status["problems"].append(
            "the state table is missing: a full refresh did not finish; the next `sessionizer run` rebuilds"
        )
    else:
        status.update(last_run=state.last_run, built_at=state.built_at, settings=state.settings)
        status["settings_match"] = state.settings == job.config.settings_fingerprint()
    gone = [name for name in six if name in missing]
    if gone:
        status["problems"].append(f"missing table(s): {', '.join(gone)}; the next `sessionizer run` rebuilds")
    pending = {key: counts[tables[key].name] or 0 for key in schema.WORK_LISTS}
    half_done = state is not None and state.pending_watermark is not None
    status["unfinished"] = {**pending, "pending_watermark": state.pending_watermark if state else None}
    if any(pending.values()) or half_done:
        status["problems"].append(
            "an incremental run stopped before finishing (work lists left behind); the next `sessionizer run` "
            "finishes it"
        )
    return _finish(status)


def _finish(status: dict[str, Any]) -> dict[str, Any]:
    status["ok"] = not status["problems"]
    return status


def _sources(wh: Warehouse, job: Job, state: State | None) -> list[dict[str, Any]]:
    """Per source (each entry of a source list, which keeps its own watermark): the watermark,
    the newest load key and the lag between them."""
    watermarks = state.watermarks if state is not None else {}
    compiler = _reading(wh, job)
    if not job.config.listed:
        return [_source(wh, compiler, str(job.config.source), watermarks.get(None), None)]
    return [
        _source(wh, compiler, f"{e.name} ({e.kind.value}: {e.table})", watermarks.get(i), compiler.context.entries[i])
        for i, e in enumerate(job.config.entries or ())
    ]


def _reading(wh: Warehouse, job: Job) -> Compiler:
    """A compiler that reads the source as a run does (text times, raw messages flattened), when
    the source can be looked at; else the job's, whose query then names what is wrong."""
    try:
        return preflight.look(wh, job.config, job.dialect)
    except SessionizerError:
        return job.compiler


def _source(wh: Warehouse, compiler: Compiler, label: str, watermark: Any, entry: Any) -> dict[str, Any]:
    """One source's watermark, its newest load key and the lag between them (seconds)."""
    found: dict[str, Any] = {"source": label, "watermark": watermark}
    query = compiler.render(NEWEST_LOAD_KEY_TEMPLATE, entry=entry)
    try:
        row = wh.fetch_one(query)
    except Exception as err:
        config, dialect = compiler.config, compiler.dialect
        source = str(config.source)  # a table that is not there is named, not the engine's catalog error
        gone = entry is None and preflight.absent(wh, config, sources.relation(source, dialect, "source"))
        error = (
            f"there is no table {source!r} in {wh.target.display}"
            if gone
            else f"cannot read the source: {wh.scrub(err)}"
        )
        found.update(newest_load_key=None, lag_seconds=None, newest_load_key_age_seconds=None, error=error)
        return found
    newest = row[0] if row and row[1] else None  # no valid row: no newest key
    found.update(newest_load_key=newest, lag_seconds=None, newest_load_key_age_seconds=None)
    if isinstance(newest, datetime):
        if isinstance(watermark, datetime):
            found["lag_seconds"] = round((_utc(newest) - _utc(watermark)).total_seconds(), 3)
        # How long ago the newest row was loaded: a loader that stopped shows here, not in the lag.
        found["newest_load_key_age_seconds"] = round((datetime.now(UTC) - _utc(newest)).total_seconds(), 3)
    return found


def _utc(value: datetime) -> datetime:
    """A time as UTC with its zone: the warehouses hand naive UTC back (our timestamps are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def duration(seconds: float) -> str:
    """Seconds as a person reads them: 45 s, 12 min 5 s, 2 h 5 min, 3 d 4 h."""
    whole = round(abs(seconds))
    sign = "-" if seconds < 0 and whole else ""
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    first = next((i for i, (n, _) in enumerate(parts) if n), len(parts) - 1)
    shown = [f"{n} {unit}" for n, unit in parts[first : first + 2] if n or first == len(parts) - 1]
    return sign + " ".join(shown)


def render_text(status: dict[str, Any]) -> str:
    """The status as an on-call person reads it."""
    lines = [f"target     {status['target']}" + (f" (schema {status['schema']})" if status["schema"] else "")]
    for i, table in enumerate(status["tables"]):
        rows = "missing" if table["rows"] is None else f"{table['rows']:,} rows"
        lines.append(f"{'tables' if i == 0 else '':<10} {table['name']:<40} {rows:>16}")
    run = status["last_run"]
    if run:
        written = "?" if run["rows_written"] is None else f"{run['rows_written']:,}"
        lines.append(f"last run   {when(run['at'])}, {run['mode']}, {run['seconds']:.2f} s, {written} rows written")
    if status["built_at"] is not None:
        lines.append(f"built at   {when(status['built_at'])} (last full refresh)")
    for source in status["sources"]:
        if "error" in source:
            lines.append(f"source     {source['source']}: {source['error']}")
            continue
        lag = "?" if source["lag_seconds"] is None else duration(source["lag_seconds"])
        age = source["newest_load_key_age_seconds"]
        lines.append(
            f"source     {source['source']}: watermark {when(source['watermark'])}, "
            f"newest load key {when(source['newest_load_key'])}"
            + ("" if age is None else f" ({duration(age)} ago)")
            + f", lag {lag}"
        )
    if status["settings"] is not None:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(status["settings"].items()))
        same = "same as now" if status["settings_match"] else "DIFFERENT from now: the next run needs --full-refresh"
        lines.append(f"settings   {shown} ({same})")
    lines += [f"problem    {problem}" for problem in status["problems"]] or ["ok"]
    return "\n".join(lines)


def when(value: Any) -> str:
    """A time as status and check print it: UTC to the second, zone named."""
    return "never" if value is None else f"{value:%Y-%m-%d %H:%M:%S} UTC" if isinstance(value, datetime) else str(value)


def to_json(status: dict[str, Any]) -> str:
    """JSON with timestamps as ISO 8601 in UTC, zone included (+00:00)."""
    return json.dumps(status, indent=2, default=json_value)


def json_value(value: Any) -> str:
    """A value JSON has no type for: a time as ISO 8601 in UTC with its zone, else its text."""
    return _utc(value).isoformat() if isinstance(value, datetime) else str(value)
