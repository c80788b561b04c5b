"""SPEC "Beyond dbt-segment" on the real engines: each case of tests/beyond_cases.py compiled,
run and read back, compared with the values the case names (which the reference also gives).

Single-source cases run on DuckDB, PostgreSQL and BigQuery's SQL on DuckDB (the ``engine``
fixture); source-list cases on DuckDB, whose tables of each kind are made here (with
context_user_agent on tracks and identifies too, so the case "tracks and identifies are not
bot-checked" tests something).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from sessionizer.config import Config
from tests.beyond_cases import ADDED_COLUMNS, CASES, Case
from tests.helpers import (
    KIND_COLUMNS,
    TABLES,
    TIMESTAMP_COLUMNS,
    Engine,
    Tables,
    connect,
    execute,
    insert,
    insert_into,
    read_tables,
    table_columns,
)

SINGLE = [case for case in CASES if case.entries is None]
LISTED = [case for case in CASES if case.entries is not None]


def config_of(case: Case, folder: Path, source: Any = "pages") -> Config:
    return Config.from_mapping(
        {"source": source, "inactivity_cutoff": case.inactivity_cutoff, **case.settings_in(folder)}
    )


def assert_checks(case: Case, tables: Tables) -> None:
    for check in case.checks:
        assert check.actual(tables) == check.expected(), (case.id, check.table)


@pytest.mark.parametrize("case", SINGLE, ids=lambda case: case.id)
def test_case_on_each_engine(case: Case, engine: Engine, tmp_path: Path) -> None:
    config = config_of(case, tmp_path)
    con = connect(config)
    try:
        insert(con, case.pages)
        execute(con, config, "full-refresh")
        assert_checks(case, read_tables(con))
    finally:
        con.close()


def _table(name: str, kind: str) -> str:
    return f"{name}_{kind}"


def listed_tables(case: Case, folder: Path) -> Tables:
    """A full refresh of a source-list case on DuckDB."""
    assert case.entries is not None
    entries = [
        {
            "table": _table(name, kind),
            "name": name,
            "kind": kind,
            **({} if events is None else {"events": list(events)}),
        }
        for name, kind, events, _ in case.entries
    ]
    config = config_of(case, folder, entries)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    try:
        for name, kind, _, rows in case.entries:
            names = dict.fromkeys((*KIND_COLUMNS[kind], "context_user_agent"))
            typed = ", ".join(f"{c} {'TIMESTAMP' if c in TIMESTAMP_COLUMNS else 'VARCHAR'}" for c in names)
            con.execute(f"CREATE TABLE {_table(name, kind)} ({typed})")
            insert_into(con, _table(name, kind), rows)
        execute(con, config, "full-refresh")
        return read_tables(con)
    finally:
        con.close()


@pytest.mark.parametrize("case", LISTED, ids=lambda case: case.id)
def test_list_case_on_duckdb(case: Case, tmp_path: Path) -> None:
    assert_checks(case, listed_tables(case, tmp_path))


@pytest.mark.parametrize(("settings", "added"), ADDED_COLUMNS)
def test_each_setting_adds_its_columns_after_every_other(settings: Any, added: tuple[str, ...]) -> None:
    plain, config = Config(source="pages"), Config.from_mapping({"source": "pages", **settings})
    cons = [connect(plain), connect(config)]
    try:
        for con, cfg in zip(cons, (plain, config), strict=True):
            execute(con, cfg, "full-refresh")
        for table in TABLES:
            base = table_columns(cons[0], table)
            expected = [*base, *added] if table.startswith("segment_web_sessions") else base
            assert table_columns(cons[1], table) == expected, table
    finally:
        for con in cons:
            con.close()
