"""Settings: read from sessionizer.yml and flags, validated once, then frozen.

Every problem is reported as one ConfigError naming the key and what is allowed, so a typo in a
scheduler's config fails loudly instead of sessionizing with a default.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass, fields
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from sessionizer.beyond import digest, flag, load_bot_patterns, time_zone, user_ids
from sessionizer.errors import ConfigError
from sessionizer.schema import INTERNAL_PREFIX, check_column_names, validate_identifier
from sessionizer.source_setting import SourceEntry, is_file_source, parse_source, source_format

DEFAULT_CONFIG_FILE = "sessionizer.yml"
DEFAULT_SOURCE = "pages"

_CUTOFF_EXPR = re.compile(r"^\s*\d+(\s*\*\s*\d+)*\s*$")
MISSING_ANONYMOUS_ID = ("reject", "use_user_id")


@dataclass(frozen=True)
class ReferrerMapping:
    """Referrer host → (medium, source); the built-in one unless the user gives a CSV."""

    rows: tuple[tuple[str, str, str], ...]  # (medium, source, host)
    origin: str

    @property
    def digest(self) -> str:
        """Identifies the mapping's content, so a changed mapping forces a full refresh."""
        return hashlib.sha256(json.dumps(self.rows).encode()).hexdigest()[:16]


def load_referrer_mapping(path: str | None) -> ReferrerMapping:
    """Read a medium,source,host CSV (ours when ``path`` is None)."""
    key = "referrer_mapping"
    if path is None:
        text = resources.files("sessionizer").joinpath("data/referrer_mapping.csv").read_text("utf-8")
        origin = "built-in"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as err:
            raise ConfigError(key, f"cannot read {path}: {err.strerror}") from None
        origin = str(path)
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or {"medium", "source", "host"} - set(reader.fieldnames):
        raise ConfigError(key, f"{origin} must be a CSV with the header medium,source,host")
    rows: dict[str, tuple[str, str, str]] = {}
    for line_no, row in enumerate(reader, start=2):
        host = (row["host"] or "").strip()
        if not host:
            raise ConfigError(key, f"{origin} line {line_no}: empty host")
        if host in rows:
            raise ConfigError(key, f"{origin} line {line_no}: host {host!r} appears twice")
        rows[host] = ((row["medium"] or "").strip(), (row["source"] or "").strip(), host)
    return ReferrerMapping(tuple(sorted(rows.values(), key=lambda r: r[2])), origin)


def _int_setting(value: object, key: str, minimum: int, allow_product: bool = False) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):  # "-1" from a flag: too small, below
        number = int(value)
    elif allow_product and isinstance(value, str) and _CUTOFF_EXPR.match(value):
        number = 1
        for factor in value.split("*"):
            number *= int(factor)
    else:
        allowed = "a whole number of seconds, or a product like 30 * 60" if allow_product else "a whole number"
        raise ConfigError(key, f"expected {allowed}, got {value!r}")
    if number < minimum:
        raise ConfigError(key, f"must be at least {minimum}, got {number}")
    return number


@dataclass(frozen=True)
class Config:
    """Validated settings. Build with :meth:`from_mapping` or :func:`load_config`."""

    source: str | tuple[SourceEntry, ...] = DEFAULT_SOURCE
    target: str | None = None
    schema: str | None = None
    inactivity_cutoff: int = 30 * 60
    trailing_window: int = 3
    pass_through_columns: tuple[str, ...] = ()
    incremental_key: str = "received_at"
    referrer_mapping: str | None = None
    # docs/reference.md "Beyond dbt-segment": each off by default.
    ignored_user_ids: tuple[str, ...] = ()
    exclude_bots: bool = False
    bot_patterns: str | None = None
    day_boundary_time_zone: str | None = None
    split_on_campaign: bool = False
    max_session_seconds: int | None = None
    channel_grouping: bool = False
    engaged_session_seconds: int | None = None
    # The format of a single file source whose name says none (docs/reference.md "Files").
    format: str | None = None
    # A row without an anonymous_id: rejected, or (Segment's server-side page calls) sessionized
    # under its user_id.
    missing_anonymous_id: str = "reject"

    @property
    def entries(self) -> tuple[SourceEntry, ...] | None:
        """The entries of a ``source`` list; None for a single source (docs/reference.md: nothing changes)."""
        return self.source if isinstance(self.source, tuple) else None

    @property
    def listed(self) -> bool:
        """Whether the source is a list of entries (schema.Shape)."""
        return isinstance(self.source, tuple)

    @cached_property
    def mapping(self) -> ReferrerMapping:
        """The referrer mapping's rows, read once."""
        return load_referrer_mapping(self.referrer_mapping)

    @cached_property
    def bots(self) -> tuple[str, ...] | None:
        """The bot patterns, lower-cased (None: no row is bot-checked)."""
        return load_bot_patterns(self.bot_patterns) if self.exclude_bots else None

    @property
    def cuts_sessions(self) -> bool:
        """A session rule beyond the inactivity gap is set (and with it session_start_reason)."""
        return self.day_boundary_time_zone is not None or self.split_on_campaign or self.max_session_seconds is not None

    @property
    def added_session_columns(self) -> tuple[str, ...]:
        """The opt-in columns of the three sessions tables, in docs/reference.md's order (schema.Shape)."""
        flags = (
            ("session_start_reason", self.cuts_sessions),
            ("channel", self.channel_grouping),
            ("is_engaged", self.engaged_session_seconds is not None),
        )
        return tuple(name for name, on in flags if on)

    def __post_init__(self) -> None:
        """Validate and normalise every field, however the Config was built."""
        checked = {
            "source": parse_source(self.source),
            "format": source_format(self.format, self.source, "format"),
            "missing_anonymous_id": _choice(self.missing_anonymous_id, "missing_anonymous_id", MISSING_ANONYMOUS_ID),
            "target": _text(self.target, "target", "a URL such as duckdb:///sessionizer.duckdb"),
            "schema": None if self.schema is None else validate_identifier(self.schema, "schema"),
            "inactivity_cutoff": _int_setting(self.inactivity_cutoff, "inactivity_cutoff", 1, True),
            "trailing_window": _int_setting(self.trailing_window, "trailing_window", 0),
            "pass_through_columns": _pass_through(self.pass_through_columns),
            "incremental_key": validate_identifier(self.incremental_key, "incremental_key").lower(),
            "referrer_mapping": _text(
                self.referrer_mapping, "referrer_mapping", "the path of a medium,source,host CSV"
            ),
            "ignored_user_ids": user_ids(self.ignored_user_ids),
            "exclude_bots": flag(self.exclude_bots, "exclude_bots"),
            "bot_patterns": _text(self.bot_patterns, "bot_patterns", "the path of a file of patterns, one a line"),
            "day_boundary_time_zone": time_zone(self.day_boundary_time_zone),
            "split_on_campaign": flag(self.split_on_campaign, "split_on_campaign"),
            "max_session_seconds": _optional_int(self.max_session_seconds, "max_session_seconds", 60),
            "channel_grouping": flag(self.channel_grouping, "channel_grouping"),
            "engaged_session_seconds": _optional_int(self.engaged_session_seconds, "engaged_session_seconds", 0),
        }
        if checked["bot_patterns"] is not None and not checked["exclude_bots"]:
            raise ConfigError("bot_patterns", "is set but exclude_bots is not true; set exclude_bots: true")
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        check_column_names(self)
        if self.exclude_bots:
            _ = self.bots  # an unreadable patterns file fails here, naming the key

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Config:
        """Settings from YAML or flags; unknown keys are errors, None means the default."""
        known = {f.name for f in fields(cls)}
        for key in values:
            if key not in known:
                raise ConfigError(str(key), f"unknown setting; allowed: {', '.join(sorted(known))}")
        return cls(**{k: v for k, v in values.items() if v is not None})

    def settings_fingerprint(self) -> dict[str, Any]:
        """What changes the meaning of stored rows; an incremental run refuses if it differs. The
        source is one of them: rows of another table added to these would mix two sources (and
        `status`, `check` and `report` read the source from here when none is given)."""
        source = (
            {"sources": [e.as_setting() for e in self.entries]}
            if self.entries is not None
            else {"source": self.source} | ({} if self.format is None else {"source_format": self.format})
        )
        # A rule's default is left out, so tables built before the rule existed keep their settings.
        rules = {} if self.missing_anonymous_id == "reject" else {"missing_anonymous_id": self.missing_anonymous_id}
        return (
            {
                "inactivity_cutoff": self.inactivity_cutoff,
                "pass_through_columns": list(self.pass_through_columns),
                "incremental_key": self.incremental_key,
                "referrer_mapping": self.mapping.digest,
            }
            | source
            | rules
            | self._beyond_fingerprint()
        )

    def _beyond_fingerprint(self) -> dict[str, Any]:
        """The "Beyond dbt-segment" settings that are on (none of them, so the state of a config
        without them stays as it was); the bot list by its content, so an edited file counts."""
        on: dict[str, Any] = {
            "ignored_user_ids": sorted(set(self.ignored_user_ids)) or None,
            "bot_patterns": None if self.bots is None else digest(self.bots),
            "day_boundary_time_zone": self.day_boundary_time_zone,
            "split_on_campaign": self.split_on_campaign or None,
            "max_session_seconds": self.max_session_seconds,
            "channel_grouping": self.channel_grouping or None,
            "engaged_session_seconds": self.engaged_session_seconds,
        }
        return {key: value for key, value in on.items() if value is not None}


def _optional_int(value: object, key: str, minimum: int) -> int | None:
    return None if value is None else _int_setting(value, key, minimum)


def _choice(value: object, key: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(key, f"expected one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _text(value: object, key: str, expected: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigError(key, f"expected {expected}")
    return value


def _pass_through(value: object) -> tuple[str, ...]:
    key = "pass_through_columns"
    if isinstance(value, str):
        items: list[object] = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ConfigError(key, "expected a list of column names, or a comma-separated string")
    names: list[str] = []
    for item in items:
        name = validate_identifier(item, key).lower()
        if name.startswith(INTERNAL_PREFIX):
            raise ConfigError(
                key, f"{name!r} starts with {INTERNAL_PREFIX}, which sessionizer keeps for its own columns"
            )
        if name in names:
            raise ConfigError(key, f"{name!r} is listed twice")
        names.append(name)
    return tuple(names)


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read ``path`` (or ./sessionizer.yml when present), then apply flag overrides."""
    return Config.from_mapping(merged_settings(path, overrides))


def merged_settings(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings ``path`` (or ./sessionizer.yml when present) gives, flag overrides applied, not
    yet validated: which keys were given at all (the rest take their defaults)."""
    values: dict[str, Any] = {}
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    if path or file.exists():
        import yaml  # only for a file: a run from flags alone never loads it

        try:
            loaded = yaml.safe_load(file.read_text("utf-8"))
        except OSError as err:
            raise ConfigError("config", f"cannot read {file}: {err.strerror}") from None
        except yaml.YAMLError as err:
            raise ConfigError("config", f"{file} is not valid YAML: {err}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError("config", f"{file} must be a mapping of setting: value")
        values = _relative_to(Path(os.path.abspath(file)).parent, loaded or {})
    return {**values, **{k: v for k, v in (overrides or {}).items() if v is not None}}


def _relative_to(folder: Path, values: dict[str, Any]) -> dict[str, Any]:
    """A settings file's relative paths (file sources, the referrer mapping, a file target's URL)
    made absolute against ``folder``, the file's own: a scheduler running in another working
    directory reads the same files (on the command line, paths are the working directory's)."""

    def path(value: Any) -> Any:
        if not isinstance(value, str) or not is_file_source(value) or Path(value).is_absolute():
            return value
        return str(folder / value)

    found = dict(values)
    if isinstance(found.get("source"), list):
        found["source"] = [{**e, "table": path(e.get("table"))} if isinstance(e, dict) else e for e in found["source"]]
    elif "source" in found:
        found["source"] = path(found["source"])
    if isinstance(found.get("referrer_mapping"), str) and not Path(found["referrer_mapping"]).is_absolute():
        found["referrer_mapping"] = str(folder / found["referrer_mapping"])
    if isinstance(found.get("target"), str):
        found["target"] = _file_url_relative_to(folder, found["target"])
    return found


def _file_url_relative_to(folder: Path, url: str) -> str:
    """scheme:///relative/file (an empty host: a local file, as DuckDB's URLs are) as
    scheme:////absolute/file; any other URL as it is."""
    scheme, sep, rest = url.partition(":///")
    file, query, options = rest.partition("?")
    if not sep or "/" in scheme or not file or file.startswith("/") or file == ":memory:":
        return url
    return f"{scheme}:///{folder / file}{query}{options}"
