"""The data generator: exact size, determinism, and the realism the demo and benchmarks rely on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from sessionizer.generate import COLUMNS, generate, pages_sql, write

ROWS = 20_000


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    generate(c, "pages", ROWS, seed=7)
    return c


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize("rows", [0, 1, 2, 9, 1000, 12_345])
def test_row_count_is_exact(rows: int) -> None:
    c = duckdb.connect()
    assert generate(c, "p", rows) == rows
    assert one(c, "SELECT count(*) FROM p") == rows


def test_columns_and_types(con: duckdb.DuckDBPyConnection) -> None:
    described = [(r[0], r[1]) for r in con.execute("DESCRIBE pages").fetchall()]
    assert described == list(COLUMNS)


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    c = duckdb.connect()
    generate(c, "a", 5000, seed=1)
    generate(c, "b", 5000, seed=1)
    generate(c, "c", 5000, seed=2)
    same = "SELECT count(*) FROM (SELECT *, row_number() OVER () FROM {} EXCEPT ALL SELECT *, row_number() OVER () FROM {})"
    assert one(c, same.format("a", "b")) == 0
    assert one(c, same.format("b", "a")) == 0
    assert one(c, "SELECT count(*) FROM (SELECT id FROM a INTERSECT SELECT id FROM c)") == 0


def test_rows_are_pinned() -> None:
    """The rows of a seed never move (benchmarks and golden numbers rest on them): a change to the
    generator's SQL that changes them, or a DuckDB whose hash() changed, fails here."""
    c = duckdb.connect()
    generate(c, "pinned", 2000, seed=42)
    fingerprint = "SELECT md5(string_agg(pinned::VARCHAR, '|' ORDER BY rowid)) FROM pinned"
    assert one(c, fingerprint) == "8ca391de50aaaf62e0b0f18895959a42"


def test_ordered_by_received_at(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT received_at FROM pages ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_all_six_device_families_and_odd_agents(con: duckdb.DuckDBPyConnection) -> None:
    agents = [r[0] for r in con.execute("SELECT DISTINCT context_user_agent FROM pages").fetchall()]
    text = " ".join(a for a in agents if a)
    for family in ("(iPhone;", "Android", "(iPad;", "(Windows", "(Macintosh;", "(X11;"):
        assert family in text, family
    assert None in agents
    assert "" in agents
    assert "curl/8.0" in agents


def test_duplicates_resent_later_with_same_content(con: duckdb.DuckDBPyConnection) -> None:
    dups = con.execute(
        """
        SELECT count(*), min(later), max(variants)
        FROM (
            SELECT id, max(received_at) > min(received_at) AS later,
                count(DISTINCT (anonymous_id, user_id, "timestamp", sent_at, url, referrer, context_user_agent))
                    AS variants
            FROM pages GROUP BY id HAVING count(*) > 1
        )
        """
    ).fetchall()[0]
    assert 0.005 * ROWS < dups[0] < 0.02 * ROWS
    assert dups[1] is True
    assert dups[2] == 1


def test_late_arrivals_and_normal_latency(con: duckdb.DuckDBPyConnection) -> None:
    late = one(con, 'SELECT avg((received_at - "timestamp" > INTERVAL 1 HOUR)::INT) FROM pages')
    assert 0.005 < late < 0.03
    assert one(con, 'SELECT count(*) FROM pages WHERE NOT sent_at BETWEEN "timestamp" AND received_at') == 0


def test_users_span_devices_and_are_identified_part_way(con: duckdb.DuckDBPyConnection) -> None:
    multi = "SELECT count(*) FROM (SELECT user_id FROM pages GROUP BY 1 HAVING count(DISTINCT anonymous_id) > 1)"
    assert one(con, multi) > 10
    mixed = """SELECT count(*) FROM (SELECT anonymous_id FROM pages GROUP BY 1
               HAVING count(*) FILTER (WHERE user_id IS NULL) > 0 AND count(user_id) > 0)"""
    assert one(con, mixed) > 10
    assert one(con, "SELECT count(*) FROM (SELECT anonymous_id FROM pages GROUP BY 1 HAVING count(user_id) = 0)") > 10


def test_urls_campaigns_and_referrers(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM pages WHERE url LIKE '%utm_source=%'") > 100
    assert one(con, "SELECT count(*) FROM pages WHERE url LIKE '%gclid=%'") > 50
    assert one(con, "SELECT count(*) FROM pages WHERE url NOT LIKE '%' || path || search || '%'") == 0
    mismatch = "SELECT count(*) FROM pages WHERE (url LIKE '%utm_source=%') <> (context_campaign_source IS NOT NULL)"
    assert one(con, mismatch) == 0
    referrers = " ".join(r[0] for r in con.execute("SELECT DISTINCT referrer FROM pages").fetchall() if r[0])
    for host in ("google.com", "bing.com", "duckduckgo.com", "facebook.com", "t.co", "mail.google.com", "example-shop"):
        assert host in referrers, host
    assert one(con, "SELECT count(*) FROM pages WHERE referrer IS NULL") > 0


def test_bursts_gaps_and_cutoff(con: duckdb.DuckDBPyConnection) -> None:
    gaps = con.execute(
        """
        SELECT count(*) FILTER (WHERE g = 0), count(*) FILTER (WHERE g BETWEEN 1799 AND 1801),
            count(*) FILTER (WHERE g BETWEEN 1 AND 600), count(*) FILTER (WHERE g > 3600)
        FROM (
            SELECT datediff('second', lag(ts) OVER (PARTITION BY anonymous_id ORDER BY ts, id), ts) AS g
            FROM (SELECT DISTINCT id, anonymous_id, "timestamp" AS ts FROM pages WHERE anonymous_id IS NOT NULL)
        )
        """
    ).fetchall()[0]
    assert all(n > 20 for n in gaps), gaps
    span = con.execute('SELECT min("timestamp"), max("timestamp") FROM pages').fetchall()[0]
    assert 80 <= (span[1] - span[0]).days <= 90
    assert str(span[1]) < "2026-01-01"


def test_rejectable_rows_configurable() -> None:
    c = duckdb.connect()
    generate(c, "r", 20_000, reject_fraction=0.01)
    bad = 'SELECT count(*) FILTER (WHERE anonymous_id IS NULL), count(*) FILTER (WHERE "timestamp" IS NULL) FROM {}'
    nulls = c.execute(bad.format("r")).fetchall()[0]
    assert nulls[0] > 30 and nulls[1] > 30
    generate(c, "z", 20_000, reject_fraction=0)
    assert c.execute(bad.format("z")).fetchall()[0] == (0, 0)


@pytest.mark.parametrize("ext", [".parquet", ".csv", ".json"])
def test_write_round_trips_row_count(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"pages{ext}"
    assert write(path, 3000, seed=3) == 3000
    assert one(duckdb.connect(), f"SELECT count(*) FROM '{path}'") == 3000


def test_write_to_a_path_with_a_quote(tmp_path: Path) -> None:
    path = tmp_path / "it's pages.csv"
    assert write(path, 50) == 50
    assert len(path.read_text("utf-8").splitlines()) == 51  # the header and the rows


def test_write_rejects_other_extensions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.csv.*\.json.*\.parquet"):
        write(tmp_path / "pages.xlsx", 10)


@pytest.mark.parametrize("name", ["bad-name", "x; DROP TABLE y", "", "a..b", ".a", "a b", 'a"b'])
def test_bad_table_name_raises(name: str) -> None:
    with pytest.raises(ValueError):
        generate(duckdb.connect(), name, 10)


def test_schema_qualified_table() -> None:
    c = duckdb.connect()
    c.execute("CREATE SCHEMA raw")
    assert generate(c, "raw.pages", 100) == 100
    assert one(c, "SELECT count(*) FROM raw.pages") == 100


def test_a_reserved_word_is_a_table_name_too() -> None:
    c = duckdb.connect()
    assert generate(c, "order", 10) == 10
    assert one(c, 'SELECT count(*) FROM "order"') == 10


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        pages_sql(-1)
    with pytest.raises(ValueError):
        pages_sql(10, reject_fraction=2)
