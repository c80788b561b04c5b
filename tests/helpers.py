"""Run the real compiled SQL on an in-memory DuckDB, for tests that assert on table values.

    rows = [page(id="pv1", timestamp=T0), page(id="pv2", timestamp=T0 + timedelta(minutes=5))]
    tables = build_tables(rows, inactivity_cutoff=600)    # full refresh → {table: [row dict]}
    con = refreshed(rows)                                  # the connection, to go on with
    tables = run_incremental(con, [page(id="pv3")])        # insert, run incrementally, read

For runs through the Runner on a DuckDB file: ``load_pages(path, history())``, then
``tables_of(path) == reference_tables(history())``; ``later_batch()`` is what an incremental run
gets next.

Settings are the keys of sessionizer.yml, validated by ``Config.from_mapping``. Table rows are
dicts whose keys are in the table's column order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from sessionizer import Config, Statement, compile
from sessionizer.plan import REJECTED_TABLE, SOURCE_COLUMNS, STAGES
from tests import reference

Row = dict[str, Any]
Tables = dict[str, list[Row]]

T0 = datetime(2024, 1, 1, 10, 0, 0)
TIMESTAMP_COLUMNS = ("received_at", "sent_at", "timestamp")
# The six tables in plan order, then the rejected rows.
TABLES: tuple[str, ...] = (*(stage.table for stage in STAGES), REJECTED_TABLE)


@lru_cache(maxsize=1)
def package_mapping() -> dict[str, tuple[str, str]]:
    """The package's referrer mapping as the reference takes it: host -> (medium, source)."""
    from sessionizer.config import load_referrer_mapping

    return {host: (medium, source) for medium, source, host in load_referrer_mapping(None).rows}


def reference_tables(rows: Iterable[Row]) -> dict[str, list[tuple[Any, ...]]]:
    """What a full refresh must leave for ``rows`` under default settings, per SPEC's reference:
    each table's rows in canonical order."""
    built = reference.build(rows, referrer_mapping=package_mapping())
    return {t: reference.canonical(built[t]) for t in TABLES}


def page(**values: Any) -> Row:
    """A Segment pages row: id pv1 of visitor a1 at T0, loaded at its timestamp; ``values`` win.

    received_at and sent_at default to the row's timestamp, so ``page(timestamp=t)`` is enough.
    """
    row: Row = dict.fromkeys(SOURCE_COLUMNS)
    row.update(
        id="pv1",
        anonymous_id="a1",
        timestamp=T0,
        url="https://www.example.com/home?ref=1",
        path="/home",
        title="Home",
        search="?ref=1",
        context_user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
    )
    row.update(values)
    for column in ("received_at", "sent_at"):
        if column not in values:
            row[column] = row["timestamp"]
    return row


def settings(**values: Any) -> Config:
    """A validated Config from sessionizer.yml-style settings (e.g. inactivity_cutoff='10 * 60')."""
    return Config.from_mapping(values)


@lru_cache(maxsize=32)
def _statements(config: Config, mode: str) -> tuple[Statement, ...]:
    return tuple(compile(config, "duckdb", mode))


def extra_columns(config: Config) -> list[tuple[str, str]]:
    """Source columns beyond SPEC's: a non-standard incremental key, then pass-through ones."""
    extra = [] if config.incremental_key in SOURCE_COLUMNS else [(config.incremental_key, "TIMESTAMP")]
    return extra + [(c, "VARCHAR") for c in config.pass_through_columns]


def create_pages(con: duckdb.DuckDBPyConnection, config: Config | None = None, exists_ok: bool = False) -> None:
    """A ``pages`` table typed like Segment's, with the columns ``config`` reads (default settings: SPEC's)."""
    typed = [(c, "TIMESTAMP" if c in TIMESTAMP_COLUMNS else "VARCHAR") for c in SOURCE_COLUMNS]
    typed += extra_columns(config or Config())
    exists = " IF NOT EXISTS" if exists_ok else ""
    con.execute(f"CREATE TABLE{exists} pages ({', '.join(f'{c} {t}' for c, t in typed)})")


def connect(config: Config, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB (UTC, in memory by default) with an empty ``pages`` table of the columns ``config`` reads."""
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    create_pages(con, config)
    return con


def insert(con: duckdb.DuckDBPyConnection, rows: Iterable[Row]) -> None:
    """Append rows to ``pages``; columns a row lacks are NULL."""
    names = table_columns(con, "pages")
    values = [[row.get(c) for c in names] for row in rows]
    placeholder = f"({', '.join('?' * len(names))})"
    for start in range(0, len(values), 100):  # multi-row VALUES: executemany is slow in DuckDB
        chunk = values[start : start + 100]
        flat = [value for row in chunk for value in row]
        con.execute(f"INSERT INTO pages VALUES {', '.join([placeholder] * len(chunk))}", flat)


def execute(con: duckdb.DuckDBPyConnection, config: Config, mode: str) -> None:
    """Every statement of the compiled plan, in order."""
    for statement in _statements(config, mode):
        con.execute(statement.sql)


def fetch_row(con: Any, sql: str) -> tuple[Any, ...]:
    """The one row ``sql`` returns; fails the test when there is none."""
    row = con.execute(sql).fetchone()
    assert row is not None, f"no row from {sql}"
    return tuple(row)


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]


def read_tables(con: duckdb.DuckDBPyConnection, names: Sequence[str] = TABLES) -> Tables:
    """Each table as a list of dicts (column order kept), in no particular row order."""
    out: Tables = {}
    for name in names:
        cursor = con.execute(f"SELECT * FROM {name}")
        columns = [d[0] for d in cursor.description]
        out[name] = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    return out


def refreshed(rows: Iterable[Row], **config: Any) -> duckdb.DuckDBPyConnection:
    """A connection whose ``pages`` hold ``rows``, after a full refresh."""
    cfg = settings(**config)
    con = connect(cfg)
    insert(con, rows)
    execute(con, cfg, "full-refresh")
    return con


def build_tables(rows: Iterable[Row], **config: Any) -> Tables:
    """Full refresh of ``rows`` with the given settings: the six tables and the rejected rows."""
    con = refreshed(rows, **config)
    try:
        return read_tables(con)
    finally:
        con.close()


def run_incremental(con: duckdb.DuckDBPyConnection, rows: Iterable[Row], **config: Any) -> Tables:
    """Append ``rows`` to ``pages``, run incrementally with the same settings, read every table."""
    cfg = settings(**config)
    insert(con, rows)
    execute(con, cfg, "incremental")
    return read_tables(con)


def history() -> list[Row]:
    """Three visitors, one identified part-way, sessions split by gaps; one row to reject."""
    rows = []
    for n in range(30):
        visitor = f"a{n % 3}"
        ts = T0 + timedelta(minutes=7 * n + (45 if n > 15 else 0))
        rows.append(
            page(
                id=f"p{n:03d}", anonymous_id=visitor, timestamp=ts, user_id="u1" if visitor == "a0" and n > 10 else None
            )
        )
    rows.append(page(id="bad", anonymous_id=None))
    return rows


def later_batch() -> list[Row]:
    """New page views, a late one that bridges a gap, a duplicate re-sent later, an identify."""
    load = T0 + timedelta(days=1)
    return [
        page(id="p100", anonymous_id="a1", timestamp=T0 + timedelta(hours=5), received_at=load),
        page(id="p101", anonymous_id="a2", timestamp=T0 + timedelta(minutes=120), received_at=load),
        page(id="p005", anonymous_id="a2", timestamp=T0 + timedelta(minutes=35), received_at=load),
        page(id="p102", anonymous_id="a1", user_id="u2", timestamp=T0 + timedelta(hours=6), received_at=load),
    ]


def load_pages(path: Path, rows: list[Row]) -> None:
    """Append rows to the ``pages`` table of a DuckDB file, creating it typed like Segment's."""
    con = duckdb.connect(str(path))
    try:
        create_pages(con, exists_ok=True)
        insert(con, rows)
    finally:
        con.close()


def tables_of(path: Path, schema: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of a DuckDB file (in ``schema`` when given) in canonical order, as
    :func:`reference_tables` gives them."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        prefix = f'"{schema}".' if schema else ""
        read = read_tables(con, [prefix + t for t in TABLES])
        return {t: reference.canonical(read[prefix + t]) for t in TABLES}
    finally:
        con.close()


class Stop(Exception):
    """Raised right after the n-th statement of a run, as if the process had died there."""


def interrupted(monkeypatch: Any, after: int) -> None:
    """Make the runner raise Stop right after the ``after``-th statement of its plan (the
    statements its stages send, not its own lookups) it executes."""
    from sessionizer.runner import Runner, Warehouse

    real_execute, real_stage = Warehouse.execute, Runner.run_stage
    plan: set[str] = set()
    seen = [0]

    def run_stage(self: Runner, wh: Warehouse, stage: str, statements: list[Any], mode: Any) -> Any:
        plan.update(s.sql for s in statements)
        return real_stage(self, wh, stage, statements, mode)

    def execute(self: Warehouse, sql: str) -> Any:
        result = real_execute(self, sql)
        if sql in plan:
            seen[0] += 1
            if seen[0] == after:
                raise Stop(f"stopped after statement {after}")
        return result

    monkeypatch.setattr(Runner, "run_stage", run_stage)
    monkeypatch.setattr(Warehouse, "execute", execute)
