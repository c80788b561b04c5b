"""How the commands print what they did: `run`'s events (a line each, or JSON), and `compile`'s
stage scripts and the files it writes them to."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def stage_files(folder: Path) -> list[Path]:
    """The files in ``folder`` that compile --out writes (NN_stage.sql, of our stages), none other."""
    from sessionizer.compiler import FINISH, PREPARE
    from sessionizer.plan import STAGES

    pattern = re.compile(rf"\d{{2}}_({'|'.join([PREPARE, *(s.name for s in STAGES), FINISH])})\.sql")
    return [path for path in folder.iterdir() if path.is_file() and pattern.fullmatch(path.name)]


def script(stage: str, order: int, dialect: str, mode: str, sqls: list[str]) -> str:
    header = f"-- stage {order}: {stage} ({dialect}, {mode})\n"
    return header + "".join(f"{sql};\n\n" for sql in sqls)


def reporter(quiet: bool, log_format: str) -> Callable[[dict[str, Any]], None]:
    def report(event: dict[str, Any]) -> None:
        if log_format == "json":
            click.echo(json.dumps(event, default=str))
            return
        if quiet:
            return
        kind = event["event"]
        if kind == "start":
            click.echo(f"sessionizer run: {event['mode']} on {event['target']}")
        elif kind == "stage":
            rows = "?" if event["rows_written"] is None else f"{event['rows_written']:,}"
            click.echo(f"  {event['stage']:<20} {rows:>12} rows written  {event['seconds']:8.2f} s")
        elif kind == "summary":
            click.echo(
                f"done in {event['seconds']:.2f} s: {event['page_views']:,} page views, {event['sessions']:,} sessions, "
                f"{event['users']:,} users, {event['new_sessions']:+,} sessions this run, "
                f"{event['rejected']:,} rejected rows ({event['new_rejected']:+,} this run)"
                + (f", of them {event['bots']:,} bot page views excluded" if event.get("bots") else "")
            )

    return report
