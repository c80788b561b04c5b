"""DuckDB: the embedded default. Replaces tables atomically; delete+insert for increments."""

from __future__ import annotations

from typing import Any, ClassVar

from sessionizer.dialects import Dialect
from sessionizer.lazy import exp


class DuckDB(Dialect):
    name: ClassVar[str] = "duckdb"
    sqlglot_dialect: ClassVar[str] = "duckdb"
    READS_FILES: ClassVar[bool] = True
    # NOW() is TIMESTAMPTZ; our timestamps are UTC without time zone.
    NOW_UTC: ClassVar[str] = "CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP)"
    # TIMESTAMPTZ columns, and Parquet timestamps adjusted to UTC, which DuckDB reads as such.
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset({"TIMESTAMP WITH TIME ZONE"})
    # JSON is text too (a JSON reader's value that is neither object nor a known type).
    TEXT_TYPES: ClassVar[frozenset[str]] = frozenset({"VARCHAR", "JSON"})
    # Every integer width, signed or not, floats and DECIMAL(p,s) of any precision.
    NUMERIC_PREFIXES: ClassVar[tuple[str, ...]] = (
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
        "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
    )  # fmt: skip
    # Keywords DuckDB's parser takes as syntax where a column name stands, missing from sqlglot's
    # list: a pass-through column named `is` or `join` would compile to SQL that does not parse.
    # Templates are DuckDB SQL, so these hold for every target (tests/test_internal_names.py asks
    # the installed DuckDB for its keywords, so a new one shows up there).
    RESERVED_WORDS: ClassVar[frozenset[str]] = frozenset(
        """anti asc asof at authorization between binary by check collation concurrently create cross
        desc describe end false freeze full glob group ilike in inner is isnull join lambda lateral left
        like map natural notnull null outer overlaps pivot pivot_longer pivot_wider positional qualify
        right semi show similar summarize tablesample true unpack unpivot verbose""".split()
    )
    # One writer per database file: DuckDB's own file lock keeps a second run out, and it is
    # released by the operating system when the holder dies.
    LOCKS_ITSELF: ClassVar[bool] = True
    # Each commit of a file database flushes (and may checkpoint) its write-ahead log; at 10M
    # page views the per-stage commits were a quarter of an incremental run.
    ONE_TRANSACTION_PER_RUN: ClassVar[bool] = True
    # An UPDATE makes the checkpoint at COMMIT rewrite the updated column of every row group it
    # touched (the restitched visitors' sessions lie across the table): +0.75 s at 10M page views
    # for a 10,000-row batch, where deleting and appending the rows again costs 0.1 s.
    RESTITCH_IN_PLACE: ClassVar[bool] = False

    # Each format's reader and its options: a glob's files are matched by column name (a column
    # only some files have is NULL in the others, types widen to the files' common one); a CSV's
    # quoted "" is the empty string, not NULL; JSON is an array or one object per line. Text is
    # never guessed to be a time (a format no value has): a time held as text is read by our
    # ISO-8601 rule, offsets and all, whatever the machine's zone. Raw Segment messages are read
    # whole: every key of every line (not a sample), nested objects as STRUCTs, never as MAPs.
    _TEXT_TIMES: ClassVar[dict[str, Any]] = {"dateformat": "(text)", "timestampformat": "(text)"}
    FILE_READERS: ClassVar[dict[str, tuple[str, dict[str, Any]]]] = {
        "parquet": ("read_parquet", {"union_by_name": True}),
        "csv": ("read_csv", {"union_by_name": True, "allow_quoted_nulls": False, **_TEXT_TIMES}),
        "json": ("read_json", {"union_by_name": True, **_TEXT_TIMES}),
        "segment-json": ("read_json", {"union_by_name": True, "format": "newline_delimited", "sample_size": -1,
                                       "map_inference_threshold": -1, **_TEXT_TIMES}),
    }  # fmt: skip

    def struct_fields(self, type_code: Any) -> list[tuple[str, Any]] | None:
        return list(type_code.children) if getattr(type_code, "id", None) == "struct" else None

    def is_list(self, type_code: Any) -> bool:
        return getattr(type_code, "id", None) == "list"

    def numeric_type(self, type_code: Any) -> str | None:
        name = str(type_code)
        return name if name.split("(")[0] in self.NUMERIC_PREFIXES else None

    def file_source(self, path: str, fmt: str) -> exp.Expression:
        reader, options = self.FILE_READERS[fmt]
        named = [exp.EQ(this=exp.column(k), expression=_value(v)) for k, v in options.items()]
        return exp.Anonymous(this=reader, expressions=[exp.Literal.string(path), *named])


def _value(value: Any) -> exp.Expression:
    """A reader option's value as SQL."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))
