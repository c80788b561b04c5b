"""Warehouses as adapters: one class per dialect, differences stated as class data.

This package is the only place that knows the warehouses: every class defined in one of its
modules is registered (a new warehouse is one new module), and it declares its URL scheme, the
environment variables holding its secrets, how it connects and whether it reads files. Shared
code asks the registry and the class, never for a warehouse by name.

The compiler builds every statement as a sqlglot tree in DuckDB's dialect (our canonical one) and
hands it here. A dialect says how it is written (which table properties it takes, whether it can
replace a table in one statement, MERGE or DELETE+INSERT), rewrites the few nodes that differ, and
renders SQL text at the edge.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import os
import pkgutil
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from sqlglot import exp

from sessionizer.dialects.transforms import Transform
from sessionizer.errors import CompileError, TargetError

if TYPE_CHECKING:
    from sessionizer.plan import Stage
    from sessionizer.targets import Target

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
    # URL schemes of this warehouse's targets, the first one canonical.
    SCHEMES: ClassVar[tuple[str, ...]]
    # What follows "scheme://" in a target URL, as error messages show it.
    URL_SHAPE: ClassVar[str] = "USER@HOST:PORT/DATABASE/SCHEMA"
    # Environment variables holding secrets (the password's first): masked wherever we print.
    SECRET_ENV: ClassVar[tuple[str, ...]] = ()
    # One line on how to give credentials, for messages about missing ones.
    CREDENTIALS_HINT: ClassVar[str] = ""
    # The pip extra that installs the driver (None: it comes with sessionizer).
    EXTRA: ClassVar[str | None] = None
    # Whether the source may be files (Parquet/CSV/JSON, globs) rather than a table.
    READS_FILES: ClassVar[bool] = False
    # A URL that needs no setup at all, where there is one: the canonical dialect's is the default.
    DEFAULT_URL: ClassVar[str | None] = None

    # CREATE OR REPLACE TABLE … AS is atomic: readers see the old table until the new one is in.
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = True
    # Upserts of stages whose rows are never removed; other stages always delete+insert.
    WRITE_STRATEGY: ClassVar[WriteStrategy] = WriteStrategy.DELETE_INSERT
    # The warehouse's "now" in UTC, as SQL of this dialect, for the CURRENT_TIMESTAMP we write.
    NOW_UTC: ClassVar[str] = "CURRENT_TIMESTAMP"
    # Whether the warehouse itself keeps a second run out (else the runner takes a lease row).
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
    # Other ways to log in the driver takes instead of a password (SECRET_ENV): environment
    # variables (a key file) and URL query keys (SSO, IAM, tokens, a password written as a query
    # key), so that a missing login is named before the driver is called (its words for it are an
    # error code: "251006: Password is empty").
    LOGIN_ENV: ClassVar[tuple[str, ...]] = ()
    LOGIN_OPTIONS: ClassVar[tuple[str, ...]] = ()

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

    def to_utc(self, column: exp.Expression) -> exp.Expression:
        """A zoned timestamp as the UTC time without zone it stands for, whatever the session's
        zone: AT TIME ZONE 'UTC' of a zoned value is that (sqlglot writes Snowflake's
        CONVERT_TIMEZONE('UTC', …), whose TIMESTAMP_TZ result the cast turns into NTZ)."""
        return exp.cast(exp.AtTimeZone(this=column, zone=exp.Literal.string("UTC")), exp.DataType.build("TIMESTAMP"))

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
        then its TRANSFORMS."""
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

        tree = tree.transform(rewrite, copy=False)
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

    # -- targets and connecting --------------------------------------------------------------------

    # dbt's adapter type whose profiles.yml outputs this warehouse reads (None: no dbt adapter),
    # and the port a server target takes when neither the URL nor the profile names one.
    DBT_ADAPTER: ClassVar[str | None] = None
    DEFAULT_PORT: ClassVar[int | None] = None

    @classmethod
    def from_dbt_output(cls, output: dict[str, Any], secrets: tuple[str, ...]) -> Target:
        """A dbt profiles.yml output as our target; this shape (host, port, user, password, dbname,
        schema) is dbt-postgres' and dbt-redshift's. The password goes into the Target's secret
        fields, never into its URL."""
        from urllib.parse import quote

        from sessionizer.targets import Target

        host, user, database, schema = dbt_fields(output, cls.name, "host", "user", "dbname", "schema")
        port = int(output.get("port") or cls.DEFAULT_PORT or 0) or None
        password = output.get("password")
        where = f"{host}:{port}" if port else host
        return Target(cls.name, f"{cls.SCHEMES[0]}://{quote(user)}@{where}/{database}/{schema}", host=host,
                      port=port, user=user, password=None if password is None else str(password),
                      database=database, schema=schema, secrets=(*secrets, *([str(password)] if password else [])))  # fmt: skip

    @classmethod
    def url_example(cls) -> str:
        return f"{cls.SCHEMES[0]}://{cls.URL_SHAPE}"

    @classmethod
    def parse_url(cls, url: str, secrets: tuple[str, ...]) -> Target:
        """A target URL of the shape USER@HOST[:PORT]/DATABASE/SCHEMA; other shapes override this."""
        from sessionizer.targets import server_target

        return server_target(cls.name, url, secrets, cls.url_example())

    def file_source(self, path: str) -> exp.Expression:
        """The canonical SQL that reads ``path`` (a file or glob), where READS_FILES."""
        raise NotImplementedError

    def driver(self, module: str) -> Any:
        """Import the warehouse's driver (inside connect), or say which extra installs it."""
        try:
            return importlib.import_module(module)
        except ImportError:
            raise TargetError(f"the {self.name} target needs: pip install 'sessionizer[{self.EXTRA}]'") from None

    def password(self, target: Target) -> str | None:
        """The password written in the URL, else the one in the first of SECRET_ENV."""
        return target.password or (os.environ.get(self.SECRET_ENV[0]) if self.SECRET_ENV else None)

    def check_credentials(self, target: Target) -> None:
        """Refuse before connecting when the target gives no way to log in, naming the ways."""
        if not self.SECRET_ENV:
            return
        given = [target.password, *(os.environ.get(name) for name in (self.SECRET_ENV[0], *self.LOGIN_ENV))]
        if any(given) or set(target.options) & set(self.LOGIN_OPTIONS):
            return
        raise TargetError(f"no credentials to log in to {target.display}: {self.CREDENTIALS_HINT}")

    def connect(self, target: Target) -> Any:
        """Open a DB-API connection in autocommit mode; our statements manage transactions."""
        raise NotImplementedError

    def disconnect(self, connection: Any) -> None:
        """Close a connection ``connect`` opened, undoing what it changed beyond the connection."""
        connection.close()

    def discard(self, target: Target) -> None:
        """After ``disconnect``, remove what ``connect`` created, for a run that wrote nothing
        (its source was missing): a first mistake leaves nothing behind. Servers: nothing."""

    def error_text(self, err: BaseException) -> str:
        """The driver's words for a failure, on one line (see ``engine_words``)."""
        return engine_words(str(err) or type(err).__name__)

    def progress_probe(self, cursor: Any) -> Callable[[], float | None] | None:
        """A function another thread may call while ``cursor`` runs a statement: the engine's own
        percent done, or None while it cannot tell. None where the engine never tells."""
        return None

    def holds_nothing(self, target: Target) -> bool:
        """True when the target surely has no tables yet, known without connecting (which could
        create it): commands that only read say so instead."""
        return False


# "LINE 3: SELECT …" and the "    ^^^^" under it, as DuckDB and PostgreSQL quote a statement.
_POINTER = re.compile(r"\s*(LINE \d+:|\^+\s*$)")


def engine_words(text: str) -> str:
    """An engine's message on one line, without the "LINE 1:" and caret lines that point into
    our generated SQL: the user did not write it (the statement is shown apart where it helps)."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip() and not _POINTER.match(line))


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
    found: dict[str, type[Dialect]] = {}
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, type) and issubclass(value, Dialect) and value.__module__ == loaded.__name__:
                found[value.name] = value
    return dict(sorted(found.items(), key=lambda item: (item[0] != CANONICAL, item[0])))


def dbt_fields(output: dict[str, Any], adapter: str, *keys: str) -> list[str]:
    """The values of ``keys`` in a dbt profile output, or one error naming every missing one."""
    from sessionizer.errors import ConfigError

    missing = [k for k in keys if output.get(k) in (None, "")]
    if missing:
        raise ConfigError("profile", f"the {adapter} output lacks {', '.join(missing)}")
    return [str(output[k]) for k in keys]


def for_dbt_adapter(adapter: Any) -> type[Dialect]:
    """The dialect that reads dbt outputs of type ``adapter``; an unknown one lists those we read."""
    readers = {d.DBT_ADAPTER: d for d in registry().values() if d.DBT_ADAPTER}
    if adapter not in readers:
        raise TargetError(f"a dbt output of type {adapter!r}: sessionizer reads {', '.join(readers)}")
    return readers[adapter]


def dialect_names() -> tuple[str, ...]:
    return tuple(registry())


def for_url(url: str) -> type[Dialect] | None:
    """The dialect whose target URLs start like ``url`` (its scheme://), if any."""
    scheme, sep, _ = url.partition("://")
    return next((d for d in registry().values() if sep and scheme.lower() in d.SCHEMES), None)


def secret_env() -> tuple[str, ...]:
    """The secret environment variables of every dialect: masked whichever target is in use."""
    return tuple(name for dialect in registry().values() for name in dialect.SECRET_ENV)


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name``; an unknown name lists the known ones."""
    known = registry()
    if name not in known:
        raise CompileError(f"unknown dialect {name!r}; choose one of: {', '.join(known)}")
    return known[name]()
