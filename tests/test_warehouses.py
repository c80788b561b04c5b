"""The end-to-end scenarios on Snowflake, Redshift and PostgreSQL, through their real drivers,
against emulators and a real PostgreSQL server.

Each test runs the same loads and runs on the emulator and on DuckDB, and after every run
compares the six tables and the rejected rows row for row (see tests/scenarios.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import partial

import pytest

from tests.emulators.base import Place
from tests.scenarios import DbApiWarehouse, Scenario, emulator_warehouse, refuses_changed_settings


@pytest.fixture
def warehouse(emulator_place: Place) -> Iterator[DbApiWarehouse]:
    """The scenarios' handle on a place of each emulator in turn."""
    warehouse = emulator_warehouse(emulator_place)
    yield warehouse
    warehouse.close()


def test_full_refresh_then_incremental_batches_match_duckdb(
    warehouse: DbApiWarehouse, duckdb_reference: DbApiWarehouse
) -> None:
    """(a) a full refresh of a few hundred rows, then (b) new, late, re-sent and identify batches."""
    Scenario(warehouse, duckdb_reference).run_all()


def test_changed_settings_refuse_naming_full_refresh(warehouse: DbApiWarehouse) -> None:
    """(c) an incremental run with another inactivity_cutoff refuses and names --full-refresh."""
    refuses_changed_settings(warehouse)


def test_runs_stopped_mid_stage_leave_whole_tables_and_the_next_run_finishes(
    warehouse: DbApiWarehouse, duckdb_reference: DbApiWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/reference.md "Writes" on the warehouses: an exception after a statement (a different point of the
    plan for each batch) leaves every table as it was or as it should be; a plain rerun finishes."""
    from sessionizer.job import Job
    from sessionizer.plan import Mode
    from tests.helpers import interrupted
    from tests.scenarios import OUTPUT_TABLES, generate_pages, incremental_batches, run, scenario_config, table_rows

    history = generate_pages(60, 5)
    steps = [(True, history), *((False, batch.rows) for batch in incremental_batches(history, 5)), (True, [])]
    compiler = Job(scenario_config(warehouse.source), warehouse.url).compiler
    plans = {
        full: [s.sql for s in compiler.compile(Mode.FULL_REFRESH if full else Mode.INCREMENTAL).statements()]
        for full in (True, False)
    }
    stops = []
    for number, (full, rows) in enumerate(steps):
        for target in (warehouse, duckdb_reference):
            target.load(rows)
        run(duckdb_reference, full_refresh=full)
        if number:  # the first full refresh builds the tables to stop in
            before = {t: table_rows(warehouse, t) for t in OUTPUT_TABLES}
            stop_after = 1 + (number * 7) % len(plans[full])
            with monkeypatch.context() as patch:
                interrupted(patch, stop_after)
                with pytest.raises(Exception, match="stopped after"):
                    run(warehouse, full_refresh=full)
            for table in OUTPUT_TABLES:
                middle = table_rows(warehouse, table)
                assert middle in (before[table], table_rows(duckdb_reference, table)), (
                    f"{table} half-written after statement {stop_after} of step {number}"
                )
            stops.append(stop_after)
        run(warehouse, full_refresh=full)
        for table in OUTPUT_TABLES:
            assert table_rows(warehouse, table) == table_rows(duckdb_reference, table), f"{table} after step {number}"
    assert len(stops) == len(steps) - 1


def test_a_second_run_is_kept_out_while_the_first_holds_the_lock(warehouse: DbApiWarehouse) -> None:
    """A lease row where the warehouse has no lock a crash releases; PostgreSQL's advisory lock
    is released with the connection. Either way a second run is refused, clearly."""
    from sessionizer.errors import StateError
    from sessionizer.job import Job
    from tests.scenarios import generate_pages, run, scenario_config

    warehouse.load(generate_pages(20, 1))
    runner = Job(scenario_config(warehouse.source), warehouse.url)
    with runner.warehouse() as wh:
        held = wh.lock(runner.tables["lock"], runner.compiler.ensure_schema)
        with pytest.raises(StateError, match=r"another sessionizer run.* is writing to these tables"):
            run(warehouse)
        if held:
            held.release()
    assert run(warehouse).mode == "full-refresh"


def test_status_and_report_read_the_warehouse_as_they_read_duckdb(
    warehouse: DbApiWarehouse, duckdb_reference: DbApiWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's queries and status' bookkeeping reads, through the real drivers: the same
    aggregates and counts as on DuckDB; an incremental run stopped between stages is unfinished."""
    from sessionizer.compiler import Kind
    from sessionizer.job import Job
    from sessionizer.plan import Mode
    from sessionizer.report import gather
    from sessionizer.status import collect
    from tests.helpers import interrupted
    from tests.scenarios import HISTORY_END, generate_pages, incremental_batches, run, scenario_config

    history = generate_pages(150, 8)
    for target in (warehouse, duckdb_reference):
        target.load(history)
        run(target)
    runners = [Job(scenario_config(t.source), t.url) for t in (warehouse, duckdb_reference)]
    # status and report open a DuckDB file read-only, which DuckDB refuses beside a connection of
    # the same process that writes it: the reference's own is closed (it reopens when next used).
    duckdb_reference.close()
    # The history ends on HISTORY_END: the window ends there, not today.
    theirs, ours = (gather(runner, days=400, until=HISTORY_END) for runner in runners)
    assert theirs.totals == ours.totals and theirs.totals is not None and theirs.totals.sessions > 0
    assert theirs.daily == ours.daily and theirs.breakdowns == ours.breakdowns
    there, here = (collect(runner) for runner in runners)
    assert there["ok"] and there["settings_match"], there["problems"]
    assert [t["rows"] for t in there["tables"]] == [t["rows"] for t in here["tables"]]
    assert there["last_run"]["mode"] == "full-refresh" and there["sources"][0]["lag_seconds"] == 0

    batch = incremental_batches(history, 8)[0].rows
    warehouse.load(batch)
    plan = runners[0].compiler.compile(Mode.INCREMENTAL)
    first_commit = next(n for n, s in enumerate(plan.statements(), 1) if s.kind is Kind.COMMIT)
    with monkeypatch.context() as patch:
        interrupted(patch, first_commit)  # page_views committed, its work lists written
        with pytest.raises(Exception, match="stopped after"):
            run(warehouse)
    stopped = collect(runners[0])
    assert not stopped["ok"] and stopped["unfinished"]["pending_anonymous_ids"] > 0
    assert "an incremental run stopped before finishing" in stopped["problems"][0]
    run(warehouse)
    finished = collect(runners[0])
    assert finished["ok"] and finished["last_run"]["mode"] == "incremental"


@pytest.mark.parametrize("emulator_place", ["postgres"], indirect=True)
def test_a_postgres_run_killed_anywhere_leaves_whole_tables_and_does_not_block_the_next(
    warehouse: DbApiWarehouse, duckdb_reference: DbApiWarehouse
) -> None:
    """SIGKILL, no cleanup: the server rolls back the open transaction and releases the run's
    advisory lock, so every table is as it was or as it should be and a plain rerun finishes."""
    import signal
    import subprocess
    import sys

    from sessionizer import compile
    from tests.helpers import KILLED_CHILD
    from tests.scenarios import (
        OUTPUT_TABLES,
        PASS_THROUGH,
        generate_pages,
        incremental_batches,
        run,
        scenario_config,
        table_rows,
    )

    history = generate_pages(60, 5)
    steps = [(True, history), *((False, batch.rows) for batch in incremental_batches(history, 5)), (True, [])]
    config = scenario_config(warehouse.source)
    sizes = {
        full: len(compile(config, "postgres", "full-refresh" if full else "incremental")) for full in (True, False)
    }
    for number, (full, rows) in enumerate(steps):
        for target in (warehouse, duckdb_reference):
            target.load(rows)
        run(duckdb_reference, full_refresh=full)
        if number:  # the first full refresh builds the tables to kill in
            before = {t: table_rows(warehouse, t) for t in OUTPUT_TABLES}
            after = 1 + (number * 7) % sizes[full]
            args = ["run", "--quiet", "--target", warehouse.url, "--source", warehouse.source,
                    "--pass-through-columns", ",".join(PASS_THROUGH), *(["--full-refresh"] if full else [])]  # fmt: skip
            child = subprocess.run([sys.executable, "-c", KILLED_CHILD, str(after), *args],
                                   capture_output=True, text=True, timeout=120)  # fmt: skip
            assert child.returncode == -signal.SIGKILL, child.stderr
            for table in OUTPUT_TABLES:
                assert table_rows(warehouse, table) in (before[table], table_rows(duckdb_reference, table)), (
                    f"{table} half-written after a kill at statement {after} of step {number}"
                )
        run(warehouse, full_refresh=full)
        for table in OUTPUT_TABLES:
            assert table_rows(warehouse, table) == table_rows(duckdb_reference, table), f"{table} after step {number}"


def test_a_source_list_runs_end_to_end_like_duckdb(warehouse: DbApiWarehouse, duckdb_reference: DbApiWarehouse) -> None:
    """Web pages, app screens, heartbeat tracks and identifies from a schema whose name the
    warehouse reserves (Snowflake's ACCOUNT, Redshift's raw), some lacking optional columns: a
    full refresh and incremental batches (a late heartbeat, a late identify) give DuckDB's tables."""
    from tests.scenarios import OUTPUT_TABLES, differences, load_sources, run_sources, source_batches, table_rows

    source_schema, prefix = {"snowflake": "account"}.get(warehouse.name, "raw"), f"{warehouse.schema}_"
    sessions = []
    for step, rows in source_batches():
        for target, schema in ((warehouse, source_schema), (duckdb_reference, "segment")):
            load_sources(target, schema, rows, prefix)
            summary = run_sources(target, schema, step == "full refresh", prefix)
            assert summary.mode == ("full-refresh" if step == "full refresh" else "incremental"), (step, summary)
        problems = differences(duckdb_reference, warehouse, OUTPUT_TABLES)
        assert not problems, f"after {step!r}, {warehouse.name} differs from duckdb:\n" + "\n".join(problems)
        sessions.append(len(table_rows(duckdb_reference, "segment_web_sessions")[1]))
    assert sessions[2] < sessions[1], f"the late heartbeats merged no sessions: {sessions}"


def test_time_columns_held_as_text_read_as_on_duckdb(
    warehouse: DbApiWarehouse, duckdb_reference: DbApiWarehouse
) -> None:
    """A source table whose time columns are VARCHAR (ISO-8601 text at Z, +01:00, -0600 and no
    offset in turn, some not times at all): every table equals DuckDB's over the same text, and
    DuckDB's equals the reference (tests/test_user_files.py); a malformed timestamp or key
    rejects its row with its reason, a malformed sent_at reads as NULL, and the run goes on."""
    from dataclasses import replace

    from tests.inputs import MIXED_OFFSETS, time_text
    from tests.scenarios import OUTPUT_TABLES, generate_pages, run, table_rows

    rows = generate_pages(40, 3)
    for i, row in enumerate(rows):
        for column in ("received_at", "sent_at", "timestamp"):
            if isinstance(row[column], dt.datetime):
                row[column] = time_text(row[column], MIXED_OFFSETS[i % len(MIXED_OFFSETS)], millis=True)
    rows[3]["timestamp"], rows[5]["received_at"], rows[7]["sent_at"] = "yesterday", "2025-02-30T10:00:00", "soon"
    rows[9]["timestamp"] = "2025-11-01T24:00:00Z"

    def as_text(kind: str, typed: Callable[[str], str]) -> str:
        return typed("VARCHAR(1024)") if kind == "TIMESTAMP" else typed(kind)

    places = [replace(w, column_type=partial(as_text, typed=w.column_type)) for w in (warehouse, duckdb_reference)]
    for place in places:
        place.load(rows)
        run(place, full_refresh=True)
    for table in OUTPUT_TABLES:
        assert table_rows(places[0], table) == table_rows(places[1], table), table
    reasons = sorted(r[-1] for r in table_rows(places[1], "segment_web_page_views__rejected")[1])
    assert reasons.count("timestamp is not a timestamp") == 2 and "received_at is not a timestamp" in reasons
    for place in places:
        place.close()
