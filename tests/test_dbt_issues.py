"""Regression tests for the dbt-segment bugs sessionizer exists to fix, asserting values.

dbt-labs/segment #62 (page views dropped from sessions on incremental runs), #80 (repeated
session numbers), #65 (duplicated page_view_ids), #25 and #71 (a future-dated timestamp stalls
incremental runs for good).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests import reference
from tests.helpers import T0, TABLES, fetch_row, page, reference_tables, refreshed, run_incremental

LOAD = T0 + timedelta(days=1)


def by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def test_issue_62_a_session_spanning_two_runs_keeps_every_page_view() -> None:
    con = refreshed([page(id="pv1", timestamp=T0, url="https://shop.com/landing")])
    tables = run_incremental(
        con, [page(id="pv2", timestamp=T0 + timedelta(minutes=10), received_at=LOAD, url="https://shop.com/cart")]
    )
    (session,) = tables["segment_web_sessions"]
    assert session["page_views"] == 2
    assert (session["session_start_tstamp"], session["session_end_tstamp"]) == (T0, T0 + timedelta(minutes=10))
    assert (session["first_page_url"], session["last_page_url"]) == (
        "https://shop.com/landing",
        "https://shop.com/cart",
    )
    assert session["duration_in_s"] == 600
    numbers = {r["page_view_id"]: r["page_view_number"] for r in tables["segment_web_page_views__sessionized"]}
    assert numbers == {"pv1": 1, "pv2": 2}


def test_issue_62_a_late_page_view_merges_two_sessions_and_renumbers_later_ones() -> None:
    con = refreshed([
        page(id="pv1", timestamp=T0),
        page(id="pv3", timestamp=T0 + timedelta(minutes=50)),  # 50 min gap: a second session
        page(id="pv4", timestamp=T0 + timedelta(hours=5)),  # a third
    ])  # fmt: skip
    tables = run_incremental(con, [page(id="pv2", timestamp=T0 + timedelta(minutes=25), received_at=LOAD)])
    sessions = sorted(tables["segment_web_sessions"], key=lambda s: s["session_number"])
    assert [(s["session_number"], s["page_views"]) for s in sessions] == [(1, 3), (2, 1)]
    numbers = {r["page_view_id"]: r["page_view_number"] for r in tables["segment_web_page_views__sessionized"]}
    assert numbers == {"pv1": 1, "pv2": 2, "pv3": 3, "pv4": 4}


def test_issue_80_session_numbers_never_repeat_across_runs() -> None:
    con = refreshed([
        page(id="a1", anonymous_id="phone", user_id="u1", timestamp=T0),
        page(id="b1", anonymous_id="laptop", user_id="u1", timestamp=T0 + timedelta(hours=2)),
    ])  # fmt: skip
    late_and_new = [
        page(id="b0", anonymous_id="laptop", timestamp=T0 - timedelta(hours=3), received_at=LOAD),  # before all
        page(id="a2", anonymous_id="phone", timestamp=T0 + timedelta(hours=6), received_at=LOAD),
    ]
    tables = run_incremental(con, late_and_new)
    sessions = tables["segment_web_sessions"]
    assert sorted((s["session_number"], s["anonymous_id"], s["session_start_tstamp"]) for s in sessions) == [
        (1, "laptop", T0 - timedelta(hours=3)),
        (2, "phone", T0),
        (3, "laptop", T0 + timedelta(hours=2)),
        (4, "phone", T0 + timedelta(hours=6)),
    ]
    assert {s["blended_user_id"] for s in sessions} == {"u1"}


def test_issue_80_an_identify_moves_sessions_to_the_user_and_renumbers_both() -> None:
    con = refreshed([
        page(id="k1", anonymous_id="known", user_id="u1", timestamp=T0),
        page(id="n1", anonymous_id="new", timestamp=T0 + timedelta(hours=1)),
        page(id="n2", anonymous_id="new", timestamp=T0 + timedelta(hours=3)),
    ])  # fmt: skip
    assert [r[0] for r in con.execute("SELECT blended_user_id FROM segment_web_sessions ORDER BY 1").fetchall()] == [
        "new", "new", "u1",
    ]  # fmt: skip
    tables = run_incremental(
        con, [page(id="n3", anonymous_id="new", user_id="u1", timestamp=T0 + timedelta(hours=4), received_at=LOAD)]
    )
    sessions = sorted(tables["segment_web_sessions"], key=lambda s: s["session_start_tstamp"])
    assert [(s["anonymous_id"], s["blended_user_id"], s["session_number"]) for s in sessions] == [
        ("known", "u1", 1), ("new", "u1", 2), ("new", "u1", 3), ("new", "u1", 4),
    ]  # fmt: skip


def test_issue_65_a_resent_page_view_is_stored_once() -> None:
    con = refreshed([page(id="pv1", timestamp=T0, received_at=T0 + timedelta(seconds=5), title="first")])
    tables = run_incremental(con, [
        page(id="pv1", timestamp=T0, received_at=LOAD, title="resent"),  # later copy: changes nothing
        page(id="pv2", timestamp=T0 + timedelta(minutes=1), received_at=LOAD),
        page(id="pv2", timestamp=T0 + timedelta(minutes=1), received_at=LOAD + timedelta(seconds=1)),  # twice in a batch
    ])  # fmt: skip
    for table in ("segment_web_page_views", "segment_web_page_views__sessionized"):
        ids = [r["page_view_id"] for r in tables[table]]
        assert sorted(ids) == ["pv1", "pv2"], table
    assert by(tables["segment_web_page_views"], "page_view_id")["pv1"]["page_title"] == "first"
    assert tables["segment_web_sessions"][0]["page_views"] == 2


def test_issue_65_an_earlier_copy_arriving_later_replaces_the_stored_row() -> None:
    """docs/reference.md "Incremental runs": a re-sent row that sorts before the stored one (earlier received_at) replaces it."""
    stored_at = T0 + timedelta(hours=2)
    con = refreshed([page(id="pv1", timestamp=T0, received_at=stored_at, title="late copy")])
    tables = run_incremental(
        con, [page(id="pv1", timestamp=T0, received_at=stored_at - timedelta(hours=1), title="original")]
    )
    (row,) = tables["segment_web_page_views"]
    assert (row["page_title"], row["received_at_tstamp"]) == ("original", stored_at - timedelta(hours=1))


def test_issues_25_and_71_a_future_event_timestamp_does_not_stall_runs() -> None:
    """The watermark follows the load column, not the event time: 2099 in `timestamp` is just data."""
    con = refreshed([page(id="future", anonymous_id="bot", timestamp=datetime(2099, 1, 1), received_at=T0)])
    tables = run_incremental(con, [page(id="pv1", timestamp=T0 + timedelta(hours=1), received_at=LOAD)])
    assert sorted(r["page_view_id"] for r in tables["segment_web_page_views"]) == ["future", "pv1"]
    (watermark,) = fetch_row(con, "SELECT watermark FROM sessionizer_state")
    assert watermark == LOAD


def test_a_load_watermark_in_the_future_is_capped_at_the_run_start() -> None:
    """Clock skew on the load column: received_at in 2099 must not make the window skip today's rows."""
    con = refreshed([page(id="skewed", timestamp=T0, received_at=datetime(2099, 1, 1))])
    (watermark,) = fetch_row(con, "SELECT watermark FROM sessionizer_state")
    now = datetime.now(UTC).replace(tzinfo=None)
    assert now - timedelta(minutes=5) < watermark <= now
    tables = run_incremental(con, [page(id="today", timestamp=now - timedelta(minutes=2), received_at=now)])
    assert sorted(r["page_view_id"] for r in tables["segment_web_page_views"]) == ["skewed", "today"]
    (later,) = fetch_row(con, "SELECT watermark FROM sessionizer_state")
    assert watermark <= later <= datetime.now(UTC).replace(tzinfo=None)


def test_an_earlier_copy_with_another_visitor_and_time_moves_the_page_view_between_sessions() -> None:
    """The replaced row's visitor and time are recomputed too: the stored copy leaves its session
    (here splitting nothing but ending one visitor's only session), the earlier copy joins the
    other visitor's session, and every table agrees with a full refresh."""
    stored_at = T0 + timedelta(hours=2)
    history = [
        page(id="pv1", anonymous_id="a1", timestamp=T0 + timedelta(minutes=50), received_at=stored_at),
        page(id="pv2", anonymous_id="a1", timestamp=T0 + timedelta(minutes=30), received_at=stored_at),
        page(id="pv3", anonymous_id="a2", timestamp=T0, received_at=stored_at),
    ]
    earlier_copy = page(id="pv1", anonymous_id="a2", timestamp=T0 + timedelta(minutes=10),
                        received_at=stored_at - timedelta(hours=1))  # fmt: skip
    tables = run_incremental(refreshed(history), [earlier_copy])
    views = by(tables["segment_web_page_views__sessionized"], "page_view_id")
    assert (views["pv1"]["anonymous_id"], views["pv1"]["page_view_number"]) == ("a2", 2)
    assert views["pv1"]["session_id"] == views["pv3"]["session_id"]
    sessions = by(tables["segment_web_sessions"], "anonymous_id")
    assert (sessions["a1"]["page_views"], sessions["a2"]["page_views"]) == (1, 2)
    assert sessions["a1"]["session_end_tstamp"] == T0 + timedelta(minutes=30)
    assert by(tables["segment_web_user_stitching"], "anonymous_id")["a1"]["last_seen_at"] == T0 + timedelta(minutes=30)
    assert {t: reference.canonical(tables[t]) for t in TABLES} == reference_tables([*history, earlier_copy])
