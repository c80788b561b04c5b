"""Before anything is written: look at the source once, and compile for what it holds.

Each source (each entry of a source list) must exist, have the columns it must have, and no time
column of numbers; whatever is wrong is named before a table is touched (a time held as text that
is not one rejects its row, it does not stop the run). The plan
is then compiled for what each source holds (missing optional columns, zoned timestamps).
"""

from __future__ import annotations

import dataclasses

from sessionizer import names, segment_json, sources
from sessionizer.compiler import Compiler
from sessionizer.config import DEFAULT_SOURCE, Config
from sessionizer.dialects import CANONICAL, Dialect
from sessionizer.engines import default_target
from sessionizer.errors import SourceError
from sessionizer.lazy import exp
from sessionizer.schema import SourceKind as SchemaKind
from sessionizer.source_setting import is_file_source
from sessionizer.sources import SourceColumns
from sessionizer.warehouse import Warehouse


def look(wh: Warehouse, config: Config, dialect: Dialect) -> Compiler:
    """The compiler for what the source holds, once it is known to be usable."""
    reads = sources.inputs(config)
    found = [_inspect(wh, config, dialect, read) for read in reads]
    for read, columns in zip(reads, found, strict=True):
        entry = None if read.kind is None else (read.key, read.kind)
        sources.require(columns, read.label, sources.required(config, read.kind), entry)
        sources.numeric_times(config, columns, read.label)
    if config.entries is None:
        return Compiler(config, dialect, found[0])
    sources.pass_through_somewhere(config, found)
    return Compiler(config, dialect, tuple(found))


def _inspect(wh: Warehouse, config: Config, dialect: Dialect, read: sources.Input) -> SourceColumns:
    """What one source holds; a single source that is not there at all says how to go on."""
    try:
        if read.format == "segment-json":
            return _messages(wh, dialect, read)
        return wh.inspect(read.relation_sql(dialect), read.label)
    except SourceError:
        if config.entries is None and absent(wh, config, read.relation(dialect)):
            raise SourceError(no_source_table(config, wh.target.display)) from None
        raise


def _messages(wh: Warehouse, dialect: Dialect, read: sources.Input) -> SourceColumns:
    """Raw Segment messages: their rows of the input's kind, flattened by the keys the files hold."""
    kind = read.kind or SchemaKind.PAGES
    raw = read.relation(dialect)
    described = wh.describe(read.relation_sql(dialect), read.label)
    rows = segment_json.flattened(raw, described, kind, dialect.struct_fields, dialect.is_list)
    return dataclasses.replace(wh.inspect(rows.sql(CANONICAL), read.label), relation=rows)


def absent(wh: Warehouse, config: Config, source: exp.Table) -> bool:
    """Whether a source table that could not be read is not there at all (rather than, say,
    not granted), asked of information_schema; unsure (a name with a database) is no."""
    if is_file_source(str(config.source)) or source.catalog:
        return False
    try:
        return bool(wh.missing_tables([names.table_name(source)]))
    except Exception:
        return False


def no_source_table(config: Config, target: str) -> str:
    """What a first run without data meets: what was looked for, where, and the ways on."""
    defaults = [n for n, default in (("source", config.source == DEFAULT_SOURCE),
                                     ("target", target == default_target())) if default]  # fmt: skip
    given = f" (the default {' and '.join(defaults)})" if defaults else ""
    return (
        f"there is no table {config.source!r} in {target}{given}.\n"
        "  Point at your Segment pages with --source (a table, or on DuckDB a Parquet/CSV/JSON file or\n"
        "  glob) and at your warehouse with --target, or set both in sessionizer.yml.\n"
        "  To try sessionizer without data: sessionizer demo"
    )
