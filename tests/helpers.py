"""Run the real compiled SQL on an in-memory DuckDB (or, inside ``using(engine)``, on a fresh
schema of a PostgreSQL server, or BigQuery's SQL translated back to DuckDB), for tests that
assert on table values.

    rows = [page(id="pv1", timestamp=T0), page(id="pv2", timestamp=T0 + timedelta(minutes=5))]
    tables = build_tables(rows, inactivity_cutoff=600)    # full refresh → {table: [row dict]}
    con = refreshed(rows)                                  # the connection, to go on with
    tables = run_incremental(con, [page(id="pv3")])        # insert, run incrementally, read

For runs through a Job on a DuckDB file: ``load_pages(path, history())``, then
``tables_of(path) == reference_tables(history())``; ``later_batch()`` is what an incremental run
gets next.

Settings are the keys of sessionizer.yml, validated by ``Config.from_mapping``. Table rows are
dicts whose keys are in the table's column order.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from sessionizer import Config, compile
from sessionizer.dialects import WriteStrategy
from sessionizer.dialects.duckdb import DuckDB
from sessionizer.plan import STAGES
from sessionizer.schema import REJECTED_TABLE, SOURCE_COLUMNS, USERS_TABLE
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
    """What a full refresh must leave for ``rows`` under default settings, per the reference
    (tests/reference.py):
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


@dataclass(frozen=True)
class Engine:
    """Where the compiled SQL runs: a dialect, a new connection whose default schema is empty,
    and how the dialect's SQL becomes SQL that connection runs."""

    dialect: str
    open: Callable[[], Any]
    translate: Callable[[str], str] = str


def _open_duckdb() -> Any:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    return con


def bigquery_on_duckdb(sql: str) -> str:
    """BigQuery SQL as DuckDB runs it, for lack of a BigQuery emulator: parsed as BigQuery (so
    it must be BigQuery), then written by sqlglot for DuckDB. Only what DuckDB lacks is
    changed: table layout (partitioning, clustering) is dropped, and CURRENT_DATETIME('UTC')
    becomes DuckDB's UTC now. What the rules compute (text, time, ids, deletes, merges) is run
    as BigQuery wrote it."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="bigquery")
    for layout in list(tree.find_all(exp.PartitionedByProperty, exp.ClusterProperty)):
        layout.pop()
    for now in list(tree.find_all(exp.CurrentDatetime)):
        now.replace(sqlglot.parse_one("CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP)", read="duckdb"))
    return tree.sql("duckdb")


DUCKDB = Engine("duckdb", _open_duckdb)
BIGQUERY_ON_DUCKDB = Engine("bigquery", _open_duckdb, bigquery_on_duckdb)
_engine = [DUCKDB]
_schemas = itertools.count(1)


def postgres_engine(connect_server: Callable[[], Any]) -> Engine:
    """PostgreSQL, each connection (from ``connect_server``) on a schema of its own, so tests never
    see each other's tables."""

    def open_schema() -> Any:
        con = connect_server()
        schema = f"rules_{os.getpid()}_{next(_schemas)}"
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"SET search_path TO {schema}")
        con.execute("SET TIME ZONE 'UTC'")
        return con

    return Engine("postgres", open_schema)


@contextmanager
def using(engine: Engine) -> Iterator[Engine]:
    """Run the helpers' SQL on ``engine`` inside the block."""
    _engine.append(engine)
    try:
        yield engine
    finally:
        _engine.pop()


@lru_cache(maxsize=64)
def _statements(config: Config, mode: str, engine: Engine) -> tuple[str, ...]:
    return tuple(engine.translate(s.sql) for s in compile(config, engine.dialect, mode))


def extra_columns(config: Config) -> list[tuple[str, str]]:
    """Source columns beyond Segment's (docs/reference.md "Input"): a non-standard incremental key, then pass-through ones."""
    extra = [] if config.incremental_key in SOURCE_COLUMNS else [(config.incremental_key, "TIMESTAMP")]
    return extra + [(c, "VARCHAR") for c in config.pass_through_columns]


def create_pages(con: Any, config: Config | None = None, exists_ok: bool = False) -> None:
    """A ``pages`` table typed like Segment's, with the columns ``config`` reads (default settings: Segment's)."""
    typed = [(c, "TIMESTAMP" if c in TIMESTAMP_COLUMNS else "VARCHAR") for c in SOURCE_COLUMNS]
    typed += extra_columns(config or Config())
    exists = " IF NOT EXISTS" if exists_ok else ""
    con.execute(f"CREATE TABLE{exists} pages ({', '.join(f'{c} {t}' for c, t in typed)})")


def connect(config: Config, database: str | None = None) -> Any:
    """A connection of the current engine (a DuckDB file when ``database`` names one), UTC, with
    an empty ``pages`` table of the columns ``config`` reads."""
    if database is None:
        con = _engine[-1].open()
    else:
        con = duckdb.connect(database)
        con.execute("SET TimeZone = 'UTC'")
    create_pages(con, config)
    return con


def insert(con: Any, rows: Iterable[Row]) -> None:
    """Append rows to ``pages``; columns a row lacks are NULL."""
    names = table_columns(con, "pages")
    values = [[row.get(c) for c in names] for row in rows]
    mark = "?" if isinstance(con, duckdb.DuckDBPyConnection) else "%s"
    placeholder = f"({', '.join([mark] * len(names))})"
    for start in range(0, len(values), 100):  # multi-row VALUES: executemany is slow in DuckDB
        chunk = values[start : start + 100]
        flat = [value for row in chunk for value in row]
        con.execute(f"INSERT INTO pages VALUES {', '.join([placeholder] * len(chunk))}", flat)


def execute(con: Any, config: Config, mode: str) -> None:
    """Every statement of the compiled plan for the current engine, in order."""
    for sql in _statements(config, mode, _engine[-1]):
        con.execute(sql)


def fetch_row(con: Any, sql: str) -> tuple[Any, ...]:
    """The one row ``sql`` returns; fails the test when there is none."""
    row = con.execute(sql).fetchone()
    assert row is not None, f"no row from {sql}"
    return tuple(row)


def table_columns(con: Any, table: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]


def read_tables(con: Any, names: Sequence[str] = TABLES) -> Tables:
    """Each table as a list of dicts (column order kept), in no particular row order."""
    out: Tables = {}
    for name in names:
        cursor = con.execute(f"SELECT * FROM {name}")
        columns = [d[0] for d in cursor.description]
        out[name] = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    return out


def refreshed(rows: Iterable[Row], **config: Any) -> Any:
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


def run_incremental(con: Any, rows: Iterable[Row], **config: Any) -> Tables:
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


def users_counts(con: Any, schema: str | None = None) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The users' counts of sessions as stored (sessionizer_users) and as the sessions table has
    them: equal after every finished run, incremental or not."""
    prefix = f'"{schema}".' if schema else ""
    stored = con.execute(f"SELECT blended_user_id, sessions FROM {prefix}{USERS_TABLE} ORDER BY 1").fetchall()
    counted = con.execute(
        f"SELECT blended_user_id, COUNT(*) FROM {prefix}segment_web_sessions GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return stored, counted


# A child process running the CLI (argv[2:]) that kills itself (SIGKILL, no cleanup) right after
# the argv[1]-th statement of the plan it executes: a run that dies at that point for real.
KILLED_CHILD = """
import os, signal, sys
from sessionizer.cli import main
from sessionizer.runner import Runner
from sessionizer.warehouse import Warehouse

after, plan, seen = int(sys.argv[1]), set(), [0]
real_execute, real_stage = Warehouse.execute, Runner.run_stage

def run_stage(self, stage, statements, *args):
    plan.update(s.sql for s in statements)
    return real_stage(self, stage, statements, *args)

def execute(self, sql):
    result = real_execute(self, sql)
    if sql in plan:
        seen[0] += 1
        if seen[0] == after:
            os.kill(os.getpid(), signal.SIGKILL)
    return result

Runner.run_stage, Warehouse.execute = run_stage, execute
main(sys.argv[2:])
"""


class Stop(Exception):
    """Raised right after the n-th statement of a run, as if the process had died there."""


def interrupted(monkeypatch: Any, after: int) -> None:
    """Make the runner raise Stop right after the ``after``-th statement of its plan (the
    statements its stages send, not its own lookups) it executes."""
    from sessionizer.runner import Runner
    from sessionizer.warehouse import Warehouse

    real_execute, real_stage = Warehouse.execute, Runner.run_stage
    plan: set[str] = set()
    seen = [0]

    def run_stage(self: Runner, stage: str, statements: list[Any], *args: Any) -> Any:
        plan.update(s.sql for s in statements)
        return real_stage(self, stage, statements, *args)

    def execute(self: Warehouse, sql: str) -> Any:
        result = real_execute(self, sql)
        if sql in plan:
            seen[0] += 1
            if seen[0] == after:
                raise Stop(f"stopped after statement {after}")
        return result

    monkeypatch.setattr(Runner, "run_stage", run_stage)
    monkeypatch.setattr(Warehouse, "execute", execute)


# -- several sources (docs/reference.md "Several sources") -----------------------------------

# The columns a test table of each kind has (Segment's, as the rules read them).
_COMMON = ("id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp")
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "pages": SOURCE_COLUMNS,
    "screens": (*_COMMON, "name", "context_campaign_source", "context_campaign_medium", "context_campaign_name",
                "context_campaign_term", "context_campaign_content", "context_ip", "context_user_agent",
                "context_device_model", "context_os_name"),
    "tracks": (*_COMMON, "event", "event_text"),
    "identifies": _COMMON,
}  # fmt: skip


def sources(*entries: dict[str, Any], **values: Any) -> Config:
    """A Config whose ``source`` is the list of ``entries`` (sessionizer.yml mappings)."""
    return Config.from_mapping({"source": list(entries), **values})


def connect_sources(config: Config, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB (UTC) with one empty table per entry's table, with its kind's columns (and the
    pass-through columns on pages and screens tables)."""
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    assert config.entries is not None
    made: set[str] = set()
    for entry in config.entries:
        if entry.table in made:
            continue
        made.add(entry.table)
        names = list(KIND_COLUMNS[entry.kind.value])
        if entry.kind.makes_page_views:
            names += [c for c in config.pass_through_columns if c not in names]
        typed = [f"{c} {'TIMESTAMP' if c in TIMESTAMP_COLUMNS else 'VARCHAR'}" for c in names]
        typed += [f"{c} {t}" for c, t in extra_columns(config)[:1] if c not in names]
        con.execute(f"CREATE TABLE {entry.table} ({', '.join(typed)})")
    return con


def insert_into(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Row]) -> None:
    """Append rows to ``table``; columns a row lacks are NULL, keys the table lacks are ignored."""
    names = table_columns(con, table)
    for row in rows:
        con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(names))})", [row.get(c) for c in names])


def event(**values: Any) -> Row:
    """A tracks/identifies/screens row: id e1 of visitor a1 at T0, loaded at its timestamp."""
    row: Row = {"id": "e1", "anonymous_id": "a1", "timestamp": T0, **values}
    for column in ("received_at", "sent_at"):
        row.setdefault(column, row["timestamp"])
    return row


def build_source_tables(config: Config, rows: Mapping[str, Iterable[Row]]) -> Tables:
    """Full refresh of a source list whose tables hold ``rows`` (table name → rows)."""
    con = connect_sources(config)
    try:
        for table, table_rows in rows.items():
            insert_into(con, table, table_rows)
        execute(con, config, "full-refresh")
        return read_tables(con)
    finally:
        con.close()


# -- comparing whole runs ----------------------------------------------------------------------


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Each table's columns and its rows, sorted, for exact comparison."""
    from tests import reference

    return {
        t: (list(rows[0]) if rows else table_columns(con, t), reference.canonical(rows))
        for t, rows in read_tables(con).items()
    }


def assert_tables_equal(actual: dict[str, Any], expected: dict[str, Any], when: str) -> None:
    """Per table: same columns, same rows; the message shows only the rows that differ."""
    for table, (columns, rows) in expected.items():
        got_columns, got_rows = actual[table]
        assert got_columns == columns, f"{when}: {table} columns"
        missing = [r for r in rows if r not in got_rows]
        extra = [r for r in got_rows if r not in rows]
        assert not missing and not extra, f"{when}: {table}\n missing {missing}\n extra {extra}"


class DuckDBWithMerge(DuckDB):
    """DuckDB writing upserts the way the Snowflake dialect does (MERGE), so property tests also
    prove that write path on real data."""

    WRITE_STRATEGY = WriteStrategy.MERGE


def generated_folder(tmp_path: Path, monkeypatch: Any) -> Any:
    """The CLI run from ``tmp_path``, which holds w.duckdb with 500 generated pages in it."""
    from click.testing import CliRunner

    from sessionizer.generate import generate

    monkeypatch.chdir(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    generate(con, "pages", 500, 11)
    con.close()
    return CliRunner()
