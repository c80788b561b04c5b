"""SQL is written one way: jinja2 templates in DuckDB's dialect (our canonical one), rendered, then
parsed by sqlglot into trees that a dialect writes out (sessionizer/dialects/).

Values that come from the user or the data reach a template only as SQL already written by
sqlglot (``literal``, ``identifier``, ``timestamp``), never as raw text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sessionizer.dialects import CANONICAL
from sessionizer.errors import CompileError
from sessionizer.lazy import exp, sqlglot


def literal(value: object) -> str:
    """A string literal, quoted by sqlglot."""
    return exp.Literal.string(str(value)).sql(CANONICAL)


def identifier(name: str) -> str:
    """A column or table name, quoted where it must be."""
    return exp.to_identifier(name).sql(CANONICAL)


def timestamp(value: datetime | None) -> str:
    """A TIMESTAMP literal (NULL for None)."""
    if value is None:
        return "NULL"
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP")).sql(CANONICAL)


@lru_cache(maxsize=1)
def environment() -> Any:
    """The templates' jinja environment: strict (an unknown name is an error), no escaping."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sessionizer", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(jinja2),
    )
    env.filters["lit"] = literal
    return env


def _bytecode_cache(jinja2: Any) -> Any:
    """Compiled templates kept between processes (a third of a cold `compile`); none if the
    cache folder cannot be written. Jinja checks each template's source before reusing it."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sessionizer" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


def text(template: str, context: Mapping[str, Any]) -> str:
    """A template rendered to canonical SQL text."""
    return str(environment().get_template(f"{template}.sql").render(**context))


def parse(template: str, context: Mapping[str, Any]) -> list[exp.Expression]:
    """A template rendered and parsed: its statements (separated by ``;``) as trees."""
    rendered = text(template, context)
    try:
        parsed = sqlglot.parse(rendered, read=CANONICAL)
    except sqlglot.errors.ParseError as err:  # a bug in a template, not in user input
        raise CompileError(f"template {template}.sql does not parse: {err}") from None
    trees = [tree for tree in parsed if isinstance(tree, exp.Expression)]
    assert trees and len(trees) == len(parsed), template
    return trees


def one(template: str, context: Mapping[str, Any]) -> exp.Expression:
    """A template holding one statement, parsed."""
    trees = parse(template, context)
    assert len(trees) == 1, template
    return trees[0]
