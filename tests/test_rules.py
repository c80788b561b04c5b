"""Every rule of docs/reference.md, one test each, on the real compiled SQL run by DuckDB and PostgreSQL.

Each test builds a few hand-made ``pages`` rows (tests.helpers.page), runs the full-refresh plan
and asserts on values of the six tables. The last tests compare a couple of thousand generated
rows with the plain-Python reference (tests.reference) row for row.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests import reference as ref
from tests.helpers import (
    T0,
    TABLES,
    Row,
    Tables,
    build_tables,
    connect,
    insert,
    package_mapping,
    page,
    refreshed,
    run_incremental,
    settings,
    table_columns,
)

PAGE_VIEWS = "segment_web_page_views"
STITCHING = "segment_web_user_stitching"
SESSIONIZED = "segment_web_page_views__sessionized"
INITIAL = "segment_web_sessions__initial"
STITCHED = "segment_web_sessions__stitched"
SESSIONS = "segment_web_sessions"
REJECTED = "segment_web_page_views__rejected"
SIX = (PAGE_VIEWS, STITCHING, SESSIONIZED, INITIAL, STITCHED, SESSIONS)


def at(clock: str, day: str = "2024-01-01") -> datetime:
    """A timestamp on ``day``: at('10:00:00.900')."""
    return datetime.fromisoformat(f"{day} {clock}")


def md5_session_id(anonymous_id: str, session_number: int) -> str:
    return hashlib.md5(f"{anonymous_id}-{session_number}".encode()).hexdigest()


def by(rows: list[Row], key: str) -> dict[Any, Row]:
    """Rows keyed by a unique column."""
    out = {row[key]: row for row in rows}
    assert len(out) == len(rows), f"{key} is not unique"
    return out


def only(rows: list[Row]) -> Row:
    assert len(rows) == 1, rows
    return rows[0]


def single_page_view(**values: Any) -> Row:
    """The page view one source row becomes."""
    return only(build_tables([page(**values)])[PAGE_VIEWS])


def session_numbers(tables: Tables) -> dict[str, int]:
    """page_view_id → the number n of its session, recovered from session_id = md5(anon-n)."""
    out = {}
    for pv in tables[SESSIONIZED]:
        numbers = [n for n in range(1, 50) if md5_session_id(pv["anonymous_id"], n) == pv["session_id"]]
        assert numbers, f"session_id {pv['session_id']} is not md5('{pv['anonymous_id']}-<n>')"
        out[pv["page_view_id"]] = numbers[0]
    return out


pytestmark = pytest.mark.usefixtures("engine")  # each test on DuckDB, then on PostgreSQL

# --------------------------------------------------------------------------------------------
# (1) segment_web_page_views: dedupe
# --------------------------------------------------------------------------------------------


def test_dedupe_keeps_one_row_per_id() -> None:
    rows = [page(id="pv1", title="first"), page(id="pv1", title="first"), page(id="pv2", title="other")]
    tables = build_tables(rows)
    assert sorted(pv["page_view_id"] for pv in tables[PAGE_VIEWS]) == ["pv1", "pv2"]
    assert sorted(pv["page_view_id"] for pv in tables[SESSIONIZED]) == ["pv1", "pv2"]


@pytest.mark.parametrize(
    ("duplicates", "winner"),
    [
        pytest.param(  # (title, received_at, sent_at, timestamp)
            [("late", at("10:00:05"), at("10:00:00"), at("10:00:00")),
             ("early", at("10:00:01"), at("10:00:09"), at("10:00:09"))],
            "early", id="earliest-received_at-wins",
        ),
        pytest.param(
            [("late", at("10:00:05"), at("10:00:03"), at("10:00:00")),
             ("early", at("10:00:05"), at("10:00:02"), at("10:00:09"))],
            "early", id="tie-received_at-earliest-sent_at",
        ),
        pytest.param(
            [("late", at("10:00:05"), at("10:00:02"), at("10:00:01")),
             ("early", at("10:00:05"), at("10:00:02"), at("10:00:00"))],
            "early", id="tie-received_at-sent_at-earliest-timestamp",
        ),
        pytest.param(
            [("null-sent", at("10:00:05"), None, at("10:00:00")),
             ("sent", at("10:00:05"), at("10:59:00"), at("10:00:09"))],
            "sent", id="null-sent_at-sorts-last",
        ),
        pytest.param(
            [("sub-second", at("10:00:05.001"), None, at("10:00:00")),
             ("earliest", at("10:00:05.000"), None, at("10:00:09"))],
            "earliest", id="received_at-compared-to-the-microsecond",
        ),
    ],
)  # fmt: skip
def test_dedupe_order(duplicates: list[tuple[Any, ...]], winner: str) -> None:
    for ordering in (duplicates, duplicates[::-1]):  # input order must not matter
        rows = [page(id="pv1", title=t, received_at=r, sent_at=s, timestamp=ts) for t, r, s, ts in ordering]
        pv = only(build_tables(rows)[PAGE_VIEWS])
        assert pv["page_title"] == winner


def test_dedupe_null_received_at_sorts_last() -> None:
    """received_at is nullable when another column is the incremental key."""
    rows = [
        page(id="pv1", title="null-received", received_at=None, sent_at=at("10:00:00"), loaded_at=at("11:00")),
        page(id="pv1", title="received", received_at=at("12:00:00"), sent_at=at("12:00:00"), loaded_at=at("11:00")),
    ]
    for ordering in (rows, rows[::-1]):
        tables = build_tables(ordering, incremental_key="loaded_at")
        assert only(tables[PAGE_VIEWS])["page_title"] == "received"
        assert tables[REJECTED] == []


def test_dedupe_winner_supplies_every_column() -> None:
    rows = [
        page(id="pv1", anonymous_id="a1", user_id="u-late", url="https://late.example/", received_at=at("10:05"),
             timestamp=at("10:00")),
        page(id="pv1", anonymous_id="a1", user_id="u-early", url="https://early.example/?gclid=G",
             received_at=at("10:01"), timestamp=at("10:03")),
    ]  # fmt: skip
    pv = only(build_tables(rows)[PAGE_VIEWS])
    assert (pv["user_id"], pv["page_url_host"], pv["gclid"], pv["tstamp"]) == (
        "u-early",
        "early.example",
        "G",
        at("10:03"),
    )


# --------------------------------------------------------------------------------------------
# Rejected rows and odd values
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nulls", "reason"),
    [
        (("id",), "id is null"),
        (("anonymous_id",), "anonymous_id is null"),
        (("timestamp",), "timestamp is null"),
        (("received_at",), "received_at is null"),
        (("id", "anonymous_id", "timestamp", "received_at"), "id is null"),
        (("anonymous_id", "received_at"), "anonymous_id is null"),
    ],
)
def test_rejected_rows_are_kept_apart_with_reason(nulls: tuple[str, ...], reason: str) -> None:
    values = {"id": "bad", "anonymous_id": "a-bad", "user_id": "u-bad", "title": "bad row",
              "timestamp": at("10:00:30"), "received_at": at("10:00:30")}  # fmt: skip
    bad = page(**{**values, **dict.fromkeys(nulls)})
    good = page(id="good", anonymous_id="a-good", timestamp=at("10:00"))
    tables = build_tables([good, bad])
    rejected = only(tables[REJECTED])
    assert rejected["reject_reason"] == reason
    assert rejected == {**bad, "reject_reason": reason}
    assert [pv["page_view_id"] for pv in tables[PAGE_VIEWS]] == ["good"]
    assert [pv["page_view_id"] for pv in tables[SESSIONIZED]] == ["good"]
    assert [s["anonymous_id"] for s in tables[STITCHING]] == ["a-good"]
    for name in (INITIAL, STITCHED, SESSIONS):
        assert [(s["anonymous_id"], s["page_views"]) for s in tables[name]] == [("a-good", 1)]
    for name in SIX:
        for row in tables[name]:
            assert "bad" not in str(row.values()), (name, row)


def test_rejected_reason_names_a_custom_incremental_key() -> None:
    tables = build_tables([page(id="pv1", loaded_at=None)], incremental_key="loaded_at")
    assert only(tables[REJECTED])["reject_reason"] == "loaded_at is null"
    assert tables[PAGE_VIEWS] == []


def test_no_rejected_rows_for_complete_input() -> None:
    assert build_tables([page(user_id=None, url=None, sent_at=None)])[REJECTED] == []


def test_rejected_rows_are_counted_in_the_run_summary(tmp_path: Any) -> None:
    from sessionizer.job import Job

    path = str(tmp_path / "warehouse.duckdb")
    con = connect(settings(), path)
    try:
        insert(con, [page(id="ok"), page(id=None), page(id="no-anon", anonymous_id=None)])
    finally:
        con.close()
    summary = Job(settings(), f"duckdb:///{path}").run(full_refresh=True)
    assert (summary.page_views, summary.rejected) == (1, 2)


LONG = "a" * 10_000


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            {"url": "", "referrer": "", "path": "", "title": "", "search": "", "context_campaign_source": ""},
            {"page_url": "", "page_url_host": "", "referrer": "", "referrer_host": "", "gclid": None,
             "page_url_path": "", "page_title": "", "page_url_query": "", "utm_source": ""},
            id="empty-strings",
        ),
        pytest.param(
            {"context_user_agent": ""}, {"user_agent": "", "device": "", "device_category": "Uncategorized"},
            id="empty-user-agent",
        ),
        pytest.param(
            {"url": f"https://example.com/{LONG}?gclid={LONG}"},
            {"page_url": f"https://example.com/{LONG}?gclid={LONG}", "page_url_host": "example.com", "gclid": LONG},
            id="10kB-url",
        ),
        pytest.param(
            {"context_user_agent": f"Mozilla/5.0 (Windows; {LONG})"},
            {"user_agent": f"Mozilla/5.0 (Windows; {LONG})", "device": "Windows", "device_category": "Desktop"},
            id="10kB-user-agent",
        ),
        pytest.param(
            {"url": "https://bücher.de/straße?q=ü&gclid=ñé", "title": "日本語 🎉", "referrer": "https://www.яндекс.рф/x"},
            {"page_url": "https://bücher.de/straße?q=ü&gclid=ñé", "page_url_host": "bücher.de", "gclid": "ñé",
             "page_title": "日本語 🎉", "referrer_host": "яндекс.рф"},
            id="non-ascii",
        ),
        pytest.param(
            {"timestamp": at("12:00:00.5", "1969-07-20"), "received_at": at("12:00", "1969-07-20"), "sent_at": None},
            {"tstamp": at("12:00:00.5", "1969-07-20"), "received_at_tstamp": at("12:00", "1969-07-20"),
             "sent_at_tstamp": None},
            id="pre-1970",
        ),
        pytest.param(
            {"timestamp": at("23:59:59.999999", "2999-12-31"), "received_at": at("00:00", "2999-12-31")},
            {"tstamp": at("23:59:59.999999", "2999-12-31"), "received_at_tstamp": at("00:00", "2999-12-31")},
            id="year-2999",
        ),
    ],
)  # fmt: skip
def test_odd_values_go_through_unchanged(values: dict[str, Any], expected: dict[str, Any]) -> None:
    tables = build_tables([page(**values)])
    assert tables[REJECTED] == []
    pv = only(tables[PAGE_VIEWS])
    assert {k: pv[k] for k in expected} == expected
    assert only(tables[SESSIONIZED])["page_view_id"] == "pv1"
    assert only(tables[SESSIONS])["page_views"] == 1


def test_pre_1970_and_far_future_sessions_count_boundary_seconds() -> None:
    rows = [
        page(id="p1", anonymous_id="old", timestamp=at("23:59:59.900", "1969-12-31")),
        page(id="p2", anonymous_id="old", timestamp=at("00:00:00.100", "1970-01-01")),
        page(id="f1", anonymous_id="future", timestamp=at("10:00:00.900", "2999-06-01")),
        page(id="f2", anonymous_id="future", timestamp=at("10:30:01.100", "2999-06-01")),
    ]
    tables = build_tables(rows)
    assert tables[REJECTED] == []
    sessions = sorted((s["anonymous_id"], s["page_views"], s["duration_in_s"]) for s in tables[SESSIONS])
    assert sessions == [("future", 1, 0), ("future", 1, 0), ("old", 2, 1)]


# --------------------------------------------------------------------------------------------
# Parsing rules of (1)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.example.com/a/b?c=d", "www.example.com"),
        ("http://example.com/", "example.com"),
        ("http://example.com?x=1/2", "example.com"),  # '/' first, then '?'
        ("https://example.com?x=1", "example.com"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
        ("android-app://https://x.com/p", "x.com"),
        ("http://http://x.com/", "x.com"),  # every occurrence
        ("https://a.com/r?to=https://b.com/", "a.com"),
        ("htandroid-app://tp://x.com/", "x.com"),  # android-app:// first, then http://
        ("hthttp://tp://x.org", "http:"),  # one left-to-right pass, as SQL REPLACE
        ("HTTPS://X.COM/", "HTTPS:"),  # literal, case-sensitive
        ("ftp://x.com/", "ftp:"),
        ("example.com", "example.com"),
        ("/relative/path", ""),
        ("", ""),
        (None, None),
    ],
)
def test_page_url_host(url: str | None, host: str | None) -> None:
    assert single_page_view(url=url)["page_url_host"] == host


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://www.google.co.uk/search?q=a", "google.co.uk"),
        ("http://awww.example.www.com/", "aexample.com"),  # every 'www.', anywhere
        ("android-app://com.google.android.gm", "com.google.android.gm"),
        ("https://www.bing.com?q=www.x", "bing.com"),
        ("www.", ""),
        ("", ""),
        (None, None),
    ],
)
def test_referrer_host(referrer: str | None, host: str | None) -> None:
    pv = single_page_view(referrer=referrer)
    assert (pv["referrer"], pv["referrer_host"]) == (referrer, host)


@pytest.mark.parametrize(
    ("url", "gclid"),
    [
        ("https://x.com/?gclid=abc&utm=1", "abc"),
        ("https://x.com/?a=1&gclid=abc", "abc"),
        ("https://x.com/?gclid=a&gclid=b", "a"),  # the first one
        ("https://x.com/?fgclid=abc", "abc"),  # any 'gclid='
        ("https://x.com/?gclid=abc#frag", "abc#frag"),
        ("https://x.com/?gclid=&a=1", None),  # empty → NULL
        ("https://x.com/?gclid=", None),
        ("https://x.com/?a=1", None),  # absent → NULL
        ("", None),
        (None, None),
    ],
)
def test_gclid(url: str | None, gclid: str | None) -> None:
    assert single_page_view(url=url)["gclid"] == gclid


@pytest.mark.parametrize(
    ("user_agent", "device", "category"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "iPhone", "iPhone"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8)", "Android", "Android"),
        ("Mozilla/5.0 (Linux; ANDROID 14; Pixel 8)", "Android", "Android"),
        ("Dalvik/2.1.0 (Linux; U; aNdRoId 9)", "Android", "Android"),
        ("okhttp/4.9 android", "Android", "Android"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", "iPad", "Tablet"),
        ("Mozilla/5.0 (iPod touch; CPU iPhone OS 12_0)", "iPod", "Tablet"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Windows", "Desktop"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)", "Macintosh", "Desktop"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "X11", "Desktop"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1)", "compatible", "Uncategorized"),
        ("Mozilla/5.0 (Windows;NT)", "WindowsNT)", "Uncategorized"),  # every ';' removed
        ("a (b c (d e", "b", "Uncategorized"),  # after the first '('
        ("Mozilla/5.0 ( iPhone;)", "", "Uncategorized"),  # first word is empty
        ("Mozilla/5.0 (iphone; CPU)", "iphone", "Uncategorized"),  # category is case-sensitive
        ("curl/8.0", "", "Uncategorized"),  # no '(': missing part is ''
        ("", "", "Uncategorized"),
        (None, None, "Uncategorized"),
    ],
)
def test_device_and_device_category(user_agent: str | None, device: str | None, category: str) -> None:
    pv = single_page_view(context_user_agent=user_agent)
    assert (pv["user_agent"], pv["device"], pv["device_category"]) == (user_agent, device, category)


def test_source_columns_are_renamed_as_spec_says() -> None:
    values = {
        "id": "pv7", "anonymous_id": "anon", "user_id": "user", "received_at": at("10:00:02"),
        "sent_at": at("10:00:01"), "timestamp": at("10:00:00"), "url": "https://e.com/p?q", "path": "/p",
        "title": "T", "search": "?q", "referrer": "https://r.com/", "context_campaign_source": "src",
        "context_campaign_medium": "med", "context_campaign_name": "name", "context_campaign_term": "term",
        "context_campaign_content": "content", "context_ip": "10.0.0.1", "context_user_agent": "UA (X11; L)",
    }  # fmt: skip
    assert single_page_view(**values) == {
        "page_view_id": "pv7", "anonymous_id": "anon", "user_id": "user", "received_at_tstamp": at("10:00:02"),
        "sent_at_tstamp": at("10:00:01"), "tstamp": at("10:00:00"), "page_url": "https://e.com/p?q",
        "page_url_host": "e.com", "page_url_path": "/p", "page_title": "T", "page_url_query": "?q",
        "referrer": "https://r.com/", "referrer_host": "r.com", "utm_source": "src", "utm_medium": "med",
        "utm_campaign": "name", "utm_term": "term", "utm_content": "content", "gclid": None, "ip": "10.0.0.1",
        "user_agent": "UA (X11; L)", "device": "X11", "device_category": "Desktop",
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# Column order
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pass_through", [(), ("plan", "experiment")], ids=["plain", "pass-through"])
@pytest.mark.parametrize("table", [*SIX, REJECTED])
def test_column_order_equals_spec(table: str, pass_through: tuple[str, ...]) -> None:
    con = refreshed([page()], pass_through_columns=list(pass_through))
    assert table_columns(con, table) == ref.columns(pass_through)[table]


def test_pass_through_columns_sit_where_spec_puts_them() -> None:
    con = refreshed([page()], pass_through_columns=["plan"])
    pv = table_columns(con, PAGE_VIEWS)
    assert pv[-3:] == ["device", "plan", "device_category"]
    sessions = table_columns(con, SESSIONS)
    i = sessions.index("last_page_url_query")
    assert sessions[i + 1 : i + 4] == ["first_plan", "last_plan", "duration_in_s"]


# --------------------------------------------------------------------------------------------
# (2) segment_web_user_stitching
# --------------------------------------------------------------------------------------------


def stitched_user(rows: list[Row], anonymous_id: str = "a1") -> Any:
    return by(build_tables(rows)[STITCHING], "anonymous_id")[anonymous_id]["user_id"]


def test_stitching_takes_the_last_non_null_user_id() -> None:
    rows = [
        page(id="p1", user_id="u1", timestamp=at("10:00")),
        page(id="p2", user_id="u2", timestamp=at("10:10")),
        page(id="p3", user_id=None, timestamp=at("10:20")),  # a later NULL does not override
    ]
    assert stitched_user(rows) == "u2"


def test_stitching_orders_by_tstamp_not_load_order() -> None:
    rows = [
        page(id="p1", user_id="late-loaded-early-tstamp", timestamp=at("10:00"), received_at=at("12:00")),
        page(id="p2", user_id="latest-tstamp", timestamp=at("10:10"), received_at=at("10:10")),
    ]
    assert stitched_user(rows) == "latest-tstamp"


def test_stitching_ties_on_tstamp_broken_by_page_view_id() -> None:
    rows = [
        page(id="pv9", user_id="from-pv9", timestamp=at("10:00"), received_at=at("10:00")),
        page(id="pv10", user_id="from-pv10", timestamp=at("10:00"), received_at=at("10:30")),
    ]
    assert stitched_user(rows) == "from-pv9"  # 'pv9' > 'pv10' as text
    rows[0]["id"] = "pv0"
    assert stitched_user(rows) == "from-pv10"


def test_stitching_without_user_id_is_null() -> None:
    assert stitched_user([page(id="p1"), page(id="p2", timestamp=at("10:01"))]) is None


def test_stitching_empty_string_user_id_is_a_value() -> None:
    rows = [page(id="p1", user_id="u1", timestamp=at("10:00")), page(id="p2", user_id="", timestamp=at("10:01"))]
    tables = build_tables(rows)
    assert only(tables[STITCHING])["user_id"] == ""
    assert only(tables[SESSIONS])["blended_user_id"] == ""


def test_stitching_first_and_last_seen() -> None:
    rows = [
        page(id="p1", timestamp=at("11:00:00.250")),
        page(id="p2", timestamp=at("09:00:00.750")),  # earliest, inserted out of order
        page(id="p3", timestamp=at("10:00")),
        page(id="q1", anonymous_id="a2", timestamp=at("08:00")),
    ]
    stitching = by(build_tables(rows)[STITCHING], "anonymous_id")
    assert (stitching["a1"]["first_seen_at"], stitching["a1"]["last_seen_at"]) == (
        at("09:00:00.750"),
        at("11:00:00.250"),
    )
    assert (stitching["a2"]["first_seen_at"], stitching["a2"]["last_seen_at"]) == (at("08:00"), at("08:00"))
    assert len(stitching) == 2


# --------------------------------------------------------------------------------------------
# (3) segment_web_page_views__sessionized
# --------------------------------------------------------------------------------------------


def test_page_view_number_counts_per_anonymous_id_in_tstamp_order() -> None:
    rows = [
        page(id="p3", timestamp=at("10:20")),
        page(id="p1", timestamp=at("10:00")),
        page(id="p2", timestamp=at("10:10"), received_at=at("09:00")),
        page(id="q1", anonymous_id="a2", timestamp=at("10:15")),
    ]
    numbers = {pv["page_view_id"]: pv["page_view_number"] for pv in build_tables(rows)[SESSIONIZED]}
    assert numbers == {"p1": 1, "p2": 2, "p3": 3, "q1": 1}


def test_equal_tstamps_are_ordered_by_page_view_id() -> None:
    rows = [page(id=i, timestamp=at("10:00")) for i in ("pv9", "pv10", "pv1", "PV5")]
    numbers = {pv["page_view_id"]: pv["page_view_number"] for pv in build_tables(rows)[SESSIONIZED]}
    assert numbers == {"PV5": 1, "pv1": 2, "pv10": 3, "pv9": 4}  # byte order of the text


@pytest.mark.parametrize(
    ("first", "second", "sessions"),
    [
        pytest.param("10:00:00", "10:30:00", 1, id="gap-1800s-stays"),
        pytest.param("10:00:00", "10:30:01", 2, id="gap-1801s-splits"),
        pytest.param("10:00:00.900", "10:30:01.100", 2, id="1801-boundaries-in-1800.2s-splits"),
        pytest.param("10:00:00.100", "10:30:00.900", 1, id="1800-boundaries-in-1800.8s-stays"),
        pytest.param("10:00:00.000", "10:30:00.999999", 1, id="just-under-1801-boundaries-stays"),
        pytest.param("10:00:00", "10:00:00", 1, id="same-tstamp-stays"),
    ],
)
def test_inactivity_gap(first: str, second: str, sessions: int) -> None:
    tables = build_tables([page(id="p1", timestamp=at(first)), page(id="p2", timestamp=at(second))])
    assert session_numbers(tables) == {"p1": 1, "p2": sessions}
    assert len(tables[SESSIONS]) == sessions


def test_gap_is_measured_from_the_previous_page_view() -> None:
    rows = [page(id=f"p{i}", timestamp=T0 + timedelta(seconds=1500 * i)) for i in range(5)]
    tables = build_tables(rows)
    assert set(session_numbers(tables).values()) == {1}
    assert only(tables[SESSIONS])["duration_in_s"] == 6000


def test_session_numbers_count_from_one_per_anonymous_id() -> None:
    rows = [
        page(id="p1", timestamp=at("10:00")),
        page(id="p2", timestamp=at("11:00")),
        page(id="p3", timestamp=at("11:10")),
        page(id="p4", timestamp=at("13:00")),
        page(id="q1", anonymous_id="a2", timestamp=at("12:00")),
    ]
    assert session_numbers(build_tables(rows)) == {"p1": 1, "p2": 2, "p3": 2, "p4": 3, "q1": 1}


@pytest.mark.parametrize("cutoff", [600, "600", "10 * 60"])
def test_custom_inactivity_cutoff(cutoff: int | str) -> None:
    rows = [
        page(id="p1", timestamp=at("10:00:00")),
        page(id="p2", timestamp=at("10:10:00")),  # exactly 600: stays
        page(id="p3", timestamp=at("10:20:01")),  # 601: splits
    ]
    tables = build_tables(rows, inactivity_cutoff=cutoff)
    assert session_numbers(tables) == {"p1": 1, "p2": 1, "p3": 2}
    assert set(session_numbers(build_tables(rows)).values()) == {1}  # default 1800: one session


def test_session_id_is_md5_of_anonymous_id_and_session_number() -> None:
    rows = [
        page(id="p1", anonymous_id="anon-ü", timestamp=at("10:00")),
        page(id="p2", anonymous_id="anon-ü", timestamp=at("12:00")),
        page(id="q1", anonymous_id="b", timestamp=at("10:00")),
    ]
    tables = build_tables(rows)
    ids = {pv["page_view_id"]: pv["session_id"] for pv in tables[SESSIONIZED]}
    assert ids == {
        "p1": hashlib.md5("anon-ü-1".encode()).hexdigest(),
        "p2": hashlib.md5("anon-ü-2".encode()).hexdigest(),
        "q1": hashlib.md5(b"b-1").hexdigest(),
    }
    assert sorted(s["session_id"] for s in tables[SESSIONS]) == sorted(ids.values())


def test_sessionized_keeps_every_page_view_column() -> None:
    tables = build_tables([page(id="p1", url="https://e.com/?gclid=x", user_id="u")])
    pv, sessionized = only(tables[PAGE_VIEWS]), only(tables[SESSIONIZED])
    assert {k: sessionized[k] for k in pv} == pv


# --------------------------------------------------------------------------------------------
# (4) segment_web_sessions__initial
# --------------------------------------------------------------------------------------------


def test_session_bounds_and_page_views() -> None:
    rows = [
        page(id="p2", timestamp=at("10:05:00.5")),
        page(id="p1", timestamp=at("10:00:00.25")),
        page(id="p3", timestamp=at("10:20")),
        page(id="p4", timestamp=at("12:00")),
    ]
    sessions = sorted(build_tables(rows)[INITIAL], key=lambda s: s["session_start_tstamp"])
    got = [(s["session_id"], s["anonymous_id"], s["session_start_tstamp"], s["session_end_tstamp"], s["page_views"])
           for s in sessions]  # fmt: skip
    assert got == [
        (md5_session_id("a1", 1), "a1", at("10:00:00.25"), at("10:20"), 3),
        (md5_session_id("a1", 2), "a1", at("12:00"), at("12:00"), 1),
    ]


FIRST_PAGE = {
    "url": None, "path": "/first", "search": None, "referrer": "https://www.google.com/", "title": "first",
    "context_campaign_source": None, "context_campaign_medium": "cpc", "context_campaign_name": None,
    "context_campaign_term": "t1", "context_campaign_content": None, "context_user_agent": None,
}  # fmt: skip
LATER_PAGE = {
    "url": "https://shop.example/a?gclid=G1", "path": "/later", "search": "?gclid=G1",
    "referrer": "https://www.facebook.com/", "title": "later", "context_campaign_source": "newsletter",
    "context_campaign_medium": "email", "context_campaign_name": "spring", "context_campaign_term": None,
    "context_campaign_content": "c2", "context_user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS)",
}  # fmt: skip
LAST_PAGE = {**LATER_PAGE, "url": "https://last.example/z?k=v", "path": None, "search": "?k=v"}


def test_session_first_values_are_taken_as_is_including_null() -> None:
    rows = [
        page(id="p2", timestamp=at("10:05"), **LATER_PAGE),
        page(id="p1", timestamp=at("10:00"), **FIRST_PAGE),
        page(id="p3", timestamp=at("10:10"), **LAST_PAGE),
    ]
    session = only(build_tables(rows)[INITIAL])
    assert {name: session[name] for name in ref.session_columns()[5:19]} == {
        "utm_source": None, "utm_content": None, "utm_medium": "cpc", "utm_campaign": None, "utm_term": "t1",
        "gclid": None, "first_page_url": None, "first_page_url_host": None, "first_page_url_path": "/first",
        "first_page_url_query": None, "referrer": "https://www.google.com/", "referrer_host": "google.com",
        "device": None, "device_category": "Uncategorized",
    }  # fmt: skip


def test_session_last_values_are_taken_as_is_including_null() -> None:
    rows = [
        page(id="p1", timestamp=at("10:00"), **LATER_PAGE),
        page(id="p3", timestamp=at("10:10"), url=None, path="/last", search=None),
        page(id="p2", timestamp=at("10:05"), **LAST_PAGE),
    ]
    session = only(build_tables(rows)[INITIAL])
    assert {name: session[name] for name in ref.session_columns()[19:23]} == {
        "last_page_url": None, "last_page_url_host": None, "last_page_url_path": "/last", "last_page_url_query": None,
    }  # fmt: skip


def test_first_and_last_follow_page_view_number_on_equal_tstamps() -> None:
    rows = [
        page(id="pv2", timestamp=at("10:00"), url="https://two.example/", context_campaign_source="two"),
        page(id="pv1", timestamp=at("10:00"), url="https://one.example/", context_campaign_source="one"),
    ]
    session = only(build_tables(rows)[INITIAL])
    assert (session["utm_source"], session["first_page_url_host"], session["last_page_url_host"]) == (
        "one", "one.example", "two.example",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "duration"),
    [
        ("10:00:00.900", "10:00:01.100", 1),  # 0.2 s elapsed, one boundary
        ("10:00:00.100", "10:00:00.900", 0),
        ("10:00:00.999", "10:01:00.000", 60),
        ("10:00:00", "10:00:00", 0),
    ],
)
def test_duration_counts_second_boundaries(start: str, end: str, duration: int) -> None:
    session = only(build_tables([page(id="p1", timestamp=at(start)), page(id="p2", timestamp=at(end))])[INITIAL])
    assert session["duration_in_s"] == duration


@pytest.mark.parametrize(
    ("seconds", "tier"),
    [
        (0, "0s to 9s"), (9, "0s to 9s"), (10, "10s to 29s"), (29, "10s to 29s"),
        (30, "30s to 59s"), (59, "30s to 59s"), (60, "60s or more"), (1800, "60s or more"),
    ],
)  # fmt: skip
def test_duration_tier_edges(seconds: int, tier: str) -> None:
    end = T0 + timedelta(seconds=seconds, milliseconds=500)  # the fraction does not count
    session = only(build_tables([page(id="p1", timestamp=T0), page(id="p2", timestamp=end)])[INITIAL])
    assert (session["duration_in_s"], session["duration_in_s_tier"]) == (seconds, tier)


@pytest.mark.parametrize(
    ("referrer", "medium", "source"),
    [
        ("https://www.google.com/search?q=x", "search", "Google"),
        ("https://google.co.uk/", "search", "Google"),
        ("https://www.bing.com/", "search", "Bing"),
        ("https://m.facebook.com/story", "social", "Facebook"),
        ("https://unknown.example/", None, None),
        ("https://GOOGLE.COM/", None, None),  # the join is exact
        ("", None, None),
        (None, None, None),
    ],
)
def test_referrer_medium_and_source_from_built_in_mapping(
    referrer: str | None, medium: str | None, source: str | None
) -> None:
    session = only(build_tables([page(referrer=referrer)])[INITIAL])
    assert (session["referrer_medium"], session["referrer_source"]) == (medium, source)


def test_referrer_mapping_uses_the_first_page_views_referrer() -> None:
    rows = [page(id="p1", timestamp=at("10:00"), referrer=None),
            page(id="p2", timestamp=at("10:01"), referrer="https://www.google.com/")]  # fmt: skip
    session = only(build_tables(rows)[INITIAL])
    assert (session["referrer_host"], session["referrer_medium"], session["referrer_source"]) == (None, None, None)


def test_custom_referrer_mapping_replaces_the_built_in(tmp_path: Any) -> None:
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("medium,source,host\nsocial,Example Social,example.org\nsearch,Own,google.com\n", "utf-8")
    rows = [
        page(id="p1", anonymous_id="a1", referrer="https://www.example.org/x"),
        page(id="p2", anonymous_id="a2", referrer="https://www.google.com/"),
        page(id="p3", anonymous_id="a3", referrer="https://www.bing.com/"),  # built-in only
    ]
    sessions = by(build_tables(rows, referrer_mapping=str(mapping))[INITIAL], "anonymous_id")
    got = {a: (s["referrer_medium"], s["referrer_source"]) for a, s in sessions.items()}
    assert got == {"a1": ("social", "Example Social"), "a2": ("search", "Own"), "a3": (None, None)}


# --------------------------------------------------------------------------------------------
# (5) segment_web_sessions__stitched and (6) segment_web_sessions
# --------------------------------------------------------------------------------------------


def test_blended_user_id_is_stitched_user_or_anonymous_id() -> None:
    rows = [
        page(id="p1", anonymous_id="a1", timestamp=at("08:00")),  # before identification
        page(id="p2", anonymous_id="a1", timestamp=at("10:00"), user_id="u1"),
        page(id="p3", anonymous_id="a1", timestamp=at("12:00")),
        page(id="q1", anonymous_id="a2", timestamp=at("10:00")),
    ]
    tables = build_tables(rows)
    blended = sorted((s["anonymous_id"], s["session_start_tstamp"], s["blended_user_id"]) for s in tables[STITCHED])
    assert blended == [("a1", at("08:00"), "u1"), ("a1", at("10:00"), "u1"), ("a1", at("12:00"), "u1"),
                       ("a2", at("10:00"), "a2")]  # fmt: skip
    initial = {s["session_id"]: s for s in tables[INITIAL]}
    for s in tables[STITCHED]:
        assert {k: v for k, v in s.items() if k != "blended_user_id"} == initial[s["session_id"]]


def test_session_number_per_blended_user_across_anonymous_ids() -> None:
    rows = [
        page(id="p1", anonymous_id="laptop", timestamp=at("08:00"), user_id="u1"),
        page(id="p2", anonymous_id="laptop", timestamp=at("12:00")),
        page(id="q1", anonymous_id="phone", timestamp=at("10:00"), user_id="u1"),
        page(id="r1", anonymous_id="guest", timestamp=at("09:00")),
        page(id="r2", anonymous_id="guest", timestamp=at("11:00")),
    ]
    tables = build_tables(rows)
    numbers = sorted((s["blended_user_id"], s["session_number"], s["anonymous_id"], s["session_start_tstamp"])
                     for s in tables[SESSIONS])  # fmt: skip
    assert numbers == [
        ("guest", 1, "guest", at("09:00")), ("guest", 2, "guest", at("11:00")),
        ("u1", 1, "laptop", at("08:00")), ("u1", 2, "phone", at("10:00")), ("u1", 3, "laptop", at("12:00")),
    ]  # fmt: skip
    stitched = {s["session_id"]: s for s in tables[STITCHED]}
    for s in tables[SESSIONS]:
        assert {k: v for k, v in s.items() if k != "session_number"} == stitched[s["session_id"]]


def test_session_number_ties_on_start_broken_by_session_id() -> None:
    anonymous_ids = ["anon-a", "anon-b", "anon-c", "anon-d"]
    rows = [page(id=f"p-{a}", anonymous_id=a, user_id="u1", timestamp=at("10:00")) for a in anonymous_ids]
    tables = build_tables(rows)
    expected = {sid: n for n, sid in enumerate(sorted(md5_session_id(a, 1) for a in anonymous_ids), start=1)}
    assert {s["session_id"]: s["session_number"] for s in tables[SESSIONS]} == expected
    assert list(expected) != [md5_session_id(a, 1) for a in anonymous_ids]  # the tie-break is not input order


# --------------------------------------------------------------------------------------------
# Pass-through columns
# --------------------------------------------------------------------------------------------


def test_pass_through_columns_flow_through_every_table() -> None:
    rows = [
        page(id="p1", timestamp=at("10:00"), plan=None, experiment="A"),
        page(id="p2", timestamp=at("10:05"), plan="pro", experiment="B"),
        page(id="p3", timestamp=at("10:10"), plan="free", experiment=None),
    ]
    tables = build_tables(rows, pass_through_columns="plan, experiment")
    pvs = by(tables[PAGE_VIEWS], "page_view_id")
    assert {i: (pv["plan"], pv["experiment"]) for i, pv in pvs.items()} == {
        "p1": (None, "A"), "p2": ("pro", "B"), "p3": ("free", None),
    }  # fmt: skip
    sessionized = by(tables[SESSIONIZED], "page_view_id")
    assert {i: (pv["plan"], pv["experiment"]) for i, pv in sessionized.items()} == {
        i: (pv["plan"], pv["experiment"]) for i, pv in pvs.items()
    }
    for name in (INITIAL, STITCHED, SESSIONS):
        s = only(tables[name])
        assert (s["first_plan"], s["last_plan"], s["first_experiment"], s["last_experiment"]) == (
            None,
            "free",
            "A",
            None,
        )
    assert list(only(tables[SESSIONS])).count("plan") == 0


def test_pass_through_columns_are_kept_in_rejected_rows() -> None:
    tables = build_tables([page(id=None, plan="pro")], pass_through_columns=["plan"])
    rejected = only(tables[REJECTED])
    assert (rejected["plan"], rejected["reject_reason"]) == ("pro", "id is null")


# --------------------------------------------------------------------------------------------
# Incremental helper smoke test (the incremental rules have their own tests)
# --------------------------------------------------------------------------------------------


def test_incremental_run_of_a_late_page_view_equals_a_full_refresh() -> None:
    first = [page(id="p1", timestamp=at("10:00"), received_at=at("10:00")),
             page(id="p3", timestamp=at("11:00"), received_at=at("11:00"))]  # fmt: skip
    late = [page(id="p2", timestamp=at("10:30"), received_at=at("11:30"), user_id="u1")]  # merges the two sessions
    con = refreshed(first)
    try:
        incremental = run_incremental(con, late)
    finally:
        con.close()
    full = build_tables(first + late)
    for name in TABLES:
        assert ref.canonical(incremental[name]) == ref.canonical(full[name]), name
    assert only(full[SESSIONS])["page_views"] == 3


# --------------------------------------------------------------------------------------------
# Cross-check with the reference on generated data
# --------------------------------------------------------------------------------------------

USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "Mozilla/5.0 (Linux; Android 14; Pixel 8)",
    "Mozilla/5.0 (iPad; CPU OS 17_0)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)", "Mozilla/5.0 (X11; Linux x86_64)", "curl/8.0", "", None,
)  # fmt: skip
REFERRERS = (
    "https://www.google.com/search?q=a", "https://www.bing.com/", "https://m.facebook.com/", "android-app://x.y/",
    "https://unknown.example/p?q=1", "", None,
)  # fmt: skip
URLS = (
    "https://shop.example/p/1?gclid=abc&x=1", "https://shop.example/p/2", "http://shop.example?gclid=",
    "https://www.shop.example/cart?q=1", "", None,
)  # fmt: skip


def python_pages(count: int, seed: int) -> list[Row]:
    """Deterministic pages rows with duplicates, ties, gaps around the cutoff and rejected rows."""
    rnd = random.Random(seed)
    rows: list[Row] = []
    visitors = [f"anon-{i:03d}" for i in range(count // 8)]
    clock = {a: datetime(2024, 3, 1) + timedelta(seconds=rnd.randrange(86_400)) for a in visitors}
    users = {a: rnd.choice([None, None, f"user-{rnd.randrange(40)}"]) for a in visitors}
    for n in range(count):
        anonymous_id = rnd.choice(visitors)
        step = rnd.choice([0, 0.5, 1799.5, 1800, 1800.4, 1801, 1801.7, rnd.uniform(1, 600), rnd.uniform(1, 9000)])
        clock[anonymous_id] += timedelta(seconds=step, microseconds=rnd.randrange(0, 1_000_000, 1000))
        tstamp = clock[anonymous_id]
        received = tstamp + timedelta(milliseconds=rnd.randrange(1, 5000))
        row = page(
            id=f"pv-{n:05d}", anonymous_id=anonymous_id, timestamp=tstamp, received_at=received,
            sent_at=rnd.choice([tstamp, None]), user_id=users[anonymous_id] if rnd.random() < 0.3 else None,
            url=rnd.choice(URLS), referrer=rnd.choice(REFERRERS), context_user_agent=rnd.choice(USER_AGENTS),
            context_campaign_source=rnd.choice(["google", "newsletter", None]),
            context_campaign_medium=rnd.choice(["cpc", None]), title=f"title {n}",
        )  # fmt: skip
        if rnd.random() < 0.02:
            row[rnd.choice(["id", "anonymous_id", "timestamp", "received_at"])] = None
        rows.append(row)
        if rnd.random() < 0.05:  # a copy, or a later-loaded variant (never a full tie with other values)
            copy = dict(row)
            if rnd.random() < 0.5:
                copy.update(received_at=received + timedelta(seconds=rnd.randrange(1, 7200)), title="redelivered")
            rows.append(copy)
    return rows


def generated_pages(count: int, seed: int) -> list[Row]:
    """Rows of sessionizer.generate.pages_sql (1% rejected rows instead of its 0.02% default)."""
    import duckdb

    from sessionizer.generate import pages_sql

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        cursor = con.execute(f"SELECT * FROM ({pages_sql(rows=count, seed=seed, reject_fraction=0.01)})")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def generated() -> dict[str, list[Row]]:
    return {"pages_sql": generated_pages(2000, 7), "python": python_pages(2000, 7)}


@pytest.mark.parametrize(
    ("source", "options"),
    [("pages_sql", {}), ("pages_sql", {"inactivity_cutoff": 600}), ("python", {})],
    ids=["pages_sql", "pages_sql-cutoff-600", "python"],
)
def test_generated_pages_match_the_reference(
    generated: dict[str, list[Row]], source: str, options: dict[str, Any]
) -> None:
    rows = generated[source]
    expected = ref.build(rows, referrer_mapping=package_mapping(), **options)
    actual = build_tables(rows, **options)
    assert len(expected[SESSIONS]) > 100 and expected[REJECTED]
    for name in TABLES:
        assert list(actual[name][0]) == list(expected[name][0]), name
        assert ref.canonical(actual[name]) == ref.canonical(expected[name]), name
