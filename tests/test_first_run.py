"""The mistakes of a first run, walked through the CLI as a newcomer makes them: each error says
what was looked for and where, and how to go on, in our words before the engine's; and a run that
cannot start leaves no file behind.

Each test runs in an empty folder of its own (the ``folder`` fixture), so what is left in it after
the command is exactly what the command left.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from sessionizer.cli import main
from sessionizer.engines import parse_target
from tests.emulators.base import Place
from tests.emulators.redshift import RedshiftEmulator
from tests.scenarios import redshift_warehouse

# What an engine's error adds that the user did not write: the statement it quotes, a caret under
# it, a traceback, a guess at a system table, a connector's error code.
ENGINE_NOISE = ("LINE 1:", "^^^", "Traceback", "pg_views", "251006", "Password is empty")
CREDENTIAL_VARIABLES = ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
                        "REDSHIFT_PASSWORD")  # fmt: skip
# Targets nothing listens at: a run that got as far as the driver fails to connect instead.
SNOWFLAKE_NOWHERE = "snowflake://me@acct/analytics/segment?host=127.0.0.1&port=9&protocol=http&login_timeout=2"
REDSHIFT_NOWHERE = "redshift://me@127.0.0.1:9/dev/analytics?ssl=false&timeout=2"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder and an environment without warehouse credentials."""
    monkeypatch.chdir(tmp_path)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def sessionizer(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def error_of(result: Result) -> str:
    """The error a failed command printed (from "Error: " on), asserted free of the engine's noise."""
    assert result.exit_code == 2 and "Error: " in result.output, result.output
    for noise in ENGINE_NOISE:
        assert noise not in result.output, result.output
    return result.output[result.output.index("Error: ") :]


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("command", ["run", "check"])
def test_no_data_and_no_settings_names_the_default_and_the_ways_on_and_creates_no_file(
    folder: Path, command: str
) -> None:
    output = error_of(sessionizer(command))
    assert output.startswith(
        "Error: there is no table 'pages' in duckdb:///sessionizer.duckdb (the default source and target).\n"
    )
    for way in ("--source", "--target", "sessionizer.yml", "sessionizer demo"):
        assert way in output
    assert files_in(folder) == []


def test_the_readme_shows_the_first_run_as_it_is(folder: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    shown = readme.split("$ sessionizer run\n", 1)[1].split("```", 1)[0]
    assert sessionizer("run").output == shown


def test_a_missing_file_or_glob_keeps_the_engines_first_line_and_creates_no_file(folder: Path) -> None:
    for source, reader_words in (("exports/*.parquet", "exports/*.parquet"), ("pages.csv", "pages.csv")):
        output = error_of(sessionizer("run", "--source", source))
        assert output == (
            f"Error: cannot read the source {source!r} on duckdb:///sessionizer.duckdb: "
            f'IO Error: No files found that match the pattern "{reader_words}"\n'
        )
    assert files_in(folder) == []


def test_a_source_the_rules_cannot_read_creates_no_file_either(folder: Path) -> None:
    """The source is there but lacks columns: found after the database file was opened."""
    duckdb.sql("COPY (SELECT 'p1' AS id, 'a1' AS anonymous_id) TO 'pages.parquet' (FORMAT parquet)")
    output = error_of(sessionizer("run", "--source", "pages.parquet", "--target", "duckdb:///new.duckdb"))
    assert "lacks the column(s) timestamp, received_at" in output
    assert files_in(folder) == ["pages.parquet"]


def test_a_database_the_user_had_is_left_as_it_was(folder: Path) -> None:
    with duckdb.connect("mine.duckdb") as con:
        con.execute("CREATE TABLE notes AS SELECT 'keep me' AS note")
    output = error_of(sessionizer("run", "--target", "duckdb:///mine.duckdb"))
    assert output.startswith("Error: there is no table 'pages' in duckdb:///mine.duckdb (the default source).\n")
    output = error_of(sessionizer("run", "--target", "duckdb:///mine.duckdb", "--source", "raw.pages"))
    assert output.startswith("Error: there is no table 'raw.pages' in duckdb:///mine.duckdb.\n")
    assert files_in(folder) == ["mine.duckdb"]
    with duckdb.connect("mine.duckdb", read_only=True) as con:
        assert con.execute("SELECT table_name FROM information_schema.tables").fetchall() == [("notes",)]


def test_from_python_a_given_target_is_not_called_the_default(folder: Path) -> None:
    """sessionizer.run(config, target): the target was given, though the config names none."""
    import sessionizer
    from sessionizer.errors import SourceError

    with pytest.raises(SourceError) as err:
        sessionizer.run(sessionizer.Config(), "duckdb:///given.duckdb")
    assert str(err.value).startswith("there is no table 'pages' in duckdb:///given.duckdb (the default source).\n")
    assert files_in(folder) == []


def test_after_the_hint_generate_then_run_builds_the_tables(folder: Path) -> None:
    """The way on the error names works, and the run then keeps the file it created."""
    assert sessionizer("generate", "--rows", "500", "--out", "pages.parquet").exit_code == 0
    result = sessionizer("run", "--source", "pages.parquet")
    assert result.exit_code == 0, result.output
    assert files_in(folder) == ["pages.parquet", "sessionizer.duckdb"]


@pytest.mark.parametrize(
    ("target", "hint"),
    [
        (SNOWFLAKE_NOWHERE, "set SNOWFLAKE_PASSWORD, or for key-pair auth SNOWFLAKE_PRIVATE_KEY_PATH (and "
                            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if the key is encrypted)"),
        (REDSHIFT_NOWHERE, "set REDSHIFT_PASSWORD"),
    ],
)  # fmt: skip
def test_a_warehouse_without_its_secret_is_refused_before_connecting(folder: Path, target: str, hint: str) -> None:
    for command in ("run", "check"):
        output = error_of(sessionizer(command, "--target", target))
        assert output.startswith(f"Error: no credentials to log in to {target}: {hint}")
        assert "cannot connect" not in output  # refused by us: the driver was never called
    assert files_in(folder) == []


def test_snowflake_key_pair_auth_needs_the_key_file_to_be_there(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY_PATH", "keys/rsa_key.p8")
    output = error_of(sessionizer("run", "--target", SNOWFLAKE_NOWHERE))
    assert output == "Error: SNOWFLAKE_PRIVATE_KEY_PATH is 'keys/rsa_key.p8', which is not a file\n"
    (folder / "keys").mkdir()
    (folder / "keys" / "rsa_key.p8").write_text("not checked by us")
    output = error_of(sessionizer("run", "--target", SNOWFLAKE_NOWHERE))
    assert output.startswith("Error: cannot connect to snowflake://me@acct/analytics/segment")


@pytest.mark.parametrize(
    "target",
    [
        SNOWFLAKE_NOWHERE + "&authenticator=externalbrowser",
        "snowflake://me:pw@acct/analytics/segment?host=127.0.0.1&port=9&protocol=http&login_timeout=2",
        REDSHIFT_NOWHERE + "&iam=true",
    ],
)
def test_other_ways_to_log_in_reach_the_driver(folder: Path, target: str) -> None:
    """SSO, IAM or a password in the URL: we do not stand in the way, the driver is asked."""
    output = sessionizer("run", "--target", target).output
    assert "Error: " in output and "no credentials" not in output


def test_a_missing_source_table_on_a_warehouse_is_named_the_same_way(folder: Path, emulator_place: Place) -> None:
    """information_schema tells a table that is not there from one that cannot be read."""
    shown = parse_target(emulator_place.url).display  # fakesnow's password is part of its URL's words: masked
    output = error_of(sessionizer("run", "--target", emulator_place.url, "--source", "segment.pages"))
    assert output.startswith(f"Error: there is no table 'segment.pages' in {shown}.\n  Point at")
    assert files_in(folder) == []


def test_an_engine_error_in_a_stage_says_what_where_and_which_stage_first(
    folder: Path, redshift_emulator: RedshiftEmulator, fresh_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A view of the user's where the run writes a table: PostgreSQL (behind the Redshift wire)
    refuses to drop it, and says so in a field dict that the driver prints as it is."""
    for key, value in redshift_emulator.password_env.items():
        monkeypatch.setenv(key, value)
    place = Place(redshift_emulator, redshift_emulator.database_for_test(), fresh_name)
    warehouse = redshift_warehouse(place.url, redshift_emulator.connect_kwargs, place.schema)
    try:
        warehouse.load([])  # the pages table, empty
        warehouse.execute(f"CREATE VIEW {place.schema}.segment_web_page_views AS SELECT 1 AS id")
    finally:
        warehouse.close()
    args = ("run", "--target", place.url, "--source", f"{place.schema}.pages")
    output = error_of(sessionizer(*args))
    assert output.startswith(f"Error: stage page_views (full refresh) on {place.url} failed: ")
    first = output.splitlines()[0]
    assert first.endswith('failed: "segment_web_page_views" is not a table; hint: Use DROP VIEW to remove a view.')
    assert "\n  statement:\n    " in output
    assert type(sessionizer(*args, "--debug").exception).__name__ == "RunError"


@pytest.mark.parametrize("command", ["compile", "run", "check", "demo", "generate"])
def test_every_command_takes_debug(command: str) -> None:
    result = sessionizer(command, "--help")
    assert "--debug" in result.output and "traceback" in result.output


def test_an_error_we_did_not_expect_is_named_without_a_traceback(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug (here: the plan's compiler failing) gets its type and text, and the way to see more."""
    from sessionizer.compiler import Compiler

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("stage")

    monkeypatch.setattr(Compiler, "compile", broken)
    output = error_of(sessionizer("compile"))
    assert output == "Error: unexpected KeyError: 'stage' (--debug shows where)\n"
    assert isinstance(sessionizer("compile", "--debug").exception, KeyError)
