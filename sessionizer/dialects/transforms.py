"""Small pure tree rewrites a dialect composes (its TRANSFORMS) to write the canonical plan its way.

Each takes a statement tree and returns it rewritten, like sqlglot's own transforms; a dialect
lists the ones it needs, in order. A rewrite that cannot keep the statement's meaning raises
CompileError instead of emitting something that means another thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from sessionizer.errors import CompileError
from sessionizer.lazy import exp

Transform: TypeAlias = "Callable[[exp.Expression], exp.Expression]"


def bottom_up(tree: exp.Expression, rewrite: Transform) -> exp.Expression:
    """Apply a node rewrite to every node, descendants before their ancestors, so a node is
    rewritten after what it contains (sqlglot's transform does not enter a replacement)."""
    for node in reversed([n for n in tree.walk(bfs=False) if isinstance(n, exp.Expression)]):
        new = rewrite(node)
        if new is not node:
            if node is tree:
                return new
            node.replace(new)
    return tree


def delete_using_as_exists(tree: exp.Expression) -> exp.Expression:
    """DELETE FROM t USING p WHERE cond → DELETE FROM t WHERE EXISTS (SELECT 1 FROM p WHERE cond),
    for warehouses whose DELETE takes no USING. The condition names t by its own name (the
    templates never alias a DELETE target), which the correlated subquery still sees."""
    if not isinstance(tree, exp.Delete) or not tree.args.get("using"):
        return tree
    using = tree.args["using"]
    if tree.this.alias or not isinstance(using, list) or not all(isinstance(t, exp.Table) for t in using):
        raise CompileError(f"cannot rewrite DELETE … USING without USING: {tree.sql()}")
    where = tree.args.get("where")
    inner = exp.select("1").from_(using[0].copy())
    for table in using[1:]:
        inner = inner.join(table.copy(), join_type="CROSS")
    if where is not None:
        inner = inner.where(where.this.copy())
    tree.set("using", None)
    tree.set("where", exp.Where(this=exp.Exists(this=inner)))
    return tree


def every_row_named(tree: exp.Expression) -> exp.Expression:
    """DELETE and UPDATE of every row say WHERE TRUE, for warehouses that refuse them without WHERE."""
    if isinstance(tree, (exp.Delete, exp.Update)) and not tree.args.get("where"):
        tree.set("where", exp.Where(this=exp.true()))
    return tree


def seconds_between_truncated(tree: exp.Expression) -> exp.Expression:
    """Seconds between two timestamps as the Time rule of docs/reference.md counts them (second boundaries crossed):
    the difference of both truncated to whole seconds, for warehouses whose difference of
    timestamps is elapsed time (0.9 s to 1.1 s is 1 boundary, 0.2 s elapsed)."""

    def truncate(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.DateDiff) and node.unit and node.unit.name.upper() == "SECOND"):
            return node
        for key in ("this", "expression"):
            node.set(key, exp.TimestampTrunc(this=node.args[key], unit=exp.var("SECOND")))
        return node

    return bottom_up(tree, truncate)


def computed_intervals_as_date_add(tree: exp.Expression) -> exp.Expression:
    """t + INTERVAL (n) unit, with n computed (DuckDB's text for DATE_ADD, as the canonical SQL
    reads back), → DATE_ADD(t, n, unit), which every warehouse writes its own way (DATEADD,
    n * INTERVAL '1 unit'); an interval of a constant stays as written."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        interval = node.expression if isinstance(node, exp.Add) else None
        if not isinstance(interval, exp.Interval) or isinstance(interval.this, exp.Literal) or not interval.unit:
            return node
        amount = interval.this.this if isinstance(interval.this, exp.Paren) else interval.this
        return exp.DateAdd(this=node.this, expression=amount, unit=exp.var(interval.unit.name))

    return bottom_up(tree, rewrite)
