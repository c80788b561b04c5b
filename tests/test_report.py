"""`sessionizer report` on real DuckDB files: the aggregates equal SQL written here over the
tables, the file is self-contained, and the command says what it needs."""

from __future__ import annotations

import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from sessionizer.cli import main
from sessionizer.config import Config
from sessionizer.dialects import dialect_names, get_dialect
from sessionizer.generate import DEFAULT_END, generate
from sessionizer.job import Job
from sessionizer.report import DURATION_TIERS, gather

TARGET = "duckdb:///w.duckdb"
# The generated sessions end on 2025-12-31: the reports here end there, not at today.
END = DEFAULT_END - timedelta(microseconds=1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with generated pages, sessionized once."""
    path = tmp_path_factory.mktemp("report") / "w.duckdb"
    con = duckdb.connect(str(path))
    generate(con, "pages", 2000, 5)
    con.close()
    Job(Config(), f"duckdb:///{path}").run()
    return path


@pytest.fixture
def cli(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.duckdb").write_bytes(built.read_bytes())
    return CliRunner()


def sql(path: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_the_aggregates_are_what_sql_over_the_sessions_says(built: Path) -> None:
    data = gather(Job(Config(), f"duckdb:///{built}"), days=20, until=END)
    (newest,) = sql(built, "SELECT MAX(session_start_tstamp)::DATE FROM segment_web_sessions")[0]
    since = newest - timedelta(days=19)
    assert data.since is not None and data.since.date() == since
    window = f"FROM segment_web_sessions WHERE session_start_tstamp >= DATE '{since}'"
    totals = sql(
        built,
        f"""SELECT COUNT(*), COUNT(DISTINCT blended_user_id), SUM(page_views),
                              COUNT(*) FILTER (session_number = 1), COUNT(*) FILTER (page_views = 1) {window}""",
    )
    assert data.totals is not None
    assert (data.totals.sessions, data.totals.users, data.totals.page_views, data.totals.new_sessions,
            data.totals.bounces) == totals[0]  # fmt: skip
    daily = sql(built, f"SELECT session_start_tstamp::DATE d, COUNT(*), SUM(page_views) {window} GROUP BY d ORDER BY d")
    assert [(c.label, c.sessions, c.page_views) for c in data.daily] == daily
    assert all(isinstance(c.label, date) for c in data.daily) and len(data.daily) == 20
    tiers = dict(sql(built, f"SELECT duration_in_s_tier, COUNT(*) {window} GROUP BY 1"))
    assert [(c.label, c.sessions) for c in data.breakdowns["duration_tier"]] == [
        (t, tiers[t]) for t in DURATION_TIERS if t in tiers
    ]
    landing = sql(
        built,
        f"""SELECT first_page_url_path, COUNT(*) n {window}
                             GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10""",
    )
    assert [(c.label, c.sessions) for c in data.breakdowns["landing_page"]] == landing
    devices = dict(sql(built, f"SELECT device_category, COUNT(*) {window} GROUP BY 1"))
    assert {c.label: c.sessions for c in data.breakdowns["device_category"]} == devices
    direct = sql(built, f"SELECT COUNT(*) {window} AND COALESCE(referrer_host, '') = ''")[0][0]
    assert {c.label: c.sessions for c in data.breakdowns["medium"]}["(direct)"] == direct
    assert sum(c.sessions for c in data.breakdowns["medium"]) == data.totals.sessions
    assert "source_name" not in data.breakdowns  # one source


@pytest.mark.parametrize("dialect", dialect_names())
def test_the_report_queries_render_for_every_dialect(dialect: str) -> None:
    """Written once in DuckDB SQL; each warehouse gets its own spelling (run on the emulators in
    test_warehouses.py)."""
    runner_dialect = get_dialect(dialect)
    from sessionizer.compiler import Compiler

    compiler = Compiler(Config(schema="analytics"), runner_dialect)
    context = {"since": "CAST('2025-12-01 00:00:00' AS TIMESTAMP)", "until": "CAST('2025-12-31 00:00:00' AS TIMESTAMP)",
               "source_name": "web", "limit": 10}  # fmt: skip
    for dimension in ("duration_tier", "device_category", "medium", "referrer_source", "landing_page", "exit_page"):
        text = runner_dialect.render(compiler.statement("report/breakdown", False, **context, dimension=dimension))
        assert "analytics" in text.lower() and "segment_web_sessions" in text and "source_name = 'web'" in text
    for template in ("bounds", "totals", "daily"):
        assert "segment_web_sessions" in runner_dialect.render(
            compiler.statement(f"report/{template}", False, **context)
        )


def test_report_command_writes_one_self_contained_file(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(
        main, ["report", "--target", TARGET, "--days", "60", "--out", "out/site.html", "--until", "2025-12-31"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote the report to out/site.html" in result.output
    html = (tmp_path / "out" / "site.html").read_text("utf-8")
    assert "Plotly.newPlot" in html and 'id="traffic"' in html and 'id="exit"' in html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # nothing loaded from elsewhere
    assert 'data-metric="sessions"' in html and "60 day(s)" in html
    default = cli.invoke(main, ["report", "--target", TARGET])
    assert default.exit_code == 0 and (tmp_path / "sessions.html").exists()


def test_report_says_which_extra_it_needs(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "plotly", None)  # as if the extra were not installed
    result = cli.invoke(main, ["report", "--target", TARGET])
    assert result.exit_code == 2
    assert "Error: the report draws its charts with plotly: pip install 'sessionizer[report]'" in result.output
    assert not (tmp_path / "sessions.html").exists()


def test_report_errors_are_one_line(cli: CliRunner, tmp_path: Path) -> None:
    none = cli.invoke(main, ["report", "--target", "duckdb:///none.duckdb"])
    assert none.exit_code == 2 and "has no tables yet; run `sessionizer run` first" in none.output
    assert not (tmp_path / "none.duckdb").exists()
    single = cli.invoke(main, ["report", "--target", TARGET, "--source-name", "ios"])
    assert single.exit_code == 2 and "no source_name column" in single.output
    days = cli.invoke(main, ["report", "--target", TARGET, "--days", "0"])
    assert days.exit_code == 2
    assert "Traceback" not in none.output + single.output


def test_sessions_of_several_sources_get_a_chart_per_source(built: Path, tmp_path: Path) -> None:
    """Tables built from a list of sources carry source_name: a chart per source, and a filter."""
    path = tmp_path / "w.duckdb"
    path.write_bytes(built.read_bytes())
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE segment_web_sessions ADD COLUMN source_name VARCHAR")
    con.execute("UPDATE segment_web_sessions SET source_name = CASE WHEN page_views > 2 THEN 'web' ELSE 'ios' END")
    con.close()
    runner = Job(Config(), f"duckdb:///{path}")
    both = gather(runner, days=400, until=END)
    counts = dict(sql(path, "SELECT source_name, COUNT(*) FROM segment_web_sessions GROUP BY 1"))
    assert {c.label: c.sessions for c in both.breakdowns["source_name"]} == counts
    ios = gather(runner, days=400, source_name="ios", until=END)
    assert ios.totals is not None and ios.totals.sessions == counts["ios"] and "source_name" not in ios.breakdowns
    assert (
        ios.totals.bounces
        == ios.totals.sessions
        - sql(path, "SELECT COUNT(*) FROM segment_web_sessions WHERE source_name = 'ios' AND page_views > 1")[0][0]
    )


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]  # fmt: skip
READ_CHARTS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.plotly-graph-div')).map(gd => [
  gd.id, gd.data.map(t => ({name: t.name, x: t.x && Array.from(t.x), y: t.y && Array.from(t.y),
                             labels: t.labels && Array.from(t.labels), values: t.values && Array.from(t.values)}))]))"""


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium: scripts/test.sh installs it (apt-get install chromium) "
    "when it runs as root or with sudo",
)
def test_the_report_renders_offline_in_chromium_with_the_right_numbers(built: Path, tmp_path: Path) -> None:
    """Headless Chromium opens the file with every non-file request blocked: nothing is asked
    for, the console has no error, and the charts hold what SQL over the tables says."""
    from playwright.sync_api import Route, sync_playwright

    from sessionizer.report import write_report

    html = write_report(Job(Config(), f"duckdb:///{built}"), tmp_path / "report.html", days=30, until=END)
    requested: list[str] = []
    errors: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900}, offline=True,
        )  # fmt: skip
        try:
            page = browser.new_page()
            page.route("**/*", offline)
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(html.resolve().as_uri())
            page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 9")
            charts = page.evaluate(READ_CHARTS)
            drawn = page.evaluate("""() => ({
              bars: document.querySelectorAll('#durations .bars .point').length,
              slices: document.querySelectorAll('#devices .slice').length,
              sessions: document.querySelector('[data-metric=sessions] .value').textContent})""")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            shot = os.environ.get("SESSIONIZER_REPORT_SCREENSHOT")  # e.g. docs/report.png, for the README
            if shot:
                page.screenshot(path=shot, full_page=True)
        finally:
            browser.close()
    assert requested == [] and errors == []

    (newest,) = sql(built, "SELECT MAX(session_start_tstamp)::DATE FROM segment_web_sessions")[0]
    window = f"FROM segment_web_sessions WHERE session_start_tstamp >= DATE '{newest - timedelta(days=29)}'"
    daily = sql(
        built,
        f"""SELECT strftime(session_start_tstamp::DATE, '%Y-%m-%d') d, COUNT(*),
                             COUNT(DISTINCT blended_user_id), SUM(page_views)::INT,
                             COUNT(*) FILTER (session_number = 1), COUNT(*) FILTER (session_number > 1),
                             ROUND(100.0 * COUNT(*) FILTER (page_views = 1) / COUNT(*), 2)
                           {window} GROUP BY d ORDER BY d""",
    )
    days, sessions, users, page_views, new, returning, bounce = (list(column) for column in zip(*daily, strict=True))
    assert [(t["name"], t["x"], t["y"]) for t in charts["traffic"]] == [
        ("sessions", days, sessions), ("users", days, users), ("page views", days, page_views),
    ]  # fmt: skip
    assert [(t["name"], t["y"]) for t in charts["returning"]] == [("new", new), ("returning", returning)]
    assert charts["bounce"][0]["y"] == bounce
    tiers = dict(sql(built, f"SELECT duration_in_s_tier, COUNT(*) {window} GROUP BY 1"))
    assert dict(zip(charts["durations"][0]["x"], charts["durations"][0]["y"], strict=True)) == tiers
    devices = dict(sql(built, f"SELECT device_category, COUNT(*) {window} GROUP BY 1"))
    assert dict(zip(charts["devices"][0]["labels"], charts["devices"][0]["values"], strict=True)) == devices
    exits = sql(built, f"SELECT last_page_url_path, COUNT(*) n {window} GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10")
    assert list(zip(charts["exit"][0]["y"], charts["exit"][0]["x"], strict=True)) == exits[::-1]  # most on top
    assert drawn == {"bars": len(tiers), "slices": len(devices), "sessions": f"{sum(sessions):,}"}
    assert (tmp_path / "report.png").stat().st_size > 50_000


def test_the_window_ends_now_and_later_sessions_are_counted_apart(built: Path, tmp_path: Path) -> None:
    """One session dated 2099 (a clock ahead) neither empties the report nor counts in it: the
    window ends at the run's "now" (or --until), and sessions after it are counted apart."""
    path = tmp_path / "w.duckdb"
    path.write_bytes(built.read_bytes())
    con = duckdb.connect(str(path))
    con.execute(
        "INSERT INTO segment_web_sessions SELECT * REPLACE (TIMESTAMP '2099-01-01' AS session_start_tstamp, "
        "'future' AS session_id) FROM segment_web_sessions LIMIT 1"
    )
    con.close()
    runner = Job(Config(), f"duckdb:///{path}")
    ended = gather(runner, days=20, until=END)
    before = gather(Job(Config(), f"duckdb:///{built}"), days=20, until=END)
    assert ended.totals == before.totals and ended.totals is not None and ended.totals.sessions > 0
    assert ended.later == 1 and before.later == 0
    now = gather(runner, days=4000)
    assert now.until is not None and now.until.date() == date.today()
    assert (
        now.totals is not None
        and now.totals.sessions == sql(path, "SELECT COUNT(*) FROM segment_web_sessions")[0][0] - 1
    )
    assert now.later == 1
    cli = CliRunner().invoke(main, ["report", "--target", f"duckdb:///{path}", "--out", str(tmp_path / "r.html"),
                                    "--until", "2025-12-31", "--days", "20"])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    html = (tmp_path / "r.html").read_text("utf-8")
    assert "20 day(s): 2025-12-12 to 2025-12-31" in html and "1 session(s) start after" in html


def test_channels_the_engaged_share_and_the_bots_when_the_settings_add_them(tmp_path: Path) -> None:
    """docs/reference.md "Beyond dbt-segment": sessions by channel, the engaged share, and the bot
    page views apart, each equal to SQL over the tables; the plain report shows none of them."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    generate(con, "pages", 600, 3)
    con.execute("UPDATE pages SET context_user_agent = 'Googlebot/2.1' WHERE id IN (SELECT id FROM pages LIMIT 7)")
    con.close()
    config = Config(exclude_bots=True, channel_grouping=True, engaged_session_seconds=30)
    Job(config, f"duckdb:///{path}").run()
    data = gather(Job(config, f"duckdb:///{path}"), days=4000)
    (bots,) = sql(path, "SELECT COUNT(*) FROM segment_web_page_views__rejected WHERE reject_reason = 'bot'")[0]
    assert data.totals is not None and data.bots == bots >= 7
    channels = dict(sql(path, "SELECT channel, COUNT(*) FROM segment_web_sessions GROUP BY 1"))
    assert {c.label: c.sessions for c in data.breakdowns["channel"]} == channels
    (engaged,) = sql(path, "SELECT COUNT(*) FILTER (is_engaged) FROM segment_web_sessions")[0]
    assert data.engaged == engaged and data.totals.sessions == sum(channels.values())
    from sessionizer.report import cards, charts

    shown = {card["metric"]: card for card in cards(data)}
    assert shown["bots"]["value"] == f"{bots:,}" and shown["bots"]["name"] == "bot page views excluded"
    assert shown["engaged_share"]["value"] == f"{100 * engaged / data.totals.sessions:.1f}%"
    assert "channels" in {chart["id"] for chart in charts(data)}
    plain = gather(Job(Config(), f"duckdb:///{path}"), days=4000)
    assert "channel" in plain.breakdowns and plain.bots is None  # the columns are there; the bots not asked for
