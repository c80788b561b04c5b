"""docs/reference.md "Several sources", one rule per test, on DuckDB.

Each test fills a few Segment tables (web_pages, app_screens, web_tracks, web_identifies…), runs
the compiled full-refresh plan of a ``source`` list and asserts on the tables' values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sessionizer.errors import ConfigError
from tests import reference as ref
from tests.helpers import (
    T0,
    TABLES,
    Row,
    Tables,
    build_source_tables,
    connect_sources,
    event,
    execute,
    insert_into,
    package_mapping,
    page,
    read_tables,
    sources,
)

PAGE_VIEWS, STITCHING, SESSIONIZED, INITIAL, STITCHED, SESSIONS, REJECTED = TABLES
WEB = {"table": "web_pages", "name": "web"}
APP = {"table": "app_screens", "name": "app", "kind": "screens"}
HEARTBEATS = {"table": "web_tracks", "name": "web", "kind": "tracks", "events": ["heartbeat"]}
IDENTIFIES = {"table": "web_identifies", "name": "web", "kind": "identifies"}
WEB_AND_APP = sources(WEB, APP, HEARTBEATS, IDENTIFIES)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def key(*parts: object) -> str:
    return hashlib.md5("-".join(str(p) for p in parts).encode()).hexdigest()


def screen(**values: Any) -> Row:
    return event(**{"name": "Home", "context_device_model": "iPhone15,2", "context_os_name": "iOS", **values})


def beat(**values: Any) -> Row:
    return event(**{"event": "heartbeat", **values})


def build(rows: dict[str, list[Row]], config: Any = WEB_AND_APP) -> Tables:
    return build_source_tables(config, rows)


def sessions_of(tables: Tables) -> list[tuple[Any, ...]]:
    """(source_name, anonymous_id, start, end, page_views, duration) per session, sorted."""
    return sorted(
        (s["source_name"], s["anonymous_id"], s["session_start_tstamp"], s["session_end_tstamp"], s["page_views"],
         s["duration_in_s"])
        for s in tables[INITIAL]
    )  # fmt: skip


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"table": "web_pages", "colour": 1}], "source[0]: unknown key 'colour'; allowed: table, name, kind, events"),
        ([{"table": "web_pages", "kind": "clicks"}], "source[0]: kind 'clicks' is not one of pages, screens"),
        ([WEB, {"table": "app_tracks", "kind": "tracks"}], "source[1]: tracks entry named 'app_tracks': no pages"),
        ([WEB, {"table": "x.identifies", "name": "x", "kind": "identifies"}], "source[1]: identifies entry named 'x'"),
        ([HEARTBEATS], "source: the list has no pages or screens entry"),
        ([{"table": "web_pages", "events": ["a"]}], "source[0]: events is allowed on a tracks entry only"),
        ([WEB, {"table": "t", "name": "web", "kind": "tracks", "events": "a"}], "source[1]: events: expected a list"),
        ([{"table": "exports/*.parquet"}], "source[0]: the file entry 'exports/*.parquet' needs a name"),
        ([{"name": "web"}], "source[0]: needs table"),
        ([{"table": "a;b"}], "source[0]: 'a;b' is not a valid identifier"),
        ([WEB, WEB], "source[1]: the same entry as source[0]"),
        ([], "source: the list is empty"),
        (["web_pages"], "source[0]: expected a mapping"),
    ],
)
def test_bad_entries_name_the_entry(entries: list[Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        sources(*entries)
    assert str(err.value).startswith(message)


def test_entry_defaults() -> None:
    (entry,) = sources({"table": "segment.pages"}).entries or ()
    assert (entry.table, entry.name, entry.kind.value, entry.events) == ("segment.pages", "pages", "pages", None)


def test_a_changed_list_changes_the_settings() -> None:
    other = sources(WEB, APP, {**HEARTBEATS, "events": ["heartbeat", "scrolled"]}, IDENTIFIES)
    assert WEB_AND_APP.settings_fingerprint() != other.settings_fingerprint()
    assert sources(WEB).settings_fingerprint() != sources(WEB, APP).settings_fingerprint()


# -- columns and ids --------------------------------------------------------------------------


def test_source_name_is_the_last_column() -> None:
    tables = build({"web_pages": [page()]})
    expected = ref.list_columns()
    for table in TABLES:
        assert list(tables[table][0]) == expected[table] if tables[table] else True
    assert list(tables[STITCHING][0]) == ["anonymous_id", "user_id", "first_seen_at", "last_seen_at"]
    assert tables[PAGE_VIEWS][0]["source_name"] == "web"


def test_sessions_are_per_source_and_anonymous_id() -> None:
    tables = build({"web_pages": [page(id="w1")], "app_screens": [screen(id="s1", timestamp=minutes(1))]})
    assert sorted((pv["source_name"], pv["page_view_number"], pv["session_id"]) for pv in tables[SESSIONIZED]) == [
        ("app", 1, key("a1", 1, "app")),
        ("web", 1, key("a1", 1, "web")),
    ]
    # one blended user across both sources: its sessions are numbered together
    assert sorted((s["source_name"], s["session_number"]) for s in tables[SESSIONS]) == [("app", 2), ("web", 1)]


def test_ids_are_deduped_per_source_name() -> None:
    same_id = [page(id="x", timestamp=minutes(0))]
    tables = build({"web_pages": same_id, "app_screens": [screen(id="x", timestamp=minutes(5))]})
    assert sorted((pv["source_name"], pv["page_view_id"]) for pv in tables[PAGE_VIEWS]) == [("app", "x"), ("web", "x")]


def test_pages_and_screens_of_one_name_are_deduped_together() -> None:
    config = sources(WEB, {"table": "web_screens", "name": "web", "kind": "screens"})
    rows = {
        "web_pages": [page(id="x", received_at=minutes(2), title="page title")],
        "web_screens": [screen(id="x", received_at=minutes(1), name="screen name")],
    }
    pv = build(rows, config)[PAGE_VIEWS]
    assert [(p["page_title"], p["page_url"], p["device"]) for p in pv] == [("screen name", None, "iPhone15,2")]


# -- screens ----------------------------------------------------------------------------------


def test_a_screen_is_a_page_view() -> None:
    row = screen(id="s1", user_id="u1", context_campaign_source="news", context_ip="1.2.3.4", context_user_agent="ua")
    pv = build({"app_screens": [row]})[PAGE_VIEWS][0]
    assert {k: pv[k] for k in ("page_view_id", "page_title", "page_url", "page_url_host", "page_url_path",
                               "page_url_query", "referrer", "referrer_host", "gclid", "utm_source", "ip",
                               "user_agent", "device", "device_category", "user_id")} == {
        "page_view_id": "s1", "page_title": "Home", "page_url": None, "page_url_host": None, "page_url_path": None,
        "page_url_query": None, "referrer": None, "referrer_host": None, "gclid": None, "utm_source": "news",
        "ip": "1.2.3.4", "user_agent": "ua", "device": "iPhone15,2", "device_category": "iPhone", "user_id": "u1",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("model", "os_name", "category"),
    [
        ("iPad13,1", "iOS", "Tablet"),
        ("iPad13,1", None, "Tablet"),
        ("ipad13,1", "Android", "Android"),  # the iPad prefix is case-sensitive
        ("iPhone15,2", "ios", "iPhone"),  # the OS name is not
        ("Pixel 8", "ANDROID", "Android"),
        ("Pixel 8", "Fire OS", "Uncategorized"),
        (None, None, "Uncategorized"),
    ],
)
def test_screen_device_category(model: str | None, os_name: str | None, category: str) -> None:
    row = screen(context_device_model=model, context_os_name=os_name)
    pv = build({"app_screens": [row]})[PAGE_VIEWS][0]
    assert (pv["device"], pv["device_category"]) == (model, category)


# -- tracks: the cut rule ---------------------------------------------------------------------


def test_heartbeats_keep_a_session_open_and_extend_its_end() -> None:
    rows = {
        "web_pages": [page(id="p1", timestamp=minutes(0)), page(id="p2", timestamp=minutes(50))],
        "web_tracks": [beat(id="t1", timestamp=minutes(25)), beat(id="t2", timestamp=minutes(70))],
    }
    tables = build(rows)
    assert sessions_of(tables) == [("web", "a1", minutes(0), minutes(70), 2, 4200)]
    assert only_values(tables[SESSIONIZED], "session_id") == {key("a1", 1, "web")}


def only_values(rows: list[Row], column: str) -> set[Any]:
    return {r[column] for r in rows}


@pytest.mark.parametrize(
    ("page_at", "track_at", "next_page_at", "sessions"),
    [
        ("10:00:00", "10:30:00", "11:00:00", 1),  # both gaps exactly the cutoff: one session
        ("10:00:00", "10:30:01", "11:00:00", 2),  # page view → track one second more: cut
        ("10:00:00", "10:30:00", "11:00:01", 2),  # track → page view one second more: cut
        ("10:00:00.900", "10:30:00.100", "11:00:00.000", 1),  # 1800 boundaries crossed each
        ("10:00:00.100", "10:30:01.000", "11:00:00.000", 2),  # 1801 boundaries from the page view
    ],
)
def test_exact_cutoff_gaps_between_a_page_view_and_a_track(
    page_at: str, track_at: str, next_page_at: str, sessions: int
) -> None:
    day = "2024-01-01 "
    rows = {
        "web_pages": [page(id="p1", timestamp=datetime.fromisoformat(day + page_at)),
                      page(id="p2", timestamp=datetime.fromisoformat(day + next_page_at))],
        "web_tracks": [beat(id="t1", timestamp=datetime.fromisoformat(day + track_at))],
    }  # fmt: skip
    assert len(build(rows)[INITIAL]) == sessions


def test_a_page_view_sorts_before_a_track_at_the_same_time() -> None:
    """A track at the page view's instant comes after it whatever its id, so it is kept."""
    rows = {
        "web_pages": [page(id="p1", timestamp=minutes(0), user_id=None)],
        "web_tracks": [beat(id="a", timestamp=minutes(0), user_id="tracked")],
    }
    tables = build(rows)
    assert sessions_of(tables) == [("web", "a1", minutes(0), minutes(0), 1, 0)]
    assert tables[STITCHING][0]["user_id"] == "tracked"


def test_activity_before_the_first_page_view_of_its_piece_is_dropped() -> None:
    rows = {
        "web_pages": [page(id="p1", timestamp=minutes(10), user_id=None)],
        "web_tracks": [beat(id="t0", timestamp=minutes(0), user_id="early"), beat(id="t1", timestamp=minutes(40))],
    }
    tables = build(rows)
    # t0 is dropped (before the first page view); t1 (30 min after p1) is kept
    assert sessions_of(tables) == [("web", "a1", minutes(10), minutes(40), 1, 1800)]
    assert tables[STITCHING][0]["user_id"] is None  # dropped activity does not stitch


def test_a_piece_without_page_view_makes_no_session() -> None:
    rows = {
        "web_pages": [page(id="p1", timestamp=minutes(0)), page(id="p2", timestamp=minutes(200))],
        "web_tracks": [beat(id="t1", timestamp=minutes(100)), beat(id="t2", timestamp=minutes(120))],
    }
    tables = build(rows)
    assert sessions_of(tables) == [
        ("web", "a1", minutes(0), minutes(0), 1, 0),
        ("web", "a1", minutes(200), minutes(200), 1, 0),
    ]


def test_activity_of_a_visitor_without_page_views_makes_nothing() -> None:
    tables = build({"web_pages": [page(anonymous_id="a1")], "web_tracks": [beat(anonymous_id="a2", user_id="u")]})
    assert only_values(tables[STITCHING], "anonymous_id") == {"a1"}
    assert only_values(tables[INITIAL], "anonymous_id") == {"a1"}


def test_tracks_of_another_source_name_do_not_extend_a_session() -> None:
    config = sources(WEB, APP, {"table": "app_tracks", "name": "app", "kind": "tracks"})
    rows = {"web_pages": [page(id="p1")], "app_tracks": [event(id="t1", event="x", timestamp=minutes(10))]}
    assert sessions_of(build(rows, config)) == [("web", "a1", minutes(0), minutes(0), 1, 0)]


@pytest.mark.parametrize(
    ("events", "track", "kept"),
    [
        (None, {"event": "anything"}, True),
        (None, {"event": None}, True),
        (["heartbeat"], {"event": "heartbeat"}, True),
        (["heartbeat"], {"event": "Heartbeat"}, False),  # exact, case-sensitive
        (["Heart Beat"], {"event": "heart_beat", "event_text": "Heart Beat"}, True),  # event_text too
        (["heartbeat"], {"event": "scrolled"}, False),
        ([], {"event": "heartbeat"}, False),  # events: [] keeps nothing
    ],
)
def test_events_filter(events: list[str] | None, track: dict[str, Any], kept: bool) -> None:
    entry = {"table": "web_tracks", "name": "web", "kind": "tracks"} | ({} if events is None else {"events": events})
    rows = {"web_pages": [page(id="p1")], "web_tracks": [event(id="t1", timestamp=minutes(10), **track)]}
    (session,) = build(rows, sources(WEB, entry))[INITIAL]
    assert session["session_end_tstamp"] == (minutes(10) if kept else minutes(0))


def test_a_track_outside_events_is_not_read_at_all() -> None:
    rows = {"web_pages": [page(id="p1")], "web_tracks": [event(id=None, event="scrolled"), beat(id=None)]}
    rejected = build(rows)[REJECTED]
    assert [(r["source_name"], r["kind"], r["reject_reason"]) for r in rejected] == [("web", "tracks", "id is null")]


def test_page_views_and_first_last_columns_read_page_views_only() -> None:
    rows = {
        "web_pages": [page(id="p1", url="https://a.com/first"), page(id="p2", timestamp=minutes(5), url="https://a.com/last")],
        "web_tracks": [beat(id="t1", timestamp=minutes(20))],
    }  # fmt: skip
    (session,) = build(rows)[INITIAL]
    assert (session["page_views"], session["first_page_url"], session["last_page_url"]) == (
        2, "https://a.com/first", "https://a.com/last",
    )  # fmt: skip
    assert (session["duration_in_s"], session["duration_in_s_tier"]) == (1200, "60s or more")


# -- identifies and stitching ------------------------------------------------------------------


def test_identifies_feed_user_stitching() -> None:
    rows = {
        "web_pages": [page(id="p1", user_id=None)],
        "web_identifies": [event(id="i1", timestamp=minutes(60), user_id="u1")],
    }
    tables = build(rows)
    assert [(s["anonymous_id"], s["user_id"], s["first_seen_at"], s["last_seen_at"]) for s in tables[STITCHING]] == [
        ("a1", "u1", minutes(0), minutes(0))  # seen at: page views only
    ]
    assert only_values(tables[SESSIONS], "blended_user_id") == {"u1"}


def test_stitching_reads_every_source_of_an_anonymous_id() -> None:
    rows = {
        "web_pages": [page(id="p1", user_id="web-user", timestamp=minutes(0))],
        "app_screens": [screen(id="s1", user_id="app-user", timestamp=minutes(5))],
    }
    tables = build(rows)
    assert [(s["anonymous_id"], s["user_id"]) for s in tables[STITCHING]] == [("a1", "app-user")]
    assert only_values(tables[SESSIONS], "blended_user_id") == {"app-user"}


def test_stitching_ties_page_views_before_activity_before_identifies() -> None:
    same = {"id": "same", "timestamp": minutes(0)}
    rows = {
        "web_pages": [page(user_id="from page", **same)],
        "web_tracks": [beat(user_id="from track", **same)],
        "web_identifies": [event(user_id="from identify", **same)],
    }
    assert build(rows)[STITCHING][0]["user_id"] == "from identify"
    rows["web_identifies"] = [event(user_id=None, **same)]
    assert build(rows)[STITCHING][0]["user_id"] == "from track"


def test_stitching_orders_by_tstamp_then_id() -> None:
    rows = {
        "web_pages": [page(id="b", user_id="page b")],
        "web_identifies": [event(id="a", user_id="identify a"), event(id="c", timestamp=minutes(-1), user_id="x")],
    }
    assert build(rows)[STITCHING][0]["user_id"] == "page b"


def test_identifies_are_deduped_per_source_name() -> None:
    rows = {
        "web_pages": [page(id="p1")],
        "web_identifies": [event(id="i1", received_at=minutes(2), timestamp=minutes(9), user_id="late copy"),
                           event(id="i1", received_at=minutes(1), timestamp=minutes(3), user_id="first copy")],
    }  # fmt: skip
    assert build(rows)[STITCHING][0]["user_id"] == "first copy"


# -- rejected rows and the whole against the reference ------------------------------------------


def test_rejected_rows_of_every_entry() -> None:
    rows = {
        "web_pages": [page(id=None)],
        "app_screens": [screen(anonymous_id=None)],
        "web_tracks": [beat(timestamp=None, received_at=T0)],
        "web_identifies": [event(received_at=None)],
    }
    rejected = build(rows)[REJECTED]
    assert sorted((r["source_name"], r["kind"], r["reject_reason"]) for r in rejected) == [
        ("app", "screens", "anonymous_id is null"),
        ("web", "identifies", "received_at is null"),
        ("web", "pages", "id is null"),
        ("web", "tracks", "timestamp is null"),
    ]
    assert list(rejected[0]) == list(ref.REJECTED_LIST_COLUMNS)


def reference_for(config: Any, rows: dict[str, list[Row]]) -> dict[str, list[tuple[Any, ...]]]:
    entries = [(e.name, e.kind.value, e.events, rows.get(e.table, [])) for e in config.entries]
    built = ref.build_list(entries, referrer_mapping=package_mapping())
    return {t: ref.canonical(built[t]) for t in TABLES}


def test_a_mix_equals_the_reference() -> None:
    rows: dict[str, list[Row]] = {"web_pages": [], "app_screens": [], "web_tracks": [], "web_identifies": []}
    for n in range(40):
        anon, at = f"a{n % 3}", minutes(n * 13 % 240)
        rows["web_pages"].append(page(id=f"p{n % 25}", anonymous_id=anon, timestamp=at, received_at=minutes(n)))
        rows["app_screens"].append(screen(id=f"s{n}", anonymous_id=anon, timestamp=minutes(n * 7 % 300)))
        rows["web_tracks"].append(beat(id=f"t{n}", anonymous_id=anon, timestamp=minutes(n * 11 % 260),
                                       event="heartbeat" if n % 3 else "other", user_id=f"u{n % 2}"))  # fmt: skip
        rows["web_identifies"].append(event(id=f"i{n}", anonymous_id=anon, timestamp=minutes(n * 5), user_id=f"u{n}"))
    tables = build(rows)
    expected = reference_for(WEB_AND_APP, rows)
    for table in TABLES:
        assert ref.canonical(tables[table]) == expected[table], table


# -- incremental -------------------------------------------------------------------------------


def test_a_late_heartbeat_merges_two_sessions() -> None:
    con = connect_sources(WEB_AND_APP)
    insert_into(con, "web_pages", [page(id="p1", timestamp=minutes(0)), page(id="p2", timestamp=minutes(50))])
    execute(con, WEB_AND_APP, "full-refresh")
    assert len(read_tables(con)[INITIAL]) == 2
    insert_into(con, "web_tracks", [beat(id="t1", timestamp=minutes(25), received_at=minutes(60))])
    execute(con, WEB_AND_APP, "incremental")
    tables = read_tables(con)
    assert sessions_of(tables) == [("web", "a1", minutes(0), minutes(50), 2, 3000)]
    expected = reference_for(WEB_AND_APP, {"web_pages": [page(id="p1"), page(id="p2", timestamp=minutes(50))],
                                            "web_tracks": [beat(id="t1", timestamp=minutes(25))]})  # fmt: skip
    for table in TABLES:
        assert ref.canonical(tables[table]) == expected[table], table


def test_a_late_identify_restitches_every_source() -> None:
    con = connect_sources(WEB_AND_APP)
    insert_into(con, "web_pages", [page(id="p1")])
    insert_into(con, "app_screens", [screen(id="s1", timestamp=minutes(3))])
    execute(con, WEB_AND_APP, "full-refresh")
    insert_into(con, "web_identifies", [event(id="i1", timestamp=minutes(9), user_id="u9")])
    execute(con, WEB_AND_APP, "incremental")
    tables = read_tables(con)
    assert sorted((s["source_name"], s["blended_user_id"], s["session_number"]) for s in tables[SESSIONS]) == [
        ("app", "u9", 2), ("web", "u9", 1),
    ]  # fmt: skip


def test_the_python_api_takes_the_list() -> None:
    """Entries as mappings or as SourceEntry values give the same config and the same SQL."""
    import sessionizer

    typed = sessionizer.Config(
        source=(
            sessionizer.SourceEntry("web_pages", "web"),
            sessionizer.SourceEntry("app_screens", "app", sessionizer.SourceKind.SCREENS),
            sessionizer.SourceEntry("web_tracks", "web", sessionizer.SourceKind.TRACKS, ("heartbeat",)),
            sessionizer.SourceEntry("web_identifies", "web", sessionizer.SourceKind.IDENTIFIES),
        )
    )
    assert typed == WEB_AND_APP
    assert [s.sql for s in sessionizer.compile(typed, "snowflake")] == [
        s.sql
        for s in sessionizer.compile(
            sessionizer.Config.from_mapping({"source": [WEB, APP, HEARTBEATS, IDENTIFIES]}), "snowflake"
        )
    ]


# -- running: watermarks per entry, refusals, check and summary ---------------------------------


def runner_on(tmp_path: Any, config: Any) -> Any:
    from sessionizer.job import Job

    return Job(config, f"duckdb:///{tmp_path / 'sources.duckdb'}")


def load(tmp_path: Any, config: Any, rows: dict[str, list[Row]]) -> None:
    con = (
        connect_sources(config, str(tmp_path / "sources.duckdb"))
        if not (tmp_path / "sources.duckdb").exists()
        else None
    )
    if con is None:
        import duckdb

        con = duckdb.connect(str(tmp_path / "sources.duckdb"))
    for table, table_rows in rows.items():
        insert_into(con, table, table_rows)
    con.close()


def test_each_entry_keeps_its_own_watermark(tmp_path: Any) -> None:
    """A table loaded late (older load keys than another's newest) is still read."""
    load(tmp_path, WEB_AND_APP, {"web_pages": [page(id="p1", received_at=minutes(0))],
                                 "app_screens": [screen(id="s1", received_at=minutes(600))]})  # fmt: skip
    assert runner_on(tmp_path, WEB_AND_APP).run().mode == "full-refresh"
    # web's newest key is 10:00, app's 20:00: a web row loaded at 12:00 is beyond a 3 h window of app's
    load(tmp_path, WEB_AND_APP, {"web_pages": [page(id="p2", timestamp=minutes(5), received_at=minutes(120))]})
    summary = runner_on(tmp_path, WEB_AND_APP).run()
    assert (summary.mode, summary.page_views) == ("incremental", 3)


def test_a_changed_list_refuses_an_incremental_run(tmp_path: Any) -> None:
    from sessionizer.errors import StateError

    load(tmp_path, WEB_AND_APP, {"web_pages": [page()]})
    runner_on(tmp_path, WEB_AND_APP).run()
    changed = sources(WEB, APP, {**HEARTBEATS, "events": ["heartbeat", "scrolled"]}, IDENTIFIES)
    with pytest.raises(
        StateError, match=r"sources: \[.*\] when the tables were built, \[.*\"scrolled\".*\] now.*--full-refresh"
    ):
        runner_on(tmp_path, changed).run()
    assert runner_on(tmp_path, changed).run(full_refresh=True).mode == "full-refresh"


def test_a_missing_column_names_the_table_and_the_column(tmp_path: Any) -> None:
    import duckdb

    from sessionizer.errors import SourceError

    load(tmp_path, WEB_AND_APP, {"web_pages": [page()]})
    con = duckdb.connect(str(tmp_path / "sources.duckdb"))
    con.execute("ALTER TABLE web_tracks DROP COLUMN event")
    con.close()
    with pytest.raises(SourceError, match=r"'web_tracks'.*event"):
        runner_on(tmp_path, WEB_AND_APP).run()


def test_check_and_summary_cover_every_entry(tmp_path: Any) -> None:
    first = {
        "web_pages": [page(id="p1", received_at=minutes(600))],
        "app_screens": [screen(id="s1", received_at=minutes(600))],
        "web_tracks": [beat(id="t1", received_at=minutes(600)), beat(id=None)],
    }
    load(tmp_path, WEB_AND_APP, first)
    summary = runner_on(tmp_path, WEB_AND_APP).run()
    assert (summary.page_views, summary.sessions, summary.rejected) == (2, 2, 1)
    # rows loaded long before their table's watermark: the trailing window misses them
    load(tmp_path, WEB_AND_APP, {"web_tracks": [beat(id="t2", received_at=minutes(0))],
                                 "app_screens": [screen(id="s2", received_at=minutes(0))]})  # fmt: skip
    runner_on(tmp_path, WEB_AND_APP).run()
    result = runner_on(tmp_path, WEB_AND_APP).check()
    assert (result["missing"], result["oldest_received_at"]) == (2, minutes(0))
    assert [(e["table"], e["missing"]) for e in result["entries"]] == [
        ("web_pages", 0), ("app_screens", 1), ("web_tracks", 1), ("web_identifies", 0),
    ]  # fmt: skip


def test_the_cli_runs_and_checks_a_list_from_sessionizer_yml(tmp_path: Any) -> None:
    import yaml
    from click.testing import CliRunner

    from sessionizer.cli import main

    load(tmp_path, WEB_AND_APP, {"web_pages": [page()], "web_tracks": [beat(timestamp=minutes(10))]})
    config = tmp_path / "sessionizer.yml"
    config.write_text(yaml.safe_dump({"source": [WEB, APP, HEARTBEATS, IDENTIFIES]}))
    target = f"duckdb:///{tmp_path / 'sources.duckdb'}"
    for command in (["run"], ["run"], ["check"]):
        result = CliRunner().invoke(main, [*command, "--config", str(config), "--target", target])
        assert result.exit_code == 0, result.output
    assert "ok: every valid source row is in the tables" in result.output
    status = CliRunner().invoke(main, ["status", "--format", "json", "--config", str(config), "--target", target])
    assert status.exit_code == 0, status.output
    sources = {s["source"]: s for s in json.loads(status.output)["sources"]}
    assert list(sources) == [
        "web (pages: web_pages)", "app (screens: app_screens)", "web (tracks: web_tracks)",
        "web (identifies: web_identifies)",
    ]  # fmt: skip
    assert sources["web (pages: web_pages)"]["watermark"] == minutes(0).replace(tzinfo=UTC).isoformat()
    assert sources["web (tracks: web_tracks)"]["watermark"] == minutes(10).replace(tzinfo=UTC).isoformat()
    assert sources["app (screens: app_screens)"]["watermark"] is None  # an empty table
    assert all(s["lag_seconds"] in (0, None) for s in sources.values())


# -- columns a table lacks -------------------------------------------------------------------------


def minimal_tables(path: Any, pass_through_on_pages: bool) -> None:
    """Segment tables with only the columns an entry must have (the pages one with everything,
    and the pass-through column when asked)."""
    import duckdb

    con = duckdb.connect(str(path))
    locale = ", context_locale VARCHAR" if pass_through_on_pages else ""
    con.execute(f"CREATE TABLE web_pages ({', '.join(f'{c} VARCHAR' for c in ref.SOURCE_COLUMNS)}{locale})")
    con.execute("ALTER TABLE web_pages ALTER received_at TYPE TIMESTAMP")
    con.execute("ALTER TABLE web_pages ALTER sent_at TYPE TIMESTAMP")
    con.execute('ALTER TABLE web_pages ALTER "timestamp" TYPE TIMESTAMP')
    required = "id VARCHAR, anonymous_id VARCHAR, timestamp TIMESTAMP, received_at TIMESTAMP"
    con.execute(f"CREATE TABLE app_screens ({required}, name VARCHAR)")
    con.execute(f"CREATE TABLE web_tracks ({required}, event VARCHAR)")
    con.execute(f"CREATE TABLE web_identifies ({required}, user_id VARCHAR)")
    con.close()


def test_columns_an_entry_lacks_read_as_null(tmp_path: Any) -> None:
    config = sources(WEB, APP, HEARTBEATS, IDENTIFIES, pass_through_columns=["context_locale"])
    minimal_tables(tmp_path / "sources.duckdb", pass_through_on_pages=True)
    rows = {
        "web_pages": [page(id="p1", context_locale="de"), page(id="p2", timestamp=minutes(50))],
        "app_screens": [screen(id="s1", timestamp=minutes(1))],
        "web_tracks": [beat(id="t1", timestamp=minutes(25), user_id="ignored: no such column")],
        "web_identifies": [event(id="i1", timestamp=minutes(60), user_id="u1")],
    }
    load(tmp_path, config, {t: r[:1] for t, r in rows.items()})
    runner_on(tmp_path, config).run()
    load(tmp_path, config, {t: r[1:] for t, r in rows.items()})
    assert runner_on(tmp_path, config).run().mode == "incremental"
    tables = tables_at(tmp_path)
    seen = {t: [{c: v for c, v in r.items() if c in columns_of(tmp_path, t)} for r in rs] for t, rs in rows.items()}
    entries = [(e.name, e.kind.value, e.events, seen[e.table]) for e in config.entries or ()]
    built = ref.build_list(entries, pass_through_columns=["context_locale"], referrer_mapping=package_mapping())
    for table in TABLES:
        assert ref.canonical(tables[table]) == ref.canonical(built[table]), table
    screen_view = by_id(tables[PAGE_VIEWS], "s1")
    assert (screen_view["context_locale"], screen_view["device"], screen_view["user_id"]) == (None, None, None)
    assert sessions_of(tables)[-1][3] == minutes(50)  # the heartbeat joined the two web page views


def by_id(rows: list[Row], page_view_id: str) -> Row:
    (row,) = [r for r in rows if r["page_view_id"] == page_view_id]
    return row


def tables_at(tmp_path: Any) -> Tables:
    import duckdb

    con = duckdb.connect(str(tmp_path / "sources.duckdb"))
    try:
        return read_tables(con)
    finally:
        con.close()


def columns_of(tmp_path: Any, table: str) -> set[str]:
    import duckdb

    con = duckdb.connect(str(tmp_path / "sources.duckdb"))
    try:
        return {d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description}
    finally:
        con.close()


def test_a_pass_through_column_no_pages_or_screens_table_has_is_an_error(tmp_path: Any) -> None:
    from sessionizer.errors import SourceError

    config = sources(WEB, APP, HEARTBEATS, IDENTIFIES, pass_through_columns=["context_locale"])
    minimal_tables(tmp_path / "sources.duckdb", pass_through_on_pages=False)
    with pytest.raises(SourceError, match=r"'context_locale' is in none of the pages or screens tables"):
        runner_on(tmp_path, config).run()
