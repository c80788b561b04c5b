"""Names the templates add beside source and pass-through columns cannot collide with them.

Every helper column of the generated SQL carries the prefix ``__sz_``, which config validation
refuses in pass-through columns; a pass-through column named like any table's column is refused
too. The names are read from the generated SQL itself, so a helper added later is covered here
without listing it: each one without its prefix, each word of it, and every CTE and table alias
of the plan is passed through, and the tables must still equal the reference (tests/reference.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from sessionizer import Config, plan, schema
from sessionizer.compiler import Compiler
from sessionizer.dialects import get_dialect
from sessionizer.errors import ConfigError
from sessionizer.plan import Mode
from sessionizer.schema import INTERNAL_PREFIX
from tests import reference
from tests.helpers import T0, TABLES, Row, package_mapping, page, read_tables, refreshed, run_incremental


@cache
def generated_sql() -> tuple[str, ...]:
    """Every statement of both plans, and the runner's own queries, as DuckDB runs them."""
    compiler = Compiler(Config(), get_dialect("duckdb"))
    sql = [s.sql for mode in Mode for s in compiler.compile(mode).statements()]
    runner = (plan.CHECK_TEMPLATE, plan.SUMMARY_TEMPLATE)
    return (*sql, *(compiler.dialect.render(compiler.statement(t)) for t in runner))


@cache
def internal_names() -> tuple[str, ...]:
    """The helper names of the generated SQL, without their prefix."""
    found = re.findall(rf"{INTERNAL_PREFIX}(\w+)", "\n".join(generated_sql()), re.IGNORECASE)
    return tuple(sorted({name.lower() for name in found}))


@cache
def aliases() -> frozenset[str]:
    """Every CTE and table alias of the generated SQL: names a column reference could meet."""
    names: set[str] = set()
    for sql in generated_sql():
        for tree in sqlglot.parse(sql, read="duckdb"):
            assert tree is not None
            names.update(node.alias_or_name.lower() for node in tree.find_all(exp.CTE))
            names.update(node.name.lower() for node in tree.find_all(exp.TableAlias))
    return frozenset(names)


def refusal(name: str) -> str | None:
    """Why sessionizer refuses ``name`` as a pass-through column (on DuckDB), or None."""
    try:
        Compiler(Config(pass_through_columns=(name,)), get_dialect("duckdb"))
    except ConfigError as err:
        return str(err)
    return None


def candidates() -> list[str]:
    """Old helper names, their words and the plan's aliases: the ones sessionizer accepts, less
    words DuckDB reserves (``is``: a separate gap, sqlglot's list of them is incomplete)."""
    words = {word for name in internal_names() for word in name.split("_") if word}
    with duckdb.connect() as con:
        rows = con.execute("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'")
        keywords = {keyword for (keyword,) in rows.fetchall()}
    names = {*internal_names(), *words, *aliases()} - keywords
    return sorted(name for name in names if refusal(name) is None)


def source_rows(pass_through: tuple[str, ...]) -> tuple[list[Row], list[Row]]:
    """A history and an increment that reach every helper: duplicate ids, sessions split by
    inactivity, a page view arriving in the middle of a visit, a stored page view replaced by
    an earlier copy under another visitor (which moves it and restitches), and a rejected row.
    Pass-through values cycle through '0', '1', '2', the values helpers such as ranks take."""
    minute = timedelta(minutes=1)
    history = [
        page(id="pv1", anonymous_id="a1", timestamp=T0),
        page(id="pv1", anonymous_id="a1", timestamp=T0, received_at=T0 + 90 * minute),
        page(id="pv2", anonymous_id="a1", timestamp=T0 + 5 * minute, received_at=T0 + 65 * minute),
        page(id="pv3", anonymous_id="a1", timestamp=T0 + 120 * minute),
        page(id="pv4", anonymous_id="a2", user_id="u1", timestamp=T0 + 10 * minute),
        page(id="pv5", anonymous_id="a2", timestamp=T0 + 50 * minute),
        page(id=None, anonymous_id="a9", timestamp=T0),
    ]
    increment = [
        page(id="pv6", anonymous_id="a1", timestamp=T0 + 10 * minute, received_at=T0 + 130 * minute),
        page(id="pv2", anonymous_id="a3", user_id="u2", timestamp=T0 + 4 * minute, received_at=T0 + 6 * minute),
        page(id="pv7", anonymous_id="a2", timestamp=T0 + 140 * minute, received_at=T0 + 140 * minute),
        page(id="pv8", anonymous_id="a3", timestamp=T0 + 3 * minute, received_at=T0 + 131 * minute),
        page(id="pv8", anonymous_id="a3", timestamp=T0 + 3 * minute, received_at=T0 + 132 * minute),
    ]
    for number, row in enumerate(history + increment):
        row.update((column, str((number + i) % 3)) for i, column in enumerate(pass_through))
    return history, increment


def assert_reference(tables: dict[str, list[Row]], rows: list[Row], pass_through: tuple[str, ...]) -> None:
    built = reference.build(rows, pass_through_columns=pass_through, referrer_mapping=package_mapping())
    columns = reference.columns(pass_through)
    for table in TABLES:
        assert [list(row) for row in tables[table][:1]] in ([], [columns[table]]), table
        assert reference.canonical(tables[table]) == reference.canonical(built[table]), table


def check_passed_through(pass_through: tuple[str, ...]) -> None:
    """Full refresh of the history, then an incremental run: both equal the reference."""
    history, increment = source_rows(pass_through)
    settings = {"pass_through_columns": list(pass_through)}
    con = refreshed(history, **settings)
    try:
        assert_reference(read_tables(con), history, pass_through)
        assert_reference(run_incremental(con, increment, **settings), history + increment, pass_through)
    finally:
        con.close()


def test_the_generated_sql_has_helpers_and_only_prefixed_ones() -> None:
    """The scan finds the helpers the issue named, so an empty scan cannot pass vacuously."""
    assert {"dedupe_rank", "sessions_before", "numbered_before", "replaced_tstamp"} <= set(internal_names())
    assert not {"dedupe_rank", "sessions_before", "numbered_before", "replaced_tstamp"} & aliases()


@pytest.mark.parametrize("name", internal_names())
def test_an_old_helper_name_passes_through(name: str) -> None:
    check_passed_through((name,))


def test_every_helper_word_and_alias_passes_through_at_once() -> None:
    check_passed_through(tuple(candidates()))


@pytest.mark.parametrize("name", internal_names())
def test_a_prefixed_name_is_refused(name: str) -> None:
    for spelled in (INTERNAL_PREFIX + name, (INTERNAL_PREFIX + name).upper()):
        with pytest.raises(ConfigError) as err:
            Config.from_mapping({"pass_through_columns": [spelled]})
        lowered = spelled.lower()
        assert str(err.value) == (
            f"pass_through_columns: {lowered!r} starts with {INTERNAL_PREFIX}, "
            "which sessionizer keeps for its own columns"
        )


@pytest.mark.parametrize("stage", plan.STAGES, ids=lambda stage: stage.name)
def test_a_column_of_any_table_is_refused_naming_the_table(stage: plan.Stage) -> None:
    for column in schema.columns(stage.name, Config()):
        message = refusal(column)
        assert message is not None and message.startswith(
            (
                f"pass_through_columns: {column!r} is already a column of ",
                "pass_through_columns: sessionizer already reads",
            )
        )
        assert "\n" not in message


def _keywords_usable_as_column_names() -> list[str]:
    """DuckDB's keywords that are not plainly unreserved: the ones a column name may collide with."""
    query = "SELECT DISTINCT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'"
    return sorted(name for (name,) in duckdb.connect().execute(query).fetchall())


def test_a_keyword_pass_through_column_is_refused_or_works() -> None:
    """Every DuckDB keyword as a pass-through column: refused in one line, or carried through a
    full refresh into the page views (never SQL that fails to parse)."""
    broken = []
    for word in _keywords_usable_as_column_names():
        try:
            config = Config.from_mapping({"source": "pages", "pass_through_columns": [word]})
            statements = Compiler(config, get_dialect("duckdb")).compile(Mode.FULL_REFRESH, None).statements()
        except ConfigError:
            continue
        con = duckdb.connect()
        quoted = ", ".join(f'"{c}" {t}' for c, t in (*_source_types(), (word, "VARCHAR")))
        con.execute(f"CREATE TABLE pages ({quoted})")
        con.execute(f"""INSERT INTO pages (id, anonymous_id, "timestamp", received_at, "{word}")
                        VALUES ('pv1', 'a1', TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01', 'x')""")
        try:
            for statement in statements:
                con.execute(statement.sql)
            assert con.execute(f'SELECT "{word}" FROM segment_web_page_views').fetchall() == [("x",)]
        except duckdb.Error:
            broken.append(word)
        finally:
            con.close()
    assert broken == []


def _source_types() -> list[tuple[str, str]]:
    times = {"received_at", "sent_at", "timestamp"}
    return [(c, "TIMESTAMP" if c in times else "VARCHAR") for c in schema.SOURCE_COLUMNS]
