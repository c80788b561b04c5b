"""The command line, driven through click's CliRunner: output, exit codes, and the database."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner

from sessionizer.cli import main
from sessionizer.config import Config
from sessionizer.demo import DEMO_DAYS, run_demo
from sessionizer.job import Job
from sessionizer.report import cards, gather
from tests.helpers import T0, fetch_row, history, load_pages, page


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and subcommand under ``group``, as the words that call it."""
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


COMMANDS = sorted(command_paths(main))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_examples(cli: CliRunner, path: tuple[str, ...]) -> None:
    result = cli.invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and "sessionizer " + " ".join(path) in result.output


def test_top_level_help_teaches(cli: CliRunner) -> None:
    result = cli.invoke(main, ["--help"])
    assert result.exit_code == 0
    for path in COMMANDS:
        assert " ".join(path) in result.output
    assert "sessionizer demo" in result.output


def test_compile_prints_each_stage_with_a_comment(cli: CliRunner) -> None:
    result = cli.invoke(
        main, ["compile", "--dialect", "snowflake", "--source", "segment.pages", "--schema", "analytics"]
    )
    assert result.exit_code == 0, result.output
    stages = [line for line in result.output.splitlines() if line.startswith("-- stage")]
    assert stages == [
        "-- stage 1: prepare (snowflake, full-refresh)",
        "-- stage 2: page_views (snowflake, full-refresh)",
        "-- stage 3: user_stitching (snowflake, full-refresh)",
        "-- stage 4: sessionized (snowflake, full-refresh)",
        "-- stage 5: sessions_initial (snowflake, full-refresh)",
        "-- stage 6: sessions_stitched (snowflake, full-refresh)",
        "-- stage 7: sessions (snowflake, full-refresh)",
        "-- stage 8: finish (snowflake, full-refresh)",
    ]
    assert 'CREATE OR REPLACE TABLE "ANALYTICS".segment_web_sessions' in result.output
    assert 'FROM "SEGMENT"."PAGES" AS source' in result.output


def test_compile_select_json_and_out(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(
        main, ["compile", "--dialect", "redshift", "--incremental", "--select", "sessions_initial+", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert [(p["stage"], p["order"]) for p in payload] == [
        ("sessions_initial", 1),
        ("sessions_stitched", 2),
        ("sessions", 3),
    ]
    assert all("DELETE FROM segment_web_" in p["sql"] for p in payload)
    out = cli.invoke(main, ["compile", "--dialect", "duckdb", "--out", str(tmp_path / "sql")])
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in (tmp_path / "sql").iterdir())[:3] == [
        "01_prepare.sql",
        "02_page_views.sql",
        "03_user_stitching.sql",
    ]
    # With --format json, one plan.json, and the message names it (not "stage files").
    as_json = cli.invoke(main, ["compile", "--format", "json", "--out", str(tmp_path / "json")])
    assert as_json.exit_code == 0, as_json.output
    assert [p.name for p in (tmp_path / "json").iterdir()] == ["plan.json"]
    assert len(json.loads((tmp_path / "json" / "plan.json").read_text("utf-8"))) == 8
    assert f"wrote {tmp_path / 'json' / 'plan.json'}: 8 stage(s)" in as_json.output


def test_compile_reads_the_config_file(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "sessionizer.yml").write_text("source: raw.pages\ninactivity_cutoff: 10 * 60\n")
    result = cli.invoke(main, ["compile", "--select", "sessionized"])
    assert result.exit_code == 0, result.output
    assert "inactivity_s > 600" in result.output
    assert "raw.pages" not in result.output  # sessionized reads page views, not the source


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["compile", "--inactivity-cutoff", "soon"], 2, "Error: inactivity_cutoff: expected a whole number of seconds"),
        (["compile", "--schema", "x;drop table y"], 2, "Error: schema: 'x;drop table y' is not a valid identifier"),
        (["compile", "--select", "nope"], 2, "Error: select: unknown stage 'nope'"),
        (["compile", "--dialect", "oracle"], 2, "Invalid value for '--dialect'"),
        (
            ["compile", "--dialect", "snowflake", "--source", "x/*.parquet"],
            2,
            "Error: source: files are read on duckdb only",
        ),
        (["compile", "--config", "missing.yml"], 2, "Error: config: cannot read missing.yml"),
        (
            ["run", "--target", "mysql://me:pw@h/db"],
            2,
            "Error: target 'mysql://me:***@h/db' is not a URL this tool knows",
        ),
    ],
)
def test_errors_are_one_line_without_traceback(cli: CliRunner, args: list[str], code: int, message: str) -> None:
    result = cli.invoke(main, args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_run_then_check(cli: CliRunner, tmp_path: Path) -> None:
    load_pages(tmp_path / "w.duckdb", history())
    first = cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb"])
    assert first.exit_code == 0, first.output
    assert "full-refresh on duckdb:///w.duckdb" in first.output
    assert "30 page views" in first.output and "1 rejected rows" in first.output
    load_pages(tmp_path / "w.duckdb", [page(id="late", anonymous_id="a9", received_at=T0 + timedelta(days=1))])
    second = cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb", "--log-format", "json"])
    assert second.exit_code == 0, second.output
    events = [json.loads(line) for line in second.output.splitlines()]
    assert [e["event"] for e in events] == ["start"] + ["stage"] * 6 + ["summary"]
    assert events[-1]["mode"] == "incremental" and events[-1]["page_views"] == 31 and events[-1]["new_sessions"] == 1
    quiet = cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb", "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
    check = cli.invoke(main, ["check", "--target", "duckdb:///w.duckdb"])
    assert check.exit_code == 0 and "ok: every valid source row is in the tables" in check.output


def test_check_reports_rows_the_window_missed(cli: CliRunner, tmp_path: Path) -> None:
    load_pages(tmp_path / "w.duckdb", history())
    assert cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb"]).exit_code == 0
    load_pages(
        tmp_path / "w.duckdb", [page(id="ancient", received_at=T0.replace(year=2020), timestamp=T0.replace(year=2020))]
    )
    assert cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb", "-q"]).exit_code == 0
    result = cli.invoke(main, ["check", "--target", "duckdb:///w.duckdb"])
    assert result.exit_code == 1
    assert "1 source row(s) are missing" in result.output and "loaded at 2020-01-01 10:00:00 UTC." in result.output
    assert "--full-refresh" in result.output
    # In JSON its times are ISO 8601 in UTC with their zone, as status writes them.
    as_json = cli.invoke(main, ["check", "--target", "duckdb:///w.duckdb", "--format", "json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "missing": 1, "oldest_received_at": "2020-01-01T10:00:00+00:00", "oldest_timestamp": "2020-01-01T10:00:00+00:00"
    }  # fmt: skip


def test_run_errors(cli: CliRunner, tmp_path: Path) -> None:
    missing = cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb", "--source", "nope"])
    assert missing.exit_code == 2 and "Error: there is no table 'nope' in duckdb:///w.duckdb." in missing.output
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE pages AS SELECT 'x' AS id, 'a' AS anonymous_id, NOW() AS received_at")
    con.close()
    lacking = cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb"])
    assert lacking.exit_code == 2 and "'pages' lacks the column(s) timestamp;" in lacking.output
    unreachable = cli.invoke(main, ["run", "--target", "redshift://me:pw@127.0.0.1:9/dev/public?ssl=false&timeout=2"])
    assert unreachable.exit_code == 2
    assert "Error: cannot connect to redshift://me:***@127.0.0.1:9/dev/public" in unreachable.output
    assert "pw@" not in unreachable.output and "Traceback" not in unreachable.output


def test_debug_keeps_the_traceback(cli: CliRunner) -> None:
    result = cli.invoke(main, ["run", "--source", "nope", "--debug"])
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "SourceError"


def test_generate_and_run_on_the_file(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["generate", "--rows", "2000", "--seed", "3", "--out", "pages.parquet"])
    assert result.exit_code == 0, result.output
    assert "wrote 2,000 page views to pages.parquet" in result.output
    run = cli.invoke(main, ["run", "--source", "pages.parquet", "--target", "duckdb:///p.duckdb"])
    assert run.exit_code == 0, run.output
    con = duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True)
    assert fetch_row(con, "SELECT COUNT(*) FROM segment_web_page_views")[0] > 1900
    bad = cli.invoke(main, ["generate", "--rows", "10", "--out", "pages.xlsx"])
    assert bad.exit_code == 2 and ".parquet" in bad.output


def test_demo(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["demo", "--rows", "5000", "--seed", "7", "--target", "duckdb:///demo.duckdb"])
    assert result.exit_code == 0, result.output
    for line in ("Audience overview, 2025-10-03 to 2025-12-31", "pages per session", "bounce rate", "new sessions",
                 "mean duration", "Sessions per referrer medium", "search", "(unmapped)"):  # fmt: skip
        assert line in result.output
    assert "(other)" not in result.output
    assert "Explore: python -m sessionizer status --target duckdb:///demo.duckdb" in result.output
    explore = (
        "import duckdb; print(duckdb.connect('demo.duckdb', read_only=True).sql('SELECT * FROM segment_web_sessions"
    )
    assert explore in result.output
    con = duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True)
    sessions, page_views = fetch_row(con, "SELECT COUNT(*), SUM(page_views) FROM segment_web_sessions")
    con.close()
    assert f"{sessions:,}" in result.output and f"{int(page_views):,}" in result.output
    report = Path(result.output.split("Report: ", 1)[1].split(" (open it in a browser; it works offline)")[0])
    assert report.name == "demo.html" and report.parent.parent == Path(tempfile.gettempdir())
    assert "Plotly.newPlot" in report.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb"]  # no HTML in the working tree
    again = cli.invoke(main, ["demo", "--rows", "5000", "--seed", "7", "--target", "duckdb:///demo.duckdb"])
    assert again.exit_code == 0, again.output
    overview = result.output.split("Audience overview")[1].split("Report: ")[0]
    assert again.output.split("Audience overview")[1].split("Report: ")[0] == overview  # same seed, same figures


def test_the_demo_refuses_an_in_memory_target(cli: CliRunner, tmp_path: Path) -> None:
    """Generated into one in-memory database, run on another: it failed naming a missing 'pages'."""
    result = cli.invoke(main, ["demo", "--rows", "10", "--target", "duckdb://"])
    assert result.exit_code == 2
    assert "Error: the demo runs on a local DuckDB file; give --target duckdb:///FILE.duckdb" in result.output
    assert "no table 'pages'" not in result.output and list(tmp_path.iterdir()) == []


def test_the_demo_s_overview_is_the_report_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo prints the report's figures of the same file, not its own version of them."""
    monkeypatch.chdir(tmp_path)
    printed: list[str] = []
    shown = run_demo(rows=3000, seed=11, target="duckdb:///demo.duckdb", echo=printed.append)
    from sessionizer.generate import DEFAULT_END

    until = DEFAULT_END - timedelta(microseconds=1)  # the demo's window ends with its generated rows
    data = gather(Job(Config(source="pages"), "duckdb:///demo.duckdb"), DEMO_DAYS, until=until)
    assert data.totals is not None
    con = duckdb.connect("demo.duckdb", read_only=True)
    (sessions,) = fetch_row(con, "SELECT COUNT(*) FROM segment_web_sessions")
    con.close()
    assert data.totals.sessions == sessions  # the report's window holds every generated session
    assert shown["overview"] == {card["metric"]: card["value"] for card in cards(data)}
    assert shown["mediums"] == [(c.label, c.sessions) for c in data.breakdowns["medium"]]
    assert {"(direct)", "(unmapped)", "search"} <= {label for label, _ in shown["mediums"]}
    text = "\n".join(printed)
    for card in cards(data):
        assert re.search(rf"^{re.escape(card['name'])} +{re.escape(card['value'])}$", text, re.MULTILINE), card
    for label, count in shown["mediums"]:
        assert re.search(rf"^{re.escape(label)} +{count:,}$", text, re.MULTILINE), label


def test_demo_without_the_report_extra_says_how_to_get_the_report(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "plotly", None)  # as if `sessionizer[report]` were not installed
    result = cli.invoke(main, ["demo", "--rows", "500", "--target", "duckdb:///demo.duckdb"])
    assert result.exit_code == 0, result.output
    assert "For charts of these sessions in one HTML file: pip install 'sessionizer[report]'" in result.output
    assert not (tmp_path / "demo.html").exists()


def test_a_failing_statement_is_shown_with_its_stage(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse error names the stage and shows the statement, without a traceback."""
    from sessionizer.warehouse import Warehouse

    load_pages(tmp_path / "w.duckdb", history())
    real = Warehouse.execute

    def failing(self: Warehouse, sql: str) -> object:
        if sql.startswith("CREATE OR REPLACE TABLE segment_web_user_stitching"):
            sql = sql.replace("MIN(tstamp)", "MIN(no_such_column)")
        return real(self, sql)

    monkeypatch.setattr(Warehouse, "execute", failing)
    result = cli.invoke(main, ["run", "--target", "duckdb:///w.duckdb"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Error: stage user_stitching (full refresh) on duckdb:///w.duckdb failed:" in result.output
    assert "no_such_column" in result.output and "LINE 1:" not in result.output
    assert "statement:\n    CREATE OR REPLACE TABLE segment_web_user_stitching AS" in result.output


def test_compile_needs_no_warehouse_driver() -> None:
    """Drivers are optional extras, imported only to connect."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules.update({'snowflake': None, 'snowflake.connector': None, 'redshift_connector': None}); "
        "from sessionizer.cli import main; main(['compile', '--dialect', 'snowflake'])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "CREATE OR REPLACE TABLE segment_web_sessions" in result.stdout


@pytest.mark.parametrize(
    ("target", "dialect"),
    [("bigquery://my-project-1/analytics", "bigquery"), ("postgresql://me@db:5432/app/analytics", "postgres")],
)
def test_compile_tells_the_dialect_from_the_target(cli: CliRunner, target: str, dialect: str) -> None:
    result = cli.invoke(main, ["compile", "--target", target, "--source", "segment.pages"])
    assert result.exit_code == 0, result.output
    assert f"-- stage 1: prepare ({dialect}, full-refresh)" in result.output


def test_the_demo_never_overwrites_a_table_it_did_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file holding the user's own pages: the demo stops before writing (exit 1), the file's
    tables unchanged; a file the demo wrote before it writes again."""
    monkeypatch.chdir(tmp_path)
    con = duckdb.connect("real.duckdb")
    con.execute("CREATE TABLE pages AS SELECT range AS id FROM range(1234)")
    con.close()
    result = CliRunner().invoke(main, ["demo", "--rows", "1000", "--target", "duckdb:///real.duckdb"])
    assert result.exit_code == 2 and "already holds pages, which the demo did not write" in result.output
    con = duckdb.connect("real.duckdb", read_only=True)
    assert con.execute("SELECT COUNT(*) FROM pages").fetchall() == [(1234,)]
    assert [r[0] for r in con.execute("SHOW TABLES").fetchall()] == ["pages"]
    con.close()
    for _ in range(2):
        again = CliRunner().invoke(main, ["demo", "--rows", "1000", "--target", "duckdb:///mine.duckdb"])
        assert again.exit_code == 0, again.output


def test_the_demo_with_sources_reads_a_source_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """demo --sources: the generated visitors' screens, tracks and identifies too, read as a list;
    every session carries its source_name, and a second demo on the same file may write again."""
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        result = CliRunner().invoke(main, ["demo", "--rows", "2000", "--sources", "--target", "duckdb:///d.duckdb"])
        assert result.exit_code == 0, result.output
        assert "screens rows of the same visitors" in result.output
    con = duckdb.connect("d.duckdb", read_only=True)
    names = dict(con.execute("SELECT source_name, COUNT(*) FROM segment_web_sessions GROUP BY 1").fetchall())
    con.close()
    assert set(names) == {"web", "app"} and all(names.values())
