"""Settings: read from sessionizer.yml and flags, validated once, then frozen.

Every problem is reported as one ConfigError naming the key and what is allowed, so a typo in a
scheduler's config fails loudly instead of sessionizing with a default.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, fields
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from sessionizer.errors import ConfigError
from sessionizer.schema import INTERNAL_PREFIX, SourceKind, check_column_names, validate_identifier, validate_table_name

DEFAULT_CONFIG_FILE = "sessionizer.yml"
DEFAULT_SOURCE = "pages"

_CUTOFF_EXPR = re.compile(r"^\s*\d+(\s*\*\s*\d+)*\s*$")
# What a file's name says of its content (a trailing .gz aside); docs/reference.md "Files".
_FORMAT_OF_SUFFIX = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
_FILE_SUFFIXES = (*_FORMAT_OF_SUFFIX, *(f"{s}.gz" for s in _FORMAT_OF_SUFFIX), ".gz")
MISSING_ANONYMOUS_ID = ("reject", "use_user_id")
# The formats `format:` names: segment-json is JSON of Segment's raw messages.
FORMATS = ("parquet", "csv", "json", "segment-json")


def is_file_source(source: str) -> bool:
    """A source naming files (path, glob or known extension) rather than a table."""
    lowered = source.lower()
    return any(ch in source for ch in "/*?\\") or lowered.endswith(_FILE_SUFFIXES)


def file_format(path: str, given: str | None, key: str = "source") -> str:
    """The format a file source is read as: ``given`` (`format:`), else what its name says.

    Parquet compresses its own pages, and DuckDB reads no gzip'd Parquet: such a name is refused
    rather than read as something else; so is a name that says nothing (a bare .gz)."""
    lowered = path.lower()
    if lowered.endswith(".parquet.gz"):
        raise ConfigError(key, f"{path!r}: gzip'd Parquet cannot be read (Parquet is compressed inside); gunzip it")
    if given is not None:
        return given
    for suffix, fmt in _FORMAT_OF_SUFFIX.items():
        if lowered.removesuffix(".gz").endswith(suffix):
            return fmt
    raise ConfigError(key, f"{path!r}: the name says no format; set format: one of {', '.join(FORMATS)}")


@dataclass(frozen=True)
class SourceEntry:
    """One entry of a ``source`` list: a table (or DuckDB file/glob), its source_name and kind.

    ``events`` (tracks only) names the events that count as activity; None reads every row."""

    table: str
    name: str
    kind: SourceKind = SourceKind.PAGES
    events: tuple[str, ...] | None = None
    format: str | None = None

    def as_setting(self) -> dict[str, Any]:
        """The entry as the state remembers it: a changed entry refuses an incremental run (its
        format only when given, so tables built before there was one keep their settings)."""
        events = None if self.events is None else list(self.events)
        given = {} if self.format is None else {"format": self.format}
        return {"table": self.table, "name": self.name, "kind": self.kind.value, "events": events} | given


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
    elif isinstance(value, str) and value.strip().isdigit():
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

    def __post_init__(self) -> None:
        """Validate and normalise every field, however the Config was built."""
        checked = {
            "source": _source(self.source),
            "format": _format(self.format, self.source, "format"),
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
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        check_column_names(self)

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
        )


def _source(value: object) -> str | tuple[SourceEntry, ...]:
    if isinstance(value, (list, tuple)):
        return _entries(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("source", "expected a table name, a file path/glob, or a list of entries")
    return value if is_file_source(value) else validate_table_name(value, "source")


_ENTRY_KEYS = ("table", "name", "kind", "events", "format")


def _format(value: object, source: object, key: str) -> str | None:
    """A `format:` is one of FORMATS, for files only (a table has its own types)."""
    if value is None:
        return None
    if isinstance(source, tuple):
        raise ConfigError(key, "with a source list, give format in the entries that need it")
    if value not in FORMATS:
        raise ConfigError(key, f"expected one of {', '.join(FORMATS)}, got {value!r}")
    if not (isinstance(source, str) and is_file_source(source)):
        raise ConfigError(key, f"format is for file sources; {source!r} is a table")
    # The format the name says anyway is no setting of its own (the settings stay as they were).
    named = next((f for s, f in _FORMAT_OF_SUFFIX.items() if source.lower().removesuffix(".gz").endswith(s)), None)
    return None if value == named else str(value)


def _entries(values: list[object] | tuple[object, ...]) -> tuple[SourceEntry, ...]:
    """A ``source`` list, each entry validated; errors name the entry (``source[2]``)."""
    entries = tuple(e for index, value in enumerate(values) for e in _expanded(value, f"source[{index}]"))
    if not entries:
        raise ConfigError("source", "the list is empty; give at least one pages or screens entry")
    viewed = {e.name for e in entries if e.kind.makes_page_views}
    if not viewed:
        raise ConfigError("source", "the list has no pages or screens entry, so no page views to sessionize")
    for index, entry in enumerate(entries):
        if entry.name not in viewed:
            raise ConfigError(
                f"source[{index}]",
                f"{entry.kind.value} entry named {entry.name!r}: no pages or screens entry has that name "
                f"(names with page views: {', '.join(sorted(viewed))})",
            )
        if entries.index(entry) != index:
            raise ConfigError(f"source[{index}]", f"the same entry as source[{entries.index(entry)}]")
    return entries


def _expanded(value: object, key: str) -> tuple[SourceEntry, ...]:
    """An entry; one of raw Segment messages (format: segment-json) without a kind stands for its
    pages, screens, tracks (with its events) and identifies entries, over the same files."""
    if not (isinstance(value, dict) and value.get("format") == "segment-json" and "kind" not in value):
        return (_entry(value, key),)
    events = value.get("events")
    plain = {k: v for k, v in value.items() if k != "events"}
    return tuple(
        _entry({**plain, "kind": kind.value, **({"events": events} if kind is SourceKind.TRACKS and events is not None
                                                 else {})}, key)
        for kind in SourceKind
    )  # fmt: skip


def _entry(value: object, key: str) -> SourceEntry:
    if isinstance(value, SourceEntry):
        value = {k: v for k, v in value.as_setting().items() if v is not None}
    if not isinstance(value, dict):
        raise ConfigError(key, f"expected a mapping with the keys {', '.join(_ENTRY_KEYS)} (table is required)")
    unknown = sorted(str(k) for k in value if k not in _ENTRY_KEYS)
    if unknown:
        raise ConfigError(key, f"unknown key {unknown[0]!r}; allowed: {', '.join(_ENTRY_KEYS)}")
    table = value.get("table")
    if not isinstance(table, str) or not table.strip():
        raise ConfigError(key, "needs table: a table name such as ios.screens, or on DuckDB a file path/glob")
    if not is_file_source(table):
        validate_table_name(table, key)
    kinds = ", ".join(k.value for k in SourceKind)
    try:
        kind = SourceKind(value.get("kind", SourceKind.PAGES.value))
    except ValueError:
        raise ConfigError(key, f"kind {value.get('kind')!r} is not one of {kinds}") from None
    if "name" in value:
        name = value["name"]
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(key, "name: expected the source_name its rows get, such as website or ios")
    elif is_file_source(table):
        raise ConfigError(key, f"the file entry {table!r} needs a name (the source_name of its rows)")
    else:
        name = table.split(".")[-1]
    events = value.get("events")
    if events is not None:
        if kind is not SourceKind.TRACKS:
            raise ConfigError(key, f"events is allowed on a tracks entry only, not on {kind.value}")
        if not isinstance(events, (list, tuple)) or not all(isinstance(e, str) for e in events):
            raise ConfigError(key, "events: expected a list of event names, e.g. [heartbeat, product_viewed]")
        events = tuple(events)
    return SourceEntry(table, name, kind, events, _format(value.get("format"), table, f"{key}.format"))


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
    import yaml

    values: dict[str, Any] = {}
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    if path or file.exists():
        try:
            loaded = yaml.safe_load(file.read_text("utf-8"))
        except OSError as err:
            raise ConfigError("config", f"cannot read {file}: {err.strerror}") from None
        except yaml.YAMLError as err:
            raise ConfigError("config", f"{file} is not valid YAML: {err}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError("config", f"{file} must be a mapping of setting: value")
        values = loaded or {}
    merged = {**values, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    return Config.from_mapping(merged)
