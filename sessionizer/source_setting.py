"""The source setting: one table, files (a path or glob, with the format they are read as), or a
list of entries, each validated with errors that name it (``source[2]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessionizer.errors import ConfigError
from sessionizer.schema import SourceKind, validate_table_name

# What a file's name says of its content (a trailing .gz aside); docs/reference.md "Files".
_FORMAT_OF_SUFFIX = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
_FILE_SUFFIXES = (*_FORMAT_OF_SUFFIX, *(f"{s}.gz" for s in _FORMAT_OF_SUFFIX), ".gz")
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


def parse_source(value: object) -> str | tuple[SourceEntry, ...]:
    if isinstance(value, (list, tuple)):
        return _entries(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("source", "expected a table name, a file path/glob, or a list of entries")
    return value if is_file_source(value) else validate_table_name(value, "source")


_ENTRY_KEYS = ("table", "name", "kind", "events", "format")


def source_format(value: object, source: object, key: str) -> str | None:
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
    return SourceEntry(table, name, kind, events, source_format(value.get("format"), table, f"{key}.format"))
