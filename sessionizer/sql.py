"""Templates to sqlglot trees, for the SQL that is not a stage of the plan (the generator's query).

The same jinja environment as the compiler's and the same canonical dialect: a template is DuckDB
SQL fed with literals already rendered by sqlglot, and it leaves here as trees, never as text.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp

from sessionizer.compiler import _environment
from sessionizer.dialects import CANONICAL
from sessionizer.errors import CompileError


def render_template(name: str, **context: Any) -> list[exp.Expression]:
    """Render templates/``name``.sql and parse its statements (separated by ``;``)."""
    sql = _environment().get_template(f"{name}.sql").render(**context)
    try:
        parsed = sqlglot.parse(sql, read=CANONICAL)
    except sqlglot.errors.ParseError as err:  # a bug in a template, not in user input
        raise CompileError(f"template {name}.sql does not parse: {err}") from None
    trees = [tree for tree in parsed if isinstance(tree, exp.Expression)]
    assert trees and len(trees) == len(parsed), name
    return trees
