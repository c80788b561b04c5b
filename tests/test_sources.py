"""Source tables as users have them (sessionizer/sources.py): columns Segment never created,
timestamps that carry a time zone, and table or schema names a warehouse reserves.

DuckDB here; the same three on the Snowflake and Redshift emulators at the end of the file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sessionizer import Config, compile
from sessionizer.errors import ConfigError, SourceError
from sessionizer.job import Job
from sessionizer.schema import SOURCE_COLUMNS, TIMESTAMP_COLUMNS
from tests import reference
from tests.emulators.base import Emulator, Place
from tests.emulators.redshift import RedshiftEmulator
from tests.helpers import T0, history, later_batch, read_tables, reference_tables, tables_of
from tests.scenarios import DbApiWarehouse

Row = dict[str, Any]

# Columns a site that never sends them has no column for.
MISSING = ("search", "referrer", "context_user_agent", "sent_at")


def without(rows: Sequence[Row], columns: Sequence[str]) -> list[Row]:
    """The rows as docs/reference.md "Input" reads them from a table lacking ``columns``: those are NULL."""
    return [{**row, **dict.fromkeys(columns)} for row in rows]


def create_pages(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], time_type: str) -> None:
    typed = ", ".join(f"{c} {time_type if c in TIMESTAMP_COLUMNS else 'VARCHAR'}" for c in columns)
    con.execute(f"CREATE TABLE {table} ({typed})")


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Sequence[Row], zoned: bool = False
) -> None:
    """Append rows. ``zoned``: timestamps are given as UTC-aware values, so a zoned column holds
    the same instant whatever the loading connection's zone."""

    def value(row: Row, column: str) -> Any:
        raw = row.get(column)
        return raw.replace(tzinfo=UTC) if zoned and column in TIMESTAMP_COLUMNS and raw is not None else raw

    marks = ", ".join("?" * len(columns))
    con.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", [[value(r, c) for c in columns] for r in rows]
    )


# -- missing columns ----------------------------------------------------------------------------


def test_missing_optional_columns_read_as_null_in_full_and_incremental_runs(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    present = [c for c in SOURCE_COLUMNS if c not in MISSING]
    con = duckdb.connect(str(db))
    create_pages(con, "pages", present, "TIMESTAMP")
    insert_rows(con, "pages", present, history())
    con.close()
    run = Job(Config(source="pages"), f"duckdb:///{db}").run
    assert run().mode == "full-refresh"
    assert tables_of(db) == reference_tables(without(history(), MISSING))
    con = duckdb.connect(str(db))
    insert_rows(con, "pages", present, later_batch())
    con.close()
    assert run().mode == "incremental"
    expected = reference_tables(without(history() + later_batch(), MISSING))
    assert tables_of(db) == expected
    # Not trivially equal: the query and the device had something to lose.
    assert all(row["search"] and row["context_user_agent"] for row in history())
    assert Job(Config(source="pages"), f"duckdb:///{db}").run(full_refresh=True).mode == "full-refresh"
    assert tables_of(db) == expected


@pytest.mark.parametrize(
    ("dropped", "config"),
    [
        ("id", {}),
        ("anonymous_id", {}),
        ("timestamp", {}),
        ("received_at", {}),  # the incremental key
        ("loaded_at", {"incremental_key": "loaded_at"}),
        ("context_locale", {"pass_through_columns": ["context_locale"]}),
    ],
)
def test_a_missing_required_column_is_one_error_naming_table_and_column(
    tmp_path: Path, dropped: str, config: dict[str, Any]
) -> None:
    db = tmp_path / "w.duckdb"
    columns = [c for c in (*SOURCE_COLUMNS, "loaded_at", "context_locale") if c != dropped]
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA web")
    create_pages(con, "web.pages", columns, "TIMESTAMP")
    con.close()
    with pytest.raises(SourceError, match=rf"the source 'web.pages' lacks the column\(s\) {dropped};"):
        Job(Config.from_mapping({"source": "web.pages", **config}), f"duckdb:///{db}").run()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE schema_name = 'main'").fetchone() == (0,)
    con.close()


# -- time zones ---------------------------------------------------------------------------------


def load_source(kind: str, tmp_path: Path, db: Path, rows: Sequence[Row], part: int) -> str:
    """Append ``rows`` to a source of the given kind; returns the source setting.

    "timestamptz": a DuckDB table of TIMESTAMPTZ columns, loaded by a connection in Tokyo time.
    "utc-parquet": Parquet files whose timestamps are adjusted to UTC (DuckDB writes TIMESTAMPTZ so).
    "naive": plain TIMESTAMP columns holding UTC, as before."""
    if kind == "utc-parquet":
        folder = tmp_path / "exports"
        folder.mkdir(exist_ok=True)
        con = duckdb.connect()
        con.execute("SET TimeZone = 'Asia/Tokyo'")
        create_pages(con, "staged", SOURCE_COLUMNS, "TIMESTAMPTZ")
        insert_rows(con, "staged", SOURCE_COLUMNS, rows, zoned=True)
        con.execute(f"COPY staged TO '{folder / f'part{part}.parquet'}' (FORMAT parquet)")
        con.close()
        return str(folder / "*.parquet")
    con = duckdb.connect(str(db))
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    if part == 1:
        create_pages(con, "pages", SOURCE_COLUMNS, "TIMESTAMPTZ" if kind == "timestamptz" else "TIMESTAMP")
    insert_rows(con, "pages", SOURCE_COLUMNS, rows, zoned=kind == "timestamptz")
    con.close()
    return "pages"


def cli_in_new_york(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a process whose zone (and so DuckDB's session zone) is America/New_York."""
    env = {**os.environ, "TZ": "America/New_York"}
    return subprocess.run(
        [sys.executable, "-m", "sessionizer", *args], env=env, capture_output=True, text=True, check=False
    )


def test_the_cli_process_really_runs_in_new_york_time() -> None:
    probe = (
        "import duckdb; print(duckdb.connect().cursor().execute(\"SELECT current_setting('TimeZone')\").fetchone()[0])"
    )
    out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "TZ": "America/New_York"},
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "America/New_York"


@pytest.mark.parametrize("kind", ["timestamptz", "utc-parquet", "naive"])
def test_zoned_timestamps_are_stored_as_utc_on_a_machine_in_another_zone(tmp_path: Path, kind: str) -> None:
    """docs/reference.md "Time": stored times are the UTC values, full refresh and incremental (the watermark
    compares UTC with UTC, so the trailing window takes exactly the new batch)."""
    db = tmp_path / "w.duckdb"
    for part, (rows, mode) in enumerate([(history(), "full-refresh"), (later_batch(), "incremental")], start=1):
        source = load_source(kind, tmp_path, db, rows, part)
        done = cli_in_new_york("run", "--source", source, "--target", f"duckdb:///{db}", "--log-format", "json")
        assert done.returncode == 0, done.stderr
        assert f'"mode": "{mode}"' in done.stdout
    assert tables_of(db) == reference_tables(history() + later_batch())
    con = duckdb.connect(str(db), read_only=True)
    first = con.execute("SELECT MIN(tstamp), MAX(received_at_tstamp) FROM segment_web_page_views").fetchone()
    watermark = con.execute("SELECT watermark FROM sessionizer_state").fetchone()
    con.close()
    assert first == (T0, T0 + timedelta(days=1))
    assert watermark == (T0 + timedelta(days=1),)


def test_compiled_sql_converts_zoned_columns_whatever_the_session_zone() -> None:
    """The Python API with what a runner found (SourceColumns): the SQL runs right in a session
    set to New York, where a plain cast would be five hours early."""
    from sessionizer.sources import SourceColumns

    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    create_pages(con, "pages", SOURCE_COLUMNS, "TIMESTAMPTZ")
    insert_rows(con, "pages", SOURCE_COLUMNS, history(), zoned=True)
    found = SourceColumns(present=frozenset(SOURCE_COLUMNS), zoned=frozenset(TIMESTAMP_COLUMNS))
    for statement in compile(Config(source="pages"), "duckdb", "full-refresh", columns=found):
        con.execute(statement.sql)
    tables = {t: reference.canonical(rows) for t, rows in read_tables(con).items()}
    assert tables == reference_tables(history())


# -- names --------------------------------------------------------------------------------------


def test_reserved_table_and_schema_names_are_quoted_as_each_warehouse_folds_them() -> None:
    """`raw` is reserved on Redshift only, `order` and `select` everywhere: every table and schema
    name is quoted, spelled as the warehouse stores an unquoted one (upper case on Snowflake)."""
    config = Config(source="raw.Order", schema="Select")
    expected = {
        "duckdb": ('FROM "raw"."order" AS source', 'REPLACE TABLE "select".segment_web_page_views AS'),
        "snowflake": ('FROM "RAW"."ORDER" AS source', 'REPLACE TABLE "SELECT".segment_web_page_views\nCLUSTER BY'),
        "redshift": (
            'FROM "raw"."order" AS source',
            'ALTER TABLE "select".segment_web_page_views__sessionizer_new\nRENAME',
        ),
    }
    for dialect, (source, table) in expected.items():
        sql = "\n".join(s.sql for s in compile(config, dialect, "full-refresh", select="page_views"))
        assert source in sql and table in sql, dialect
        assert 'CREATE SCHEMA IF NOT EXISTS "' in sql, dialect


def test_names_written_in_another_case_mean_the_same_tables() -> None:
    config = Config(source="Segment.Pages", schema="Analytics")
    snowflake = "\n".join(s.sql for s in compile(config, "snowflake"))
    assert 'FROM "SEGMENT"."PAGES" AS source' in snowflake and '"ANALYTICS".segment_web_sessions' in snowflake
    redshift = "\n".join(s.sql for s in compile(config, "redshift"))
    assert 'FROM "segment"."pages" AS source' in redshift and '"analytics".segment_web_sessions' in redshift


@pytest.mark.parametrize("source", ["my schema.pages", 'segment."pages"', "a.b.c.d"])
def test_names_that_need_more_than_quoting_are_refused(source: str) -> None:
    with pytest.raises(ConfigError, match="source: "):
        Config(source=source)


def test_a_reserved_source_name_runs_on_duckdb(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute('CREATE SCHEMA "select"')
    create_pages(con, '"select"."order"', SOURCE_COLUMNS, "TIMESTAMP")
    insert_rows(con, '"select"."order"', SOURCE_COLUMNS, history())
    con.close()
    Job(Config(source="SELECT.Order", schema="Group"), f"duckdb:///{db}").run()
    assert tables_of(db, "group") == reference_tables(history())


# -- on the emulators ---------------------------------------------------------------------------

# Columns the emulators' source tables lack (sent_at stays: it is zoned there, as LTZ on Snowflake).
MISSING_ON_WAREHOUSES = ("search", "referrer", "context_user_agent")
ZONE = timezone(timedelta(hours=9))


def zoned_loader(warehouse: DbApiWarehouse, table: str, types: dict[str, str]) -> Callable[[list[Row]], None]:
    """Creates ``table`` without MISSING_ON_WAREHOUSES, typed by ``types`` (else VARCHAR); the
    loader it returns inserts rows whose timestamps are +09:00 instants."""
    from tests.scenarios import COLUMN_NAMES

    names = [c for c in COLUMN_NAMES if c not in MISSING_ON_WAREHOUSES]
    typed = ", ".join(f"{name} {types.get(name, 'VARCHAR(1024)')}" for name in names)
    warehouse.execute(f"CREATE TABLE {table} ({typed})")

    def value(row: Row, name: str) -> Any:
        raw = row[name]
        return raw.replace(tzinfo=UTC).astimezone(ZONE) if name in TIMESTAMP_COLUMNS and raw is not None else raw

    def load(rows: list[Row]) -> None:
        marks = ", ".join(["%s"] * len(names))
        values = [tuple(value(row, n) for n in names) for row in rows]
        warehouse.connection.cursor().executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", values)

    return load


def matches_duckdb_run_by_run(
    warehouse: DbApiWarehouse, reference: DbApiWarehouse, url: str, source: str, load: Callable[[list[Row]], None]
) -> None:
    """A full refresh and two incremental batches on the warehouse's odd source, and the same on
    a DuckDB table of every column (the missing ones NULL, times naive UTC): equal tables each time."""
    from tests.scenarios import differences, generate_pages, incremental_batches, run, scenario_config

    history = generate_pages(60, 11)
    steps = [("full refresh", history), *((b.name, b.rows) for b in incremental_batches(history, 11)[:2])]
    for name, rows in steps:
        full = name == "full refresh"
        reference.load(without(rows, MISSING_ON_WAREHOUSES))
        run(reference, full_refresh=full)
        load(rows)
        summary = Job(scenario_config(source), url).run(full_refresh=full)
        assert summary.mode == ("full-refresh" if full else "incremental")
        problems = differences(reference, warehouse)
        assert not problems, f"after {name!r}:\n" + "\n".join(problems)


def place_on(emulator: Emulator, schema: str, monkeypatch: pytest.MonkeyPatch) -> Place:
    """A database and schema of this test's own on ``emulator``, and the password sessionizer reads."""
    for key, value in emulator.password_env.items():
        monkeypatch.setenv(key, value)
    return Place(emulator, emulator.database_for_test(), schema)


def test_snowflake_source_in_a_reserved_schema_with_missing_and_zoned_columns(
    snowflake_emulator: Emulator, fresh_name: str, monkeypatch: pytest.MonkeyPatch, duckdb_reference: DbApiWarehouse
) -> None:
    """ACCOUNT is reserved in Snowflake; the source is written in lower case. TIMESTAMP_TZ and
    LTZ columns hold +09:00 instants. (fakesnow has no session zone to change: ALTER SESSION SET
    TIMEZONE is not implemented, so this shows the conversion, not independence from the zone.)"""
    from tests.scenarios import snowflake_warehouse

    place = place_on(snowflake_emulator, fresh_name, monkeypatch)
    warehouse = snowflake_warehouse(
        place.url, place.emulator.connect_kwargs, place.database, place.schema, timestamps_as_text=True
    )
    warehouse.execute('CREATE SCHEMA IF NOT EXISTS "ACCOUNT"')
    types = {"received_at": "TIMESTAMP_TZ", "timestamp": "TIMESTAMP_TZ", "sent_at": "TIMESTAMP_LTZ"}
    try:
        load = zoned_loader(warehouse, '"ACCOUNT"."PAGES"', types)
        matches_duckdb_run_by_run(warehouse, duckdb_reference, place.url, "account.pages", load)
    finally:
        warehouse.close()


def test_redshift_source_in_schema_raw_with_missing_and_zoned_columns_for_a_user_in_new_york(
    redshift_emulator: RedshiftEmulator,
    fresh_name: str,
    monkeypatch: pytest.MonkeyPatch,
    duckdb_reference: DbApiWarehouse,
) -> None:
    """`raw` is reserved on Redshift. The run connects as a user whose session zone is
    America/New_York, where CAST(timestamptz AS timestamp) would be five hours early."""
    from tests.scenarios import redshift_warehouse

    place = place_on(redshift_emulator, fresh_name, monkeypatch)
    warehouse = redshift_warehouse(place.url, place.emulator.connect_kwargs, place.schema)
    user = f"{place.schema}_ny"
    for sql in (f"CREATE ROLE {user} LOGIN SUPERUSER", f"ALTER ROLE {user} SET timezone = 'America/New_York'",
                'CREATE SCHEMA IF NOT EXISTS "raw"'):  # fmt: skip
        warehouse.execute(sql)
    url = place.url.replace(f"//{redshift_emulator.user}@", f"//{user}@", 1)
    ny = redshift_warehouse(url, {**place.emulator.connect_kwargs, "user": user}, place.schema)
    assert ny.execute("SHOW timezone").fetchone()[0] == "America/New_York"
    try:
        load = zoned_loader(warehouse, f'"raw".{place.schema}', dict.fromkeys(TIMESTAMP_COLUMNS, "TIMESTAMPTZ"))
        matches_duckdb_run_by_run(warehouse, duckdb_reference, url, f"RAW.{place.schema.upper()}", load)
    finally:
        ny.close()
        warehouse.close()
