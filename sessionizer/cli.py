"""The command line: run, compile, check, status, report, generate, demo, init.

Every setting of sessionizer.yml is also a flag of the same name; flags win over the file
(sessionizer/cli_options.py). Each command's help carries examples.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from sessionizer.cli_options import config_options, handle_errors, load_settings, out_file, text_or_json
from sessionizer.cli_output import reporter, script, stage_files
from sessionizer.dialects import CANONICAL, dialect_names
from sessionizer.engines import for_url, parse_target
from sessionizer.errors import ExitCode


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="sessionizer")
def main() -> None:
    """Segment page views into web sessions, inside your warehouse.

    Builds the six tables of the dbt-segment package (page views, user stitching, sessionized
    page views, initial, stitched and final sessions) in your warehouse (see --target),
    correctly on incremental runs.

    \b
    Try it with no warehouse at all:
      sessionizer demo
    Print the SQL for your warehouse:
      sessionizer compile --dialect snowflake --source segment.pages
    Run it:
      sessionizer run --source 'exports/pages/*.parquet'
    """


@main.command("compile")
@config_options
@click.option(
    "--dialect",
    type=click.Choice(dialect_names()),
    default=None,
    help=f"SQL dialect [default: the target's, else {CANONICAL}].",
)
@click.option(
    "--full-refresh/--incremental",
    "full_refresh",
    default=True,
    help="Rebuild everything, or only what new rows affect [default: --full-refresh].",
)
@click.option("--select", metavar="STAGE[+]", help="One stage, or with + it and everything downstream (like dbt).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write one file per stage into DIR, numbered in run order (with --format json: DIR/plan.json).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["sql", "json"]),
    default="sql",
    show_default=True,
    help="json: a list of {stage, order, sql}.",
)
@handle_errors
def compile_command(dialect: str | None, full_refresh: bool, select: str | None, out_dir: str | None,
                    output_format: str, **kwargs: Any) -> None:  # fmt: skip
    """Print the SQL that builds the six tables, without connecting to anything.

    \b
    Examples:
      sessionizer compile --dialect snowflake --source segment.pages --schema analytics
      sessionizer compile --dialect redshift --incremental --select sessions_initial+
      sessionizer compile --format json | jq '.[].stage'
      sessionizer compile --dialect snowflake --out build/sql
      sessionizer compile --profile segment                 # dialect and schema of a dbt profile
    """
    from sessionizer.compiler import compile as compile_plan
    from sessionizer.plan import Mode

    config, target = load_settings(kwargs, connects=False)
    if target is None and config.target and for_url(config.target):
        target = parse_target(config.target)  # no connection: its dialect, and the schema it names
    if dialect is None and target is not None:
        dialect = target.dialect
    if dialect is None:
        from sessionizer.targets import mask_userinfo

        if config.target:
            raise click.UsageError(
                f"cannot tell the dialect from target {mask_userinfo(config.target)!r}; pass --dialect"
            )
        dialect = CANONICAL
    if target is not None and config.schema is None and target.schema:
        config = replace(config, schema=target.schema)  # as a run on that target qualifies its names
    mode = Mode.FULL_REFRESH if full_refresh else Mode.INCREMENTAL
    statements = compile_plan(config, dialect, mode, select)
    stages: list[tuple[str, list[str]]] = []
    for statement in statements:
        if not stages or stages[-1][0] != statement.stage:
            stages.append((statement.stage, []))
        stages[-1][1].append(statement.sql)
    scripts = [(name, script(name, order, dialect, mode.value, sqls)) for order, (name, sqls) in enumerate(stages, 1)]
    if output_format == "json":
        payload = json.dumps(
            [{"stage": name, "order": order, "sql": script} for order, (name, script) in enumerate(scripts, 1)],
            indent=2,
        )
    else:
        payload = "\n".join(script for _, script in scripts)
    if out_dir is None:
        click.echo(payload)
        return
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if output_format == "json":
        (out / "plan.json").write_text(payload + "\n", "utf-8")
        click.echo(f"wrote {out / 'plan.json'}: {len(scripts)} stage(s)", err=True)
        return
    names = [f"{order:02d}_{name}.sql" for order, (name, _) in enumerate(scripts, 1)]
    for stale in stage_files(out):  # an earlier compile's, with other stages: they would be run too
        if stale.name not in names:
            stale.unlink()
    for file, (_, text) in zip(names, scripts, strict=True):
        (out / file).write_text(text, "utf-8")
    click.echo(f"wrote {len(scripts)} stage file(s) to {out}", err=True)


@main.command("run")
@config_options
@click.option(
    "--full-refresh", is_flag=True, help="Rebuild every table from the source (needed after a settings change)."
)
@click.option(
    "--select",
    metavar="STAGE+",
    help="A stage and everything downstream (the tables it reads must exist); compile shows one stage alone.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@text_or_json("--log-format", "log_format", help="json: one event per line, for schedulers.")
@handle_errors
def run_command(full_refresh: bool, select: str | None, quiet: bool, log_format: str, **kwargs: Any) -> None:
    """Build or update the six tables in the target warehouse.

    The first run (or --full-refresh) builds everything; later runs only recompute the
    visitors and users that new rows touch, and give exactly what a full refresh would.

    \b
    Examples:
      sessionizer run                                   # ./sessionizer.yml, or pages → ./sessionizer.duckdb
      sessionizer run --source 'exports/pages/*.parquet' --target duckdb:///analytics.duckdb
      SNOWFLAKE_PASSWORD=… sessionizer run --target 'snowflake://ME@ACCT/ANALYTICS/SEGMENT?warehouse=WH'
      REDSHIFT_PASSWORD=… sessionizer run --target redshift://me@cluster:5439/dev/analytics --log-format json
      sessionizer run --profile segment --profile-target prod   # the target of a dbt profile
    """
    from sessionizer.job import Job

    config, target = load_settings(kwargs)
    watch = None
    if log_format == "text" and not quiet and sys.stdout.isatty():
        from sessionizer.progress import ProgressLine

        watch = ProgressLine(sys.stdout)
    Job(config, target, on_event=reporter(quiet, log_format), watch=watch).run(full_refresh=full_refresh, select=select)


@main.command("check")
@config_options
@text_or_json("--format", "output_format", help="json: one object {missing, oldest_…, entries}, for schedulers.")
@handle_errors
def check_command(output_format: str, **kwargs: Any) -> None:
    """Count source rows that are not in the tables (rows the trailing window missed).

    An anti-join over the whole source: slow on big tables, so run it on demand, not in
    every run. Exit code 1 when rows are missing, 2 when it cannot check (README: Exit codes).

    \b
    Example:
      sessionizer check --source segment.pages --target duckdb:///sessionizer.duckdb
      sessionizer check --profile segment --profile-target prod
      sessionizer check --format json | jq .missing
    """
    from sessionizer import job, status

    config, target = load_settings(kwargs, remembered_source=True)
    result = job.Job(config, target).check()
    if output_format == "json":
        click.echo(json.dumps(result, default=status.json_value))
        if result["missing"]:
            sys.exit(ExitCode.FINDING)
        return
    if result["missing"] == 0:
        click.echo("ok: every valid source row is in the tables")
        return
    oldest = result["oldest_" + config.incremental_key]
    for entry in result.get("entries", []):
        if entry["missing"]:
            click.echo(f"{entry['kind']} {entry['table']} ({entry['name']}): {entry['missing']:,} row(s) missing")
    click.echo(
        f"{result['missing']:,} source row(s) are missing from the tables; the oldest was loaded at {status.when(oldest)}. "
        f"Run `sessionizer run --full-refresh`, or widen trailing_window (now {config.trailing_window} h)."
    )
    sys.exit(ExitCode.FINDING)


@main.command("generate")
@click.option("--rows", type=click.IntRange(min=0), default=100_000, show_default=True, help="How many page views.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same data.")
@click.option(
    "--out", "out_path", required=True, type=click.Path(dir_okay=False), help="A .parquet, .csv or .json file."
)
@click.option(
    "--kind",
    type=click.Choice(["pages", "screens", "tracks", "identifies", "segment-json"]),
    default="pages",
    show_default=True,
    help="What to write: a Segment table of the same visitors, or all four as raw messages (.json.gz).",
)
@handle_errors
def generate_command(rows: int, seed: int, out_path: str, kind: str) -> None:
    """Write realistic Segment rows to a file: pages, or the same visitors' screens, tracks and
    identifies, or all of them as Segment's raw messages.

    \b
    Example:
      sessionizer generate --rows 1000000 --out pages.parquet
      sessionizer run --source pages.parquet
      sessionizer generate --rows 10000 --kind segment-json --out segment-logs/day-1.json.gz
      sessionizer run --source 'segment-logs/*.gz' --source-format segment-json
    """
    from sessionizer import generate, generate_sources

    try:
        count = generate.write(out_path, rows, seed) if kind == "pages" else generate_sources.write(
            out_path, kind, rows, seed
        )  # fmt: skip
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--out") from None
    what = "page views" if kind == "pages" else "messages" if kind == "segment-json" else f"{kind} rows"
    click.echo(f"wrote {count:,} {what} to {out_path}")


@main.command("demo")
@click.option(
    "--rows", type=click.IntRange(min=1), default=100_000, show_default=True, help="How many page views to generate."
)
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same data.")
@click.option(
    "--target", default="duckdb:///sessionizer_demo.duckdb", show_default=True, help="A DuckDB file for the demo."
)
@click.option(
    "--sources",
    is_flag=True,
    help="Also generate the visitors' screens, tracks and identifies, and read all four as a source list.",
)
@handle_errors
def demo_command(rows: int, seed: int, target: str, sources: bool) -> None:
    """Generate Segment pages, sessionize them in a local DuckDB file, and show the overview.

    \b
    Example:
      sessionizer demo --rows 20000 --seed 7
    """
    from sessionizer.demo import run_demo

    run_demo(rows=rows, seed=seed, target=target, echo=click.echo, sources=sources)


@main.command("status")
@config_options
@text_or_json("--format", "output_format", help="json: one object, for schedulers and dashboards.")
@handle_errors
def status_command(output_format: str, **kwargs: Any) -> None:
    """Tables and row counts, the last run, watermark and lag, and unfinished work.

    Reads only (a DuckDB file is opened read-only). Exit code 1 when the tables are missing, a
    run stopped before finishing or the source cannot be read, so it can gate a dashboard
    refresh; 2 when it cannot look (README: Exit codes).

    \b
    Examples:
      sessionizer status
      sessionizer status --target duckdb:///analytics.duckdb --format json | jq .last_run
      sessionizer status --profile segment && refresh-dashboards
    """
    from sessionizer.job import Job
    from sessionizer.status import collect, render_text, to_json

    config, target = load_settings(kwargs, remembered_source=True)
    status = collect(Job(config, target))
    click.echo(to_json(status) if output_format == "json" else render_text(status))
    if not status["ok"]:
        sys.exit(ExitCode.FINDING)


@main.command("report")
@config_options
@out_file("sessions.html", "The HTML file to write.")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="How many days, ending today (or on the --until day).",
)
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The last day of the window [default: now, UTC]; sessions after it are counted apart.",
)
@click.option("--source-name", help="Only the sessions of this source_name (tables built from several sources).")
@handle_errors
def report_command(out_path: str, days: int, until: Any, source_name: str | None, **kwargs: Any) -> None:
    """Write one HTML file with charts of the sessions; it opens offline.

    Sessions, users and page views per day, new and returning, bounce rate, durations,
    referrers, landing and exit pages, devices (and per source). Every number is a GROUP BY in
    the warehouse: only aggregates leave it. Needs pip install 'sessionizer[report]'.

    \b
    Examples:
      sessionizer report
      sessionizer report --target duckdb:///analytics.duckdb --days 90 --out site.html
      sessionizer report --profile segment --source-name ios
    """
    from sessionizer.job import Job
    from sessionizer.report import write_report

    config, target = load_settings(kwargs, remembered_source=True)
    # A day given ends at its last microsecond.
    end = None if until is None else until + timedelta(days=1) - timedelta(microseconds=1)
    path = write_report(Job(config, target), out_path, days, source_name, end)
    click.echo(f"wrote the report to {path}")


@main.command("init")
@click.option(
    "--from-dbt",
    "dbt_project",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="The dbt_project.yml whose dbt-segment vars to take over.",
)
@out_file("sessionizer.yml", "The settings file to write.")
@click.option("--force", is_flag=True, help="Overwrite the settings file if it exists.")
@handle_errors
def init_command(dbt_project: str, out_path: str, force: bool) -> None:
    """Write sessionizer.yml from a dbt project's dbt-segment vars, and say what was mapped.

    Reads segment_page_views_table, segment_sessionization_trailing_window,
    segment_inactivity_cutoff and segment_pass_through_columns (a "{{ var('x') }}" value is the
    project's var x), and the +schema of the segment models; names the dbt-segment vars it does
    not map.

    \b
    Example:
      sessionizer init --from-dbt ../analytics/dbt_project.yml
      sessionizer run --profile segment
    """
    import yaml

    from sessionizer.beyond import BEYOND_EXAMPLE
    from sessionizer.config import Config
    from sessionizer.profiles import settings_from_dbt

    out = Path(out_path)
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; pass --force to overwrite it")
    settings, mapped = settings_from_dbt(Path(dbt_project))
    if not isinstance(settings.get("source"), list):  # a list of sources is checked when it is read
        Config.from_mapping(settings)
    header = f"# written by `sessionizer init --from-dbt {dbt_project}`\n"
    body = yaml.safe_dump(settings, sort_keys=False, allow_unicode=True)
    out.write_text(header + body + BEYOND_EXAMPLE, "utf-8")
    for line in mapped or ["no dbt-segment vars found: the defaults apply (source: pages)"]:
        click.echo(line)
    click.echo(f"wrote {out}")
