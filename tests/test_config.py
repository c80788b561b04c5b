"""Settings: every key validated once, with one clear message naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionizer.config import Config, load_config
from sessionizer.engines import parse_target
from sessionizer.errors import ConfigError
from sessionizer.plan import select_stages


def test_defaults() -> None:
    config = Config()
    assert (config.source, config.inactivity_cutoff, config.trailing_window, config.incremental_key) == (
        "pages", 1800, 3, "received_at",
    )  # fmt: skip
    assert config.mapping.origin == "built-in" and len(config.mapping.rows) >= 150


@pytest.mark.parametrize(("value", "seconds"), [(1800, 1800), ("1800", 1800), ("30 * 60", 1800), ("2*60*5", 600)])
def test_inactivity_cutoff_accepts_seconds_and_dbt_products(value: object, seconds: int) -> None:
    assert Config.from_mapping({"inactivity_cutoff": value}).inactivity_cutoff == seconds


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"inactivity_cutof": 10},
            "inactivity_cutof: unknown setting; allowed: format, inactivity_cutoff, incremental_key",
        ),
        ({"inactivity_cutoff": "thirty minutes"}, "inactivity_cutoff: expected a whole number of seconds"),
        ({"inactivity_cutoff": 0}, "inactivity_cutoff: must be at least 1"),
        ({"inactivity_cutoff": True}, "inactivity_cutoff: expected a whole number"),
        ({"trailing_window": -1}, "trailing_window: must be at least 0"),
        ({"trailing_window": 1.5}, "trailing_window: expected a whole number"),
        ({"schema": "analytics; drop table x"}, "schema: 'analytics; drop table x' is not a valid identifier"),
        ({"schema": 'a"b'}, "schema: 'a\"b' is not a valid identifier"),
        ({"source": "pages; drop table x"}, "source: 'pages; drop table x' is not a valid identifier"),
        ({"source": "a.b.c.d"}, "source: 'a.b.c.d' has more than three dotted parts"),
        ({"pass_through_columns": "a, b;c"}, "pass_through_columns: 'b;c' is not a valid identifier"),
        ({"pass_through_columns": ["url"]}, "pass_through_columns: 'url' is already a column of the source"),
        (
            {"pass_through_columns": ["page_views"]},
            "pass_through_columns: 'page_views' is already a column of segment_web_sessions__initial",
        ),
        ({"pass_through_columns": ["__sz_rank"]}, "pass_through_columns: '__sz_rank' starts with __sz_"),
        ({"pass_through_columns": ["a", "A"]}, "pass_through_columns: 'a' is listed twice"),
        ({"pass_through_columns": 5}, "pass_through_columns: expected a list of column names"),
        ({"incremental_key": "1x"}, "incremental_key: '1x' is not a valid identifier"),
        ({"referrer_mapping": 3}, "referrer_mapping: expected the path of a medium,source,host CSV"),
        ({"target": 7}, "target: expected a URL"),
    ],
)
def test_bad_settings_name_the_key(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        Config.from_mapping(values).mapping  # noqa: B018 - the mapping loads lazily
    assert str(err.value).startswith(message)


def test_pass_through_columns_from_a_comma_string() -> None:
    assert Config.from_mapping({"pass_through_columns": "Locale, page_type"}).pass_through_columns == (
        "locale",
        "page_type",
    )


def test_yaml_file_and_flags(tmp_path: Path) -> None:
    file = tmp_path / "sessionizer.yml"
    file.write_text(
        "source: segment.pages\ninactivity_cutoff: 30 * 60\npass_through_columns: [locale]\nschema: analytics\n"
    )
    config = load_config(file, {"schema": "other", "trailing_window": None})
    assert (config.source, config.inactivity_cutoff, config.pass_through_columns, config.schema) == (
        "segment.pages", 1800, ("locale",), "other",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- a\n- b\n", "config: .* must be a mapping"),
        ("a: [", "config: .* is not valid YAML"),
        ("colour: red\n", "colour: unknown"),
    ],
)
def test_bad_yaml_files(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "s.yml"
    file.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(file)


def test_missing_config_file_is_an_error_only_when_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config().source == "pages"
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yml")


def test_custom_referrer_mapping(tmp_path: Path) -> None:
    csv = tmp_path / "m.csv"
    csv.write_text("medium,source,host\nsocial,Mastodon,example.social\n")
    assert Config(referrer_mapping=str(csv)).mapping.rows == (("social", "Mastodon", "example.social"),)
    csv.write_text("medium,source,host\nsocial,A,x.com\nsearch,B,x.com\n")
    with pytest.raises(ConfigError, match=r"host 'x\.com' appears twice"):
        Config(referrer_mapping=str(csv)).mapping  # noqa: B018
    csv.write_text("kind,host\nsocial,x.com\n")
    with pytest.raises(ConfigError, match="header medium,source,host"):
        Config(referrer_mapping=str(csv)).mapping  # noqa: B018


def test_settings_fingerprint_follows_the_definition() -> None:
    base = Config().settings_fingerprint()
    assert Config(trailing_window=9).settings_fingerprint() == base  # how far back to look is not a definition
    assert Config(inactivity_cutoff=60).settings_fingerprint() != base
    assert Config(pass_through_columns=("x",)).settings_fingerprint() != base


@pytest.mark.parametrize(
    ("selector", "stages"),
    [
        (None, ["page_views", "user_stitching", "sessionized", "sessions_initial", "sessions_stitched", "sessions"]),
        ("sessionized", ["sessionized"]),
        ("sessionized+", ["sessionized", "sessions_initial", "sessions_stitched", "sessions"]),
        ("user_stitching+", ["user_stitching", "sessions_stitched", "sessions"]),
        ("segment_web_sessions", ["sessions"]),
    ],
)
def test_select(selector: str | None, stages: list[str]) -> None:
    assert [s.name for s in select_stages(selector)] == stages


def test_select_unknown_stage() -> None:
    with pytest.raises(ConfigError, match="unknown stage 'session'; stages are: page_views"):
        select_stages("session+")


def test_target_urls() -> None:
    duck = parse_target("duckdb:///data/x.duckdb?memory_limit=4GB&threads=2")
    assert (duck.dialect, duck.path, duck.options) == (
        "duckdb",
        "data/x.duckdb",
        {"memory_limit": "4GB", "threads": "2"},
    )
    assert parse_target("duckdb:////abs/x.duckdb").path == "/abs/x.duckdb"
    assert parse_target(None).path == "sessionizer.duckdb"
    snow = parse_target("snowflake://me:s3cr%40t@acct-1/DB/ANALYTICS?warehouse=WH&role=R")
    assert (snow.user, snow.host, snow.database, snow.schema, snow.password) == (
        "me",
        "acct-1",
        "DB",
        "ANALYTICS",
        "s3cr@t",
    )
    assert snow.display == "snowflake://me:***@acct-1/DB/ANALYTICS?warehouse=WH&role=R"
    assert "s3cr" not in repr(snow) and "s3cr" not in str(snow)
    pg = parse_target("postgresql://me:pw@db.example:5432/app/analytics?sslmode=require")
    assert (pg.dialect, pg.host, pg.port, pg.database, pg.schema, pg.options) == (
        "postgres", "db.example", 5432, "app", "analytics", {"sslmode": "require"}
    )  # fmt: skip
    bq = parse_target("bigquery://my-project-1/analytics?location=EU")
    assert (bq.dialect, bq.host, bq.schema, bq.options) == ("bigquery", "my-project-1", "analytics", {"location": "EU"})
    red = parse_target("redshift://me@host.example:5439/dev/analytics?ssl=false")
    assert (red.host, red.port, red.database, red.schema, red.options) == (
        "host.example",
        5439,
        "dev",
        "analytics",
        {"ssl": "false"},
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@y/db", "is not a URL this tool knows"),
        ("postgres://host:5432/db/s", "expected postgres://USER@HOST:PORT/DATABASE/SCHEMA"),
        ("bigquery://my-project-1", "expected bigquery://PROJECT/DATASET"),
        ("bigquery://Bad_Project/analytics", "expected bigquery://PROJECT/DATASET"),
        ("sessionizer.duckdb", "is not a URL this tool knows"),
        ("redshift://host:5439/dev", "expected redshift://USER@HOST:PORT/DATABASE/SCHEMA"),
        ("redshift://me@host:port/dev", "the port is not a number"),
        ("snowflake://me@acct/db/s/extra", "the path is /DATABASE/SCHEMA"),
        ("snowflake://me@acct/db/bad;schema", "is not a valid identifier"),
    ],
)
def test_bad_target_urls(url: str, message: str) -> None:
    from sessionizer.errors import TargetError

    with pytest.raises(TargetError, match=message):
        parse_target(url)


def test_bad_target_url_masks_an_inline_password() -> None:
    from sessionizer.errors import TargetError

    with pytest.raises(TargetError) as err:
        parse_target("mysql://me:hunter2@host/db")
    assert "hunter2" not in str(err.value) and "***" in str(err.value)


@pytest.mark.parametrize(("key", "value"), [("pass_through_columns", ("order",)), ("incremental_key", "select")])
@pytest.mark.parametrize("dialect", ["duckdb", "snowflake", "redshift"])
def test_reserved_column_names_are_refused_when_compiling(key: str, value: object, dialect: str) -> None:
    """Table and schema names are quoted instead (tests/test_sources.py); a column name appears
    in too many places of the rules, and in the output tables, to be quoted everywhere."""
    from sessionizer import compile

    config = Config.from_mapping({key: value})
    with pytest.raises(ConfigError, match=f"{key}: '.*' is a reserved word in {dialect} SQL"):
        compile(config, dialect)


def test_a_word_reserved_only_in_redshift_compiles_elsewhere() -> None:
    from sessionizer import compile

    config = Config(pass_through_columns=("type",))
    assert any("first_type" in s.sql for s in compile(config, "snowflake"))
    with pytest.raises(ConfigError, match="'type' is a reserved word in redshift SQL"):
        compile(config, "redshift")
