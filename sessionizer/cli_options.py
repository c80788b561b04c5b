"""What every command of the CLI shares: the settings flags (each setting of sessionizer.yml is a
flag of the same name; flags win over the file), the output-format and output-file flags, and the
one way errors are shown.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from sessionizer.engines import registry
from sessionizer.errors import ExitCode, Interrupted, SessionizerError


def config_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The settings flags, shared by every command that compiles or runs the plan."""
    options = [
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="Settings file [default: ./sessionizer.yml when present].",
        ),
        click.option(
            "--source", help="Segment pages table (e.g. segment.pages), or on DuckDB a Parquet/CSV/JSON file or glob."
        ),
        click.option(
            "--source-format",
            "format",
            type=click.Choice(["parquet", "csv", "json", "segment-json"]),
            help="How a file source is read where its name does not say (a Segment export's .gz) [default: by name].",
        ),
        click.option(
            "--target",
            help=f"Warehouse URL: {', '.join(d.url_example() for d in registry().values())}.",
        ),
        click.option("--schema", help="Schema the six tables are written to [default: the target's]."),
        click.option(
            "--inactivity-cutoff", help="Seconds of inactivity that end a session; 1800 or 30 * 60 [default: 1800]."
        ),
        click.option(
            "--trailing-window", help="Hours re-read before the newest processed row on incremental runs [default: 3]."
        ),
        click.option(
            "--pass-through-columns", help="Extra source columns carried into the tables, comma-separated: a,b."
        ),
        click.option("--incremental-key", help="Load column that finds new rows [default: received_at]."),
        click.option(
            "--missing-anonymous-id",
            type=click.Choice(["reject", "use_user_id"]),
            help="A row without anonymous_id: rejected, or sessionized under its user_id (server-side calls) [default: reject].",
        ),
        click.option("--referrer-mapping", help="CSV with medium,source,host replacing the built-in referrer mapping."),
        # docs/reference.md "Beyond dbt-segment" (ignored_user_ids, a list, lives in sessionizer.yml only).
        click.option(
            "--exclude-bots/--no-exclude-bots", default=None, help="Set crawlers' page views aside as rejected rows."
        ),
        click.option("--bot-patterns", help="File of bot patterns, one a line, replacing the built-in list."),
        click.option("--day-boundary-time-zone", help="Cut sessions at local midnight in this IANA zone."),
        click.option(
            "--split-on-campaign/--no-split-on-campaign", default=None, help="Cut sessions where the campaign changes."
        ),
        click.option("--max-session-seconds", help="Cut sessions every N seconds from their first page view."),
        click.option(
            "--channel-grouping/--no-channel-grouping", default=None, help="Add the sessions' channel column."
        ),
        click.option("--engaged-session-seconds", help="Add is_engaged: sessions of N seconds or two page views."),
        click.option(
            "--profile",
            help="Take the target (and schema) from this dbt profile in profiles.yml ($DBT_PROFILES_DIR, else ~/.dbt).",
        ),
        click.option("--profile-target", help="The profile's output to use [default: the profile's target]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_settings(kwargs: dict[str, Any], remembered_source: bool = False, connects: bool = True) -> tuple[Any, Any]:
    """Pop the settings flags from a command's kwargs: the Config, and the Target of a dbt
    profile when --profile names one (else None: the config's target is used); without
    ``connects`` (compile), a profile's secrets are not asked for.
    ``remembered_source``: a command reading tables a run built takes the source that run used
    (the state remembers it) when neither a flag nor the settings file names one."""
    from dataclasses import replace

    from sessionizer.config import Config, merged_settings

    keys = ("source", "target", "schema", "inactivity_cutoff", "trailing_window", "pass_through_columns",
            "incremental_key", "referrer_mapping", "format", "missing_anonymous_id", "exclude_bots", "bot_patterns",
            "day_boundary_time_zone", "split_on_campaign", "max_session_seconds", "channel_grouping",
            "engaged_session_seconds")  # fmt: skip
    overrides = {k: kwargs.pop(k) for k in keys}
    profile, profile_target = kwargs.pop("profile"), kwargs.pop("profile_target")
    values = merged_settings(kwargs.pop("config_file"), overrides)
    config = Config.from_mapping(values)
    target = None
    if profile is None:
        if profile_target is not None:
            raise click.UsageError("--profile-target needs --profile")
    elif overrides["target"] is not None:
        raise click.UsageError("give --target or --profile, not both")
    else:
        from sessionizer.profiles import load_profile

        target = load_profile(profile, profile_target, connects=connects)
        if config.schema is None and target.schema:
            config = replace(config, schema=target.schema)
    if remembered_source and "source" not in values:
        from sessionizer.job import with_stored_source

        config = with_stored_source(config, target)
    return config, target


def text_or_json(flag: str, name: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An output format flag: text for people (the default), json for machines."""
    return click.option(flag, name, type=click.Choice(["text", "json"]), default="text", show_default=True, help=help)


def out_file(default: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--out FILE, for commands that write one file."""
    return click.option("--out", "out_path", type=click.Path(dir_okay=False), default=default, show_default=True,
                        help=help)  # fmt: skip


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Errors become a red "Error: …" on stderr, or in a JSON mode (``--log-format json``,
    ``--format json``) one error event on stdout, so that stdout stays valid JSON; the exit code
    is the error's (errors.ExitCode), with no traceback unless --debug (an option this adds to the
    command). Ours say what went wrong; anything else is a driver error we did not expect or a
    bug, named by its type, its text masked. Ctrl-C is an interruption, not a failure."""

    @click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool, **kwargs: Any) -> Any:
        as_json = "json" in (kwargs.get("log_format"), kwargs.get("output_format"))
        try:
            return func(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort) as err:
            if not as_json or debug:
                raise
            code = err.exit_code if isinstance(err, click.ClickException) else ExitCode.FAILURE
            _fail(SessionizerError(err.format_message() if isinstance(err, click.ClickException) else "aborted"),
                  as_json, code)  # fmt: skip
        except KeyboardInterrupt:
            if debug:
                raise
            _fail(Interrupted(), as_json)
        except Exception as err:
            if debug:
                raise
            if isinstance(err, SessionizerError):
                _fail(err, as_json)
            from sessionizer.engines import engine_words, environment_secrets
            from sessionizer.targets import mask

            text = engine_words(mask(str(err), environment_secrets()))
            _fail(SessionizerError(f"unexpected {type(err).__name__}: {text} (--debug shows where)"), as_json)

    return wrapper


def _fail(err: SessionizerError, as_json: bool, code: int | None = None) -> None:
    """Show ``err`` as the command's last words, and exit with its code."""
    if as_json:
        headline = getattr(err, "headline", None)
        event = {"event": "error", "stage": err.stage, "target": err.target, "message": headline or str(err),
                 "kind": type(err).__name__, "exit_code": int(code or err.exit_code)}  # fmt: skip
        statement = getattr(err, "statement", None)
        if statement is not None:
            event["statement"] = statement
        click.echo(json.dumps(event))
    else:
        click.secho(f"Error: {err}", fg="red", err=True)
    sys.exit(int(code or err.exit_code))
