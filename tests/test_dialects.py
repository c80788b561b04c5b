"""The compiled SQL per dialect: golden files, validate_all-style snippets, and the sqlglot traps.

Golden files live in tests/golden/<dialect>/<mode>/; after an intended change run
``python -m tests.golden`` and review the diff.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from sessionizer import Config, compile
from sessionizer.dialects import dialect_names, get_dialect
from sessionizer.plan import STAGE_BY_NAME
from tests import golden

COMBINATIONS = [(d, m) for d in dialect_names() for m in golden.MODES]


@pytest.mark.parametrize("prefix", list(golden.CONFIGS), ids=["single-source", "source-list", "beyond"])
@pytest.mark.parametrize(("dialect", "mode"), COMBINATIONS)
def test_golden_sql(dialect: str, mode: str, prefix: str) -> None:
    folder = golden.path(dialect, mode, prefix)
    expected = {p.name: p.read_text("utf-8") for p in folder.glob("*.sql")}
    assert expected, f"no golden files in {folder}: run `python -m tests.golden`"
    assert golden.render(dialect, mode, prefix) == expected, (
        "SQL changed: run `python -m tests.golden` and review the diff"
    )


def validate_all(canonical: str, write: dict[str, str]) -> None:
    """Like sqlglot's own tests: one canonical statement, its expected text in every dialect."""
    tree = sqlglot.parse_one(canonical, read="duckdb")
    for dialect, expected in write.items():
        assert get_dialect(dialect).render(tree, pretty=False) == expected, dialect


def test_seconds_between_counts_boundaries_in_every_dialect() -> None:
    validate_all(
        "SELECT DATE_DIFF('second', a, b)",
        write={
            "duckdb": "SELECT DATE_DIFF('SECOND', a, b)",
            "snowflake": "SELECT DATEDIFF(SECOND, a, b)",
            "redshift": "SELECT DATEDIFF(SECOND, a, b)",
            # Elapsed time elsewhere: boundaries crossed are the difference of whole seconds.
            "postgres": "SELECT CAST(EXTRACT(epoch FROM CAST(DATE_TRUNC('SECOND', b) AS TIMESTAMP) - CAST(DATE_TRUNC('SECOND', a) AS TIMESTAMP)) AS BIGINT)",
            "bigquery": "SELECT DATETIME_DIFF(DATETIME_TRUNC(b, SECOND), DATETIME_TRUNC(a, SECOND), SECOND)",
        },
    )


def test_trailing_window_is_timestamp_minus_interval() -> None:
    validate_all(
        "SELECT w - INTERVAL '3' HOUR",
        write={
            "duckdb": "SELECT w - INTERVAL '3' HOUR",
            "snowflake": "SELECT w - INTERVAL '3 HOUR'",
            "redshift": "SELECT w - INTERVAL '3 HOUR'",
            "postgres": "SELECT w - INTERVAL '3 HOUR'",
            "bigquery": "SELECT w - INTERVAL 3 HOUR",
        },
    )


def test_now_is_utc_without_time_zone() -> None:
    validate_all(
        "SELECT CURRENT_TIMESTAMP",
        write={
            "duckdb": "SELECT CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP)",
            "snowflake": "SELECT SYSDATE()",
            "redshift": "SELECT GETDATE()",
            "postgres": "SELECT CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)",
            "bigquery": "SELECT CURRENT_DATETIME('UTC')",
        },
    )


def test_a_zoned_timestamp_is_converted_to_utc_not_through_the_session_zone() -> None:
    assert {
        d: get_dialect(d).render(get_dialect(d).to_utc(exp.column("ts")).as_("t"), pretty=False)
        for d in dialect_names()
    } == {
        "duckdb": "CAST(ts AT TIME ZONE 'UTC' AS TIMESTAMP) AS t",
        "snowflake": "CAST(CONVERT_TIMEZONE('UTC', ts) AS TIMESTAMP) AS t",
        "redshift": "CAST(ts AT TIME ZONE 'UTC' AS TIMESTAMP) AS t",
        "postgres": "CAST(ts AT TIME ZONE 'UTC' AS TIMESTAMP) AS t",
        "bigquery": "CAST(ts AS DATETIME) AS t",
    }


def test_user_table_names_are_quoted_in_the_case_each_warehouse_folds_to() -> None:
    for dialect, expected in {
        "duckdb": 'SELECT * FROM "raw"."order"',
        "snowflake": 'SELECT * FROM "RAW"."ORDER"',
        "redshift": 'SELECT * FROM "raw"."order"',
        "postgres": 'SELECT * FROM "raw"."order"',
        "bigquery": "SELECT * FROM `RAW`.`Order`",
    }.items():
        chosen = get_dialect(dialect)
        table = exp.Table(this=chosen.identifier("Order"), db=chosen.identifier("RAW"))
        assert chosen.render(exp.select("*").from_(table), pretty=False) == expected


def test_text_casts_and_surrogate_key() -> None:
    validate_all(
        "SELECT MD5(COALESCE(CAST(a AS VARCHAR), '_') || '-' || COALESCE(CAST(n AS VARCHAR), '_'))",
        write={
            "duckdb": "SELECT MD5(COALESCE(CAST(a AS TEXT), '_') || '-' || COALESCE(CAST(n AS TEXT), '_'))",
            "snowflake": "SELECT MD5(COALESCE(CAST(a AS VARCHAR), '_') || '-' || COALESCE(CAST(n AS VARCHAR), '_'))",
            # Redshift's bare VARCHAR is VARCHAR(256): the cast must not truncate.
            "redshift": "SELECT MD5(COALESCE(CAST(a AS VARCHAR(MAX)), '_') || '-' || COALESCE(CAST(n AS VARCHAR(MAX)), '_'))",
            "postgres": "SELECT MD5(COALESCE(CAST(a AS TEXT), '_') || '-' || COALESCE(CAST(n AS TEXT), '_'))",
            # BigQuery's MD5 gives bytes: hex, lower case, like everywhere else.
            "bigquery": "SELECT TO_HEX(MD5(COALESCE(CAST(a AS STRING), '_') || '-' || COALESCE(CAST(n AS STRING), '_')))",
        },
    )


def test_split_part_stays_split_part_where_it_exists() -> None:
    validate_all(
        "SELECT SPLIT_PART(SPLIT_PART(u, '(', 2), ' ', 1)",
        write={
            **{d: "SELECT SPLIT_PART(SPLIT_PART(u, '(', 2), ' ', 1)" for d in dialect_names() if d != "bigquery"},
            # The n-th part of the text padded with n-1 delimiters: empty when there are fewer parts.
            "bigquery": "SELECT SPLIT(SPLIT(CONCAT(u, '('), '(')[OFFSET(1)], ' ')[OFFSET(0)]",
        },
    )


def test_values_become_union_all_on_redshift() -> None:
    validate_all(
        "SELECT * FROM (VALUES ('search', 'Google', 'google.com'), ('social', 'Twitter', 't.co')) AS m(medium, source, host)",
        write={
            "snowflake": "SELECT * FROM (VALUES ('search', 'Google', 'google.com'), ('social', 'Twitter', 't.co')) AS m(medium, source, host)",
            "redshift": "SELECT * FROM (SELECT 'search' AS medium, 'Google' AS source, 'google.com' AS host UNION ALL SELECT 'social', 'Twitter', 't.co') AS m",
        },
    )


def test_cte_materialization_hint_only_where_understood() -> None:
    validate_all(
        "WITH s AS NOT MATERIALIZED (SELECT 1 AS a) SELECT * FROM s",
        write={
            "duckdb": "WITH s AS NOT MATERIALIZED (SELECT 1 AS a) SELECT * FROM s",
            "snowflake": "WITH s AS (SELECT 1 AS a) SELECT * FROM s",
            "redshift": "WITH s AS (SELECT 1 AS a) SELECT * FROM s",
        },
    )


def _replace(dialect: str) -> list[str]:
    """The statements of a table's replacement, a transaction's edges written as BEGIN/COMMIT."""
    d = get_dialect(dialect)
    table = exp.table_("segment_web_sessions", db="analytics")
    query = exp.select(exp.Literal.number(1).as_("x"))
    out: list[str] = []
    for block in d.replace_table(table, query, STAGE_BY_NAME["sessions"]):
        sql = [d.render(t, pretty=False) for t in block.statements]
        out += ["BEGIN", *sql, "COMMIT"] if block.transaction else sql
    return out


def test_replace_table_per_dialect() -> None:
    assert _replace("duckdb") == ["CREATE OR REPLACE TABLE analytics.segment_web_sessions AS SELECT 1 AS x"]
    assert _replace("snowflake") == [
        "CREATE OR REPLACE TABLE analytics.segment_web_sessions CLUSTER BY (session_start_tstamp) AS SELECT 1 AS x"
    ]
    assert _replace("redshift") == [
        "DROP TABLE IF EXISTS analytics.segment_web_sessions__sessionizer_new",
        "CREATE TABLE analytics.segment_web_sessions__sessionizer_new DISTKEY(blended_user_id) SORTKEY(session_start_tstamp) AS SELECT 1 AS x",
        "BEGIN",
        "DROP TABLE IF EXISTS analytics.segment_web_sessions",
        "ALTER TABLE analytics.segment_web_sessions__sessionizer_new RENAME TO segment_web_sessions",
        "COMMIT",
    ]


def _all_sql(dialect: str) -> list[str]:
    config = golden.golden_config()
    return [s.sql for mode in golden.MODES for s in compile(config, dialect, mode)]


@pytest.mark.parametrize("dialect", dialect_names())
def test_every_statement_parses_back_in_its_own_dialect(dialect: str) -> None:
    for sql in _all_sql(dialect):
        assert len(sqlglot.parse(sql, read=get_dialect(dialect).sqlglot_dialect)) == 1, sql


# -- the known sqlglot 30.x traps, each caught here ----------------------------------------------


def test_trap_date_add_with_negative_interval_is_never_emitted() -> None:
    """DuckDB's DATE_ADD(ts, INTERVAL (-3) HOUR) transpiles to invalid Snowflake/Redshift SQL;
    we subtract an interval instead, and no statement contains DATE_ADD/DATEADD."""
    for dialect in ("snowflake", "redshift"):
        for sql in _all_sql(dialect):
            assert "DATE_ADD" not in sql.upper() and "DATEADD" not in sql.upper()
            assert "INTERVAL (" not in sql


def test_trap_table_properties_are_attached_per_dialect() -> None:
    """sqlglot does not filter properties per dialect: a SortKeyProperty crashes the Snowflake
    generator. So each dialect attaches only its own, and Snowflake output has none of Redshift's."""
    redshift_create = sqlglot.parse_one("CREATE TABLE t DISTKEY(a) SORTKEY(a) AS SELECT 1 AS a", read="redshift")
    with pytest.raises(ValueError):
        redshift_create.sql("snowflake")
    snowflake_sql = "\n".join(_all_sql("snowflake"))
    redshift_sql = "\n".join(_all_sql("redshift"))
    assert "SORTKEY" not in snowflake_sql and "DISTKEY" not in snowflake_sql
    assert "CLUSTER BY" not in redshift_sql and "SORTKEY(" in redshift_sql and "DISTKEY(" in redshift_sql
    assert "CLUSTER BY (tstamp)" in snowflake_sql


def test_trap_ignore_nulls_is_not_relied_on() -> None:
    """sqlglot drops IGNORE NULLS silently when writing PostgreSQL; the last non-NULL user_id is
    found with a ranked subquery instead, so no statement depends on it."""
    dropped = sqlglot.transpile(
        "SELECT LAST_VALUE(u IGNORE NULLS) OVER (ORDER BY t) FROM x", read="redshift", write="postgres"
    )[0]
    assert "IGNORE NULLS" not in dropped  # the trap, still there in this sqlglot
    for dialect in dialect_names():
        assert not any("IGNORE NULLS" in sql.upper() for sql in _all_sql(dialect))


def test_trap_redshift_gets_no_merge() -> None:
    """sqlglot writes Redshift MERGE with a target alias, which Redshift rejects; our Redshift
    plan uses DELETE + INSERT in a transaction and never MERGE, nor CREATE OR REPLACE TABLE."""
    merge = sqlglot.parse_one("MERGE INTO t AS tgt USING s ON tgt.k = s.k WHEN MATCHED THEN DELETE", read="snowflake")
    assert "AS tgt" in merge.sql("redshift")  # the trap
    for sql in _all_sql("redshift"):
        assert not sql.upper().startswith("MERGE")
        assert not sql.upper().startswith("CREATE OR REPLACE TABLE")


def test_snowflake_upserts_page_views_with_merge() -> None:
    incremental = [s for s in compile(Config(), "snowflake", "incremental") if s.stage == "page_views"]
    merges = [s.sql for s in incremental if s.sql.startswith("MERGE INTO")]
    assert len(merges) == 1
    assert "ON target.page_view_id = source.page_view_id" in merges[0]
    assert "WHEN NOT MATCHED THEN INSERT" in merges[0]


def test_snowflake_transactions_hold_no_ddl() -> None:
    """Snowflake commits DDL implicitly, so no CREATE/DROP/ALTER may sit between BEGIN and COMMIT."""
    for mode in golden.MODES:
        inside = False
        for statement in compile(golden.golden_config(), "snowflake", mode):
            if statement.sql == "BEGIN":
                inside = True
            elif statement.sql == "COMMIT":
                inside = False
            elif inside:
                assert statement.sql.split()[0] not in ("CREATE", "DROP", "ALTER"), statement.sql


# -- statement shapes: each dialect's own, or a clear error --------------------------------------


@pytest.mark.parametrize("dialect", dialect_names())
def test_the_staged_batch_is_a_table_never_a_view(dialect: str) -> None:
    """The batch is read after page_views changed: it must hold what was read, so a table."""
    creates = [
        tree
        for s in compile(golden.golden_config(), dialect, "incremental")
        for tree in [sqlglot.parse_one(s.sql, read=get_dialect(dialect).sqlglot_dialect)]
        if isinstance(tree, exp.Create) and tree.this.name == "sessionizer_batch"
    ]
    assert len(creates) == 1 and creates[0].kind == "TABLE", creates
    assert creates[0].find(exp.TemporaryProperty) is not None


def test_bigquery_deletes_say_which_rows_without_using() -> None:
    """BigQuery's DELETE takes no USING and no DELETE or UPDATE goes without WHERE there; the
    pending rows become a correlated EXISTS on the same condition."""
    for sql in _all_sql("bigquery"):
        tree = sqlglot.parse_one(sql, read="bigquery")
        if isinstance(tree, (exp.Delete, exp.Update)):
            assert tree.args.get("where") is not None and not tree.args.get("using"), sql
    delete = sqlglot.parse_one(
        "DELETE FROM a.t USING a.p AS pending WHERE t.k = pending.k AND t.ts >= pending.ts", read="duckdb"
    )
    assert isinstance(delete, exp.Delete)
    assert get_dialect("bigquery").render(delete, pretty=False) == (
        "DELETE FROM a.t WHERE EXISTS(SELECT 1 FROM a.p AS pending WHERE t.k = pending.k AND t.ts >= pending.ts)"
    )
    assert "USING" in get_dialect("postgres").render(delete, pretty=False)


@pytest.mark.parametrize(
    "canonical",
    [
        "SELECT SPLIT_PART(u, 'aba', 2)",  # padding could form the delimiter across the join
        "SELECT SPLIT_PART(u, d, 2)",  # not a constant
        "DELETE FROM t AS x USING p WHERE x.k = p.k",  # an aliased target the subquery cannot name
    ],
)
def test_a_rewrite_that_cannot_keep_the_meaning_raises(canonical: str) -> None:
    from sessionizer.errors import CompileError

    tree = sqlglot.parse_one(canonical, read="duckdb")
    assert isinstance(tree, exp.Expression)
    with pytest.raises(CompileError, match="cannot"):
        get_dialect("bigquery").render(tree)


def test_bigquery_tables_are_partitioned_by_day_and_clustered_by_the_visitor() -> None:
    creates = [s for s in _all_sql("bigquery") if s.startswith("CREATE OR REPLACE TABLE `analytics`.segment_web_")]
    heads = {s.split()[4]: " ".join(s.split(" AS")[0].split()[5:]) for s in creates}
    assert heads["`analytics`.segment_web_page_views"] == "PARTITION BY DATE(tstamp) CLUSTER BY anonymous_id"
    assert heads["`analytics`.segment_web_sessions"] == (
        "PARTITION BY DATE(session_start_tstamp) CLUSTER BY blended_user_id"
    )
    assert heads["`analytics`.segment_web_user_stitching"] == "CLUSTER BY anonymous_id"
