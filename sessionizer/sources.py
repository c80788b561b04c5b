"""A source relation as the warehouse holds it, and as the rules read it.

Segment's loader creates a column only once some event carried it, and a table's time columns may
carry a zone (TIMESTAMPTZ, Snowflake TIMESTAMP_TZ/LTZ, a Parquet timestamp adjusted to UTC). Before
a run, preflight (sessionizer/preflight.py) asks the warehouse once which columns a source has (a
zero-row SELECT through the target connection); the compiler then reads the source through a projection that gives each missing
optional column as a typed NULL and each zoned column as UTC without zone, so the templates see
Segment's columns exactly as docs/reference.md "Input" and "Time" state them. Without a connection (`compile`)
every column is assumed present and without zone, and the source is read as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sessionizer import cache, schema
from sessionizer.config import Config
from sessionizer.dialects import CANONICAL, Dialect, registry
from sessionizer.errors import ConfigError, SourceError
from sessionizer.lazy import exp
from sessionizer.schema import SourceKind
from sessionizer.source_setting import file_format, is_file_source


@dataclass(frozen=True)
class SourceColumns:
    """The columns a source relation has, those of them whose type carries a time zone, those
    that hold text, and the numeric ones with their type's name (lower-case names)."""

    present: frozenset[str]
    zoned: frozenset[str] = frozenset()
    text: frozenset[str] = frozenset()
    numeric: tuple[tuple[str, str], ...] = ()
    # What the rules read instead of the source's relation (raw Segment messages: their rows of
    # one kind, flattened), when preflight made it.
    relation: exp.Expression | None = None


# The reader's column naming the first of the timestamp and the incremental key whose text is
# there but is not a time: its row is rejected with that reason (templates: reject_reason).
NOT_A_TIME = "__sz_not_a_time"


def relation(source: str, dialect: Dialect, key: str = "source", fmt: str | None = None) -> exp.Table:
    """The source as written in a FROM: a table (each dotted part as the warehouse resolves the
    name, see Dialect.identifier), or where the dialect reads files a reader over a path or glob
    in the format ``fmt`` names, else the one its name says."""
    if not is_file_source(source):
        parts = [dialect.identifier(p) for p in source.split(".")]
        return exp.Table(this=parts[-1], db=parts[-2] if len(parts) > 1 else None,
                         catalog=parts[-3] if len(parts) > 2 else None)  # fmt: skip
    if not dialect.READS_FILES:
        readers = ", ".join(d for d, cls in registry().items() if cls.READS_FILES)
        raise ConfigError(key, f"files are read on {readers} only; on {dialect.name} give a table name")
    return exp.Table(this=dialect.file_source(source, file_format(source, fmt, key)))


@dataclass(frozen=True)
class Input:
    """One relation the rules read: the single source, or one entry of a source list."""

    label: str  # the table or file pattern as the user wrote it
    key: str  # the setting that names it, for errors: source, source[2]
    kind: SourceKind | None  # None for a single source
    format: str | None  # the format: given, for a file source whose name says none

    def relation(self, dialect: Dialect) -> exp.Table:
        return relation(self.label, dialect, self.key, self.format)

    def relation_sql(self, dialect: Dialect) -> str:
        """``relation`` as canonical SQL, kept in the cache (what a run asks before it compiles)."""
        entry = cache.key("relation", cache.dialect_key(dialect), self.label, self.key, self.format)
        return str(cache.remember(entry, lambda: self.relation(dialect).sql(CANONICAL)))


def read_through(read: Input, found: SourceColumns | None, dialect: Dialect) -> exp.Expression:
    """What the rules read for ``read``: the relation preflight made of it (raw messages, whose
    columns come from the files), else the source itself (raw messages not looked at too: the
    queries about the tables that status and report send read no column of theirs)."""
    if found is not None and found.relation is not None:
        return found.relation
    return read.relation(dialect)


def inputs(config: Config) -> list[Input]:
    """What the rules read, in the order of the readers (a source list's entries in order)."""
    if config.entries is None:
        return [Input(str(config.source), "source", None, config.format)]
    return [Input(e.table, f"source[{i}]", e.kind, e.format) for i, e in enumerate(config.entries)]


def wanted(config: Config, kind: SourceKind | None = None) -> list[tuple[str, str]]:
    """The source columns the rules read (of one entry of a source list), each with the type its
    NULL takes when it is missing."""
    timestamps = set(schema.timestamp_columns(config))
    names = schema.source_columns(config) if kind is None else schema.entry_columns(kind, config)
    return [(c, "TIMESTAMP" if c in timestamps else "VARCHAR") for c in names]


def required(config: Config, kind: SourceKind | None = None) -> tuple[str, ...]:
    """Columns a single source must have: a row cannot be sessionized without the first ones, and
    pass-through columns are asked for by name. An entry of a source list needs those of its kind
    (a screen's name, a track's event); its pass-through columns may be missing (see
    ``pass_through_somewhere``)."""
    if kind is not None:
        return (*schema.REQUIRED_COLUMNS, config.incremental_key, *schema.KIND_REQUIRED.get(kind, ()))
    return (*schema.REQUIRED_COLUMNS, config.incremental_key, *config.pass_through_columns)


def pass_through_somewhere(config: Config, found: Sequence[SourceColumns]) -> None:
    """With a source list, each pass-through column must be in some pages or screens table (it is
    NULL in the others): else one error naming the column and those tables."""
    tables = [(e.table, f) for e, f in zip(config.entries or (), found, strict=True) if e.kind.makes_page_views]
    for column in config.pass_through_columns:
        if not any(column in f.present for _, f in tables):
            raise SourceError(
                f"the pass-through column {column!r} is in none of the pages or screens tables "
                f"({', '.join(t for t, _ in tables)}); a source list needs it in at least one"
            )


def require(
    columns: SourceColumns, label: str, names: Iterable[str], entry: tuple[str, SourceKind] | None = None
) -> None:
    """One error naming the source (for an ``entry`` of a source list: its key, source[i], and
    its kind) and every column of ``names`` it lacks."""
    missing = [c for c in dict.fromkeys(names) if c not in columns.present]
    if not missing:
        return
    if entry is None:
        raise SourceError(
            f"the source {label!r} lacks the column(s) {', '.join(missing)}; a source needs id, anonymous_id, "
            "timestamp, the incremental key and every pass-through column (other Segment columns may be missing)"
        )
    key, kind = entry
    own = "".join(f", {c}" for c in schema.KIND_REQUIRED.get(kind, ()))
    raise SourceError(
        f"{key}: the {kind.value} table {label!r} lacks the column(s) {', '.join(missing)}; a {kind.value} entry "
        f"needs id, anonymous_id, timestamp, the incremental key{own} (other Segment columns may be missing)"
    )


def unreadable(config: Config, found: SourceColumns | None) -> tuple[str, ...]:
    """The columns whose text may not be a time and then rejects its row: the timestamp and the
    incremental key, where the source holds them as text (in that order: the reasons' order)."""
    if found is None:
        return ()
    return tuple(c for c in dict.fromkeys(("timestamp", config.incremental_key)) if c in found.text)


def numeric_times(config: Config, found: SourceColumns, label: str) -> None:
    """A time column held as numbers is an error naming it, its type and the way on: epoch
    seconds and milliseconds look alike, so neither is guessed."""
    numeric = dict(found.numeric)
    for name in schema.timestamp_columns(config):
        if name in numeric:
            raise SourceError(
                f"the time column {name!r} of {label!r} holds numbers ({numeric[name]}), not times; sessionizer "
                "does not guess whether they are epoch seconds or milliseconds. Convert it in a view: "
                f"to_timestamp({name}) for seconds, to_timestamp({name} / 1000) for milliseconds (DuckDB and "
                "PostgreSQL; TO_TIMESTAMP(n, 3) on Snowflake, TIMESTAMP_MILLIS on BigQuery)"
            )


def reader(
    source: exp.Expression, columns: Sequence[tuple[str, str]], found: SourceColumns | None, dialect: Dialect,
    rejecting: Sequence[str] = (), use_user_id: bool = False,
) -> exp.Expression:  # fmt: skip
    """What the rules read for ``source``: the table itself when it has every column, none zoned
    and no time as text (or when nothing was inspected), else a subquery giving exactly
    ``columns``: a missing one as a NULL of its type, a zoned one converted to UTC, a time held as
    text read as ISO-8601 (NULL where it is not a time), and for the ``rejecting`` columns (see
    ``unreadable``) the NOT_A_TIME column; with ``use_user_id`` a NULL anonymous_id is the row's
    user_id (missing_anonymous_id: use_user_id). Templates alias it."""
    names = [name for name, _ in columns]
    times = {name for name, kind in columns if kind == "TIMESTAMP"} & (found.text if found else frozenset())
    plain = found is None or (found.present.issuperset(names) and not found.zoned.intersection(names) and not times)
    use_user_id = use_user_id and (found is None or "user_id" in found.present)
    if plain and not use_user_id:
        return source.copy()
    projections: list[exp.Expr] = []
    for name, kind in columns:
        column = exp.column(name)
        if name == "anonymous_id" and use_user_id:
            user_id = exp.cast(exp.column("user_id"), exp.DataType.build("VARCHAR"))
            projections.append(
                exp.alias_(exp.func("COALESCE", exp.cast(column, exp.DataType.build("VARCHAR")), user_id), name)
            )
        elif found is None:
            projections.append(column)
        elif name not in found.present:
            projections.append(exp.alias_(exp.cast(exp.null(), exp.DataType.build(kind)), name))
        elif name in found.zoned:
            projections.append(exp.alias_(dialect.to_utc(column), name))
        elif name in times:
            projections.append(exp.alias_(dialect.text_to_utc(column), name))
        else:
            projections.append(column)
    if rejecting:
        not_a_time = [
            exp.If(this=exp.and_(exp.column(name).is_(exp.null()).not_(), dialect.text_to_utc(exp.column(name)).is_(exp.null())),
                   true=exp.Literal.string(name))
            for name in rejecting
        ]  # fmt: skip
        projections.append(exp.alias_(exp.Case(ifs=not_a_time), NOT_A_TIME))
    return exp.select(*projections).from_(source.copy()).subquery()
