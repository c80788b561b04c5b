"""dbt users keep their setup: --profile reads profiles.yml (env_var included) for every warehouse
without printing a secret; `init --from-dbt` takes the dbt-segment vars over."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from sessionizer.cli import main
from sessionizer.errors import ConfigError, TargetError
from sessionizer.generate import generate
from sessionizer.profiles import load_profile, profiles_path, settings_from_dbt

SECRET = "s3cr3t-Pa55"
PROFILES = """
segment:
  target: "{{ env_var('SEGMENT_TARGET', 'dev') }}"
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('SEGMENT_DUCKDB', 'dev.duckdb') }}"
      schema: analytics
      threads: 4
      settings: {memory_limit: 1GB, threads: 1}
    snow:
      type: snowflake
      account: xy12345.eu-west-1
      user: LOADER
      password: "{{ env_var('SNOWFLAKE_PW') }}"
      role: TRANSFORMER
      database: RAW
      warehouse: WH_XS
      schema: SEGMENT
    snow_keys:
      type: snowflake
      account: xy12345
      user: LOADER
      private_key_path: /keys/rsa.p8
      private_key_passphrase: "{{ env_var('SNOWFLAKE_PW') }}"
      database: RAW
      schema: SEGMENT
    red:
      type: redshift
      host: 127.0.0.1
      port: 9
      user: dbt
      password: "{{ env_var('SNOWFLAKE_PW') }}"
      dbname: dev
      schema: analytics
      connect_timeout: 2
    pg:
      type: postgres
      host: db.internal
      user: dbt
      password: "{{ env_var('SNOWFLAKE_PW') }}"
      dbname: analytics
      schema: segment
    bq:
      type: bigquery
      project: my-project
      dataset: segment
      location: EU
      keyfile: /keys/sa.json
    bq_no_dataset:
      type: bigquery
      project: p
    spark:
      type: spark
      host: h
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dbt").mkdir()
    (tmp_path / "dbt" / "profiles.yml").write_text(PROFILES)
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path / "dbt"))
    monkeypatch.setenv("SNOWFLAKE_PW", SECRET)
    for name in ("SEGMENT_TARGET", "SEGMENT_DUCKDB", "SNOWFLAKE_PASSWORD", "REDSHIFT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_profiles_are_found_as_dbt_finds_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    assert profiles_path() == tmp_path / "profiles.yml"
    monkeypatch.delenv("DBT_PROFILES_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert profiles_path() == tmp_path / "home" / ".dbt" / "profiles.yml"


def test_each_adapter_becomes_a_target_with_its_secrets_apart(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    dev = load_profile("segment")
    assert (dev.dialect, dev.path, dev.schema, dev.options) == ("duckdb", "dev.duckdb", "analytics", {"threads": "1",
            "memory_limit": "1GB"})  # fmt: skip
    monkeypatch.setenv("SEGMENT_TARGET", "snow")
    snow = load_profile("segment")
    assert snow.display == "snowflake://LOADER@xy12345.eu-west-1/RAW/SEGMENT?warehouse=WH_XS&role=TRANSFORMER"
    assert (snow.password, snow.database, snow.schema) == (SECRET, "RAW", "SEGMENT") and SECRET in snow.secrets
    keys = load_profile("segment", "snow_keys")
    assert keys.options == {"private_key_file": "/keys/rsa.p8", "private_key_file_pwd": SECRET}
    assert SECRET not in keys.display and SECRET not in repr(keys) and keys.password is None
    red = load_profile("segment", "red")
    assert red.display == "redshift://dbt@127.0.0.1:9/dev/analytics" and red.password == SECRET
    pg = load_profile("segment", "pg")
    assert pg.display == "postgres://dbt@db.internal:5432/analytics/segment" and pg.password == SECRET
    assert SECRET in pg.secrets and SECRET not in repr(pg)
    bq = load_profile("segment", "bq")
    assert bq.display == "bigquery://my-project/segment?location=EU&keyfile=%2Fkeys%2Fsa.json"
    assert (bq.dialect, bq.host, bq.schema, bq.options) == ("bigquery", "my-project", "segment",
            {"location": "EU", "keyfile": "/keys/sa.json"})  # fmt: skip


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (
            "spark",
            TargetError,
            "a dbt output of type 'spark': sessionizer reads duckdb, bigquery, postgres, redshift, snowflake",
        ),
        ("bq_no_dataset", ConfigError, "the bigquery output lacks dataset"),
        (
            "prod",
            ConfigError,
            "profile 'segment' has no output 'prod'; outputs: dev, snow, snow_keys, red, pg, bq, bq_no_dataset, spark",
        ),
    ],
)
def test_unusable_outputs_say_why(cli: CliRunner, target: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_profile("segment", target)


def test_a_missing_env_var_is_named_never_a_value(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNOWFLAKE_PW")
    compiled = cli.invoke(main, ["compile", "--profile", "segment", "--profile-target", "snow"])  # connects to nothing
    assert compiled.exit_code == 0 and 'CREATE OR REPLACE TABLE "SEGMENT".segment_web_sessions' in compiled.output
    result = cli.invoke(main, ["run", "--profile", "segment", "--profile-target", "snow", "--source", "s.pages"])
    assert result.exit_code == 2
    assert "segment.outputs.snow.password reads env_var('SNOWFLAKE_PW'), which is not set" in result.output
    unknown = cli.invoke(main, ["compile", "--profile", "nope"])
    assert unknown.exit_code == 2 and "no profile 'nope' in" in unknown.output and "segment" in unknown.output
    both = cli.invoke(main, ["compile", "--profile", "segment", "--target", "duckdb:///x.duckdb"])
    assert both.exit_code == 2 and "give --target or --profile, not both" in both.output


def test_run_status_and_report_on_a_duckdb_profile(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMENT_DUCKDB", str(tmp_path / "from_env.duckdb"))
    con = duckdb.connect(str(tmp_path / "from_env.duckdb"))
    generate(con, "pages", 300, 2)
    con.close()
    run = cli.invoke(main, ["run", "--profile", "segment", "--source", "main.pages"])
    assert run.exit_code == 0, run.output
    assert f"full-refresh on duckdb:///{tmp_path / 'from_env.duckdb'}?memory_limit=1GB&threads=1" in run.output
    con = duckdb.connect(str(tmp_path / "from_env.duckdb"), read_only=True)
    assert con.execute("SELECT COUNT(*) > 0 FROM analytics.segment_web_sessions").fetchone() == (True,)  # its schema
    con.close()
    status = cli.invoke(main, ["status", "--profile", "segment", "--source", "main.pages", "--format", "json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["schema"] == "analytics"
    report = cli.invoke(main, ["report", "--profile", "segment", "--out", "r.html"])
    assert report.exit_code == 0 and (tmp_path / "r.html").exists()
    check = cli.invoke(main, ["check", "--profile", "segment", "--source", "main.pages"])
    assert check.exit_code == 0, check.output


def test_secrets_of_a_profile_are_never_printed(cli: CliRunner) -> None:
    compiled = cli.invoke(main, ["compile", "--profile", "segment", "--profile-target", "snow"])
    assert compiled.exit_code == 0 and 'CREATE SCHEMA IF NOT EXISTS "SEGMENT"' in compiled.output
    failed = cli.invoke(main, ["run", "--profile", "segment", "--profile-target", "red", "--source", "segment.pages"])
    assert (
        failed.exit_code == 2 and "Error: cannot connect to redshift://dbt@127.0.0.1:9/dev/analytics" in failed.output
    )
    status = cli.invoke(main, ["status", "--profile", "segment", "--profile-target", "red"])
    assert status.exit_code == 2
    for output in (compiled.output, failed.output, status.output):
        assert SECRET not in output and "Traceback" not in output


PROJECT = """
name: analytics
profile: segment
vars:
  segment_inactivity_cutoff: 1200
  segment:
    segment_page_views_table: "{{ source('website', 'pages') }}"
    segment_sessionization_trailing_window: 6
    segment_pass_through_columns: [context_locale]
"""


def test_init_from_dbt_writes_the_settings_and_says_what_it_mapped(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    result = cli.invoke(main, ["init", "--from-dbt", "dbt_project.yml"])
    assert result.exit_code == 0, result.output
    assert "segment_page_views_table → source: website.pages" in result.output
    assert "segment_inactivity_cutoff → inactivity_cutoff: 1200" in result.output
    assert "dbt profile: run with --profile segment" in result.output and "wrote sessionizer.yml" in result.output
    assert yaml.safe_load((tmp_path / "sessionizer.yml").read_text()) == {
        "inactivity_cutoff": 1200, "source": "website.pages", "trailing_window": 6,
        "pass_through_columns": ["context_locale"],
    }  # fmt: skip
    compiled = cli.invoke(main, ["compile", "--select", "sessions_initial"])  # the file is read as written
    assert compiled.exit_code == 0 and "first_context_locale" in compiled.output
    again = cli.invoke(main, ["init", "--from-dbt", "dbt_project.yml"])
    assert again.exit_code == 2 and "sessionizer.yml exists; pass --force" in again.output
    assert cli.invoke(main, ["init", "--from-dbt", "dbt_project.yml", "--force"]).exit_code == 0


def test_init_from_dbt_reads_the_forks_list_and_refuses_bad_values(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "fork.yml").write_text(
        "vars:\n  segment_page_views_table: [\"{{ source('website', 'pages') }}\", help_center.pages]\n"
    )
    settings, said = settings_from_dbt(tmp_path / "fork.yml")
    assert settings == {"source": [{"table": "website.pages", "name": "website"},
                                   {"table": "help_center.pages", "name": "help_center"}]}  # fmt: skip
    assert "note: source('website', 'pages') read as schema website" in said[0]
    (tmp_path / "bad.yml").write_text("vars:\n  segment_inactivity_cutoff: soon\n")
    bad = cli.invoke(main, ["init", "--from-dbt", "bad.yml", "--out", "bad_sessionizer.yml"])
    assert bad.exit_code == 2 and "inactivity_cutoff: expected a whole number" in bad.output
    assert not (tmp_path / "bad_sessionizer.yml").exists()
