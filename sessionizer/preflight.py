"""Before anything is written: look at the source once, and compile for what it holds.

Each source (each entry of a source list) must exist, have the columns it must have, and its time
columns must read as timestamps; whatever is wrong is named before a table is touched. The plan
is then compiled for what each source holds (missing optional columns, zoned timestamps).
"""

from __future__ import annotations

from sqlglot import exp

from sessionizer import schema, sources
from sessionizer.compiler import Compiler
from sessionizer.config import DEFAULT_SOURCE, Config, is_file_source
from sessionizer.dialects import Dialect
from sessionizer.engines import default_target
from sessionizer.errors import SourceError
from sessionizer.sources import SourceColumns
from sessionizer.warehouse import Warehouse


def look(wh: Warehouse, config: Config, dialect: Dialect) -> Compiler:
    """The compiler for what the source holds, once it is known to be usable."""
    entries = config.entries
    labels = [e.table for e in entries] if entries is not None else [str(config.source)]
    keys = [f"source[{i}]" for i in range(len(labels))] if entries is not None else ["source"]
    found = [_inspect(wh, config, dialect, label, key) for label, key in zip(labels, keys, strict=True)]
    for index, (label, columns) in enumerate(zip(labels, found, strict=True)):
        kind = None if entries is None else entries[index].kind
        sources.require(columns, label, sources.required(config, kind), None if kind is None else (keys[index], kind))
    if entries is None:
        compiler = Compiler(config, dialect, found[0])
    else:
        sources.pass_through_somewhere(config, found)
        compiler = Compiler(config, dialect, tuple(found))
    for label, reader in zip(labels, compiler.readers, strict=True):
        wh.check_timestamps(reader, label, schema.timestamp_columns(config))
    return compiler


def _inspect(wh: Warehouse, config: Config, dialect: Dialect, label: str, key: str) -> SourceColumns:
    """What one source holds; a single source that is not there at all says how to go on."""
    relation = sources.relation(label, dialect, key)
    try:
        return wh.inspect(relation, label)
    except SourceError:
        if config.entries is None and absent(wh, config, relation):
            raise SourceError(no_source_table(config, wh.target.display)) from None
        raise


def absent(wh: Warehouse, config: Config, source: exp.Table) -> bool:
    """Whether a source table that could not be read is not there at all (rather than, say,
    not granted), asked of information_schema; unsure (a name with a database) is no."""
    if is_file_source(str(config.source)) or source.catalog:
        return False
    try:
        return bool(wh.missing_tables([source]))
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
