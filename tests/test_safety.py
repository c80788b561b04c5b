"""Nothing lost, nothing let in: bad input, hostile names, secrets, two runs at once, and
arbitrary strings through the parsing rules (docs/reference.md "Input", "Writes")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from sessionizer import Config, compile
from sessionizer.cli import main
from sessionizer.dialects import dialect_names, get_dialect
from sessionizer.engines import registry as engine_registry
from sessionizer.errors import SourceError
from sessionizer.job import Job
from sessionizer.schema import SOURCE_COLUMNS
from sessionizer.sql import environment
from tests import reference
from tests.golden import golden_config
from tests.helpers import history, later_batch, load_pages, reference_tables, tables_of

# -- bad input ------------------------------------------------------------------------------------


def test_a_source_column_of_the_wrong_type_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    select = ", ".join(
        "42 AS timestamp" if c == "timestamp" else f"'2024-01-01 10:00:00' AS {c}" for c in SOURCE_COLUMNS
    )
    con.execute(f"CREATE TABLE pages AS SELECT {select}")
    con.close()
    with pytest.raises(
        SourceError, match=r"time column 'timestamp' of 'pages' holds numbers \(INTEGER\).*to_timestamp"
    ):
        Job(Config(), f"duckdb:///{db}").run()
    con = duckdb.connect(str(db))
    assert [r[0] for r in con.execute("SHOW TABLES").fetchall()] == ["pages"]
    con.close()


def test_an_empty_source_builds_empty_tables_and_later_rows_still_arrive(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load_pages(db, [])
    summary = Job(Config(), f"duckdb:///{db}").run()
    assert (summary.page_views, summary.sessions, summary.rejected) == (0, 0, 0)
    assert all(rows == [] for rows in tables_of(db).values())
    load_pages(db, history())
    assert Job(Config(), f"duckdb:///{db}").run().mode == "incremental"
    assert tables_of(db) == reference_tables(history())


def test_rows_deleted_from_the_source_stay_until_a_full_refresh(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    Job(Config(), f"duckdb:///{db}").run()
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM pages WHERE id >= 'p020'")
    con.close()
    load_pages(db, later_batch())
    Job(Config(), f"duckdb:///{db}").run()
    assert tables_of(db) == reference_tables(history() + later_batch())
    Job(Config(), f"duckdb:///{db}").run(full_refresh=True)
    shrunk = [r for r in history() + later_batch() if r["id"] is None or r["id"] < "p020" or r["id"] >= "p100"]
    assert tables_of(db) == reference_tables(shrunk)


# -- hostile names ---------------------------------------------------------------------------------

HOSTILE = ["pages; drop table x", 'a"b', "x' OR '1'='1", "pages--", "pages /* */", "ünïcode", "order", "a.b.c.d"]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("flag", ["--source", "--schema", "--pass-through-columns", "--incremental-key"])
def test_hostile_names_are_refused_before_any_statement_runs(tmp_path: Path, name: str, flag: str) -> None:
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE x AS SELECT 1 AS keep")
    con.close()
    before = db.read_bytes()
    result = CliRunner().invoke(main, ["run", "--target", f"duckdb:///{db}", flag, name])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert db.read_bytes() == before  # the file was not even opened for writing


def test_compiled_sql_touches_only_our_tables_and_the_source() -> None:
    """Every statement parses to exactly one statement, of a kind we issue, on tables we name."""
    ours = {
        "segment_web_page_views", "segment_web_user_stitching", "segment_web_page_views__sessionized",
        "segment_web_sessions__initial", "segment_web_sessions__stitched", "segment_web_sessions",
        "segment_web_page_views__rejected", "sessionizer_state", "sessionizer_pending_anonymous_ids",
        "sessionizer_pending_users", "sessionizer_batch", "sessionizer_stitching_batch", "sessionizer_history",
        "sessionizer_users", "sessionizer_user_sessions", "sessionizer_sessions_batch", "sessionizer_refreshing",
    }  # fmt: skip
    ours |= {f"{t}__sessionizer_new" for t in ours}
    kinds = (
        exp.Create,
        exp.Insert,
        exp.Delete,
        exp.Merge,
        exp.Update,
        exp.Drop,
        exp.Alter,
        exp.Transaction,
        exp.Commit,
    )
    for dialect in dialect_names():
        for mode in ("full-refresh", "incremental"):
            for statement in compile(golden_config(), dialect, mode):
                trees = sqlglot.parse(statement.sql, read=get_dialect(dialect).sqlglot_dialect)
                assert len(trees) == 1 and isinstance(trees[0], kinds), statement.sql
                if isinstance(trees[0], exp.Create) and trees[0].kind == "SCHEMA":
                    assert trees[0].this.sql().strip('"').lower() == "analytics"
                    continue
                ctes = {c.alias for c in trees[0].find_all(exp.CTE)} | {"mapping", "state", "batch"}
                for table in trees[0].find_all(exp.Table):
                    name = table.name
                    if table.db.lower() == "segment":  # user names are quoted, folded per warehouse
                        assert name.lower() == "pages"
                    elif table.db:
                        assert table.db.lower() == "analytics" and name in ours, table.sql()
                    else:
                        assert name in ours | ctes or table.alias_or_name in ctes, table.sql()


# -- secrets ----------------------------------------------------------------------------------------

SECRET = "S3cr3t-pa55/word"


@pytest.mark.parametrize("where", ["url", "env"])
def test_a_password_never_appears_in_output_or_errors(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    from urllib.parse import quote

    monkeypatch.setenv("REDSHIFT_PASSWORD", SECRET)
    userinfo = f"me:{quote(SECRET, safe='')}" if where == "url" else "me"
    url = f"redshift://{userinfo}@127.0.0.1:9/dev/analytics?ssl=false&timeout=2"
    for args in (["run", "--target", url], ["run", "--target", url, "--log-format", "json"], ["check", "--target", url],
                 ["compile", "--target", url]):  # fmt: skip
        result = CliRunner().invoke(main, args)
        text = result.output + repr(result.exception) + str(result.exception)
        assert SECRET not in text and quote(SECRET, safe="") not in text
    compiled = CliRunner().invoke(main, ["compile", "--target", url])
    assert compiled.exit_code == 0 and "127.0.0.1" not in compiled.output


@pytest.mark.parametrize("dialect", engine_registry())
def test_every_engines_secrets_are_masked_whichever_target_is_used(
    dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry, not a list kept elsewhere, says what to mask: a secret variable an engine
    declares is masked in every target, and a password written in any engine's URL is masked in
    the parsed target and in the errors about it."""
    from urllib.parse import quote

    from sessionizer.engines import parse_target
    from sessionizer.errors import TargetError
    from sessionizer.targets import mask

    declared = engine_registry()[dialect]
    assert declared.CREDENTIALS_HINT or declared.DEFAULT_URL, f"{dialect} says nowhere how to give credentials"
    values = {name: f"{SECRET}-{n}" for n, name in enumerate(declared.SECRET_ENV)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    echoed = f"driver said: {' '.join(values.values())} rejected"  # as some drivers do
    assert all(v not in mask(echoed, parse_target(None).secrets) for v in values.values()), echoed
    for scheme in declared.SCHEMES:
        url = f"{scheme}://me:{quote(SECRET, safe='')}@host:1/db/analytics"
        try:
            target = parse_target(url)
            shown = f"{target} {target!r} {target.display}"
        except TargetError as err:
            shown = str(err)
        assert SECRET not in shown and quote(SECRET, safe="") not in shown, shown


def test_secrets_are_masked_in_warehouse_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An error text that echoes the secret (as some drivers do) is masked before it is shown."""
    from sessionizer.warehouse import Warehouse

    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", SECRET)
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    real = Warehouse.execute

    def leaky(self: Warehouse, sql: str) -> Any:
        if sql.startswith("CREATE OR REPLACE TABLE segment_web_sessions "):
            raise RuntimeError(f"driver said: passphrase {SECRET} rejected")
        return real(self, sql)

    monkeypatch.setattr(Warehouse, "execute", leaky)
    result = CliRunner().invoke(main, ["run", "--target", f"duckdb:///{db}"])
    assert result.exit_code == 2
    assert (
        f"stage sessions (full refresh) on duckdb:///{db} failed: driver said: passphrase *** rejected" in result.output
    )
    assert SECRET not in result.output


# -- two runs at once -----------------------------------------------------------------------------


def test_a_second_run_on_a_busy_duckdb_file_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load_pages(db, history())
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = CliRunner().invoke(main, ["run", "--target", f"duckdb:///{db}"])
        assert result.exit_code == 2
        assert f"is in use by another process (PID {holder.pid})" in result.output
    finally:
        holder.kill()
        holder.wait()
    assert Job(Config(), f"duckdb:///{db}").run().page_views == 30  # released when the holder died


# -- fuzzing the parsing rules against the Python reference ------------------------------------------

RULES = {
    "url_host": reference.url_host,
    "referrer_host": reference.referrer_host,
    "gclid": reference.gclid,
    "device": reference.device,
}
FRAGMENTS = st.sampled_from(
    ["http://", "https://", "android-app://", "www.", "/", "?", "gclid=", "&", "(", ";", " ", "Android", "aNdRoId",
     "iPhone", "X11", "é", "日本", "\x00", "%", "_", "'", "\\"]
)  # fmt: skip
FUZZ = st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=12).map("".join)


@pytest.fixture(scope="module")
def rule_sql() -> dict[str, str]:
    macros = environment().get_template("_macros.sql").module
    return {name: sqlglot.transpile(f"SELECT {getattr(macros, name)('v')} FROM t", read="duckdb")[0] for name in RULES}


@settings(deadline=None)
@given(values=st.lists(st.one_of(st.none(), FUZZ), min_size=1, max_size=20))
def test_parsing_rules_in_sql_equal_the_reference(values: list[str | None], rule_sql: dict[str, str]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    for name, sql in rule_sql.items():
        got = [r[0] for r in con.execute(sql.replace(" FROM t", ", n FROM t ORDER BY n")).fetchall()]
        assert got == [RULES[name](v) for v in values], name
    con.close()


def test_timestamps_stored_as_text_are_read_as_timestamps(tmp_path: Path) -> None:
    """A CSV-like source with ISO text timestamps sessionizes like a typed one, incrementally too."""
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE pages ({', '.join(f'{c} VARCHAR' for c in SOURCE_COLUMNS)})")
    con.execute(
        "INSERT INTO pages (id, anonymous_id, received_at, timestamp) VALUES ('p1', 'a1', '2024-01-01 10:00:00', '2024-01-01 10:00:00')"
    )
    con.close()
    Job(Config(), f"duckdb:///{db}").run()
    con = duckdb.connect(str(db))
    con.execute(
        "INSERT INTO pages (id, anonymous_id, received_at, timestamp) VALUES ('p2', 'a1', '2024-01-01 10:29:59.900', '2024-01-01 10:30:00.100')"
    )
    con.close()
    assert Job(Config(), f"duckdb:///{db}").run().mode == "incremental"
    con = duckdb.connect(str(db))
    assert con.execute("SELECT page_views, duration_in_s FROM segment_web_sessions").fetchall() == [(2, 1800)]
    con.close()
