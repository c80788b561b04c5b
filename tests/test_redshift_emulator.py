"""Tests of the Redshift emulator itself, through the real redshift_connector driver.

The emulator is only useful if it behaves like Redshift where our SQL relies on
it (DATEDIFF boundaries, DISTKEY/SORTKEY, MERGE) and fails where Redshift
fails, so these tests assert on values and on error messages.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redshift_connector

from tests.emulators.redshift import EmulatorUnsupported, RedshiftEmulator, RedshiftRejected, translate


@pytest.fixture
def emulator(redshift_emulator: RedshiftEmulator) -> RedshiftEmulator:
    """The session's emulator; each test cleans up the tables it creates in ``public``."""
    return redshift_emulator


@pytest.fixture
def conn(emulator: RedshiftEmulator) -> Iterator[redshift_connector.Connection]:
    """An autocommit connection; each test cleans up the tables it creates."""
    connection = emulator.connect()
    connection.autocommit = True
    try:
        yield connection
    finally:
        connection.close()


def _rows(connection: redshift_connector.Connection, sql: str, args: Any = None) -> list[list[Any]]:
    cursor = connection.cursor()
    cursor.execute(sql, args)
    return [list(row) for row in cursor.fetchall()]


def _run(connection: redshift_connector.Connection, sql: str, args: Any = None) -> None:
    connection.cursor().execute(sql, args)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --- connection and API ---------------------------------------------------------------


def test_connect_kwargs_and_url(emulator: RedshiftEmulator, conn: redshift_connector.Connection) -> None:
    assert emulator.connect_kwargs["ssl"] is False
    assert emulator.url(schema="analytics") == f"redshift://awsuser@127.0.0.1:{emulator.port}/dev/analytics?ssl=false"
    assert _rows(conn, "SELECT current_database(), current_user") == [["dev", "awsuser"]]
    assert _rows(conn, "SHOW TimeZone") == [["UTC"]]


def test_binary_string_ordering(conn: redshift_connector.Connection) -> None:
    rows = _rows(conn, "SELECT v FROM (SELECT 'b' AS v UNION ALL SELECT 'B' UNION ALL SELECT 'a') AS x ORDER BY v")
    assert rows == [["B"], ["a"], ["b"]]


def test_concurrent_connections(emulator: RedshiftEmulator) -> None:
    results: dict[int, Any] = {}

    def worker(n: int) -> None:
        connection = emulator.connect()
        try:
            results[n] = _rows(connection, "SELECT %s::INT * 2, pg_sleep(0.2) IS NULL", (n,))[0][0]
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == {n: n * 2 for n in range(5)}


# --- translations ---------------------------------------------------------------------


def test_ctas_with_distkey_sortkey(conn: redshift_connector.Connection) -> None:
    _run(conn, "DROP TABLE IF EXISTS emu_src")
    _run(conn, "CREATE TABLE emu_src (a INT ENCODE az64, b VARCHAR(MAX)) DISTSTYLE KEY DISTKEY(a) SORTKEY(a, b)")
    _run(conn, "INSERT INTO emu_src (a, b) VALUES (1, 'x'), (2, 'y'), (2, 'z')")
    _run(conn, "DROP TABLE IF EXISTS emu_ctas")
    _run(conn, "CREATE TABLE emu_ctas DISTKEY(a) SORTKEY(a, n) AS SELECT a, COUNT(*) AS n FROM emu_src GROUP BY a")
    assert _rows(conn, "SELECT a, n FROM emu_ctas ORDER BY a") == [[1, 1], [2, 2]]
    _run(conn, "CREATE TEMP TABLE emu_tmp DISTSTYLE ALL SORTKEY(a) AS SELECT a FROM emu_src WHERE a = 2")
    assert _rows(conn, "SELECT COUNT(*) FROM emu_tmp") == [[2]]
    _run(conn, "DROP TABLE emu_ctas")
    _run(conn, "DROP TABLE emu_src")


@pytest.mark.parametrize(
    ("unit", "start", "end", "expected"),
    [
        ("SECOND", "2024-01-01 10:00:00.900", "2024-01-01 10:00:01.100", 1),
        ("SECOND", "2024-01-01 10:00:00.100", "2024-01-01 10:00:00.900", 0),
        ("SECOND", "2024-01-01 10:00:01.100", "2024-01-01 10:00:00.900", -1),
        ("SECOND", "2024-01-01 10:00:00", "2024-01-01 10:30:00", 1800),
        ("MINUTE", "2024-01-01 10:00:59.999", "2024-01-01 10:01:00", 1),
        ("MINUTE", "2024-01-01 10:00:00", "2024-01-01 10:00:59.999", 0),
        ("HOUR", "2024-01-01 10:59:59", "2024-01-01 11:00:00", 1),
        ("DAY", "2024-01-01 23:59:59", "2024-01-02 00:00:00", 1),
        ("DAY", "2024-01-01 00:00:00", "2024-01-01 23:59:59", 0),
        ("MONTH", "2024-01-31", "2024-02-01", 1),
        ("YEAR", "2023-12-31 23:59:59", "2024-01-01", 1),
    ],
)
def test_datediff_counts_boundaries(
    conn: redshift_connector.Connection, unit: str, start: str, end: str, expected: int
) -> None:
    literal = _rows(conn, f"SELECT DATEDIFF({unit}, '{start}', '{end}')")
    bound = _rows(conn, f"SELECT DATEDIFF({unit.lower()}, %s, %s)", (start, end))
    assert literal == bound == [[expected]]


def test_datediff_on_timestamp_columns(conn: redshift_connector.Connection) -> None:
    _run(conn, "DROP TABLE IF EXISTS emu_ts")
    _run(conn, "CREATE TABLE emu_ts (a TIMESTAMP, b TIMESTAMP)")
    _run(conn, "INSERT INTO emu_ts VALUES ('2024-01-01 10:00:00.900', '2024-01-01 10:00:01.100')")
    assert _rows(conn, "SELECT DATEDIFF(second, a, b), DATEDIFF(ms, a, b) FROM emu_ts") == [[1, 200]]
    _run(conn, "DROP TABLE emu_ts")


def test_window_query(conn: redshift_connector.Connection) -> None:
    _run(conn, "DROP TABLE IF EXISTS emu_events")
    _run(conn, "CREATE TABLE emu_events (uid VARCHAR(10), ts TIMESTAMP, url VARCHAR(100))")
    _run(
        conn,
        "INSERT INTO emu_events VALUES ('u1', '2024-01-01 10:00:00', 'https://a.example/x'), "
        "('u1', '2024-01-01 10:00:10', 'https://a.example/y'), ('u2', '2024-01-01 11:00:00', NULL)",
    )
    _run(conn, "DROP TABLE IF EXISTS emu_win")
    _run(
        conn,
        """
        CREATE TABLE emu_win DISTKEY(uid) SORTKEY(uid, ts) AS
        SELECT uid, ts,
               ROW_NUMBER() OVER (PARTITION BY uid ORDER BY ts) AS rn,
               DATEDIFF(SECOND, LAG(ts) OVER (PARTITION BY uid ORDER BY ts), ts) AS gap,
               FIRST_VALUE(url) OVER (PARTITION BY uid ORDER BY ts
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_url,
               LAST_VALUE(url) OVER (PARTITION BY uid ORDER BY ts
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_url,
               COUNT(url) OVER (PARTITION BY uid) AS n_urls,
               SPLIT_PART(url, '/', 3) || '|' || LOWER(CAST(rn_src AS VARCHAR)) AS host_tag
        FROM (SELECT *, 'X' AS rn_src FROM emu_events) AS e
        """,
    )
    rows = _rows(conn, "SELECT uid, rn, gap, first_url, last_url, n_urls, host_tag FROM emu_win ORDER BY uid, ts")
    assert rows == [
        ["u1", 1, None, "https://a.example/x", "https://a.example/y", 2, "a.example|x"],
        ["u1", 2, 10, "https://a.example/x", "https://a.example/y", 2, "a.example|x"],
        ["u2", 1, None, None, None, 0, None],
    ]
    _run(conn, "DROP TABLE emu_win")
    _run(conn, "DROP TABLE emu_events")


def test_common_pipeline_statements(conn: redshift_connector.Connection) -> None:
    _run(conn, "DROP TABLE IF EXISTS emu_p")
    _run(conn, "DROP TABLE IF EXISTS emu_p2")
    _run(conn, "CREATE TABLE emu_p (id INT, v VARCHAR(64), ts TIMESTAMP)")
    _run(
        conn,
        "INSERT INTO emu_p VALUES (1, 'a', '2024-01-01 10:00:00'), (2, '', '2024-01-01 12:00:00'), (3, 'c', NULL)",
    )
    _run(conn, "CREATE TABLE emu_p2 AS SELECT * FROM emu_p WHERE id = 3")
    _run(conn, "DELETE FROM emu_p USING emu_p2 WHERE emu_p.id = emu_p2.id")
    _run(
        conn,
        "DELETE FROM emu_p WHERE id IN "
        "(SELECT id FROM emu_p WHERE ts < TIMESTAMP '2024-01-01 13:00:00' - INTERVAL '3 HOUR')",
    )
    _run(conn, "INSERT INTO emu_p2 SELECT id, MD5(v), ts FROM emu_p WHERE id = 1")
    rows = _rows(
        conn,
        "SELECT id, COALESCE(NULLIF(v, ''), 'empty'), LEAST(id, 2), GREATEST(id, 2), "
        "ts - INTERVAL '3 HOUR', REPLACE(v, 'a', 'b') FROM emu_p WHERE v LIKE '%' ORDER BY id",
    )
    assert rows == [
        [1, "a", 1, 2, dt.datetime(2024, 1, 1, 7, 0), "b"],
        [2, "empty", 2, 2, dt.datetime(2024, 1, 1, 9, 0), ""],
    ]
    _run(conn, "ALTER TABLE emu_p2 RENAME TO emu_p3")
    tables = _rows(
        conn,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_name LIKE 'emu_p%' ORDER BY table_name",
    )
    assert tables == [["emu_p"], ["emu_p3"]]
    assert _rows(conn, "SELECT v FROM emu_p3 WHERE id = 1") == [["0cc175b9c0f1b6a831c399e269772661"]]
    _run(conn, "DROP TABLE IF EXISTS emu_p3")
    _run(conn, "DROP TABLE IF EXISTS emu_p")


def test_getdate_and_sysdate_are_utc_timestamps(conn: redshift_connector.Connection) -> None:
    getdate, sysdate = _rows(conn, "SELECT GETDATE(), SYSDATE")[0]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert getdate.tzinfo is None
    assert sysdate.tzinfo is None
    assert getdate.microsecond == 0
    assert abs((now - sysdate).total_seconds()) < 60


def test_merge_from_table(conn: redshift_connector.Connection) -> None:
    _run(conn, "DROP TABLE IF EXISTS emu_target")
    _run(conn, "DROP TABLE IF EXISTS emu_staging")
    _run(conn, "CREATE TABLE emu_target (id INT, v VARCHAR(10))")
    _run(conn, "CREATE TABLE emu_staging (id INT, v VARCHAR(10))")
    _run(conn, "INSERT INTO emu_target VALUES (1, 'old'), (2, 'keep')")
    _run(conn, "INSERT INTO emu_staging VALUES (1, 'new'), (3, 'added')")
    _run(
        conn,
        "MERGE INTO emu_target USING emu_staging ON emu_target.id = emu_staging.id "
        "WHEN MATCHED THEN UPDATE SET v = emu_staging.v "
        "WHEN NOT MATCHED THEN INSERT (id, v) VALUES (emu_staging.id, emu_staging.v)",
    )
    assert _rows(conn, "SELECT id, v FROM emu_target ORDER BY id") == [[1, "new"], [2, "keep"], [3, "added"]]
    _run(
        conn,
        "MERGE INTO emu_target USING emu_staging s ON emu_target.id = s.id "
        "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)",
    )
    assert _rows(conn, "SELECT id, v FROM emu_target ORDER BY id") == [[2, "keep"]]
    with pytest.raises(redshift_connector.ProgrammingError, match="Redshift does not support a subquery as MERGE"):
        _run(
            conn,
            "MERGE INTO emu_target USING (SELECT * FROM emu_staging) s ON emu_target.id = s.id "
            "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)",
        )
    with pytest.raises(redshift_connector.ProgrammingError, match="alias on the MERGE target"):
        _run(
            conn,
            "MERGE INTO emu_target t USING emu_staging s ON t.id = s.id "
            "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)",
        )
    _run(conn, "DROP TABLE emu_target")
    _run(conn, "DROP TABLE emu_staging")


def test_begin_rollback_leaves_nothing(conn: redshift_connector.Connection) -> None:
    _run(conn, "BEGIN")
    _run(conn, "CREATE TABLE emu_rolled_back (id INT)")
    _run(conn, "INSERT INTO emu_rolled_back VALUES (1)")
    assert _rows(conn, "SELECT COUNT(*) FROM emu_rolled_back") == [[1]]
    _run(conn, "ROLLBACK")
    exists = _rows(conn, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'emu_rolled_back'")
    assert exists == [[0]]


def test_driver_transactions_commit_and_rollback(emulator: RedshiftEmulator) -> None:
    connection = emulator.connect()  # autocommit off, like production
    try:
        _run(connection, "CREATE TABLE emu_tx (id INT)")
        connection.commit()
        _run(connection, "INSERT INTO emu_tx VALUES (1)")
        connection.rollback()
        assert _rows(connection, "SELECT COUNT(*) FROM emu_tx") == [[0]]
        _run(connection, "DROP TABLE emu_tx")
        connection.commit()
    finally:
        connection.close()


# --- rejections -----------------------------------------------------------------------


def test_rejects_create_or_replace_table(conn: redshift_connector.Connection) -> None:
    with pytest.raises(redshift_connector.ProgrammingError, match="Redshift does not support CREATE OR REPLACE TABLE"):
        _run(conn, "CREATE OR REPLACE TABLE emu_never AS SELECT 1 AS a")
    # With bound parameters (extended protocol, untyped string parameter) the message is the same.
    with pytest.raises(redshift_connector.ProgrammingError, match="Redshift does not support CREATE OR REPLACE TABLE"):
        _run(conn, "CREATE OR REPLACE TABLE emu_never AS SELECT %s AS a, %s AS b", (1, "x"))
    assert _rows(conn, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'emu_never'") == [[0]]
    assert _rows(conn, "SELECT 1") == [[1]]  # the connection is still usable


def test_rejects_several_statements(conn: redshift_connector.Connection) -> None:
    with pytest.raises(redshift_connector.ProgrammingError, match="several statements in one query"):
        _run(conn, "CREATE TABLE emu_multi (a INT); DROP TABLE emu_multi")
    assert _rows(conn, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'emu_multi'") == [[0]]


def test_rejects_ignore_nulls(conn: redshift_connector.Connection) -> None:
    with pytest.raises(redshift_connector.ProgrammingError, match="IGNORE NULLS"):
        _run(conn, "SELECT LAST_VALUE(x IGNORE NULLS) OVER (ORDER BY x) FROM (SELECT 1 AS x) AS t")


def test_rejection_aborts_open_transaction(emulator: RedshiftEmulator) -> None:
    connection = emulator.connect()
    try:
        _run(connection, "CREATE TABLE emu_abort (id INT)")
        with pytest.raises(redshift_connector.ProgrammingError, match="CREATE OR REPLACE TABLE"):
            _run(connection, "CREATE OR REPLACE TABLE emu_x AS SELECT 1 AS a")
        with pytest.raises(redshift_connector.ProgrammingError, match="current transaction is aborted"):
            _run(connection, "SELECT 1")
        connection.rollback()
        assert _rows(connection, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'emu_abort'") == [
            [0]
        ]
    finally:
        connection.close()


def test_translate_unit() -> None:
    assert translate("START TRANSACTION") == "START TRANSACTION"
    assert "DISTKEY" not in translate("CREATE TABLE t DISTKEY(a) SORTKEY(a) AS SELECT 1 AS a")
    assert "STRING_AGG(a, ',' ORDER BY a)" in translate("SELECT LISTAGG(a, ',') WITHIN GROUP (ORDER BY a) FROM t")
    with pytest.raises(RedshiftRejected):
        translate("CREATE OR REPLACE TABLE t AS SELECT 1")
    with pytest.raises(EmulatorUnsupported):
        translate("SELECT FIRST_VALUE(a IGNORE NULLS) OVER (ORDER BY b) FROM t")


# --- lifecycle ------------------------------------------------------------------------


@pytest.mark.emulator  # starts one of its own, so no fixture marks it
def test_stops_postmaster_and_cleans_up_even_on_error() -> None:
    with pytest.raises(RuntimeError, match="boom"), RedshiftEmulator() as emu:
        pid = emu.postmaster_pid
        port = emu.port
        tempdir = emu.postgres.tempdir
        assert pid is not None
        assert _pid_alive(pid)
        assert _rows(emu.connect(), "SELECT 1") == [[1]]
        raise RuntimeError("boom")
    assert pid is not None
    assert not _pid_alive(pid)
    assert isinstance(tempdir, Path)
    assert not tempdir.exists()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert emu.postmaster_pid is None
