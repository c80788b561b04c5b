"""The commands as an operator meets them (#24): exit codes that tell a finding from a failure,
JSON modes that stay JSON when something fails, read-only readers, paths, a remembered source,
and messages that say what to do. Each through click's CliRunner, on real DuckDB files."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner, Result

from sessionizer.cli import main
from sessionizer.errors import ExitCode
from sessionizer.generate import generate
from sessionizer.warehouse import Warehouse
from tests.helpers import generated_folder

TARGET = "duckdb:///w.duckdb"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A folder holding w.duckdb with 500 generated pages in it."""
    return generated_folder(tmp_path, monkeypatch)


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, ["run", "--target", TARGET, *args])


def json_lines(result: Result) -> list[dict[str, Any]]:
    """stdout as one JSON object per line: every line must parse."""
    return [json.loads(line) for line in result.stdout.splitlines()]


def break_stage(monkeypatch: pytest.MonkeyPatch, prefix: str, error: BaseException | None = None) -> None:
    """The first statement starting with ``prefix`` fails: with ``error``, or as a bad column."""
    real = Warehouse.execute

    def execute(self: Warehouse, sql: str) -> object:
        if sql.startswith(prefix):
            if error is not None:
                raise error
            sql = sql.replace("MIN(tstamp)", "MIN(no_such_column)")
        return real(self, sql)

    monkeypatch.setattr(Warehouse, "execute", execute)


# -- exit codes ------------------------------------------------------------------------------


def test_exit_codes_tell_a_finding_from_a_failure(cli: CliRunner, tmp_path: Path) -> None:
    assert ExitCode.OK == 0 and ExitCode.FINDING == 1 and ExitCode.FAILURE == 2 and ExitCode.INTERRUPTED == 130
    assert run(cli, "-q").exit_code == ExitCode.OK
    assert cli.invoke(main, ["status", "--target", TARGET]).exit_code == ExitCode.OK
    # A finding: check finds rows the tables miss; status finds an unfinished run.
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("DELETE FROM segment_web_page_views WHERE page_view_id IN (SELECT id FROM pages LIMIT 3)")
    con.execute("INSERT INTO sessionizer_pending_users VALUES ('u1', TIMESTAMP '2025-12-01 00:00:00')")
    con.close()
    check = cli.invoke(main, ["check", "--target", TARGET])
    assert check.exit_code == ExitCode.FINDING and "3 source row(s) are missing" in check.output
    as_json = cli.invoke(main, ["check", "--target", TARGET, "--format", "json"])
    assert as_json.exit_code == ExitCode.FINDING and json.loads(as_json.output)["missing"] == 3
    status = cli.invoke(main, ["status", "--target", TARGET])
    assert status.exit_code == ExitCode.FINDING and "an incremental run stopped before finishing" in status.output
    # A failure: bad settings, a bad usage, an engine error.
    bad = cli.invoke(main, ["check", "--target", TARGET, "--inactivity-cutoff", "soon"])
    assert bad.exit_code == ExitCode.FAILURE and "Error: inactivity_cutoff" in bad.output
    usage = cli.invoke(main, ["status", "--profile-target", "x"])
    assert usage.exit_code == ExitCode.FAILURE and "--profile-target needs --profile" in usage.output
    engine = cli.invoke(main, ["check", "--target", TARGET, "--source", "no_such_table"])
    assert engine.exit_code == ExitCode.FAILURE and "no_such_table" in engine.output


def test_a_failed_run_exits_2(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    break_stage(monkeypatch, "CREATE OR REPLACE TABLE segment_web_user_stitching")
    result = run(cli)
    assert result.exit_code == ExitCode.FAILURE and "stage user_stitching (full refresh)" in result.output


@pytest.mark.parametrize("how", ["engine", "python"])
def test_ctrl_c_is_an_interruption_not_a_failure(cli: CliRunner, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """DuckDB turns Ctrl-C into an InterruptException of the running statement; elsewhere Python
    raises KeyboardInterrupt. Either way: one line, no SQL, exit 130, and the next run finishes."""
    assert run(cli, "-q").exit_code == 0
    stop = duckdb.InterruptException("INTERRUPT Error: Interrupted!") if how == "engine" else KeyboardInterrupt()
    with monkeypatch.context() as patch:
        break_stage(patch, "CREATE OR REPLACE TABLE segment_web_user_stitching", stop)
        result = run(cli, "--full-refresh")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert result.stderr.strip() == "Error: interrupted; the next run finishes the job"
    assert "statement" not in result.output and "SELECT" not in result.output
    assert run(cli, "-q").exit_code == 0
    assert cli.invoke(main, ["status", "--target", TARGET]).exit_code == 0


# -- JSON modes ------------------------------------------------------------------------------


def test_a_failed_stage_in_json_is_its_start_then_one_error_event(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_stage(monkeypatch, "CREATE OR REPLACE TABLE segment_web_user_stitching")
    result = run(cli, "--log-format", "json")
    assert result.exit_code == ExitCode.FAILURE
    events = json_lines(result)
    assert [e["event"] for e in events] == ["start", "stage", "error"]
    error = events[-1]
    assert error["stage"] == "user_stitching" and error["target"] == TARGET and error["exit_code"] == 2
    assert error["message"].startswith("stage user_stitching (full refresh) on duckdb:///w.duckdb failed:")
    assert "no_such_column" in error["message"] and "CREATE OR REPLACE" in error["statement"]
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "--log-format", "json", "--inactivity-cutoff", "soon"], "inactivity_cutoff: expected"),
        (["run", "--log-format", "json", "--source", "nope"], "there is no table 'nope'"),
        (["status", "--format", "json", "--config", "missing.yml"], "config: cannot read missing.yml"),
        (["status", "--format", "json", "--profile-target", "x"], "--profile-target needs --profile"),
        (["compile", "--format", "json", "--select", "nope"], "select: unknown stage 'nope'"),
        (["check", "--format", "json", "--source", "nope"], "there is no table 'nope'"),
    ],
)
def test_every_failure_in_a_json_mode_is_one_json_event(cli: CliRunner, args: list[str], words: str) -> None:
    result = cli.invoke(main, [*args, "--target", TARGET])
    assert result.exit_code == ExitCode.FAILURE, result.output
    (event,) = json_lines(result)
    assert event["event"] == "error" and words in event["message"] and event["exit_code"] == 2
    assert set(event) >= {"stage", "target", "message", "kind"}
    assert result.stderr == ""


# -- readers read only -----------------------------------------------------------------------


def test_status_report_and_check_open_the_file_read_only(cli: CliRunner, tmp_path: Path) -> None:
    """A read-only user's file (0444) is read, and left byte for byte as it was."""
    assert run(cli, "-q").exit_code == 0
    db = tmp_path / "w.duckdb"
    db.chmod(0o444)
    before = db.read_bytes()
    try:
        status = cli.invoke(main, ["status", "--target", TARGET])
        assert status.exit_code == 0 and status.output.rstrip().endswith("ok"), status.output
        check = cli.invoke(main, ["check", "--target", TARGET])
        assert check.exit_code == 0 and "ok: every valid source row is in the tables" in check.output
        report = cli.invoke(main, ["report", "--target", TARGET, "--out", "r.html"])
        assert report.exit_code == 0 and (tmp_path / "r.html").exists()
    finally:
        db.chmod(0o644)
    assert db.read_bytes() == before and not Path(f"{db}.wal").exists()


def hold(db: Path) -> subprocess.Popen[str]:
    """Another process holding ``db`` for writing, as a run does for its whole length."""
    code = f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def test_a_file_a_run_is_writing_is_named_so(cli: CliRunner, tmp_path: Path) -> None:
    assert run(cli, "-q").exit_code == 0
    holder = hold(tmp_path / "w.duckdb")
    try:
        for command in (["status"], ["check"], ["report", "--out", "r.html"]):
            result = cli.invoke(main, [*command, "--target", TARGET])
            assert result.exit_code == ExitCode.FAILURE, result.output
            assert f"Error: a run is writing w.duckdb (PID {holder.pid}), try again when it ends" in result.output
            assert "Conflicting lock" not in result.output
        (event,) = json_lines(cli.invoke(main, ["status", "--target", TARGET, "--format", "json"]))
        assert event["kind"] == "StateError" and event["target"] == TARGET and f"PID {holder.pid}" in event["message"]
        busy = run(cli, "--log-format", "json")
        assert busy.exit_code == ExitCode.FAILURE
        (event,) = json_lines(busy)
        assert event["event"] == "error" and f"is in use by another process (PID {holder.pid})" in event["message"]
    finally:
        holder.kill()
        holder.wait()
    assert cli.invoke(main, ["status", "--target", TARGET]).exit_code == 0


# -- paths and the remembered source -----------------------------------------------------------


def test_the_source_of_the_last_run_is_remembered(cli: CliRunner, tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "w.duckdb")).execute("COPY pages TO 'pages.parquet' (FORMAT parquet)").close()
    assert run(cli, "-q", "--source", "pages.parquet").exit_code == 0
    status = cli.invoke(main, ["status", "--target", TARGET, "--format", "json"])
    assert status.exit_code == 0, status.output
    payload = json.loads(status.output)
    assert payload["ok"] and payload["sources"][0]["source"] == "pages.parquet"
    assert payload["sources"][0]["newest_load_key"] is not None
    check = cli.invoke(main, ["check", "--target", TARGET])
    assert check.exit_code == 0 and "ok: every valid source row is in the tables" in check.output
    report = cli.invoke(main, ["report", "--target", TARGET, "--out", "r.html"])
    assert report.exit_code == 0 and (tmp_path / "r.html").exists()
    # A source status cannot read is a problem, not ok.
    (tmp_path / "pages.parquet").unlink()
    gone = cli.invoke(main, ["status", "--target", TARGET])
    assert (
        gone.exit_code == ExitCode.FINDING and "problem    source pages.parquet: cannot read the source" in gone.output
    )
    assert not gone.output.rstrip().endswith("ok")


def test_relative_paths_in_a_settings_file_are_the_files_own(cli: CliRunner, tmp_path: Path) -> None:
    """cron runs `sessionizer run --config proj/sessionizer.yml` from elsewhere: the source, the
    referrer mapping and the DuckDB file are proj's, and the file's missing folder is created."""
    proj = tmp_path / "proj"
    proj.mkdir()
    duckdb.connect(str(tmp_path / "w.duckdb")).execute(
        f"COPY pages TO '{proj / 'pages.parquet'}' (FORMAT parquet)"
    ).close()
    (proj / "mapping.csv").write_text("medium,source,host\nsearch,Google,google.com\n", "utf-8")
    (proj / "sessionizer.yml").write_text(
        "source: pages.parquet\ntarget: duckdb:///out/db/w.duckdb\nreferrer_mapping: mapping.csv\n", "utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(elsewhere)
        result = cli.invoke(main, ["run", "--config", "../proj/sessionizer.yml"])
        assert result.exit_code == 0, result.output
        assert f"on duckdb:///{proj / 'out/db/w.duckdb'}" in result.output
        assert (proj / "out" / "db" / "w.duckdb").exists() and list(elsewhere.iterdir()) == []
        status = cli.invoke(main, ["status", "--config", "../proj/sessionizer.yml"])
        assert status.exit_code == 0, status.output


def test_duckdb_path_forms(cli: CliRunner, tmp_path: Path) -> None:
    """Three slashes: relative to the working directory; four: absolute. A missing folder is
    created, and removed again when the run stops before writing."""
    absolute = tmp_path / "abs" / "deep" / "a.duckdb"
    duckdb.connect(str(tmp_path / "w.duckdb")).execute("COPY pages TO 'pages.parquet' (FORMAT parquet)").close()
    made = cli.invoke(main, ["run", "--source", "pages.parquet", "--target", f"duckdb:///{absolute}", "-q"])
    assert made.exit_code == 0 and absolute.exists(), made.output
    relative = cli.invoke(main, ["run", "--source", "pages.parquet", "--target", "duckdb:///rel/r.duckdb", "-q"])
    assert relative.exit_code == 0 and (tmp_path / "rel" / "r.duckdb").exists()
    failed = cli.invoke(main, ["run", "--source", "nope.parquet", "--target", "duckdb:///new/dir/n.duckdb"])
    assert failed.exit_code == ExitCode.FAILURE and not (tmp_path / "new").exists()


# -- compile ---------------------------------------------------------------------------------


def test_compile_qualifies_with_the_targets_schema(cli: CliRunner) -> None:
    result = cli.invoke(
        main, ["compile", "--target", "snowflake://ME@ACCT/RAW/ANALYTICS?warehouse=W", "--source", "s.p"]
    )
    assert result.exit_code == 0, result.output
    assert 'CREATE OR REPLACE TABLE "ANALYTICS".segment_web_sessions' in result.output
    assert "CREATE OR REPLACE TABLE segment_web_sessions" not in result.output
    postgres = cli.invoke(main, ["compile", "--target", "postgres://me@db/app/seg", "--schema", "other"])
    assert postgres.exit_code == 0 and 'CREATE TABLE "other".segment_web_sessions' in postgres.output


def test_compile_needs_no_password(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNOWFLAKE_PASSWORD", raising=False)
    result = cli.invoke(main, ["compile", "--target", "snowflake://ME@ACCT/RAW/SEG", "--source", "s.p"])
    assert result.exit_code == 0 and "SNOWFLAKE_PASSWORD" not in result.output


def test_compile_out_removes_only_its_own_stale_stage_files(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert cli.invoke(main, ["compile", "--out", str(out)]).exit_code == 0
    assert len(list(out.glob("*.sql"))) == 8
    (out / "README.md").write_text("mine", "utf-8")
    (out / "99_mine.sql").write_text("SELECT 1", "utf-8")
    again = cli.invoke(main, ["compile", "--out", str(out), "--select", "sessions_initial+"])
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.iterdir()) == [
        "01_sessions_initial.sql", "02_sessions_stitched.sql", "03_sessions.sql", "99_mine.sql", "README.md",
    ]  # fmt: skip
    assert (out / "01_sessions_initial.sql").read_text("utf-8").startswith("-- stage 1: sessions_initial")


# -- selections ------------------------------------------------------------------------------


def test_a_selection_on_a_new_target_names_the_tables_it_needs(cli: CliRunner, tmp_path: Path) -> None:
    before = (tmp_path / "w.duckdb").read_bytes()
    result = run(cli, "--select", "sessions_initial+")
    assert result.exit_code == ExitCode.FAILURE
    assert (
        "Error: --select sessions_initial+ reads segment_web_page_views__sessionized, segment_web_user_stitching, which "
        "do not exist yet; run without --select first" in result.output
    )
    assert "Catalog Error" not in result.output and (tmp_path / "w.duckdb").read_bytes() == before
    assert run(cli, "-q").exit_code == 0
    assert run(cli, "-q", "--select", "sessions_initial+").exit_code == 0


def test_one_stage_alone_is_refused_so_status_stays_honest(cli: CliRunner) -> None:
    assert run(cli, "-q").exit_code == 0
    alone = run(cli, "--select", "page_views")
    assert alone.exit_code == ExitCode.FAILURE
    assert "'page_views' alone would leave user_stitching, sessionized, sessions_initial" in alone.output
    assert "run --select page_views+" in alone.output
    status = cli.invoke(main, ["status", "--target", TARGET])
    assert status.exit_code == 0 and status.output.rstrip().endswith("ok")
    assert run(cli, "-q", "--select", "sessions").exit_code == 0  # the last stage has nothing after it
    assert run(cli, "-q", "--select", "page_views+").exit_code == 0
    assert cli.invoke(main, ["status", "--target", TARGET]).exit_code == 0


def test_a_selected_full_refresh_with_other_settings_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    """A --select after page_views keeps the state and the tables before it: rebuilding the rest
    with another cutoff would mix two definitions, and the next incremental run would not know."""
    assert run(cli, "-q").exit_code == 0
    before = (tmp_path / "w.duckdb").read_bytes()
    mixed = run(cli, "--select", "sessionized+", "--full-refresh", "--inactivity-cutoff", "60")
    assert mixed.exit_code == ExitCode.FAILURE
    assert "inactivity_cutoff: 1800 when the tables were built, 60 now" in mixed.output
    assert "Run again with --full-refresh and without --select." in mixed.output
    assert (tmp_path / "w.duckdb").read_bytes() == before
    assert run(cli, "-q", "--select", "sessionized+", "--full-refresh").exit_code == 0  # same settings: fine
    assert run(cli, "-q", "--select", "page_views+", "--full-refresh", "--inactivity-cutoff", "60").exit_code == 0
    status = cli.invoke(main, ["status", "--target", TARGET, "--format", "json", "--inactivity-cutoff", "60"])
    assert json.loads(status.stdout)["settings_match"] is True


# -- messages --------------------------------------------------------------------------------


def test_a_screens_table_without_name_is_named_by_its_entry(cli: CliRunner, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE screens AS SELECT id, anonymous_id, user_id, received_at, sent_at, timestamp FROM pages")
    con.close()
    (tmp_path / "sessionizer.yml").write_text(
        "source:\n  - {table: pages, name: web}\n  - {table: screens, name: ios, kind: screens}\n", "utf-8"
    )
    result = run(cli)
    assert result.exit_code == ExitCode.FAILURE
    assert (
        "Error: source[1]: the screens table 'screens' lacks the column(s) name; a screens entry needs" in result.output
    )


def test_a_column_sessionizer_reads_is_not_a_pass_through_column(cli: CliRunner) -> None:
    result = run(cli, "--pass-through-columns", "context_ip")
    assert result.exit_code == ExitCode.FAILURE
    assert (
        "sessionizer already reads 'context_ip' from the source; leave it out of pass_through_columns" in result.output
    )


def test_a_settings_change_shows_the_stored_and_the_new_value(cli: CliRunner) -> None:
    assert run(cli, "-q").exit_code == 0
    result = run(cli, "--inactivity-cutoff", "600", "--incremental-key", "sent_at")
    assert result.exit_code == ExitCode.FAILURE
    assert "inactivity_cutoff: 1800 when the tables were built, 600 now" in result.output
    assert 'incremental_key: "received_at" when the tables were built, "sent_at" now' in result.output
    assert "--full-refresh" in result.output


def test_report_of_an_unknown_source_name_lists_the_names(cli: CliRunner, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(
        "CREATE TABLE screens AS SELECT 's' || id AS id, anonymous_id, user_id, received_at, sent_at, timestamp, "
        "'Home' AS name FROM pages LIMIT 50"
    )
    con.close()
    (tmp_path / "sessionizer.yml").write_text(
        f"target: {TARGET}\nsource:\n  - {{table: pages, name: web}}\n  - {{table: screens, name: ios, kind: screens}}\n",
        "utf-8",
    )
    assert cli.invoke(main, ["run", "-q"]).exit_code == 0
    nope = cli.invoke(main, ["report", "--source-name", "nope", "--out", "r.html"])
    assert nope.exit_code == ExitCode.FAILURE
    assert "Error: source-name: no session has source_name 'nope'; the names are ios, web" in nope.output
    assert not (tmp_path / "r.html").exists()
    assert cli.invoke(main, ["report", "--source-name", "ios", "--out", "r.html"]).exit_code == 0


def test_status_says_how_old_the_newest_row_is_and_times_carry_their_zone(cli: CliRunner, tmp_path: Path) -> None:
    """A loader that stopped: the lag is 0 (every loaded row is in), the newest row is days old."""
    assert run(cli, "-q").exit_code == 0
    newest = duckdb.connect(str(tmp_path / "w.duckdb")).execute("SELECT MAX(received_at) FROM pages").fetchone()
    assert newest is not None
    result = cli.invoke(main, ["status", "--target", TARGET, "--format", "json"])
    payload = json.loads(result.output)
    [source] = payload["sources"]
    assert source["lag_seconds"] == 0
    age = (datetime.now(UTC) - newest[0].replace(tzinfo=UTC)).total_seconds()
    assert abs(source["newest_load_key_age_seconds"] - age) < 60
    for value in (source["watermark"], source["newest_load_key"], payload["built_at"], payload["last_run"]["at"]):
        assert value.endswith("+00:00"), value
    assert datetime.fromisoformat(source["newest_load_key"]) == newest[0].replace(tzinfo=UTC)
    text = cli.invoke(main, ["status", "--target", TARGET]).output
    days = int(age // 86400)
    assert f" ({days} d " in text and " ago), lag 0 s" in text


# -- init --from-dbt -------------------------------------------------------------------------


def test_init_from_dbt_keeps_the_schema_resolves_vars_and_names_what_it_leaves(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text(
        """
name: analytics
vars:
  cutoff: 900
  segment:
    segment_inactivity_cutoff: "{{ var('cutoff') }}"
    segment_sessionization_trailing_window: "{{ var('window', 4) }}"
    segment_bigquery_partition_granularity: day
models:
  segment:
    +schema: web_sessions
""",
        "utf-8",
    )
    result = cli.invoke(main, ["init", "--from-dbt", "dbt_project.yml"])
    assert result.exit_code == 0, result.output
    assert "models.segment +schema → schema: web_sessions" in result.output
    assert "<the profile's schema>_web_sessions" in result.output
    assert "not mapped: segment_bigquery_partition_granularity" in result.output
    assert "segment_inactivity_cutoff → inactivity_cutoff: 900" in result.output
    written = yaml.safe_load((tmp_path / "sessionizer.yml").read_text("utf-8"))
    assert written == {"inactivity_cutoff": 900, "trailing_window": 4, "schema": "web_sessions"}
    compiled = cli.invoke(main, ["compile", "--dialect", "postgres"])
    assert compiled.exit_code == 0 and 'CREATE TABLE "web_sessions".segment_web_sessions' in compiled.output

    (tmp_path / "unset.yml").write_text("vars:\n  segment_page_views_table: \"{{ var('pages_table') }}\"\n", "utf-8")
    unset = cli.invoke(main, ["init", "--from-dbt", "unset.yml", "--out", "u.yml"])
    assert unset.exit_code == ExitCode.FAILURE
    assert "segment_page_views_table reads var('pages_table'), which unset.yml does not set" in unset.output
    assert "not a valid identifier" not in unset.output and not (tmp_path / "u.yml").exists()


def test_a_real_ctrl_c_during_a_stage(tmp_path: Path) -> None:
    """SIGINT to a running `sessionizer run` while DuckDB runs a stage's statement."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    generate(con, "pages", 200_000, 5)
    con.close()
    command = [sys.executable, "-m", "sessionizer", "run", "--target", TARGET]
    running = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert running.stdout is not None and running.stdout.readline().startswith("sessionizer run: full-refresh")
    time.sleep(0.2)  # inside page_views, which takes about a second here
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=120)
    assert running.returncode == ExitCode.INTERRUPTED, out + err
    assert err == "Error: interrupted; the next run finishes the job\n"
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    status = subprocess.run([*command[:3], "status", "--target", TARGET], cwd=tmp_path, capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout.rstrip().endswith("ok")
