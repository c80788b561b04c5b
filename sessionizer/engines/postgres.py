"""PostgreSQL: a server reached through psycopg 3, with libpq's ways to log in."""

from __future__ import annotations

from typing import Any, ClassVar

from sessionizer.engines import Engine
from sessionizer.targets import Target


class PostgresEngine(Engine):
    DIALECT: ClassVar[str] = "postgres"
    SCHEMES: ClassVar[tuple[str, ...]] = ("postgres", "postgresql")
    SECRET_ENV: ClassVar[tuple[str, ...]] = ("PGPASSWORD",)
    CREDENTIALS_HINT: ClassVar[str] = "set PGPASSWORD (or use ~/.pgpass, or write the password in the URL)"
    EXTRA: ClassVar[str | None] = "postgres"
    DBT_ADAPTER: ClassVar[str | None] = "postgres"
    DEFAULT_PORT: ClassVar[int | None] = 5432

    def check_credentials(self, target: Target) -> None:
        """No check before connecting: a server may trust local users, or libpq reads ~/.pgpass;
        when it wants a password it says so ("no password supplied"), after our sentence."""

    def connect(self, target: Target, read_only: bool = False) -> Any:
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
