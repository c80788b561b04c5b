"""Target URLs: which warehouse, how to reach it, and how to show it without its secrets.

duckdb:///path/file.duckdb?memory_limit=4GB&threads=2
snowflake://USER@ACCOUNT/DATABASE/SCHEMA?warehouse=WH&role=ROLE   (password: SNOWFLAKE_PASSWORD)
redshift://USER@HOST:5439/DATABASE/SCHEMA?ssl=false               (password: REDSHIFT_PASSWORD)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sessionizer.config import validate_identifier
from sessionizer.errors import TargetError

DEFAULT_TARGET = "duckdb:///sessionizer.duckdb"
SCHEMES = ("duckdb", "snowflake", "redshift")
MASK = "***"


@dataclass(frozen=True)
class Target:
    """A parsed target. ``secrets`` are values that must never be printed."""

    dialect: str
    url: str = field(repr=False)  # may hold an inline password: shown only through ``display``
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    schema: str | None = None
    path: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def display(self) -> str:
        """The URL as it may be shown: any inline password masked."""
        return mask(self.url, self.secrets)

    def __str__(self) -> str:
        return self.display

    def __repr__(self) -> str:
        return f"Target({self.display!r})"


def mask(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    """Replace every secret (and its URL-encoded form) in ``text``."""
    from urllib.parse import quote

    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK).replace(quote(secret, safe=""), MASK)
    return text


def environment_secrets() -> tuple[str, ...]:
    """Secrets the drivers may read from the environment (every dialect's SECRET_ENV), masked
    wherever we print."""
    from sessionizer.dialects import DIALECT_NAMES, get_dialect

    names = [name for dialect in DIALECT_NAMES for name in get_dialect(dialect).SECRET_ENV]
    return tuple(os.environ[n] for n in names if os.environ.get(n))


def parse_target(url: str | None) -> Target:
    """Parse a target URL; a malformed one raises TargetError saying what a good one looks like."""
    url = url or DEFAULT_TARGET
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise TargetError(
            f"target {mask_userinfo(url)!r} is not a URL this tool knows; use one of "
            "duckdb:///file.duckdb, snowflake://USER@ACCOUNT/DATABASE/SCHEMA, "
            "redshift://USER@HOST:5439/DATABASE/SCHEMA"
        )
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    password = unquote(parts.password) if parts.password else None
    secrets = tuple(s for s in (password, *environment_secrets()) if s)
    if scheme == "duckdb":
        path = unquote(url[len("duckdb://") :].split("?", 1)[0])
        path = path[1:] if path.startswith("/") else path
        return Target("duckdb", url, path=path or ":memory:", options=options, secrets=secrets)
    segments = [unquote(s) for s in parts.path.strip("/").split("/") if s]
    if len(segments) > 2:
        raise TargetError(f"target {mask(url, secrets)!r}: the path is /DATABASE/SCHEMA, got {parts.path!r}")
    database = segments[0] if segments else None
    schema = segments[1] if len(segments) > 1 else None
    if schema is not None:
        try:
            validate_identifier(schema, "target schema")
        except Exception as err:
            raise TargetError(str(err)) from None
    try:
        port = parts.port
    except ValueError:
        raise TargetError(f"target {mask(url, secrets)!r}: the port is not a number") from None
    if not parts.hostname or not parts.username:
        raise TargetError(
            f"target {mask(url, secrets)!r}: expected {scheme}://USER@{'ACCOUNT' if scheme == 'snowflake' else 'HOST:PORT'}/DATABASE/SCHEMA"
        )
    return Target(
        scheme, url, host=parts.hostname, port=port, user=unquote(parts.username),
        password=password, database=database, schema=schema, options=options, secrets=secrets,
    )  # fmt: skip


def mask_userinfo(url: str) -> str:
    """Mask a password in a URL we could not parse, without trusting its shape."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail:
        return url
    userinfo, _, rest = tail.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return f"{head}://{user}{':' + MASK if ':' in userinfo else ''}@{rest}"


def coerce_option(value: str) -> Any:
    """URL query values are text; drivers want booleans and numbers."""
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if value.isdigit():
        return int(value)
    return value
