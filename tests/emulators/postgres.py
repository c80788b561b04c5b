"""PostgreSQL itself, for psycopg: not an emulator but the real server, in the emulators' shape.

The test session shares the embedded PostgreSQL the Redshift emulator already runs (one server
per session), reached directly rather than through the Redshift proxy; given no server, it
starts one of its own.

Usage::

    with PostgresEmulator() as pg:
        pg.connect().execute("SELECT 1")
        pg.url(schema="analytics")  # postgres://awsuser@127.0.0.1:PORT/dev/analytics
"""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import urlencode

from .base import Emulator
from .redshift.server import PostgresServer


class PostgresEmulator(Emulator):
    """A PostgreSQL server with trust auth; started and stopped here only when it is its own."""

    def __init__(self, server: PostgresServer | None = None, password: str = "emulator") -> None:
        self.owned = server is None
        self.server = server or PostgresServer()
        self.password = password  # trust auth: any password is accepted

    def start(self) -> Self:
        if self.owned:
            self.server.start()
        return self

    def stop(self) -> None:
        if self.owned:
            self.server.stop()

    @property
    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect``."""
        server = self.server
        return {"host": server.host, "port": server.port, "user": server.user, "dbname": server.database}

    @property
    def password_env(self) -> dict[str, str]:
        """Where sessionizer reads a PostgreSQL password from (trust auth accepts any)."""
        return {"PGPASSWORD": self.password}

    def url(self, database: str | None = None, schema: str | None = None, **query: str | int) -> str:
        """``postgres://USER@HOST:PORT/DATABASE/SCHEMA`` (+ extra query keys)."""
        server = self.server
        tail = f"?{urlencode(query)}" if query else ""
        return (
            f"postgres://{server.user}@{server.host}:{server.port}/{database or server.database}/"
            f"{schema or 'public'}{tail}"
        )

    def connect(self, **overrides: Any) -> Any:
        """A psycopg connection in autocommit mode."""
        import psycopg

        return psycopg.connect(**{**self.connect_kwargs, **overrides}, autocommit=True)

    def database_for_test(self) -> str:
        """The server's own database: tests keep apart by schema."""
        return self.server.database
