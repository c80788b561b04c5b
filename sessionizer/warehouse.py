"""A warehouse as a run, status and report use it: one connection, its errors in our words,
what its catalog holds, what a source looks like, and the lock that keeps a second run out.

Every error text that leaves here is masked (no secret of the target is ever printed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sessionizer import cache, sql
from sessionizer.dialects import CANONICAL, Dialect
from sessionizer.engines import get_engine
from sessionizer.errors import SessionizerError, SourceError, StateError, TargetError, WarehouseError
from sessionizer.lazy import exp
from sessionizer.schema import TableName
from sessionizer.sources import SourceColumns
from sessionizer.targets import Target, mask


class Warehouse:
    """A connection, through the target's engine, plus the dialect that speaks to it; every error
    text is masked. ``read_only``: for commands that only read (the engine opens for reading)."""

    def __init__(self, target: Target, dialect: Dialect, read_only: bool = False) -> None:
        self.target = target
        self.dialect = dialect
        # This connection's own: it keeps what connecting changed, to be undone.
        self.engine = get_engine(target.dialect)
        # Set when the run starts writing: from then on what connecting created is the user's.
        self.writing = False
        self.engine.check_credentials(target)
        try:
            self.connection = self.engine.connect(target, read_only=read_only)
        except SessionizerError:
            raise
        except Exception as err:
            raise TargetError(f"cannot connect to {target.display}: {self.scrub(err)}") from None
        self.cursor = self.connection.cursor()

    def scrub(self, err: BaseException | str) -> str:
        """Text fit to show: the driver's words for an error, any secret in it masked."""
        text = self.engine.error_text(err) if isinstance(err, BaseException) else err
        return mask(text, self.target.secrets)

    @contextmanager
    def doing(self, what: str) -> Iterator[None]:
        """A driver error inside says what we were doing and where before the driver's words."""
        try:
            yield
        except SessionizerError:
            raise
        except Exception as err:
            raise WarehouseError(what, self.target.display, self.scrub(err)) from err

    def execute(self, sql: str) -> Any:
        self.cursor.execute(sql)
        return self.cursor

    def fetch_one(self, sql: str) -> tuple[Any, ...] | None:
        """The first row of a query's answer, or None when it has none."""
        row = self.execute(sql).fetchone()
        return tuple(row) if row is not None else None

    def missing_tables(
        self, tables: list[TableName], columns: Mapping[str, Sequence[str]] | None = None
    ) -> list[TableName]:
        """Those of ``tables`` not in information_schema, or lacking one of the ``columns`` given
        for them by name (one query; names compared in lower case, as Snowflake upper-cases
        unquoted names). All must share one schema."""
        schemas = {t.db for t in tables}
        assert len(schemas) == 1, schemas
        db = schemas.pop()
        names = [t.name.lower() for t in tables]
        query = cache.query(self.dialect, "runner/catalog", {"db": db, "names": names}, lambda: {
            "catalog": self.dialect.columns_catalog(db or None).sql(CANONICAL),
            "schema": sql.literal(db.lower()) if db else "LOWER(CURRENT_SCHEMA())",
            "names": [sql.literal(name) for name in names],
        })  # fmt: skip
        present: dict[str, set[str]] = {}
        for table, column in self.execute(query).fetchall():
            present.setdefault(table, set()).add(column)
        wanted = {name.lower(): {c.lower() for c in cols} for name, cols in (columns or {}).items()}

        def usable(table: TableName) -> bool:
            name = table.name.lower()
            return name in present and wanted.get(name, set()) <= present[name]

        return [t for t in tables if not usable(t)]

    def count(self, table: TableName) -> int | None:
        """The rows one of our tables holds."""
        row = self.fetch_one(self.render("runner/count", table=table.sql))
        return int(row[0]) if row else None

    def render(self, template: str, **variables: Any) -> str:
        """A template of one statement about the warehouse (templates/runner/), in its dialect
        (cached: sessionizer/cache.py)."""
        return cache.render(self.dialect, template, variables)

    def rowcount(self) -> int | None:
        """Rows the last statement wrote, where the driver tells."""
        count = getattr(self.cursor, "rowcount", -1)
        if isinstance(count, int) and count >= 0:
            return count
        try:  # DuckDB answers INSERT/CREATE … AS with a one-row count
            row = self.cursor.fetchone()
        except Exception:
            return None
        return int(row[0]) if row and isinstance(row[0], int) else None

    def lock(self, table: TableName, ensure_schema: Callable[[], Sequence[exp.Expression]]) -> LeaseLock | None:
        """Keep a second run out: the warehouse's own lock where it has one (released when this
        connection ends, however it ends), else a lease row in ``table``, returned to be renewed
        and released (``ensure_schema`` first creates the schema it lives in)."""
        if self.dialect.LOCKS_ITSELF:
            return None
        key = table.sql
        query = self.dialect.session_lock(key)
        if query is not None:
            row = self.fetch_one(self.dialect.render(query, pretty=False))
            if not row or not row[0]:
                raise StateError(
                    f"another sessionizer run is writing to these tables (it holds the lock {key}); "
                    "the lock is released when that run ends, even if it dies. Try again then."
                )
            return None
        for tree in ensure_schema():
            self.execute(self.dialect.render(tree, pretty=False))
        lease = LeaseLock(self, table)
        lease.acquire()
        return lease

    def close(self) -> None:
        with suppress(Exception):
            self.engine.disconnect(self.connection)

    def describe(self, source: str, label: str) -> list[tuple[str, Any]]:
        """The column names (as the source spells them) and type codes of a zero-row SELECT of
        ``source`` (a relation's canonical SQL)."""
        try:
            cursor = self.execute(self.render("runner/inspect", source=source))
        except Exception as err:
            raise SourceError(f"cannot read the source {label!r} on {self.target.display}: {self.scrub(err)}") from None
        return [(str(d[0]), d[1]) for d in cursor.description or ()]

    def inspect(self, source: str, label: str) -> SourceColumns:
        """What ``source`` holds, from the column names and types of a zero-row SELECT."""
        described = [(name.lower(), kind) for name, kind in self.describe(source, label)]
        numeric = [(name, self.dialect.numeric_type(kind)) for name, kind in described]
        return SourceColumns(
            present=frozenset(name for name, _ in described),
            zoned=frozenset(name for name, kind in described if self.dialect.zoned(kind)),
            text=frozenset(name for name, kind in described if self.dialect.is_text(kind)),
            numeric=tuple((name, shown) for name, shown in numeric if shown is not None),
        )


class LeaseLock:
    """One run at a time on a warehouse without a lock of its own: a row in sessionizer_lock.

    Two runs starting together may both insert their row; the smallest holder wins and the other
    withdraws, so exactly one proceeds. The row expires after ``LEASE_MINUTES`` unless renewed
    after each stage, so a run that died holding it stops blocking once its lease ends.
    """

    LEASE_MINUTES = 60

    def __init__(self, wh: Warehouse, table: TableName) -> None:
        import os
        import socket
        import uuid

        self.wh = wh
        self.table = table
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:120]

    def _run(self, template: str) -> Any:
        variables = {"lock": self.table.sql, "holder": sql.literal(self.holder), "minutes": self.LEASE_MINUTES}
        return [self.wh.execute(self.wh.dialect.render(tree, pretty=False)) for tree in sql.parse(template, variables)]

    def acquire(self) -> None:
        self._run("runner/lease_acquire")
        row = self._run("runner/lease_holder")[0].fetchone()
        if row is None or row[0] != self.holder:
            self.release()
            holder, until = row or ("?", "?")
            raise StateError(
                f"another sessionizer run ({holder}) is writing to these tables; its lock ends when it "
                f"finishes, or at {until} UTC if it died. Try again then."
            )

    def renew(self) -> None:
        self._run("runner/lease_renew")

    def release(self) -> None:
        with suppress(Exception):
            self._run("runner/lease_release")
