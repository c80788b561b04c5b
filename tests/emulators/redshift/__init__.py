"""A local Redshift emulator for tests: PostgreSQL plus a small wire proxy.

Why a proxy: the real ``redshift_connector`` driver cannot connect to plain
PostgreSQL (Redshift-only startup parameters, SSL negotiation, the
``server_version`` format), and PostgreSQL rejects or silently mis-evaluates
Redshift SQL (``DISTKEY``/``SORTKEY``, boundary-counting ``DATEDIFF``,
``GETDATE()``, …).  The proxy fixes the handshake and translates every
statement with sqlglot (see :mod:`.translate`), so code under test runs
unchanged with the production driver, and statements Redshift itself rejects
(``CREATE OR REPLACE TABLE``, ``MERGE`` from a subquery, several statements
in one string) fail here too instead of passing only locally.

Usage::

    with RedshiftEmulator() as emu:
        conn = redshift_connector.connect(**emu.connect_kwargs)
        emu.url(schema="public")  # redshift://awsuser@127.0.0.1:PORT/dev/public?ssl=false

``python -m tests.emulators.redshift`` starts one and prints its URL until Ctrl-C.
"""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import urlencode

from ..base import HOST, Emulator
from .proxy import RedshiftProxy
from .server import PostgresServer
from .translate import (
    EmulatorUnsupported,
    RedshiftRejected,
    TranslationError,
    translate,
)

__all__ = [
    "EmulatorUnsupported",
    "RedshiftEmulator",
    "RedshiftRejected",
    "TranslationError",
    "translate",
]


class RedshiftEmulator(Emulator):
    """PostgreSQL (as ``nobody`` when root) behind a Redshift-flavoured proxy on free ports."""

    def __init__(self, user: str = "awsuser", database: str = "dev", password: str = "emulator") -> None:
        self.user = user
        self.database = database
        self.password = password  # trust auth: any password is accepted
        self.postgres = PostgresServer(user=user, database=database)
        self.proxy: RedshiftProxy | None = None

    @property
    def host(self) -> str:
        """Host clients connect to (the proxy)."""
        return HOST

    @property
    def port(self) -> int:
        """Port of the proxy; clients must never use the PostgreSQL port directly."""
        if self.proxy is None:
            raise RuntimeError("RedshiftEmulator is not started")
        return self.proxy.port

    @property
    def postmaster_pid(self) -> int | None:
        """PID of the PostgreSQL postmaster (None when stopped)."""
        return self.postgres.pid

    @property
    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``redshift_connector.connect``."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": self.database,
            "ssl": False,
            "timeout": 30,
        }

    @property
    def password_env(self) -> dict[str, str]:
        """Where sessionizer reads a Redshift password from (trust auth accepts any)."""
        return {"REDSHIFT_PASSWORD": self.password}

    def url(self, database: str | None = None, schema: str | None = None, **query: str | int) -> str:
        """``redshift://USER@HOST:PORT/DATABASE/SCHEMA?ssl=false`` (+ extra query keys); the
        emulator's own database and ``public`` unless told otherwise."""
        params = urlencode({"ssl": "false", **query})
        return (
            f"redshift://{self.user}@{self.host}:{self.port}/{database or self.database}/{schema or 'public'}?{params}"
        )

    def connect(self, **overrides: Any) -> Any:
        """A redshift_connector connection to the proxy."""
        import redshift_connector

        return redshift_connector.connect(**{**self.connect_kwargs, **overrides})

    def database_for_test(self) -> str:
        """The emulator's own database: a connection reaches only one, so tests keep apart by schema."""
        return self.database

    def start(self) -> Self:
        """Start PostgreSQL, then the proxy in front of it."""
        try:
            self.postgres.start()
            self.proxy = RedshiftProxy(self.postgres.host, self.postgres.port)
            self.proxy.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the proxy, kill the postmaster by pid, remove the temp dir; safe to call twice."""
        try:
            if self.proxy is not None:
                self.proxy.stop()
        finally:
            self.proxy = None
            self.postgres.stop()
