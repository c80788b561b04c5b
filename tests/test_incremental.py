"""Incremental runs give exactly what a full refresh gives (docs/reference.md "Incremental runs").

Random streams of page views for a few visitors and users arrive in random batches: late
events, duplicates within and across batches (earlier and later received_at), identify calls
that set and move user_ids, equal timestamps and gaps at exactly the cutoff. After EVERY
incremental run all six tables (and the rejected rows) must equal the reference (tests/reference.py) over the
same input, row for row; the final state must also equal a real full refresh. The same streams
run on DuckDB (delete+insert and MERGE upserts), on PostgreSQL, and as BigQuery's SQL translated
back to DuckDB. So do the settings of "Beyond dbt-segment": every one on, and each alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionizer import Config
from sessionizer.compiler import Compiler
from sessionizer.dialects.bigquery import BigQuery
from sessionizer.dialects.duckdb import DuckDB
from sessionizer.dialects.postgres import Postgres
from sessionizer.plan import Mode
from tests import reference
from tests.emulators.postgres import PostgresEmulator
from tests.helpers import (
    TABLES,
    DuckDBWithMerge,
    assert_tables_equal,
    bigquery_on_duckdb,
    connect,
    insert,
    package_mapping,
    postgres_engine,
    read_tables,
    table_columns,
    users_counts,
    using,
)

EVENT_BASE = datetime(2024, 3, 1)
LOAD_BASE = datetime(2024, 4, 1)
CONFIG = Config()
COLUMNS = reference.columns()[reference.REJECTED][:-1]

URLS = [
    "https://www.shop.com/",
    "https://www.shop.com/p?gclid=abc&x=1",
    "http://shop.com/cart?utm_source=news",
    "android-app://com.shop/path",
    None,
]
REFERRERS = ["https://www.google.com/search?q=x", "https://t.co/abc", "", None, "https://www.blog.org/post"]
AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    "curl/8.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    None,
]
UTMS = [None, "news", "ads"]
# "Beyond dbt-segment" (keys as in sessionizer.yml): each setting alone, then all of them. The
# streams reach them: an ignored user id, a crawler, a local midnight in New York (the
# streams span 15 hours from 19:00 local), campaigns that come and go, sessions longer than an hour.
BEYOND: dict[str, dict[str, Any]] = {
    "ignored": {"ignored_user_ids": ["null", ""]},
    "bots": {"exclude_bots": True},
    "day": {"day_boundary_time_zone": "America/New_York"},
    "campaign": {"split_on_campaign": True},
    "max": {"max_session_seconds": 3600},
    "channel": {"channel_grouping": True},
    "engaged": {"engaged_session_seconds": 60},
}
BEYOND["all"] = {k: v for one in BEYOND.values() for k, v in one.items()}


@st.composite
def page_view(draw: st.DrawFn, anonymous_ids: list[str], ids: int, load: datetime, serial: int) -> dict[str, Any]:
    """One source row; event times on a 15-minute grid shifted by sub-second amounts, so gaps of
    exactly the cutoff, one second more, and boundary-crossing fractions all occur."""
    grid = draw(st.integers(0, 60)) * 900
    shift = draw(st.sampled_from([0, 0, 0.1, 0.9, 1, 899.9]))
    tstamp = EVENT_BASE + timedelta(seconds=grid + shift)
    # Within the trailing window (3 h) of everything loaded before; a unique microsecond keeps
    # received_at distinct, so the dedupe order is total.
    received_at = load - timedelta(seconds=draw(st.integers(0, 9000)), microseconds=serial)
    sent_at = draw(st.one_of(st.none(), st.just(received_at - timedelta(seconds=2))))
    row = dict.fromkeys(COLUMNS)
    row.update(
        id=f"p{draw(st.integers(0, ids - 1)):02d}",
        anonymous_id=draw(st.sampled_from(anonymous_ids)),
        user_id=draw(st.sampled_from([None, None, "u1", "u2", " NULL "])),
        received_at=received_at,
        sent_at=sent_at,
        timestamp=tstamp,
        url=draw(st.sampled_from(URLS)),
        referrer=draw(st.sampled_from(REFERRERS)),
        context_campaign_source=draw(st.sampled_from(UTMS)),
        context_user_agent=draw(st.sampled_from(AGENTS)),
    )
    return row


@st.composite
def streams(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    anonymous_ids = [f"a{i}" for i in range(draw(st.integers(1, 4)))]
    ids = draw(st.integers(2, 30))
    load = LOAD_BASE
    batches: list[list[dict[str, Any]]] = []
    serial = 0
    for _ in range(draw(st.integers(2, 5))):
        load += timedelta(hours=draw(st.integers(0, 72)), seconds=draw(st.integers(1, 3599)))
        batch = []
        for _ in range(draw(st.integers(1, 8))):
            serial += 1
            batch.append(draw(page_view(anonymous_ids, ids, load, serial)))
        batches.append(batch)
    return batches


def snapshot(con: Any) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Each table's columns and its rows, sorted, for exact comparison."""
    return {
        t: (list(rows[0]) if rows else table_columns(con, t), reference.canonical(rows))
        for t, rows in read_tables(con).items()
    }


def expected_tables(rows: list[dict[str, Any]], beyond: str | None = None) -> dict[str, Any]:
    chosen = BEYOND[beyond] if beyond else {}
    built = reference.build(rows, referrer_mapping=package_mapping(), **chosen)
    columns = reference.columns(**reference.beyond(**chosen).column_flags())
    return {t: (columns[t], reference.canonical(built[t])) for t in TABLES}


def config_of(beyond: str | None) -> Config:
    return Config.from_mapping(BEYOND[beyond]) if beyond else CONFIG


@cache
def plans(strategy: str, beyond: str | None = None) -> dict[Mode, list[str]]:
    """Each mode's statements for ``strategy``, compiled when a test first needs them: compiled at
    import, every pytest-xdist worker paid ~5 s for all four, run or not."""
    config = config_of(beyond)
    if strategy == "bigquery":  # MERGE, DELETE … WHERE EXISTS, its time and text functions, back on DuckDB
        return {
            mode: [bigquery_on_duckdb(s.sql) for s in Compiler(config, BigQuery()).compile(mode).statements()]
            for mode in Mode
        }
    dialect = {"delete+insert": DuckDB, "merge": DuckDBWithMerge, "postgres": Postgres}[strategy]()
    return {mode: [s.sql for s in Compiler(config, dialect).compile(mode).statements()] for mode in Mode}


def check_stream(batches: list[list[dict[str, Any]]], strategy: str, beyond: str | None = None) -> None:
    """After every run, all tables equal the reference over the rows so far; at the end, also a
    real full refresh."""
    plan = plans(strategy, beyond)
    con = connect(CONFIG)
    seen: list[dict[str, Any]] = []
    for number, batch in enumerate(batches):
        insert(con, batch)
        seen += batch
        for sql in plan[Mode.FULL_REFRESH if number == 0 else Mode.INCREMENTAL]:
            con.execute(sql)
        assert_tables_equal(snapshot(con), expected_tables(seen, beyond), f"{strategy}: after batch {number}")
        assert con.execute("SELECT COUNT(*) FROM sessionizer_pending_anonymous_ids").fetchone() == (0,)
        stored, counted = users_counts(con)
        assert stored == counted, f"{strategy}: users' counts after batch {number}"
    incremental = snapshot(con)
    for sql in plan[Mode.FULL_REFRESH]:
        con.execute(sql)
    assert_tables_equal(snapshot(con), incremental, f"{strategy}: full refresh after the last batch")
    con.close()


@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
@given(batches=streams())
def test_every_incremental_run_equals_a_full_refresh(batches: list[list[dict[str, Any]]]) -> None:
    check_stream(batches, "delete+insert")


@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 4))  # fmt: skip
@given(batches=streams())
def test_every_incremental_run_equals_a_full_refresh_with_merge_upserts(batches: list[list[dict[str, Any]]]) -> None:
    check_stream(batches, "merge")


@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 8))  # fmt: skip
@given(batches=streams())
def test_every_incremental_run_equals_a_full_refresh_on_postgres(
    postgres_emulator: PostgresEmulator, batches: list[list[dict[str, Any]]]
) -> None:
    with using(postgres_engine(postgres_emulator.connect)):
        check_stream(batches, "postgres")


@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 8))  # fmt: skip
@given(batches=streams())
def test_every_incremental_run_equals_a_full_refresh_in_bigquery_sql(batches: list[list[dict[str, Any]]]) -> None:
    check_stream(batches, "bigquery")


# -- "Beyond dbt-segment" --------------------------------------------------------------------------


@pytest.mark.parametrize("beyond", list(BEYOND))
@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 40))  # fmt: skip
@given(batches=streams())
def test_every_incremental_run_equals_a_full_refresh_beyond_dbt_segment(
    beyond: str, batches: list[list[dict[str, Any]]]
) -> None:
    check_stream(batches, "delete+insert", beyond)


@pytest.mark.parametrize("strategy", ["merge", "bigquery"])
@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 16))  # fmt: skip
@given(batches=streams())
def test_every_incremental_run_equals_a_full_refresh_with_every_setting_on(
    strategy: str, batches: list[list[dict[str, Any]]]
) -> None:
    check_stream(batches, strategy, "all")


@settings(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
          max_examples=max(1, settings().max_examples // 16))  # fmt: skip
@given(batches=streams())
def test_every_incremental_run_equals_a_full_refresh_with_every_setting_on_postgres(
    postgres_emulator: PostgresEmulator, batches: list[list[dict[str, Any]]]
) -> None:
    with using(postgres_engine(postgres_emulator.connect)):
        check_stream(batches, "postgres", "all")
