"""`sessionizer run` on DuckDB through the Job: sources as tables and files, a second run
after new rows, and runs stopped in the middle of every stage."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sessionizer import Config, compile, schema
from sessionizer.errors import RunError, SourceError, StateError
from sessionizer.job import Job
from tests.helpers import (
    T0,
    TABLES,
    history,
    insert,
    interrupted,
    later_batch,
    load_pages,
    page,
    reference_tables,
    tables_of,
)


def run(path: Path, **kwargs: Any) -> Any:
    return Job(Config(source="pages"), f"duckdb:///{path}").run(**kwargs)


def test_full_refresh_then_incremental_from_a_table(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    first = run(db)
    assert first.mode == "full-refresh"
    assert tables_of(db) == reference_tables(history())
    assert (first.page_views, first.rejected) == (30, 1)
    load_pages(db, later_batch())
    second = run(db)
    assert second.mode == "incremental"
    assert tables_of(db) == reference_tables(history() + later_batch())
    assert second.page_views == 33  # three new ids; p005 re-sent later changes nothing
    sessions = reference_tables(history() + later_batch())["segment_web_sessions"]
    blended = schema.columns("sessions", Config()).index("blended_user_id")
    assert second.sessions == len(sessions)
    assert second.users == len({row[blended] for row in sessions})
    assert second.new_sessions == len(sessions) - first.sessions
    assert [s.stage for s in second.stages] == [s for s in ("page_views", "user_stitching", "sessionized",
                                                           "sessions_initial", "sessions_stitched", "sessions")]  # fmt: skip


def test_parquet_glob_source(tmp_path: Path) -> None:
    db = tmp_path / "src.duckdb"
    load_pages(db, history())
    con = duckdb.connect(str(db))
    exports = tmp_path / "exports"
    exports.mkdir()
    con.execute(f"COPY (SELECT * FROM pages WHERE id < 'p015') TO '{exports / 'part1.parquet'}' (FORMAT parquet)")
    con.execute(
        f"COPY (SELECT * FROM pages WHERE NOT id < 'p015' OR id IS NULL) TO '{exports / 'part2.parquet'}' (FORMAT parquet)"
    )
    con.close()
    target = tmp_path / "out.duckdb"
    summary = Job(Config(source=str(exports / "*.parquet")), f"duckdb:///{target}").run()
    assert summary.page_views == 30
    assert tables_of(target) == reference_tables(history())


def test_missing_source_and_missing_column_are_named(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with pytest.raises(SourceError, match="pages"):
        run(db)
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE pages AS SELECT 'x' AS id, 'a' AS anonymous_id")
    con.close()
    with pytest.raises(SourceError, match=r"'pages' lacks the column\(s\) timestamp, received_at;"):
        run(db)
    assert "segment_web_page_views" not in {r[0] for r in duckdb.connect(str(db)).execute("SHOW TABLES").fetchall()}


def test_changed_settings_refuse_incremental(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    run(db)
    with pytest.raises(StateError, match=r"inactivity_cutoff.*--full-refresh"):
        Job(Config(source="pages", inactivity_cutoff=600), f"duckdb:///{db}").run()
    assert (
        Job(Config(source="pages", inactivity_cutoff=600), f"duckdb:///{db}").run(full_refresh=True).mode
        == "full-refresh"
    )


def test_another_source_refuses_an_incremental_run(tmp_path: Path) -> None:
    """docs/reference.md "Files and values": the source is part of the settings; tables built from
    one table never take another's rows silently, and nothing is written when it refuses."""
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    run(db)
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE other_pages AS SELECT * FROM pages")
    con.close()
    before = tables_of(db)
    with pytest.raises(
        StateError, match=r'\(source: "pages" when the tables were built, "other_pages" now\).*--full-refresh'
    ):
        Job(Config(source="other_pages"), f"duckdb:///{db}").run()
    assert tables_of(db) == before
    assert Job(Config(source="other_pages"), f"duckdb:///{db}").run(full_refresh=True).mode == "full-refresh"


@pytest.mark.parametrize("mode", ["full-refresh", "incremental"])
def test_a_run_stopped_after_any_statement_leaves_tables_whole_and_the_next_run_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """docs/reference.md "Writes": each table is as it was or as it should be; running again finishes the job."""
    statements = [s.sql for s in compile(Config(source="pages"), "duckdb", mode)]
    before_rows, after_rows = (history(), history() + later_batch())
    final = reference_tables(after_rows)
    prepared = tmp_path / "prepared.duckdb"
    load_pages(prepared, history())
    run(prepared)
    load_pages(prepared, later_batch())
    before = tables_of(prepared)
    for after in range(1, len(statements) + 1):
        db = tmp_path / f"{mode}-{after}.duckdb"
        shutil.copy(prepared, db)
        with monkeypatch.context() as patch:
            interrupted(patch, after)
            with pytest.raises(RunError, match="stopped after"):
                run(db, full_refresh=mode == "full-refresh")
        middle = tables_of(db)
        for table in TABLES:
            assert middle[table] in (before[table], final[table]), f"{table} half-written after statement {after}"
        run(db, full_refresh=mode == "full-refresh")
        assert tables_of(db) == final, f"rerun after statement {after}"
    assert before_rows != after_rows


def test_python_api_run(tmp_path: Path) -> None:
    import sessionizer

    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    summary = sessionizer.run(sessionizer.Config(source="pages"), f"duckdb:///{db}")
    assert (summary.mode, summary.page_views, summary.rejected) == ("full-refresh", 30, 1)
    assert summary.stages[0].stage == "page_views"
    assert tables_of(db) == reference_tables(history())


def test_incremental_runs_inline_the_watermark_so_the_source_can_be_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner reads the watermark and passes it as a literal; compiled SQL reads the state table."""
    from sessionizer.warehouse import Warehouse

    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    run(db)
    load_pages(db, later_batch())
    sent: list[str] = []
    real = Warehouse.execute

    def recording(self: Warehouse, sql: str) -> Any:
        sent.append(sql)
        return real(self, sql)

    monkeypatch.setattr(Warehouse, "execute", recording)
    run(db)
    batch = next(sql for sql in sent if sql.startswith("CREATE OR REPLACE TEMPORARY TABLE sessionizer_batch"))
    watermark = max(r["received_at"] for r in history() if r["id"])
    assert (
        f"CAST(received_at AS TIMESTAMP) > CAST('{watermark.isoformat(sep=' ')}' AS TIMESTAMP) - INTERVAL '3' HOUR"
        in batch
    )
    compiled = next(
        s.sql for s in compile(Config(source="pages"), "duckdb", "incremental") if "sessionizer_batch AS" in s.sql
    )
    assert "SELECT watermark FROM sessionizer_state" in " ".join(compiled.split())
    assert tables_of(db) == reference_tables(history() + later_batch())


def test_a_run_leaves_a_callers_own_connection_and_its_settings_as_they_were(tmp_path: Path) -> None:
    """DuckDB settings are global to a database instance: the run sets what it needs (no vacuum
    during its checkpoints, each commit checkpointed) and puts it back, a size included, and a
    connection the caller holds keeps working."""
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    held = duckdb.connect(str(db))
    settings = "SELECT current_setting('max_vacuum_tasks'), current_setting('checkpoint_threshold')"
    held.execute("SET checkpoint_threshold = '32MB'")
    before = held.execute(settings).fetchone()
    run(db)
    insert(held, later_batch())
    summary = run(db)
    assert summary.mode == "incremental"
    assert held.execute(settings).fetchone() == before
    assert held.execute("SELECT COUNT(*) FROM segment_web_page_views").fetchone() == (33,)
    held.close()
    with_vacuum = Job(Config(source="pages"), f"duckdb:///{db}?max_vacuum_tasks=100").run()
    assert with_vacuum.mode == "incremental"
    assert tables_of(db) == reference_tables(history() + later_batch())


def test_an_incremental_run_rewrites_a_users_sessions_from_the_changed_one_on(tmp_path: Path) -> None:
    """Three sessions of one visitor; a late page view inside the third. The first two keep their
    rows (and numbers): the sessions stage deletes and inserts only the third."""
    db = tmp_path / "w.duckdb"
    rows = [page(id=f"p{n}", timestamp=T0 + timedelta(hours=2 * n)) for n in range(3)]
    load_pages(db, rows)
    run(db)
    late = [page(id="late", timestamp=T0 + timedelta(hours=4, minutes=10), received_at=T0 + timedelta(days=1))]
    load_pages(db, late)
    summary = run(db)
    assert summary.mode == "incremental"
    assert tables_of(db) == reference_tables(rows + late)
    written = {s.stage: s.rows_written for s in summary.stages}
    assert written["sessions"] == 2  # one deleted, one inserted
    assert written["sessions_initial"] == 2


def test_work_lists_of_an_older_layout_are_rebuilt_by_a_full_refresh(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    run(db)
    con = duckdb.connect(str(db))
    con.execute(f"ALTER TABLE {schema.PENDING_USERS} DROP COLUMN from_tstamp")  # as an older version left it
    con.close()
    load_pages(db, later_batch())
    summary = run(db)
    assert summary.mode == "full-refresh"
    assert tables_of(db) == reference_tables(history() + later_batch())
    load_pages(
        db, [page(id="p200", anonymous_id="a2", timestamp=T0 + timedelta(hours=8), received_at=T0 + timedelta(days=2))]
    )
    assert run(db).mode == "incremental"


def state_of(path: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT * FROM sessionizer_state").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("stop", ["first stage", "last stage", "a failing statement"])
def test_a_failed_full_refresh_leaves_the_state_and_the_next_plain_run_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: str
) -> None:
    """SPEC "Writes": a run that fails leaves the state as it was (`status` still reads it); the
    mark of the refresh under way makes the next run, without --full-refresh, a full refresh."""
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    run(db)
    load_pages(db, later_batch())
    state = state_of(db)
    statements = compile(Config(source="pages"), "duckdb", "full-refresh")
    with monkeypatch.context() as patch:
        if stop == "a failing statement":
            from sessionizer.runner import Runner

            original = Runner.run_stage

            def failing(self: Runner, stage: str, *args: Any) -> Any:
                if stage == "sessions":
                    raise RunError(stage, "full-refresh", "duckdb", "SELECT 1", "stopped after a failure")
                return original(self, stage, *args)

            patch.setattr(Runner, "run_stage", failing)
        else:
            first = next(i for i, s in enumerate(statements, 1) if s.stage == "page_views")
            interrupted(patch, first if stop == "first stage" else len(statements) - 3)
        with pytest.raises(RunError, match="stopped after"):
            run(db, full_refresh=True)
    assert state_of(db) == state
    assert run(db).mode == "full-refresh"
    assert tables_of(db) == reference_tables(history() + later_batch())
    assert run(db).mode == "incremental"
