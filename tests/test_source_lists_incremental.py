"""Incremental runs over a ``source`` list give exactly what the reference (tests/reference.py) gives.

Random mixes of web pages, app screens, tracks (with and without an events filter) and
identifies for a few visitors present in both sources arrive in random batches, late and
duplicated; after EVERY run all six tables and the rejected rows equal tests.reference.build_list
over the rows so far, on the delete+insert and the MERGE paths, and the last state equals a real
full refresh. Each example runs several plans of thirty-odd statements, so the default
profile draws a few dozen (ci-long: hundreds). With every setting of "Beyond dbt-segment" on,
and each alone, too (fewer examples each).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionizer import Config
from sessionizer.compiler import Compiler
from sessionizer.dialects.duckdb import DuckDB
from sessionizer.plan import Mode
from tests import reference
from tests.helpers import (
    TABLES,
    DuckDBWithMerge,
    assert_tables_equal,
    connect_sources,
    insert_into,
    package_mapping,
    snapshot,
    sources,
)

EVENT_BASE = datetime(2024, 3, 1)
LOAD_BASE = datetime(2024, 4, 1)

WEB_PAGES = {"table": "web_pages", "name": "web"}
APP_SCREENS = {"table": "app_screens", "name": "app", "kind": "screens"}
CONFIGS: tuple[Config, ...] = (
    sources(WEB_PAGES, APP_SCREENS,
            {"table": "web_tracks", "name": "web", "kind": "tracks", "events": ["heartbeat"]},
            {"table": "app_tracks", "name": "app", "kind": "tracks"},
            {"table": "web_identifies", "name": "web", "kind": "identifies"}),
    # a pages and a screens table of one name, deduped together
    sources(WEB_PAGES, {"table": "web_screens", "name": "web", "kind": "screens"},
            {"table": "web_tracks", "name": "web", "kind": "tracks"},
            {"table": "app_pages", "name": "app"},
            {"table": "app_identifies", "name": "app", "kind": "identifies"}),
)  # fmt: skip


@cache
def plans(config: Config, strategy: str) -> dict[Mode, list[str]]:
    """Each mode's statements, compiled when a test first needs them (at import, every
    pytest-xdist worker paid ~4 s for all of them, run or not)."""
    dialect = DuckDB() if strategy == "delete+insert" else DuckDBWithMerge()
    return {mode: [s.sql for s in Compiler(config, dialect).compile(mode).statements()] for mode in Mode}


@st.composite
def row(
    draw: st.DrawFn, kind: str, source_name: str, anonymous_ids: list[str], load: datetime, serial: int
) -> dict[str, Any]:
    """One row; event times on a 15-minute grid with sub-second shifts (exact-cutoff gaps), ids
    from a small pool per source_name and family, so duplicates and pages/screens collisions occur."""
    grid = draw(st.integers(0, 40)) * 900
    shift = draw(st.sampled_from([0, 0, 0.1, 0.9, 1, 899.9]))
    received_at = load - timedelta(seconds=draw(st.integers(0, 9000)), microseconds=serial)
    family = {"pages": "v", "screens": "v", "tracks": "t", "identifies": "i"}[kind]
    values = {
        "id": draw(st.one_of(st.just(None), st.integers(0, 12).map(lambda n: f"{source_name}-{family}{n}")))
        if draw(st.integers(0, 20)) == 0
        else f"{source_name}-{family}{draw(st.integers(0, 12))}",
        "anonymous_id": draw(st.sampled_from(anonymous_ids)),
        "user_id": draw(st.sampled_from([None, None, "u1", "u2", " NULL "])),
        "received_at": received_at,
        "sent_at": draw(st.one_of(st.none(), st.just(received_at - timedelta(seconds=2)))),
        "timestamp": EVENT_BASE + timedelta(seconds=grid + shift),
        "url": draw(st.sampled_from(["https://www.shop.com/p?gclid=x", "http://shop.com/", None])),
        "title": "t",
        "name": draw(st.sampled_from(["Home", None])),
        "context_device_model": draw(st.sampled_from(["iPad8,1", "iPhone15,2", "Pixel 8", None])),
        "context_os_name": draw(st.sampled_from(["iOS", "android", None])),
        "context_user_agent": draw(st.sampled_from(["Mozilla/5.0 (iPhone; CPU)", "Googlebot/2.1", None])),
        "context_campaign_source": draw(st.sampled_from([None, None, "news", "ads"])),
        "event": draw(st.sampled_from(["heartbeat", "heartbeat", "scrolled", None])),
        "event_text": draw(st.sampled_from([None, "heartbeat"])),
    }
    return values


Stream = tuple[Config, list[list[tuple[str, dict[str, Any]]]]]


@st.composite
def streams(draw: st.DrawFn) -> Stream:
    config = draw(st.sampled_from(CONFIGS))
    assert config.entries is not None
    anonymous_ids = [f"a{i}" for i in range(draw(st.integers(1, 3)))]
    load = LOAD_BASE
    batches: list[list[tuple[str, dict[str, Any]]]] = []
    serial = 0
    for _ in range(draw(st.integers(2, 5))):
        load += timedelta(hours=draw(st.integers(0, 48)), seconds=draw(st.integers(1, 3599)))
        batch = []
        for _ in range(draw(st.integers(1, 10))):
            serial += 1
            entry = draw(st.sampled_from(config.entries))
            batch.append((entry.table, draw(row(entry.kind.value, entry.name, anonymous_ids, load, serial))))
        batches.append(batch)
    return config, batches


# "Beyond dbt-segment" (keys as in sessionizer.yml): each setting alone, then all of them; the
# rows reach each (an ignored user id, a crawler, New York's midnight, campaigns, long sessions).
BEYOND: dict[str, dict[str, Any]] = {
    "ignored": {"ignored_user_ids": ["null"]},
    "bots": {"exclude_bots": True},
    "day": {"day_boundary_time_zone": "America/New_York"},
    "campaign": {"split_on_campaign": True},
    "max": {"max_session_seconds": 3600},
    "channel": {"channel_grouping": True},
    "engaged": {"engaged_session_seconds": 60},
}
BEYOND["all"] = {k: v for one in BEYOND.values() for k, v in one.items()}


def expected(
    config: Config, rows: list[tuple[str, dict[str, Any]]], beyond: dict[str, Any] | None = None
) -> dict[str, Any]:
    assert config.entries is not None
    chosen = beyond or {}
    columns = reference.list_columns(**reference.beyond(**chosen).column_flags())
    entries = [(e.name, e.kind.value, e.events, [r for t, r in rows if t == e.table]) for e in config.entries]
    built = reference.build_list(entries, referrer_mapping=package_mapping(), **chosen)
    return {t: (columns[t], reference.canonical(built[t])) for t in TABLES}


def check(
    config: Config, batches: list[list[tuple[str, dict[str, Any]]]], strategy: str, beyond: str | None = None
) -> None:
    chosen = BEYOND[beyond] if beyond else None
    if chosen:
        config = dataclasses.replace(config, **chosen)
    plan = plans(config, strategy)
    con = connect_sources(config)
    seen: list[tuple[str, dict[str, Any]]] = []
    for number, batch in enumerate(batches):
        for table, values in batch:
            insert_into(con, table, [values])
        seen += batch
        for sql in plan[Mode.FULL_REFRESH if number == 0 else Mode.INCREMENTAL]:
            con.execute(sql)
        assert_tables_equal(snapshot(con), expected(config, seen, chosen), f"{strategy}: after batch {number}")
    incremental = snapshot(con)
    for sql in plan[Mode.FULL_REFRESH]:
        con.execute(sql)
    assert_tables_equal(snapshot(con), incremental, f"{strategy}: full refresh after the last batch")
    con.close()


@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 8))  # fmt: skip
@given(stream=streams())
def test_every_incremental_run_over_a_source_list_equals_the_reference(stream: Stream) -> None:
    check(stream[0], stream[1], "delete+insert")


@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 16))  # fmt: skip
@given(stream=streams())
def test_every_incremental_run_over_a_source_list_with_merge_upserts(stream: Stream) -> None:
    check(stream[0], stream[1], "merge")


@pytest.mark.parametrize("beyond", list(BEYOND))
@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 40))  # fmt: skip
@given(stream=streams())
def test_every_incremental_run_over_a_source_list_beyond_dbt_segment(beyond: str, stream: Stream) -> None:
    check(stream[0], stream[1], "merge" if beyond == "all" else "delete+insert", beyond)
