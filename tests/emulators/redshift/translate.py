"""Translate Redshift SQL into PostgreSQL SQL for the Redshift emulator.

sqlglot does most of the work (``read="redshift"``, ``write="postgres"``), but
its output is wrong or invalid for several constructs our pipeline uses, so
the parsed tree is corrected here before it is generated:

* ``DATEDIFF(unit, a, b)`` — Redshift counts unit *boundaries* crossed,
  sqlglot emits elapsed time (10:00:00.900 → 10:00:01.100 is 1 s in Redshift,
  0 in sqlglot's output).
* ``DISTKEY`` / ``SORTKEY`` / ``DISTSTYLE`` / ``ENCODE`` are stripped (sqlglot
  crashes or emits them verbatim).
* ``GETDATE()`` / ``SYSDATE`` become UTC ``TIMESTAMP`` values (sqlglot emits
  ``CURRENT_TIMESTAMP``, a ``TIMESTAMPTZ`` in PostgreSQL).
* ``LISTAGG … WITHIN GROUP``, ``APPROXIMATE COUNT(DISTINCT)``, ``REGEXP_SUBSTR``,
  ``VARCHAR(MAX)``, ``START TRANSACTION`` and ``MERGE … INSERT VALUES`` without
  a column list are rewritten into valid PostgreSQL.

Statements real Redshift refuses raise :class:`RedshiftRejected` so tests see
the same failure they would see in production; constructs PostgreSQL cannot
run faithfully (``IGNORE NULLS``) raise :class:`EmulatorUnsupported` instead
of silently changing results.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.redshift import Redshift
from sqlglot.errors import ErrorLevel, ParseError, TokenError, UnsupportedError
from sqlglot.tokens import TokenType

__all__ = ["EmulatorUnsupported", "RedshiftRejected", "TranslationError", "translate"]

_log = logging.getLogger(__name__)


class TranslationError(Exception):
    """A statement the emulator refuses to forward to PostgreSQL."""


class RedshiftRejected(TranslationError):
    """Real Redshift rejects this statement, so the emulator must too."""


class EmulatorUnsupported(TranslationError):
    """Valid Redshift that PostgreSQL cannot execute with the same results."""


_GETDATE = "__REDSHIFT_EMULATOR_GETDATE__"


def _mark_getdate(sql: str) -> str:
    """Rename ``GETDATE(`` so sqlglot keeps it apart from CURRENT_TIMESTAMP (it parses both alike).

    Done on tokens, so strings and comments are untouched. Not a parser subclass: with sqlglot's
    compiled build (sqlglotc) installed, Python classes cannot inherit from its parsers.
    """
    if "getdate" not in sql.lower():
        return sql
    try:
        tokens = Redshift().tokenize(sql)
    except TokenError:
        return sql
    pieces, last = [], 0
    for token, following in itertools.pairwise(tokens):
        if token.text.upper() == "GETDATE" and following.token_type == TokenType.L_PAREN:
            pieces += [sql[last : token.start], _GETDATE]
            last = token.end + 1
    return "".join(pieces) + sql[last:]


def _pg(sql: str) -> exp.Expr:
    """Parse a PostgreSQL template used to build replacement nodes."""
    return sqlglot.parse_one(sql, read="postgres")


# Redshift GETDATE(): statement start, UTC, whole seconds.  SYSDATE: transaction
# start, UTC, microseconds.  Both are TIMESTAMP (without time zone).
_GETDATE_SQL = "CAST(DATE_TRUNC('second', STATEMENT_TIMESTAMP() AT TIME ZONE 'UTC') AS TIMESTAMP)"
_SYSDATE_SQL = "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)"


def _epoch_diff(trunc: str, divisor: int = 1, factor: int = 1) -> str:
    """Boundary count for fixed-length units: truncate both ends, then subtract."""
    a = f"EXTRACT(EPOCH FROM DATE_TRUNC('{trunc}', CAST(__a AS TIMESTAMP)))"
    b = f"EXTRACT(EPOCH FROM DATE_TRUNC('{trunc}', CAST(__b AS TIMESTAMP)))"
    body = f"({b} - {a})"
    if factor != 1:
        body = f"({body} * {factor})"
    if divisor != 1:
        body = f"({body} / {divisor})"
    return f"CAST({body} AS BIGINT)"


def _calendar_diff(per_year: int, part: str | None) -> str:
    """Boundary count for calendar units (month, quarter, year)."""

    def index(arg: str) -> str:
        year = f"EXTRACT(YEAR FROM CAST({arg} AS TIMESTAMP))"
        if part is None:
            return year
        return f"({year} * {per_year} + EXTRACT({part} FROM CAST({arg} AS TIMESTAMP)))"

    return f"CAST({index('__b')} - {index('__a')} AS BIGINT)"


_DATEDIFF_TEMPLATES: dict[str, str] = {
    "MICROSECOND": _epoch_diff("microseconds", factor=1_000_000),
    "MILLISECOND": _epoch_diff("milliseconds", factor=1000),
    "SECOND": _epoch_diff("second"),
    "MINUTE": _epoch_diff("minute", divisor=60),
    "HOUR": _epoch_diff("hour", divisor=3600),
    "DAY": _epoch_diff("day", divisor=86400),
    "WEEK": _epoch_diff("week", divisor=604800),
    "MONTH": _calendar_diff(12, "MONTH"),
    "QUARTER": _calendar_diff(4, "QUARTER"),
    "YEAR": _calendar_diff(1, None),
}

_PASSTHROUGH = re.compile(r"^\s*START\s+TRANSACTION\b", re.IGNORECASE)
_STRIPPED_PROPERTIES = (exp.DistKeyProperty, exp.SortKeyProperty, exp.DistStyleProperty)


def _datediff(node: exp.Expr) -> exp.Expr:
    """Replace a DATEDIFF node by Redshift's boundary-counting arithmetic."""
    unit_node = node.args.get("unit")
    unit = (unit_node.name if unit_node is not None else "DAY").upper()
    template = _DATEDIFF_TEMPLATES.get(unit)
    if template is None:
        raise EmulatorUnsupported(f"Redshift emulator cannot translate DATEDIFF with unit {unit!r}")
    # transform() does not descend into a replaced node: rewrite the arguments first.
    start = node.expression.transform(_rewrite, copy=True)
    end = node.this.transform(_rewrite, copy=True)

    def fill(n: exp.Expr) -> exp.Expr:
        if isinstance(n, exp.Column) and n.name in ("__a", "__b") and not n.table:
            return (start if n.name == "__a" else end).copy()
        return n

    return exp.paren(_pg(template).transform(fill), copy=False)


def _merge_insert_values(when: exp.When) -> None:
    """``INSERT VALUES (…)`` without a column list: sqlglot emits ``INSERT (VALUES(…))``."""
    then = when.args.get("then")
    if not isinstance(then, exp.Insert) or then.expression not in (None, False):
        return
    target = then.this
    if not isinstance(target, exp.Tuple) or len(target.expressions) != 1:
        return
    values = target.expressions[0]
    if not (isinstance(values, exp.Anonymous) and values.name.upper() == "VALUES"):
        return
    rendered = ", ".join(e.sql(dialect="postgres") for e in values.expressions)
    when.set("then", exp.var(f"INSERT VALUES ({rendered})"))


def _check_merge(merge: exp.Merge) -> None:
    """Apply Redshift's MERGE restrictions, which PostgreSQL does not have."""
    target = merge.this
    if isinstance(target, exp.Table) and target.alias:
        raise RedshiftRejected("Redshift does not support an alias on the MERGE target table")
    using = merge.args.get("using")
    if not isinstance(using, exp.Table):
        raise RedshiftRejected("Redshift does not support a subquery as MERGE source (USING must name a table)")
    whens = merge.args.get("whens")
    clauses = whens.expressions if whens is not None else []
    matched = [w for w in clauses if w.args.get("matched")]
    not_matched = [w for w in clauses if not w.args.get("matched")]
    if len(matched) != 1 or len(not_matched) != 1:
        raise RedshiftRejected(
            "Redshift does not support this MERGE form: it needs exactly one WHEN MATCHED "
            "and one WHEN NOT MATCHED clause"
        )
    for when in clauses:
        if when.args.get("condition") is not None:
            raise RedshiftRejected("Redshift does not support conditions (AND …) on MERGE WHEN clauses")
        _merge_insert_values(when)


def _check(statement: exp.Expr) -> None:
    """Raise for statements Redshift rejects or the emulator cannot run faithfully."""
    replace = isinstance(statement, exp.Create) and statement.args.get("replace")
    if replace and (statement.args.get("kind") or "").upper() == "TABLE":
        raise RedshiftRejected("Redshift does not support CREATE OR REPLACE TABLE")
    if isinstance(statement, exp.Merge):
        _check_merge(statement)
    if statement.find(exp.IgnoreNulls) is not None:
        raise EmulatorUnsupported(
            "Redshift emulator cannot run IGNORE NULLS: PostgreSQL has no IGNORE NULLS, "
            "dropping it would silently change results"
        )


def _rewrite(node: exp.Expr) -> exp.Expr | None:
    """Node-level fixes applied through ``Expression.transform``."""
    if isinstance(node, _STRIPPED_PROPERTIES):
        return None
    if isinstance(node, exp.ColumnConstraint) and isinstance(node.args.get("kind"), exp.EncodeColumnConstraint):
        return None
    if isinstance(node, (exp.TsOrDsDiff, exp.DateDiff)):
        return _datediff(node)
    if isinstance(node, exp.Anonymous) and node.name == _GETDATE:
        return exp.paren(_pg(_GETDATE_SQL), copy=False)
    if isinstance(node, exp.CurrentTimestamp) and node.args.get("sysdate"):
        return exp.paren(_pg(_SYSDATE_SQL), copy=False)
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.GroupConcat):
        agg = node.this
        order = node.expression
        if isinstance(order, exp.Order):
            agg.set("this", exp.Order(this=agg.this, expressions=order.expressions))
        return agg
    if isinstance(node, exp.ApproxDistinct):
        return exp.Count(this=exp.Distinct(expressions=[node.this]))
    if isinstance(node, exp.RegexpExtract):
        args = [node.this, node.expression]
        args += [node.args[k] for k in ("position", "occurrence", "parameters", "group") if node.args.get(k)]
        return exp.Anonymous(this="REGEXP_SUBSTR", expressions=args)
    if isinstance(node, exp.DataType) and node.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR):
        params = node.expressions
        if len(params) == 1 and params[0].name.upper() == "MAX":
            return exp.DataType.build("VARCHAR(65535)", dialect="postgres")
    return node


def _count_statements(sql: str) -> int:
    """Count statements with the tokenizer, for text sqlglot cannot parse."""
    try:
        tokens = Redshift().tokenize(sql)
    except TokenError:
        return 1
    count, pending = 0, False
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            count += pending
            pending = False
        else:
            pending = True
    return count + pending


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """Return PostgreSQL SQL equivalent to Redshift ``sql`` or raise TranslationError."""
    if not sql.strip() or _PASSTHROUGH.match(sql):
        return sql
    try:
        statements = [s for s in sqlglot.parse(_mark_getdate(sql), read=Redshift) if s is not None]
    except (ParseError, TokenError) as err:
        if _count_statements(sql) > 1:
            raise RedshiftRejected("Redshift does not support several statements in one query string") from None
        # Let PostgreSQL judge what sqlglot cannot parse (catalog queries, etc.).
        _log.debug("sqlglot cannot parse, forwarding unchanged: %s (%s)", sql, err)
        return sql
    if len(statements) > 1:
        raise RedshiftRejected("Redshift does not support several statements in one query string")
    if not statements:
        return sql
    statement = statements[0]
    if isinstance(statement, exp.Command):
        return sql
    _check(statement)
    rewritten = statement.transform(_rewrite, copy=True)
    if rewritten is None:
        return ""
    try:
        return rewritten.sql(dialect="postgres", unsupported_level=ErrorLevel.RAISE)
    except (UnsupportedError, ValueError) as err:
        raise EmulatorUnsupported(f"Redshift emulator cannot translate this statement to PostgreSQL: {err}") from None
