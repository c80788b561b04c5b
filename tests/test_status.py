"""`sessionizer status` on real DuckDB files: tables, the last run, the lag, unfinished work, exit codes."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from sessionizer.cli import main
from tests.helpers import generated_folder, interrupted

TARGET = "duckdb:///w.duckdb"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A folder holding w.duckdb with 500 generated pages in it."""
    return generated_folder(tmp_path, monkeypatch)


def status(cli: CliRunner, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli.invoke(main, ["status", "--target", TARGET, "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def query(path: Path, sql: str) -> Any:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def run_events(cli: CliRunner, *args: str) -> list[dict[str, Any]]:
    result = cli.invoke(main, ["run", "--target", TARGET, "--log-format", "json", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def written(events: list[dict[str, Any]]) -> int:
    return sum(e["rows_written"] for e in events if e["event"] == "stage")


def test_status_tells_tables_last_run_watermark_and_lag(cli: CliRunner, tmp_path: Path) -> None:
    events = run_events(cli)
    code, first = status(cli)
    assert code == 0 and first["ok"] and first["problems"] == []
    for table in first["tables"]:
        assert table["rows"] == query(tmp_path / "w.duckdb", f"SELECT COUNT(*) FROM {table['name']}")[0]
    assert first["last_run"]["mode"] == "full-refresh"
    assert first["last_run"]["rows_written"] == written(events)
    assert 0 < first["last_run"]["seconds"] <= events[-1]["seconds"]
    assert first["settings"]["inactivity_cutoff"] == 1800 and first["settings_match"] is True
    [source] = first["sources"]
    newest = query(tmp_path / "w.duckdb", "SELECT MAX(received_at) FROM pages WHERE anonymous_id IS NOT NULL")[0]
    assert (
        source["source"] == "pages"
        and source["watermark"] == source["newest_load_key"] == newest.replace(tzinfo=UTC).isoformat()
    )
    assert source["lag_seconds"] == 0
    assert first["unfinished"] == {"pending_anonymous_ids": 0, "pending_users": 0, "pending_watermark": None}

    # New rows loaded, not yet run: the lag is how far the newest load key is past the watermark.
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(
        "INSERT INTO pages SELECT * REPLACE ('late' AS id, received_at + INTERVAL 90 MINUTE AS received_at) "
        "FROM pages WHERE received_at = (SELECT MAX(received_at) FROM pages) LIMIT 1"
    )
    con.close()
    _, behind = status(cli)
    assert behind["sources"][0]["lag_seconds"] == 5400.0
    late = cli.invoke(main, ["status", "--target", TARGET])
    assert ", lag 1 h 30 min" in late.output and " ago), lag" in late.output

    events = run_events(cli)
    code, after = status(cli)
    assert code == 0 and after["last_run"]["mode"] == "incremental"
    assert after["last_run"]["rows_written"] == written(events) > 0
    assert after["sources"][0]["lag_seconds"] == 0
    assert after["built_at"] == first["built_at"]  # the last full refresh

    text = cli.invoke(main, ["status", "--target", TARGET])
    assert text.exit_code == 0
    assert "segment_web_sessions " in text.output and "last run" in text.output and ", incremental, " in text.output
    assert "lag 0 s" in text.output and "(same as now)" in text.output and text.output.rstrip().endswith("ok")
    changed = cli.invoke(main, ["status", "--target", TARGET, "--inactivity-cutoff", "600"])
    assert changed.exit_code == 0 and "DIFFERENT from now: the next run needs --full-refresh" in changed.output


def test_no_tables_exit_1_and_no_file_is_created(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["status", "--target", "duckdb:///none.duckdb"])
    assert result.exit_code == 1 and "no tables yet: run `sessionizer run` first" in result.output
    assert not (tmp_path / "none.duckdb").exists()
    code, payload = status(cli)  # the file exists with only the source in it
    assert code == 1 and payload["ok"] is False and all(t["rows"] is None for t in payload["tables"][:6])


def test_a_full_refresh_that_stopped_is_unfinished(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_events(cli)
    with monkeypatch.context() as patch:
        interrupted(patch, 4)  # after the prepare step marked the refresh, inside page_views
        result = cli.invoke(main, ["run", "--target", TARGET, "--full-refresh", "-q"])
        assert result.exit_code != 0
    code, payload = status(cli)
    assert code == 1 and "a full refresh stopped before it finished" in payload["problems"][0]
    assert payload["settings_match"] is True  # the state is as it was
    run_events(cli)
    assert status(cli)[0] == 0


def test_work_lists_left_behind_are_unfinished(cli: CliRunner, tmp_path: Path) -> None:
    """What a Snowflake or Redshift run stopped between its stages leaves (on DuckDB a whole
    incremental run is one transaction, so here the lists are filled by hand)."""
    run_events(cli)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("INSERT INTO sessionizer_pending_users VALUES ('u1', TIMESTAMP '2025-12-01 00:00:00')")
    con.close()
    code, payload = status(cli)
    assert code == 1 and payload["unfinished"]["pending_users"] == 1
    assert "an incremental run stopped before finishing" in payload["problems"][0]
    run_events(cli)
    code, payload = status(cli)
    assert code == 0 and payload["unfinished"]["pending_users"] == 0


def test_a_state_of_the_older_layout_is_rebuilt_by_a_full_refresh(cli: CliRunner, tmp_path: Path) -> None:
    """Tables left by a version without the last-run columns: the next plain run rebuilds."""
    run_events(cli)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for column in ("last_run_at", "last_run_mode", "last_run_seconds", "last_run_rows_written"):
        con.execute(f"ALTER TABLE sessionizer_state DROP COLUMN {column}")
    con.close()
    code, payload = status(cli)
    assert code == 1 and payload["last_run"] is None
    assert "older sessionizer" in payload["problems"][0]
    events = run_events(cli)
    assert events[-1]["mode"] == "full-refresh"
    code, payload = status(cli)
    assert code == 0 and payload["last_run"]["mode"] == "full-refresh"


def test_a_selected_part_of_the_plan_is_not_recorded_as_a_run(cli: CliRunner) -> None:
    run_events(cli)
    _, before = status(cli)
    run_events(cli, "--select", "sessions")
    _, after = status(cli)
    assert after["last_run"] == before["last_run"]  # the last whole run


def test_settings_naming_a_list_beside_tables_of_one_source(cli: CliRunner, tmp_path: Path) -> None:
    """Tables built from one source, a sessionizer.yml that now names a list: status reads the
    state row as it is and says the settings differ (it failed on the list's entry column)."""
    run_events(cli, "--source", "pages")
    (tmp_path / "sessionizer.yml").write_text("source:\n  - {table: pages, name: web}\n", "utf-8")
    code, found = status(cli)
    assert code == 0 and found["ok"] is True, found
    assert found["settings"]["source"] == "pages" and found["settings_match"] is False
    text = cli.invoke(main, ["status", "--target", TARGET])
    assert "DIFFERENT from now: the next run needs --full-refresh" in text.output


def test_a_source_table_that_is_gone_is_named(cli: CliRunner, tmp_path: Path) -> None:
    """The source table dropped after the run: the problem names it, not the engine's catalog error."""
    run_events(cli, "--source", "pages")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("DROP TABLE pages")
    con.close()
    code, found = status(cli)
    assert code == 1
    assert found["problems"] == [f"source pages: there is no table 'pages' in {TARGET}"]
    text = cli.invoke(main, ["status", "--target", TARGET]).output
    assert "Catalog Error" not in text and "pg_views" not in text
