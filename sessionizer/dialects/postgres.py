"""PostgreSQL: tables built beside the old ones and swapped in, DELETE+INSERT in transactions.

PostgreSQL has no CREATE OR REPLACE TABLE, so a full refresh builds each table under a new name
and swaps it in with DROP + RENAME in one transaction. A run holds an advisory lock, which the
server releases when the connection ends, so a run killed midway does not block the next one. Its difference of two timestamps is
elapsed time, so seconds between them are counted on timestamps truncated to the second.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlglot import exp

from sessionizer.dialects import Dialect
from sessionizer.dialects.transforms import Transform, seconds_between_truncated
from sessionizer.targets import Target


class Postgres(Dialect):
    name: ClassVar[str] = "postgres"
    sqlglot_dialect: ClassVar[str] = "postgres"
    SCHEMES: ClassVar[tuple[str, ...]] = ("postgres", "postgresql")
    SECRET_ENV: ClassVar[tuple[str, ...]] = ("PGPASSWORD",)
    CREDENTIALS_HINT: ClassVar[str] = "set PGPASSWORD (or use ~/.pgpass, or write the password in the URL)"
    EXTRA: ClassVar[str | None] = "postgres"
    DBT_ADAPTER: ClassVar[str | None] = "postgres"
    DEFAULT_PORT: ClassVar[int | None] = 5432
    # timestamptz, by its type OID as psycopg's cursor.description gives it.
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset({"1184"})
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = False
    # NOW() is TIMESTAMPTZ; our timestamps are UTC without time zone.
    NOW_UTC: ClassVar[str] = "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)"
    TRANSFORMS: ClassVar[tuple[Transform, ...]] = (seconds_between_truncated,)

    def session_lock(self, key: str) -> exp.Expression:
        """An advisory lock of the session: the server releases it when the connection ends."""
        return exp.select(exp.func("pg_try_advisory_lock", exp.func("hashtext", exp.Literal.string(key))))

    def check_credentials(self, target: Target) -> None:
        """No check before connecting: a server may trust local users, or libpq reads ~/.pgpass;
        when it wants a password it says so ("no password supplied"), after our sentence."""

    def connect(self, target: Target) -> Any:
        """psycopg 3 in autocommit mode; URL query keys are libpq parameters (sslmode=require, …)."""
        psycopg = self.driver("psycopg")
        kwargs: dict[str, Any] = dict(target.options)
        kwargs.update(host=target.host, port=target.port or self.DEFAULT_PORT, user=target.user, dbname=target.database)
        if password := self.password(target):
            kwargs["password"] = password
        connection = psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None}, autocommit=True)
        # A source column of type TIMESTAMPTZ is read as UTC whatever the server's default.
        connection.execute("SET TIME ZONE 'UTC'")
        return connection
