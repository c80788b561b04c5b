"""Warehouses as places to connect to: one engine beside each dialect, what it needs as class data.

A dialect (sessionizer/dialects/) knows how a warehouse writes SQL; its engine knows how to reach
it: the target URL's scheme and shape, the environment variables holding its secrets, dbt's
profile outputs for it, its driver, and connecting and disconnecting. Every Engine subclass
defined in one of this package's modules is registered under the dialect it names, so a new
warehouse is one dialect module plus one engine module. Shared code asks the registry and the
class, never for a warehouse by name.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit

from sessionizer.dialects import CANONICAL
from sessionizer.discovery import discover
from sessionizer.errors import ConfigError, TargetError
from sessionizer.targets import Target, mask_userinfo, server_target


class Engine:
    """The shared behaviour; subclasses override class attributes and a few small methods.

    One instance per connection: what connecting changed beyond the connection (a file it
    created, settings it put on the database) is kept on the instance, to be undone."""

    # The dialect (sessionizer/dialects/) of this warehouse's SQL: the engine is registered under it.
    DIALECT: ClassVar[str]
    # URL schemes of this warehouse's targets, the first one canonical.
    SCHEMES: ClassVar[tuple[str, ...]]
    # What follows "scheme://" in a target URL, as error messages show it.
    URL_SHAPE: ClassVar[str] = "USER@HOST:PORT/DATABASE/SCHEMA"
    # Environment variables holding secrets (the password's first): masked wherever we print.
    SECRET_ENV: ClassVar[tuple[str, ...]] = ()
    # Other ways to log in the driver takes instead of a password (SECRET_ENV): environment
    # variables (a key file) and URL query keys (SSO, IAM, tokens, a password written as a query
    # key), so that a missing login is named before the driver is called (its words for it are an
    # error code: "251006: Password is empty").
    LOGIN_ENV: ClassVar[tuple[str, ...]] = ()
    LOGIN_OPTIONS: ClassVar[tuple[str, ...]] = ()
    # One line on how to give credentials, for messages about missing ones.
    CREDENTIALS_HINT: ClassVar[str] = ""
    # The pip extra that installs the driver (None: it comes with sessionizer).
    EXTRA: ClassVar[str | None] = None
    # A URL that needs no setup at all, where there is one: the canonical dialect's is the default.
    DEFAULT_URL: ClassVar[str | None] = None
    # dbt's adapter type whose profiles.yml outputs this warehouse reads (None: no dbt adapter),
    # and the port a server target takes when neither the URL nor the profile names one.
    DBT_ADAPTER: ClassVar[str | None] = None
    # The keys of such an output that hold secrets: only connecting needs them (compile does not).
    DBT_SECRETS: ClassVar[tuple[str, ...]] = ("password",)
    DEFAULT_PORT: ClassVar[int | None] = None

    # -- targets -------------------------------------------------------------------------------

    @classmethod
    def from_dbt_output(cls, output: dict[str, Any], secrets: tuple[str, ...]) -> Target:
        """A dbt profiles.yml output as our target; this shape (host, port, user, password, dbname,
        schema) is dbt-postgres' and dbt-redshift's. The password goes into the Target's secret
        fields, never into its URL."""
        host, user, database, schema = dbt_fields(output, cls.DIALECT, "host", "user", "dbname", "schema")
        port = int(output.get("port") or cls.DEFAULT_PORT or 0) or None
        password = output.get("password")
        where = f"{host}:{port}" if port else host
        return Target(cls.DIALECT, f"{cls.SCHEMES[0]}://{quote(user)}@{where}/{database}/{schema}", host=host,
                      port=port, user=user, password=None if password is None else str(password),
                      database=database, schema=schema, secrets=(*secrets, *([str(password)] if password else [])))  # fmt: skip

    @classmethod
    def url_example(cls) -> str:
        return f"{cls.SCHEMES[0]}://{cls.URL_SHAPE}"

    @classmethod
    def parse_url(cls, url: str, secrets: tuple[str, ...]) -> Target:
        """A target URL of the shape USER@HOST[:PORT]/DATABASE/SCHEMA; other shapes override this."""
        return server_target(cls.DIALECT, url, secrets, cls.url_example())

    # -- connecting ----------------------------------------------------------------------------

    def driver(self, module: str) -> Any:
        """Import the warehouse's driver (inside connect), or say which extra installs it."""
        try:
            return importlib.import_module(module)
        except ImportError:
            raise TargetError(f"the {self.DIALECT} target needs: pip install 'sessionizer[{self.EXTRA}]'") from None

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

    def connect(self, target: Target, read_only: bool = False) -> Any:
        """Open a DB-API connection in autocommit mode; our statements manage transactions.
        ``read_only``: the caller only reads (status, report, check), so an engine that can open
        for reading alone does, and needs no write access; a server's grants decide elsewhere."""
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

    def interrupted(self, err: BaseException) -> bool:
        """Whether ``err`` is the driver's word for a statement the user stopped (Ctrl-C), which is
        no failure of the statement. Drivers that let KeyboardInterrupt through need nothing here."""
        return False

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


def dbt_fields(output: dict[str, Any], adapter: str, *keys: str) -> list[str]:
    """The values of ``keys`` in a dbt profile output, or one error naming every missing one."""
    missing = [k for k in keys if output.get(k) in (None, "")]
    if missing:
        raise ConfigError("profile", f"the {adapter} output lacks {', '.join(missing)}")
    return [str(output[k]) for k in keys]


# -- the registry ------------------------------------------------------------------------------


@functools.cache
def registry() -> dict[str, type[Engine]]:
    """Every engine by the dialect it names: the classes defined in this package's modules,
    canonical first."""
    return discover(__name__, Engine, lambda engine: engine.DIALECT, CANONICAL)


def get_engine(dialect: str) -> Engine:
    """A new engine for targets of ``dialect`` (one per connection); an unknown one lists the known."""
    known = registry()
    if dialect not in known:
        raise TargetError(f"no engine connects to {dialect!r} targets; these do: {', '.join(known)}")
    return known[dialect]()


def for_url(url: str) -> type[Engine] | None:
    """The engine whose target URLs start like ``url`` (its scheme://), if any."""
    scheme, sep, _ = url.partition("://")
    return next((e for e in registry().values() if sep and scheme.lower() in e.SCHEMES), None)


def for_dbt_adapter(adapter: Any) -> type[Engine]:
    """The engine that reads dbt outputs of type ``adapter``; an unknown one lists those we read."""
    readers = {e.DBT_ADAPTER: e for e in registry().values() if e.DBT_ADAPTER}
    if adapter not in readers:
        raise TargetError(f"a dbt output of type {adapter!r}: sessionizer reads {', '.join(readers)}")
    return readers[adapter]


def secret_env() -> tuple[str, ...]:
    """The secret environment variables of every engine: masked whichever target is in use."""
    return tuple(name for engine in registry().values() for name in engine.SECRET_ENV)


def environment_secrets() -> tuple[str, ...]:
    """Secrets the drivers may read from the environment (every engine's), masked wherever we print."""
    return tuple(os.environ[n] for n in secret_env() if os.environ.get(n))


def default_target() -> str:
    """The canonical engine's default URL, used when no target is given."""
    url = registry()[CANONICAL].DEFAULT_URL
    assert url is not None
    return url


def parse_target(url: str | None) -> Target:
    """Parse a target URL; a malformed one raises TargetError saying what a good one looks like."""
    url = url or default_target()
    engine = for_url(url)
    if engine is None:
        raise TargetError(
            f"target {mask_userinfo(url)!r} is not a URL this tool knows; use one of "
            + ", ".join(e.url_example() for e in registry().values())
        )
    password = unquote(urlsplit(url).password or "") or None
    return engine.parse_url(url, tuple(s for s in (password, *environment_secrets()) if s))
