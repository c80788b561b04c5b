"""SPEC "Beyond dbt-segment" on the real engines: each case of tests/beyond_cases.py compiled,
run and read back, compared with the values the case names (which the reference also gives).

Single-source cases run on DuckDB, PostgreSQL and BigQuery's SQL on DuckDB (the ``engine``
fixture); source-list cases on DuckDB, whose tables of each kind are made here (with
context_user_agent on tracks and identifies too, so the case "tracks and identifies are not
bot-checked" tests something).
"""

from __future__ import annotations

import re
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


# -- the settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        ({"ignored_user_ids": "null"}, "ignored_user_ids", "expected a list of user ids"),
        ({"exclude_bots": "yes"}, "exclude_bots", "expected true or false"),
        ({"bot_patterns": "bots.txt"}, "bot_patterns", "exclude_bots is not true"),
        ({"exclude_bots": True, "bot_patterns": "missing.txt"}, "bot_patterns", "cannot read missing.txt"),
        ({"day_boundary_time_zone": "Mars/Olympus"}, "day_boundary_time_zone", "unknown time zone 'Mars/Olympus'"),
        ({"split_on_campaign": 1}, "split_on_campaign", "expected true or false"),
        ({"max_session_seconds": 59}, "max_session_seconds", "must be at least 60"),
        ({"max_session_seconds": "an hour"}, "max_session_seconds", "expected a whole number"),
        ({"channel_grouping": "true"}, "channel_grouping", "expected true or false"),
        ({"engaged_session_seconds": -1}, "engaged_session_seconds", "must be at least 0"),
        ({"channel_grouping": True, "pass_through_columns": ["channel"]}, "pass_through_columns", "already a column"),
        ({"max_session_seconds": 60, "pass_through_columns": ["session_start_reason"]}, "pass_through_columns", ""),
    ],
)
def test_bad_settings_name_their_key(values: dict[str, Any], key: str, message: str, tmp_path: Path) -> None:
    from sessionizer.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        Config.from_mapping({"source": "pages", **values})
    assert raised.value.key == key and message in str(raised.value)


def test_a_pass_through_column_may_be_named_like_an_added_column_that_is_off() -> None:
    assert Config(pass_through_columns=("channel", "is_engaged")).pass_through_columns == ("channel", "is_engaged")


def test_the_settings_fingerprint_holds_only_the_settings_that_are_on(tmp_path: Path) -> None:
    plain = Config().settings_fingerprint()
    assert set(plain) == {"inactivity_cutoff", "pass_through_columns", "incremental_key", "referrer_mapping", "source"}
    every = {k: v for settings, _ in ADDED_COLUMNS for k, v in settings.items()}
    on = Config.from_mapping(every).settings_fingerprint()
    assert {k: v for k, v in on.items() if k in plain} == plain
    assert set(on) - set(plain) == set(every) - {"exclude_bots"} | {"bot_patterns"}
    patterns = tmp_path / "bots.txt"
    patterns.write_text("crawler\n")
    mine = Config(exclude_bots=True, bot_patterns=str(patterns)).settings_fingerprint()
    patterns.write_text("crawler\nspider\n")  # an edited file is another setting
    assert Config(exclude_bots=True, bot_patterns=str(patterns)).settings_fingerprint() != mine
    assert Config(ignored_user_ids=(" NULL", "")).ignored_user_ids == ("null", "")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from click.testing import CliRunner

    monkeypatch.chdir(tmp_path)
    return CliRunner()


GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def test_flags_summary_status_and_a_changed_setting_refusing_an_incremental_run(cli: Any, tmp_path: Path) -> None:
    from sessionizer.cli import main
    from tests.helpers import history, load_pages, page

    load_pages(tmp_path / "w.duckdb", [*history(), page(id="crawl", anonymous_id="c1", context_user_agent=GOOGLEBOT)])
    target = ["--target", "duckdb:///w.duckdb"]
    flags = ["--exclude-bots", "--channel-grouping", "--engaged-session-seconds", "30",
             "--day-boundary-time-zone", "America/New_York", "--max-session-seconds", "3600"]  # fmt: skip
    first = cli.invoke(main, ["run", *target, *flags])
    assert first.exit_code == 0, first.output
    assert "2 rejected rows (+2 this run), of them 1 bot page views excluded" in first.output
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    columns = table_columns(con, "segment_web_sessions")
    con.close()
    assert columns[-3:] == ["session_start_reason", "channel", "is_engaged"]
    status = cli.invoke(main, ["status", *target, *flags])
    assert "channel_grouping=True" in status.output and "day_boundary_time_zone=America/New_York" in status.output
    assert "max_session_seconds=3600" in status.output and "same as now" in status.output
    changed = cli.invoke(main, ["run", *target, *flags, "--no-channel-grouping"])
    assert changed.exit_code != 0 and "--full-refresh" in changed.output, changed.output
    again = cli.invoke(main, ["run", *target, *flags])
    assert again.exit_code == 0 and "incremental" in again.output, again.output
    check = cli.invoke(main, ["check", *target, *flags])  # the bot row is set aside, not missed
    assert check.exit_code == 0 and "ok: every valid source row is in the tables" in check.output, check.output


def test_init_writes_each_setting_as_a_commented_example(cli: Any, tmp_path: Path) -> None:
    import yaml

    from sessionizer.cli import main

    (tmp_path / "dbt_project.yml").write_text("name: shop\nvars:\n  segment_inactivity_cutoff: 1200\n")
    assert cli.invoke(main, ["init", "--from-dbt", "dbt_project.yml"]).exit_code == 0
    text = (tmp_path / "sessionizer.yml").read_text()
    assert yaml.safe_load(text) == {"inactivity_cutoff": 1200}
    examples = [line.removeprefix("# ") for line in text.splitlines() if re.match(r"# [a-z_]+: ", line)]
    uncommented = "\n".join(examples)
    settings = yaml.safe_load(uncommented)
    assert "# ignored_user_ids: ['', 'null', 'undefined', 'anonymous', '0']" in text
    settings.pop("bot_patterns")
    assert set(Config.from_mapping(settings).settings_fingerprint()) >= {"ignored_user_ids", "channel_grouping"}


# -- on the emulators -----------------------------------------------------------------------------

# The cases SPEC names the boundaries of (exactly N seconds, DST in New York, a campaign equal to an
# earlier one, internal referrers), and one of each other rule: run on each emulator in turn.
ON_EMULATORS = (
    "ignored ids match after LOWER and removing U+0020 spaces, not tabs",
    "a bot row is set aside with the rejected rows, reason 'bot', and feeds nothing",
    "America/New_York on 2025-03-09 (spring forward): midnight is 05:00 UTC, the next one 04:00 UTC",
    "America/New_York on 2025-11-02 (fall back): midnight is 04:00 UTC, the next one 05:00 UTC",
    "a campaign equal to the latest earlier one does not cut; a page view without one neither cuts nor resets",
    "each piece is cut every N seconds from its first page view; exactly N seconds starts the next",
    "session_start_reason: inactivity, else day_boundary, else campaign, else max_duration",
    "channel: the first of the eleven rules that holds",
    "every setting together",
)


def test_cases_on_each_emulator(emulator_place: Any, tmp_path: Path) -> None:
    from sessionizer.job import Job
    from tests.scenarios import COLUMN_NAMES, OUTPUT_TABLES, emulator_warehouse

    cases = {case.id: case for case in SINGLE}
    warehouse = emulator_warehouse(emulator_place)
    try:
        for name in ON_EMULATORS:
            case = cases[name]
            if warehouse._created:
                warehouse.execute(f"DELETE FROM {warehouse.source}")
            warehouse.load([{**dict.fromkeys(COLUMN_NAMES), **row} for row in case.pages])
            Job(config_of(case, tmp_path, warehouse.source), warehouse.url).run(full_refresh=True)
            tables = {}
            for table in OUTPUT_TABLES:
                names, rows = warehouse.fetch(table)
                tables[table] = [dict(zip(names, row, strict=True)) for row in rows]
            assert_checks(case, tables)
            warehouse.close()  # the next case's tables have other columns: no cached plan may outlive them
    finally:
        warehouse.close()
