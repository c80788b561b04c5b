"""Warehouses' SQL as adapters: one class per dialect, differences stated as class data.

This package knows how each warehouse writes SQL, and nothing of how to reach it (that is
sessionizer/engines/, one engine beside each dialect). Every class defined in one of its modules is
registered (a new warehouse's SQL is one new module), and it declares whether it reads files and
how its statements are shaped. Shared code asks the registry and the class, never for a warehouse
by name.

The compiler builds every statement as a sqlglot tree in DuckDB's dialect (our canonical one) and
hands it here. A dialect says how it is written (which table properties it takes, whether it can
replace a table in one statement, MERGE or DELETE+INSERT), rewrites the few nodes that differ, and
renders SQL text at the edge.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from sessionizer.dialects.times import iso_to_utc
from sessionizer.dialects.transforms import Transform, computed_intervals_as_date_add
from sessionizer.discovery import discover
from sessionizer.errors import CompileError
from sessionizer.lazy import exp

if TYPE_CHECKING:
    from sessionizer.plan import Stage

CANONICAL = "duckdb"
NEW_SUFFIX = "__sessionizer_new"


class WriteStrategy(enum.Enum):
    """How an incremental stage replaces the rows it recomputes."""

    MERGE = "merge"
    DELETE_INSERT = "delete+insert"


@dataclasses.dataclass(frozen=True)
class Block:
    """Statements a dialect writes together; ``transaction``: they must commit as one."""

    statements: tuple[exp.Expression, ...]
    transaction: bool = False


class Case(enum.Enum):
    """How a warehouse folds an unquoted identifier: what a quoted name must be spelled as to
    mean the same table."""

    LOWER = "lower"
    UPPER = "upper"
    AS_WRITTEN = "as written"  # names are case-sensitive, quoted or not

    def fold(self, name: str) -> str:
        if self is Case.AS_WRITTEN:
            return name
        return name.upper() if self is Case.UPPER else name.lower()


class Dialect:
    """The shared behaviour; subclasses override class attributes and a few small methods."""

    name: ClassVar[str]
    sqlglot_dialect: ClassVar[str]

    # -- what shared code asks instead of naming a warehouse ------------------------------------
    # Whether the source may be files (Parquet/CSV/JSON, globs) rather than a table.
    READS_FILES: ClassVar[bool] = False
    # CREATE OR REPLACE TABLE … AS is atomic: readers see the old table until the new one is in.
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = True
    # Upserts of stages whose rows are never removed; other stages always delete+insert.
    WRITE_STRATEGY: ClassVar[WriteStrategy] = WriteStrategy.DELETE_INSERT
    # The warehouse's "now" in UTC, as SQL of this dialect, for the CURRENT_TIMESTAMP we write.
    NOW_UTC: ClassVar[str] = "CURRENT_TIMESTAMP"
    # Whether the warehouse itself keeps a second run out (else a run takes a lease row: warehouse.LeaseLock).
    LOCKS_ITSELF: ClassVar[bool] = False
    # Whether a whole incremental run can be one transaction (DDL is transactional and nobody
    # else writes meanwhile): one commit instead of one per stage.
    ONE_TRANSACTION_PER_RUN: ClassVar[bool] = False
    # Whether a visitor whose blended user changed has its earlier stitched sessions moved to the
    # new user in place (UPDATE of one column: one read of that table) rather than deleted and
    # rebuilt from sessions_initial (a second read), where a query costs what it scans.
    RESTITCH_IN_PLACE: ClassVar[bool] = True
    # Whether WITH … AS [NOT] MATERIALIZED is understood; elsewhere the hint is dropped and the
    # warehouse plans the CTE as it sees fit.
    CTE_HINTS: ClassVar[bool] = True
    # Words the warehouse reserves beyond those sqlglot's generator already knows to quote.
    RESERVED_WORDS: ClassVar[frozenset[str]] = frozenset()
    # Statement shapes this warehouse writes its own way: pure tree rewrites, applied in order
    # before rendering (see transforms.py).
    TRANSFORMS: ClassVar[tuple[Transform, ...]] = ()
    # The case unquoted identifiers fold to, in which a user's table and schema names are quoted.
    IDENTIFIER_CASE: ClassVar[Case] = Case.LOWER
    # Column types that carry a time zone, as str() of a cursor.description type_code.
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset()
    # Text types (a time column of one is read as ISO-8601 text), and numeric ones by the name an
    # error shows (a time column of one is an error: epoch seconds or milliseconds are not
    # guessed); as str() of a cursor.description type_code.
    TEXT_TYPES: ClassVar[frozenset[str]] = frozenset()
    NUMERIC_TYPES: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def reserved_words(cls) -> frozenset[str]:
        """Identifiers that cannot be written unquoted in this warehouse (lower case)."""
        from sqlglot.dialects import Dialect as SqlglotDialect

        generator = SqlglotDialect.get_or_raise(cls.sqlglot_dialect).generator_class
        known = {w.strip().lower() for w in getattr(generator, "RESERVED_KEYWORDS", ())}
        return frozenset(known | cls.RESERVED_WORDS)

    def identifier(self, name: str) -> exp.Identifier:
        """A table or schema name the user wrote (a plain name, validated by the config), quoted
        in the case the warehouse folds unquoted names to: the same table as the name unquoted,
        also when it is a word the warehouse reserves (`raw` on Redshift), which no list of
        reserved words we could keep would always know."""
        return exp.to_identifier(self.IDENTIFIER_CASE.fold(name), quoted=True)

    def zoned(self, type_code: Any) -> bool:
        """Whether a source column of this type (from cursor.description) carries a time zone."""
        return str(type_code) in self.ZONED_TYPES

    def is_text(self, type_code: Any) -> bool:
        """Whether a source column of this type holds text."""
        return str(type_code) in self.TEXT_TYPES

    def numeric_type(self, type_code: Any) -> str | None:
        """The name of this type where it is a number, for an error; None otherwise."""
        return self.NUMERIC_TYPES.get(str(type_code))

    def struct_fields(self, type_code: Any) -> Sequence[tuple[str, Any]] | None:
        """A nested type's (key, type) pairs, as a cursor.description type_code tells them; None for
        any other type (where READS_FILES: raw Segment messages are flattened by them)."""
        return None

    def is_list(self, type_code: Any) -> bool:
        """Whether a cursor.description type_code is an array."""
        return False

    def text_to_utc(self, column: exp.Expression) -> exp.Expression:
        """ISO-8601 text as the UTC TIMESTAMP it names, NULL where it names none (times.py)."""
        return iso_to_utc(column)

    def to_utc(self, column: exp.Expression) -> exp.Expression:
        """A zoned timestamp as the UTC time without zone it stands for, whatever the session's
        zone: AT TIME ZONE 'UTC' of a zoned value is that (sqlglot writes Snowflake's
        CONVERT_TIMEZONE('UTC', …), whose TIMESTAMP_TZ result the cast turns into NTZ)."""
        return exp.cast(exp.AtTimeZone(this=column, zone=exp.Literal.string("UTC")), exp.DataType.build("TIMESTAMP"))

    def file_source(self, path: str, fmt: str) -> exp.Expression:
        """The canonical SQL that reads ``path`` (a file or glob) holding ``fmt`` (parquet, csv,
        json: config.file_format), where READS_FILES."""
        raise NotImplementedError

    # -- rendering ---------------------------------------------------------------------------

    def table_properties(self, stage: Stage) -> list[exp.Expression]:
        """Physical layout of a stage's table (CLUSTER BY, DISTKEY/SORTKEY…); none by default."""
        return []

    def session_lock(self, key: str) -> exp.Expression | None:
        """A query answering TRUE when this connection took the warehouse's own lock on ``key``,
        held until the connection ends (a run that dies releases it); None where there is none
        and a lease row stands in."""
        return None

    def columns_catalog(self, schema: str | None) -> exp.Table:
        """The catalog view listing the columns of the tables in ``schema``."""
        return exp.table_("columns", db="information_schema")

    def now_utc(self) -> exp.Expression:
        return exp.maybe_parse(self.NOW_UTC, dialect=self.sqlglot_dialect)

    def _rewrite(self, tree: exp.Expr) -> exp.Expr:
        """The nodes this warehouse writes its own way: UTC "now", CTE hints it does not take,
        computed intervals (transforms.computed_intervals_as_date_add), then its TRANSFORMS."""
        now = self.now_utc()

        def rewrite(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.CurrentTimestamp) and not node.meta.get("utc"):
                replacement = now.copy()
                for inner in replacement.find_all(exp.CurrentTimestamp):
                    inner.meta["utc"] = True
                return replacement
            if isinstance(node, exp.CTE) and not self.CTE_HINTS:
                node.set("materialized", None)
            return node

        tree = computed_intervals_as_date_add(tree.transform(rewrite, copy=False))
        for transform in self.TRANSFORMS:
            tree = transform(tree)
        return tree

    def render(self, tree: exp.Expr, pretty: bool = True) -> str:
        """SQL text of one statement in this dialect; unsupported constructs raise."""
        from sqlglot.errors import ErrorLevel, UnsupportedError

        try:
            return self._rewrite(tree.copy()).sql(
                dialect=self.sqlglot_dialect, pretty=pretty, unsupported_level=ErrorLevel.RAISE, copy=False
            )
        except UnsupportedError as err:
            raise CompileError(f"{self.name}: {err}") from None

    # -- statement shapes ----------------------------------------------------------------------

    def create_table_as(
        self, table: exp.Table, query: exp.Query, stage: Stage | None = None, *,
        replace: bool = False, temporary: bool = False,
    ) -> exp.Create:  # fmt: skip
        properties: list[exp.Expression] = [exp.TemporaryProperty()] if temporary else []
        if stage is not None and not temporary:
            properties += self.table_properties(stage)
        return exp.Create(
            this=table,
            kind="TABLE",
            replace=replace,
            expression=query,
            properties=exp.Properties(expressions=properties) if properties else None,
        )

    def replace_table(self, table: exp.Table, query: exp.Query, stage: Stage | None = None) -> list[Block]:
        """Build a table's new contents and swap them in, atomically for readers: in one
        statement, or built beside it and swapped in by one transaction."""
        if self.SUPPORTS_REPLACE_TABLE:
            return [Block((self.create_table_as(table, query, stage, replace=True),))]
        staged = _suffixed(table, NEW_SUFFIX)
        rename = exp.Alter(
            this=staged.copy(), kind="TABLE", actions=[exp.AlterRename(this=exp.Table(this=table.this.copy()))]
        )
        return [
            Block((drop_table(staged), self.create_table_as(staged, query, stage))),
            Block((drop_table(table.copy()), rename), transaction=True),
        ]

    def create_temp_table(self, name: str, query: exp.Query) -> list[exp.Expression]:
        """A session-scoped scratch table (a real table: read after the tables it came from have
        changed, it must hold what was read), replaced if a failed run left one behind."""
        table = exp.Table(this=exp.to_identifier(name))
        if self.SUPPORTS_REPLACE_TABLE:
            return [self.create_table_as(table, query, replace=True, temporary=True)]
        return [drop_table(table), self.create_table_as(table.copy(), query, temporary=True)]

    def upsert(
        self, table: exp.Table, columns: Sequence[str], query: exp.Query, unique_key: Sequence[str],
        deletes: Sequence[exp.Expression], upsert_safe: bool,
    ) -> Block:  # fmt: skip
        """Replace the rows ``deletes`` select by ``query``'s rows.

        MERGE on the unique key where rows are never removed (the recomputed rows cover every
        row the delete would remove): one statement, atomic by itself. Otherwise delete (and
        update rows kept in place), then insert the recomputation: one transaction.
        """
        if upsert_safe and self.WRITE_STRATEGY is WriteStrategy.MERGE:
            return Block((merge(table, columns, query, unique_key),))
        return Block((*deletes, exp.insert(query, table.copy(), columns=list(columns))), transaction=True)


def merge(table: exp.Table, columns: Sequence[str], query: exp.Query, key: Sequence[str]) -> exp.Merge:
    """MERGE INTO table USING (query) ON key: update every column when matched, else insert."""
    target, source = "target", "source"
    return exp.Merge(
        this=exp.alias_(table.copy(), target, table=True),
        using=query.subquery(source),
        on=exp.and_(*(exp.column(k, target).eq(exp.column(k, source)) for k in key)),
        whens=exp.Whens(
            expressions=[
                exp.When(
                    matched=True,
                    then=exp.Update(
                        expressions=[exp.column(c).eq(exp.column(c, source)) for c in columns if c not in key]
                    ),
                ),
                exp.When(
                    matched=False,
                    then=exp.Insert(
                        this=exp.Tuple(expressions=[exp.column(c) for c in columns]),
                        expression=exp.Tuple(expressions=[exp.column(c, source) for c in columns]),
                    ),
                ),
            ]
        ),
    )


def drop_table(table: exp.Table) -> exp.Drop:
    """DROP TABLE IF EXISTS, which never fails on a table a previous run did not leave."""
    return exp.Drop(tables=[table], kind="TABLE", exists=True)


def _suffixed(table: exp.Table, suffix: str) -> exp.Table:
    staged = table.copy()
    staged.set("this", exp.to_identifier(table.name + suffix))
    return staged


@functools.cache
def registry() -> dict[str, type[Dialect]]:
    """Every dialect by name: the classes defined in this package's modules, canonical first."""
    return discover(__name__, Dialect, lambda dialect: dialect.name, CANONICAL)


def dialect_names() -> tuple[str, ...]:
    return tuple(registry())


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name``; an unknown name lists the known ones."""
    known = registry()
    if name not in known:
        raise CompileError(f"unknown dialect {name!r}; choose one of: {', '.join(known)}")
    return known[name]()
