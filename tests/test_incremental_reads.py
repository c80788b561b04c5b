"""Incremental runs read what changed (issue #12), and stay exact at the edges of that design.

The recomputation of a visitor starts at its change when its last stored session ended more
than the cutoff before it, else at that session's start; what comes before is carried over from
the stored sessions and stitching row. Each edge of that rule gets a case here that compares an
incremental run with the reference (tests/reference.py) over all rows. Then, on DuckDB's own profile, the reads of
the time-ordered tables are shown to be bounded by the change, not by the history.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sessionizer import compile
from sessionizer.config import Config
from sessionizer.dialects.duckdb import DuckDB
from tests.helpers import (
    T0,
    TABLES,
    create_pages,
    execute,
    page,
    reference_tables,
    refreshed,
    run_incremental,
    settings,
)  # fmt: skip
from tests.reference import canonical

CUTOFF = timedelta(seconds=1800)
LOAD = T0 + timedelta(days=30)  # when the increments arrive: every row of them is new input


def incremental_equals_reference(history: list[dict[str, Any]], increment: list[dict[str, Any]]) -> dict[str, Any]:
    """Full refresh of ``history``, incremental run of ``increment``: every table equals the
    reference (tests/reference.py) over both. Returns the tables."""
    con = refreshed(history)
    try:
        tables = run_incremental(con, increment)
        expected = reference_tables([*history, *increment])
        actual = {table: canonical(rows) for table, rows in tables.items()}
        for table in TABLES:
            assert actual[table] == expected[table], table
        return actual
    finally:
        con.close()


def visit(prefix: str, start: Any, count: int, step: timedelta = timedelta(minutes=5), **values: Any) -> list[Any]:
    return [page(id=f"{prefix}{n}", timestamp=start + n * step, **values) for n in range(count)]


@pytest.mark.parametrize("gap", [CUTOFF, CUTOFF + timedelta(seconds=1)], ids=["at-cutoff", "past-cutoff"])
def test_a_late_page_view_right_after_a_closed_session(gap: timedelta) -> None:
    """The change lands at the cutoff after the last stored session (joins it) or one second past
    it (the stored session stays closed and is not recomputed); a later session gets renumbered."""
    history = [*visit("a", T0, 3), *visit("b", T0 + timedelta(days=2), 2)]
    late = page(id="late", timestamp=T0 + timedelta(minutes=10) + gap, received_at=LOAD)
    tables = incremental_equals_reference(history, [late])
    assert len(tables["segment_web_sessions"]) == (2 if gap == CUTOFF else 3)


def test_a_page_view_inside_a_stored_session_renumbers_it_and_the_ones_after() -> None:
    history = [*visit("a", T0, 4, step=timedelta(minutes=20)), *visit("b", T0 + timedelta(days=1), 3)]
    inside = page(id="inside", timestamp=T0 + timedelta(minutes=30), received_at=LOAD)
    tables = incremental_equals_reference(history, [inside])
    numbers = sorted(row[-2] for row in tables["segment_web_page_views__sessionized"])
    assert numbers == list(range(1, 9))


def test_a_visitor_left_without_page_views_loses_its_rows() -> None:
    """A copy received earlier moves the visitor's only page view to another visitor: the first
    visitor's stitching row and sessions go, and the user it belonged to is renumbered."""
    history = [
        page(id="moved", anonymous_id="gone", user_id="u1", timestamp=T0, received_at=T0 + timedelta(hours=30)),
        page(id="stays", anonymous_id="other", user_id="u1", timestamp=T0 + timedelta(days=1)),
    ]
    # received earlier than the stored row, and inside the trailing window of the stored watermark
    copy = page(id="moved", anonymous_id="taker", timestamp=T0, received_at=T0 + timedelta(hours=28))
    tables = incremental_equals_reference(history, [copy])
    assert "gone" not in {row[0] for row in tables["segment_web_user_stitching"]}


def test_a_page_view_taken_by_another_visitor_renumbers_the_one_it_left() -> None:
    """The visitor a replaced page view leaves has no new row of its own: its other stored page
    views are looked up apart, so the numbering carried over to its recomputation is right."""
    stored_at = T0 + timedelta(days=2, hours=6)
    history = [
        *visit("a", T0, 2, anonymous_id="left"),
        page(id="moved", anonymous_id="left", timestamp=T0 + timedelta(days=1), received_at=stored_at),
        *visit("c", T0 + timedelta(days=1, minutes=10), 2, anonymous_id="left"),
        *visit("d", T0 + timedelta(days=2), 2, anonymous_id="left"),
    ]
    copy = page(
        id="moved", anonymous_id="taker", timestamp=T0 + timedelta(days=1), received_at=stored_at - timedelta(hours=1)
    )
    tables = incremental_equals_reference(history, [copy])
    numbers = sorted(row[-2] for row in tables["segment_web_page_views__sessionized"] if row[1] == "left")
    assert numbers == list(range(1, 7))


def test_a_replaced_identified_page_view_gives_back_the_earlier_user_id() -> None:
    """The stored row that named the visitor's user is replaced by an anonymous copy: the user id
    falls back to the last one before it, which only the visitor's whole history says."""
    history = [
        page(id="p1", user_id="early", timestamp=T0, received_at=T0),
        page(id="p2", user_id="late", timestamp=T0 + timedelta(days=3), received_at=T0 + timedelta(days=3, hours=4)),
    ]
    copy = page(id="p2", user_id=None, timestamp=T0 + timedelta(days=3), received_at=T0 + timedelta(days=3, hours=2))
    tables = incremental_equals_reference(history, [copy])
    assert [row[1] for row in tables["segment_web_user_stitching"]] == ["early"]


def test_a_visitor_identified_late_moves_all_its_sessions_to_its_user() -> None:
    """An identify on a new page view restitches a visitor whose sessions began weeks before:
    every one of them moves to the user and is numbered among that user's other visitor's."""
    history = [
        *visit("old", T0, 2, anonymous_id="anon"),
        *visit("mid", T0 + timedelta(days=10), 2, anonymous_id="anon"),
        *visit("else", T0 + timedelta(days=5), 2, anonymous_id="phone", user_id="u9"),
    ]
    login = page(id="login", anonymous_id="anon", user_id="u9", timestamp=T0 + timedelta(days=20), received_at=LOAD)
    tables = incremental_equals_reference(history, [login])
    assert {row[-2] for row in tables["segment_web_sessions"]} == {"u9"}
    assert sorted(row[-1] for row in tables["segment_web_sessions"]) == [1, 2, 3, 4]


def test_two_runs_in_a_row_carry_the_numbering_on() -> None:
    """The second run's carried-over numbers come from what the first one stored."""
    con = refreshed(visit("a", T0, 3))
    try:
        rows = visit("a", T0, 3)
        for n, (minutes, received) in enumerate([(20, 1), (5 * 24 * 60, 2), (22, 3)]):
            row = page(
                id=f"n{n}", timestamp=T0 + timedelta(minutes=minutes), received_at=LOAD + timedelta(hours=received)
            )
            rows.append(row)
            expected = reference_tables(rows)
            for table, stored in run_incremental(con, [row]).items():
                assert canonical(stored) == expected[table], (n, table)
    finally:
        con.close()


# -- bounded reads, on DuckDB's profile -------------------------------------------------------------


def profiled_incremental(con: duckdb.DuckDBPyConnection, config: Config, path: Path) -> list[tuple[str, int]]:
    """Each statement of an incremental run with the rows its table scans read."""
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"SET profiling_output = '{path}'")
    read = []
    for statement in compile(config, "duckdb", "incremental"):
        path.unlink(missing_ok=True)
        con.execute(statement.sql)
        scanned = json.loads(path.read_text())["query"]["total_rows_scanned"] if path.exists() else 0
        read.append((statement.sql, int(scanned)))
    con.execute("PRAGMA disable_profiling")
    return read


def bounded_run(tmp_path: Path, increment: str) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """600,000 page views over 70 days of 4,000 visitors (several of DuckDB's row groups, whose
    zone maps a bound can skip), refreshed; then the ``increment`` rows (columns id, anonymous_id,
    user_id, timestamp; loaded at the end) run incrementally, profiled, and every table compared
    with a full refresh's. Returns the tables' sizes before the run and each statement's reads."""
    config = settings()
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        create_pages(con, config)
        history = """
            SELECT 'h' || i AS id, 'v' || (i % 4000) AS anonymous_id, TIMESTAMP '2024-01-01' + to_seconds(i * 10) AS ts
            FROM range(600000) AS r(i)
        """
        con.execute(
            f"INSERT INTO pages (id, anonymous_id, received_at, sent_at, timestamp, url) SELECT id, anonymous_id, ts, ts, ts, 'https://a.com/x' FROM ({history})"
        )
        execute(con, config, "full-refresh")
        con.execute(f"""
            INSERT INTO pages (id, anonymous_id, user_id, received_at, sent_at, timestamp, url)
            SELECT id, anonymous_id, user_id, TIMESTAMP '2024-03-12', TIMESTAMP '2024-03-12', timestamp, 'https://a.com/y'
            FROM ({increment})
        """)
        sizes = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]
        reads = profiled_incremental(con, config, tmp_path / "profile.json")
        for table in TABLES:
            con.execute(f"CREATE TABLE incremental_{table} AS SELECT * FROM {table}")
        execute(con, config, "full-refresh")
        for table in TABLES:
            for a, b in ((table, f"incremental_{table}"), (f"incremental_{table}", table)):
                differing = con.execute(
                    f"SELECT COUNT(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
                ).fetchone()
                assert differing == (0,), (a, b)
    finally:
        con.close()
    return sizes, reads


def statements_on(reads: list[tuple[str, int]], table: str, *verbs: str) -> list[tuple[str, int]]:
    return [(sql, n) for sql, n in reads if sql.lstrip().startswith(tuple(f"{verb} {table}" for verb in verbs))]


def test_an_increment_reads_the_newest_blocks_of_the_time_ordered_tables(tmp_path: Path) -> None:
    """Page views of returning visitors at the end, half of them continuing a stored session:
    sessionized and sessions_initial are read from where their recomputations start, not whole."""
    sizes, reads = bounded_run(
        tmp_path,
        """
        SELECT 'new' || i AS id, 'v' || (CASE WHEN i < 10 THEN 3999 - i ELSE i END) AS anonymous_id,
          CAST(NULL AS VARCHAR) AS user_id, TIMESTAMP '2024-01-01' + to_seconds(6000000 + i) AS timestamp
        FROM range(20) AS r(i)
    """,
    )
    for table in ("segment_web_page_views__sessionized", "segment_web_sessions__initial"):
        writes = statements_on(reads, table, "DELETE FROM", "INSERT INTO")
        assert len(writes) == 2, table
        for sql, n in writes:
            assert 0 < n < sizes[table] / 2, (table, n, sizes[table], sql[:80])
    assert sizes["segment_web_page_views__sessionized"] == 600000
    # Where each visitor's recomputation starts is told from the history of its stored page views
    # (the visitors that arrive), not from a read of the stored sessions.
    recorded = statements_on(reads, "sessionizer_pending_anonymous_ids", "INSERT INTO")[0][1]
    assert recorded < sizes["segment_web_sessions__initial"] / 2, recorded


@pytest.mark.parametrize("in_place", [True, False], ids=["in-place", "rebuilt"])
def test_a_visitor_identified_late_moves_its_earlier_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_place: bool
) -> None:
    """A visitor seen over all 70 days logs in at the end: its ~150 earlier sessions change hands.
    In place (the warehouses: an UPDATE finds them from its first page view), sessions_stitched's
    recomputed rows come from the newest blocks of sessions_initial only; rebuilt (DuckDB's
    default, whose checkpoint rewrites an updated column whole) they are deleted and read again.
    Either way every table equals a full refresh's."""
    monkeypatch.setattr(DuckDB, "RESTITCH_IN_PLACE", in_place)
    sizes, reads = bounded_run(
        tmp_path,
        """
        SELECT 'login' AS id, 'v7' AS anonymous_id, 'u1' AS user_id, TIMESTAMP '2024-01-01' + to_seconds(6000000) AS timestamp
    """,
    )
    stitched = "segment_web_sessions__stitched"
    assert len(statements_on(reads, stitched, "UPDATE")) == (1 if in_place else 0)
    assert len(statements_on(reads, stitched, "DELETE FROM")) == (1 if in_place else 2)
    [(_, rebuilt)] = statements_on(reads, stitched, "INSERT INTO")
    assert (rebuilt < sizes["segment_web_sessions__initial"] / 2) is in_place, rebuilt
