"""Target URLs: which warehouse, how to reach it, and how to show it without its secrets.

The parsed target and the plain helpers engines parse and mask with. Each engine
(sessionizer/engines/) declares its URL scheme and shape and the environment variables holding
its secrets, and the registry there (parse_target) chooses the engine of a URL: no registry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from sessionizer.errors import ConfigError, TargetError
from sessionizer.schema import validate_identifier

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


def server_target(dialect: str, url: str, secrets: tuple[str, ...], shape: str) -> Target:
    """A target of the shape scheme://USER@HOST[:PORT]/DATABASE/SCHEMA?driver=options."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.strip("/").split("/") if s]
    if len(segments) > 2:
        raise TargetError(f"target {mask(url, secrets)!r}: the path is /DATABASE/SCHEMA, got {parts.path!r}")
    try:
        port = parts.port
    except ValueError:
        raise TargetError(f"target {mask(url, secrets)!r}: the port is not a number") from None
    if not parts.hostname or not parts.username:
        raise TargetError(f"target {mask(url, secrets)!r}: expected {shape}")
    return Target(
        dialect, url, host=parts.hostname, port=port, user=unquote(parts.username),
        password=unquote(parts.password) if parts.password else None,
        database=segments[0] if segments else None, schema=target_schema(segments[1:]),
        options=url_options(parts), secrets=secrets,
    )  # fmt: skip


def target_schema(segments: list[str]) -> str | None:
    """The schema a URL names (validated as an identifier), if any."""
    if not segments:
        return None
    try:
        return validate_identifier(segments[0], "target schema")
    except ConfigError as err:
        raise TargetError(str(err)) from None


def url_options(parts: SplitResult) -> dict[str, str]:
    """The URL's query: settings passed to the driver."""
    return dict(parse_qsl(parts.query, keep_blank_values=True))


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
