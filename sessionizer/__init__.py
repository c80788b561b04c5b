"""sessionizer: Segment page views into web sessions, as SQL your warehouse runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sessionizer.compiler import Kind, Statement, compile
from sessionizer.config import Config, load_config
from sessionizer.plan import Mode
from sessionizer.schema import SourceKind
from sessionizer.source_setting import SourceEntry

if TYPE_CHECKING:
    from sessionizer.runner import RunSummary

__all__ = ["Config", "Kind", "Mode", "SourceEntry", "SourceKind", "Statement", "compile", "load_config", "run"]
__version__ = "0.1.0"


def run(
    config: Config, target: str | None = None, *, full_refresh: bool = False, select: str | None = None
) -> RunSummary:
    """Build or update the six tables in ``target`` (default: config.target, else ./sessionizer.duckdb).

    >>> summary = run(Config(source="pages"), "duckdb:///analytics.duckdb")  # doctest: +SKIP
    """
    from sessionizer.job import Job

    return Job(config, target).run(full_refresh=full_refresh, select=select)
