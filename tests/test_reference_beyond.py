"""The reference's rules of SPEC "Beyond dbt-segment", one sentence at a time, on hand-computed
cases (tests/beyond_cases.py, shared with the production tests) and on the small rule functions,
so the oracle of issue #25 is itself trusted."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests import reference as ref
from tests.beyond_cases import ADDED_COLUMNS, CASES, Case, reference_tables, utc
from tests.helpers import T0, history
from tests.reference import BeyondSettings

SESSION_TABLES = (ref.SESSIONS_INITIAL, ref.SESSIONS_STITCHED, ref.SESSIONS)
ALL_OFF: BeyondSettings = {
    "ignored_user_ids": [],
    "exclude_bots": False,
    "bot_patterns": None,
    "day_boundary_time_zone": None,
    "split_on_campaign": False,
    "max_session_seconds": None,
    "channel_grouping": False,
    "engaged_session_seconds": None,
}
# Every setting on, none of them firing on history(): one UTC day, no campaigns, no bots.
INERT: BeyondSettings = {
    "ignored_user_ids": ["nobody"],
    "exclude_bots": True,
    "day_boundary_time_zone": "UTC",
    "split_on_campaign": True,
    "max_session_seconds": 86_400,
    "channel_grouping": True,
    "engaged_session_seconds": 0,
}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_case(case: Case, tmp_path: Path) -> None:
    tables = reference_tables(case, tmp_path)
    for check in case.checks:
        assert check.actual(tables) == check.expected(), check.table
    flags = ref.beyond(**case.settings_in(tmp_path)).column_flags()
    cols = ref.columns(**flags) if case.entries is None else ref.list_columns(**flags)
    for table, rows in tables.items():
        assert all(list(row) == cols[table] for row in rows), table


# -- ignored user ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "read"),
    [(" NULL ", None), ("", None), ("   ", None), ("null\t", "null\t"), ("nul l", "nul l"), (None, None), ("u1", "u1")],
)
def test_an_ignored_id_reads_as_null(user_id: str | None, read: str | None) -> None:
    ignored = ref.beyond(ignored_user_ids=["", "NULL"]).ignored_user_ids
    assert ref.identity(user_id, ignored) == read


# -- bots ---------------------------------------------------------------------------------------


def test_a_patterns_file_is_stripped_lower_cased_and_skips_comments(tmp_path: Path) -> None:
    path = tmp_path / "bots.txt"
    path.write_text("# monitors\n\n\tAcme-Monitor \r\n  # indented comment\nfoo bar\n", encoding="utf-8")
    assert ref.load_bot_patterns(path) == ("acme-monitor", "foo bar")


def test_patterns_are_plain_text_not_regexes() -> None:
    assert not ref.is_bot("Googlebot/2.1", ("google.*",))
    assert ref.is_bot("x google.*bot y", ("google.*",))
    assert not ref.is_bot(None, ("bot/",))


def test_the_built_in_list_is_read_without_a_file() -> None:
    assert ref.beyond(exclude_bots=True).bot_patterns == ref.load_bot_patterns(ref.BUILT_IN_BOT_PATTERNS)
    assert ref.beyond().bot_patterns is None


# -- session rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tstamp", "local"),
    [
        ("2025-03-09 04:59:59", "2025-03-08"),  # EST: midnight is 05:00 UTC
        ("2025-03-09 05:00:00", "2025-03-09"),
        ("2025-03-10 03:59:59", "2025-03-09"),  # EDT from 02:00 on: midnight is 04:00 UTC
        ("2025-03-10 04:00:00", "2025-03-10"),
        ("2025-11-02 03:59:59", "2025-11-01"),  # EDT
        ("2025-11-02 04:00:00", "2025-11-02"),
        ("2025-11-03 04:59:59", "2025-11-02"),  # EST from 02:00 on: midnight is 05:00 UTC
        ("2025-11-03 05:00:00", "2025-11-03"),
    ],
)
def test_local_dates_in_new_york_follow_daylight_saving(tstamp: str, local: str) -> None:
    assert ref.local_date(utc(tstamp), ZoneInfo("America/New_York")).isoformat() == local


def test_campaigns_compare_null_safe_and_exactly() -> None:
    google = ref.campaign(dict.fromkeys(ref.CAMPAIGN_COLUMNS) | {"utm_source": "google"})
    assert ref.campaign(dict.fromkeys(ref.CAMPAIGN_COLUMNS)) is None
    assert ref.campaign(dict.fromkeys(ref.CAMPAIGN_COLUMNS) | {"gclid": ""}) == (None,) * 5 + ("",)
    assert ref.starts_campaign(google, None)
    assert not ref.starts_campaign(google, google)
    assert not ref.starts_campaign(None, google)
    assert ref.starts_campaign(("google", None), ("google", ""))
    assert ref.starts_campaign(("Google",), ("google",))


def test_sub_pieces_count_whole_n_seconds_from_the_first_page_view() -> None:
    start = datetime(2024, 1, 1, 10, 0, 0, 900_000)
    assert ref.sub_piece(start, datetime(2024, 1, 1, 10, 59, 59, 999_999), 3600) == 0
    assert ref.sub_piece(start, datetime(2024, 1, 1, 11, 0, 0, 100_000), 3600) == 1
    assert ref.sub_piece(start, datetime(2024, 1, 1, 9, 59), 3600) == -1  # activity before it


def item(minute: int, **row: Any) -> dict[str, Any]:
    """A page view of the stream at T0 + minute, with the page view columns ``row`` gives."""
    return {"tstamp": T0.replace(minute=minute), "is_page_view": True, "id": f"p{minute}",
            "row": dict.fromkeys(ref.CAMPAIGN_COLUMNS) | row}  # fmt: skip


def test_the_first_reason_that_holds_names_the_piece() -> None:
    rules = ref.beyond(day_boundary_time_zone="Europe/Berlin", split_on_campaign=True)
    new = {"utm_source": "newsletter"}
    assert ref.piece_start_reason(None, item(0, **new), None, 1800, rules) == "first"
    assert ref.piece_start_reason(item(0), item(20, **new), None, 10 * 60, rules) == "inactivity"
    assert ref.piece_start_reason(item(0), item(20, **new), None, 1800, rules) == "campaign"
    assert ref.piece_start_reason(item(0), item(20), None, 1800, rules) is None
    before = {"tstamp": utc("2025-01-15 22:50"), "is_page_view": False}
    after = {"tstamp": utc("2025-01-15 23:10"), "is_page_view": True, "row": new}
    assert ref.piece_start_reason(before, after, None, 1800, rules) == "day_boundary"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"day_boundary_time_zone": "Europe/Atlantis"}, "unknown time zone 'Europe/Atlantis'"),
        ({"day_boundary_time_zone": ""}, "unknown time zone ''"),
        ({"max_session_seconds": 59}, "max_session_seconds must be a whole number >= 60"),
        ({"max_session_seconds": True}, "max_session_seconds must be a whole number"),
        ({"engaged_session_seconds": -1}, "engaged_session_seconds must be a whole number >= 0"),
        ({"engaged_session_seconds": 1.5}, "engaged_session_seconds must be a whole number"),
        ({"bot_patterns": "bots.txt"}, "bot_patterns is set but exclude_bots is not true"),
        ({"ignored_user_ids": "null"}, "ignored_user_ids must be a list"),
    ],
)
def test_bad_settings_are_errors(settings: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ref.build([], **settings)


def test_the_smallest_settings_are_allowed() -> None:
    assert ref.build([], max_session_seconds=60, engaged_session_seconds=0)[ref.SESSIONS] == []


# -- engagement ---------------------------------------------------------------------------------


def test_engaged_from_n_seconds_or_two_page_views() -> None:
    assert ref.is_engaged(10, 1, 10)
    assert not ref.is_engaged(9, 1, 10)
    assert ref.is_engaged(0, 2, 10)


# -- columns ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("settings", "added"), ADDED_COLUMNS, ids=lambda v: ",".join(v) if isinstance(v, dict) else "")
def test_each_setting_adds_only_its_columns_at_the_end(settings: BeyondSettings, added: tuple[str, ...]) -> None:
    base, base_list = ref.columns(), ref.list_columns()
    single = ref.build(history(), **settings)
    listed = ref.build_list([("web", "pages", None, history())], **settings)
    for table in ref.TABLES:
        tail = added if table in SESSION_TABLES else ()
        assert list(single[table][0]) == [*base[table], *tail], table
        assert list(listed[table][0]) == [*base_list[table], *tail], table  # after source_name


def test_a_pass_through_column_may_not_take_an_added_columns_name() -> None:
    assert ref.build([], pass_through_columns=("channel",))[ref.SESSIONS] == []
    with pytest.raises(ValueError, match="clash"):
        ref.build([], pass_through_columns=("channel",), channel_grouping=True)


# -- all off ------------------------------------------------------------------------------------


def test_all_off_is_exactly_todays_tables() -> None:
    assert ref.build(history(), **ALL_OFF) == ref.build(history())
    entries = [("web", "pages", None, history())]
    assert ref.build_list(entries, **ALL_OFF) == ref.build_list(entries)


def test_settings_that_do_not_fire_change_no_value() -> None:
    """With every setting on but nothing to act on, the tables are today's plus the new columns."""
    on, today = ref.build(history(), **INERT), ref.build(history())
    for table in ref.TABLES:
        assert [{c: row[c] for c in ref.COLUMNS[table]} for row in on[table]] == today[table], table
    sessions = on[ref.SESSIONS]
    assert {s["session_start_reason"] for s in sessions} == {"first", "inactivity"}
    assert {(s["channel"], s["is_engaged"]) for s in sessions} == {("Direct", True)}
