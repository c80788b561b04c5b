"""BigQuery: CREATE OR REPLACE TABLE … PARTITION BY day CLUSTER BY visitor, and MERGE for upserts.

Our TIMESTAMP (UTC, no time zone) is BigQuery's DATETIME, so time functions are DATETIME_*. Its
DELETE takes no USING and, like UPDATE, needs a WHERE; SPLIT_PART does not exist; a query
without FROM takes no WHERE. Each of these is a small rewrite below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from sessionizer.dialects import Case, Dialect, WriteStrategy
from sessionizer.dialects.transforms import (
    Transform,
    bottom_up,
    delete_using_as_exists,
    every_row_named,
    seconds_between_truncated,
)
from sessionizer.errors import CompileError
from sessionizer.lazy import exp

if TYPE_CHECKING:
    from sessionizer.plan import Stage


def as_datetime_functions(tree: exp.Expression) -> exp.Expression:
    """Differences, sums and truncations of our timestamps are DATETIME_DIFF / _ADD / _TRUNC: BigQuery's
    TIMESTAMP_* and DATE_* functions take other types, and it converts none of them implicitly."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.DateDiff):
            return exp.DatetimeDiff(this=node.this, expression=node.expression, unit=node.args.get("unit"))
        if isinstance(node, exp.DateAdd):
            return exp.DatetimeAdd(this=node.this, expression=node.expression, unit=node.args.get("unit"))
        if isinstance(node, exp.TimestampTrunc):
            return exp.DatetimeTrunc(this=node.this, unit=node.args.get("unit"))
        return node

    return bottom_up(tree, rewrite)


def split_part_as_split(tree: exp.Expression) -> exp.Expression:
    """SPLIT_PART(s, d, n) → SPLIT(CONCAT(s, d × (n-1)), d)[OFFSET(n-1)]: the padding makes the
    n-th part exist, and empty when s has fewer parts, as SPLIT_PART gives; NULL stays NULL.
    Padding could create a delimiter across the join when the delimiter's end equals its start,
    so such a delimiter (or one that is not a constant) is refused."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.SplitPart):
            return node
        delimiter, index = node.args.get("delimiter"), node.args.get("part_index")
        if not (isinstance(delimiter, exp.Literal) and delimiter.is_string and isinstance(index, exp.Literal)):
            raise CompileError(f"bigquery: cannot write SPLIT_PART without a constant delimiter and part: {node.sql()}")
        text, part = delimiter.this, int(index.this)
        if part < 1 or not text or any(text[:k] == text[-k:] for k in range(1, len(text))):
            raise CompileError(f"bigquery: cannot write SPLIT_PART with delimiter {text!r} and part {part}")
        padded = exp.func("CONCAT", node.this, exp.Literal.string(text * (part - 1))) if part > 1 else node.this
        split = exp.Split(this=padded, expression=delimiter.copy())
        return exp.Bracket(this=split, expressions=[exp.Literal.number(part - 1)], offset=0, safe=False)

    return bottom_up(tree, rewrite)


def interval_count_as_number(tree: exp.Expression) -> exp.Expression:
    """INTERVAL '3' HOUR → INTERVAL 3 HOUR, the form BigQuery documents for one date part."""
    for interval in tree.find_all(exp.Interval):
        count = interval.this
        if isinstance(count, exp.Literal) and count.is_string and count.this.isdigit():
            interval.set("this", exp.Literal.number(count.this))
    return tree


def local_time_as_datetime(tree: exp.Expression) -> exp.Expression:
    """CONVERT_TIMEZONE('UTC', zone, t) → DATETIME(TIMESTAMP(t), zone): our DATETIME read as the
    UTC instant it is, then that instant's wall time in the zone (daylight saving included)."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.ConvertTimezone):
            return node
        source = node.args.get("source_tz")
        if not (isinstance(source, exp.Literal) and source.name == "UTC"):
            raise CompileError(f"bigquery: can convert only from UTC: {node.sql()}")
        instant = exp.Anonymous(this="TIMESTAMP", expressions=[node.args["timestamp"]])
        return exp.Anonymous(this="DATETIME", expressions=[instant, node.args["target_tz"]])

    return bottom_up(tree, rewrite)


def from_for_where(tree: exp.Expression) -> exp.Expression:
    """A SELECT with WHERE but no FROM reads one row of UNNEST([1]): BigQuery refuses WHERE there."""
    for select in tree.find_all(exp.Select):
        if select.args.get("where") and not select.args.get("from_"):
            one_row = exp.Unnest(expressions=[exp.Array(expressions=[exp.Literal.number(1)])])
            select.set("from_", exp.From(this=one_row))
    return tree


def nulls_last_in_aggregate_windows(tree: exp.Expression) -> exp.Expression:
    """ORDER BY x (nulls last) inside an aggregate's window → ORDER BY x IS NULL, x: BigQuery sorts
    NULLs first and takes no NULLS LAST there, so the order says it with a key that is never NULL."""
    for window in tree.find_all(exp.Window):
        order = window.args.get("order")
        if not isinstance(window.this, exp.AggFunc) or order is None:
            continue
        keys: list[exp.Expression] = []
        for key in order.expressions:
            if isinstance(key, exp.Ordered) and not key.args.get("desc") and not key.args.get("nulls_first"):
                keys.append(exp.Ordered(this=exp.Is(this=key.this.copy(), expression=exp.null()), nulls_first=True))
                key.set("nulls_first", True)
            keys.append(key)
        order.set("expressions", keys)
    return tree


class BigQuery(Dialect):
    name: ClassVar[str] = "bigquery"
    sqlglot_dialect: ClassVar[str] = "bigquery"
    # Dataset and table names are case-sensitive: quoted as the user wrote them.
    IDENTIFIER_CASE: ClassVar[Case] = Case.AS_WRITTEN
    # Segment's loader writes TIMESTAMP (an instant) columns; ours are DATETIME in UTC.
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset({"TIMESTAMP"})
    # The DB-API's type names (legacy and standard SQL spellings).
    TEXT_TYPES: ClassVar[frozenset[str]] = frozenset({"STRING"})
    NUMERIC_TYPES: ClassVar[Mapping[str, str]] = {
        t: t for t in ("INTEGER", "INT64", "FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC")
    }
    WRITE_STRATEGY: ClassVar[WriteStrategy] = WriteStrategy.MERGE
    NOW_UTC: ClassVar[str] = "CURRENT_DATETIME('UTC')"
    CTE_HINTS: ClassVar[bool] = False
    TRANSFORMS: ClassVar[tuple[Transform, ...]] = (
        delete_using_as_exists,
        every_row_named,
        seconds_between_truncated,
        as_datetime_functions,
        split_part_as_split,
        interval_count_as_number,
        local_time_as_datetime,
        from_for_where,
        nulls_last_in_aggregate_windows,
    )

    def to_utc(self, column: exp.Expression) -> exp.Expression:
        """A TIMESTAMP cast to DATETIME is its UTC wall time (our TIMESTAMP renders as DATETIME)."""
        return exp.cast(column, exp.DataType.build("TIMESTAMP"))

    def table_properties(self, stage: Stage) -> list[exp.Expression]:
        """Partitioned by the day of the stage's timestamp, clustered by its visitor (or user)."""
        cluster = exp.ClusterProperty(expressions=[exp.column(stage.dist_key)])
        if stage.day_key is None:
            return [cluster]
        return [exp.PartitionedByProperty(this=exp.func("DATE", exp.column(stage.day_key))), cluster]

    def columns_catalog(self, schema: str | None) -> exp.Table:
        """Each dataset has its own INFORMATION_SCHEMA."""
        if schema is None:
            raise CompileError("bigquery: the target names no dataset (bigquery://PROJECT/DATASET)")
        return exp.table_("COLUMNS", db="INFORMATION_SCHEMA", catalog=schema)
