"""Generated screens, tracks, identifies and raw Segment messages, beside generate.py's pages, so a
source list and `format: segment-json` can be tried without data (`sessionizer generate --kind`).

Each kind is made from the generated page views in DuckDB (templates/generate/kinds.sql), so the
same seed gives the same rows; the raw messages (templates/generate/messages.sql) are all four
kinds as Segment's S3 destination stores them, newline-delimited JSON, gzip'd by a .gz name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessionizer import sql
from sessionizer.dialects import CANONICAL
from sessionizer.generate import _FORMATS, _query, copy_to
from sessionizer.lazy import exp

KINDS = ("pages", "screens", "tracks", "identifies", "segment-json")


def query(kind: str, rows: int, seed: int = 42) -> exp.Query:
    """The rows of ``kind`` made from ``rows`` generated page views (segment-json: all as messages)."""
    pages = _query(rows, seed).sql(CANONICAL)
    if kind == "pages":
        return _query(rows, seed)
    if kind != "segment-json":
        return _one("generate/kinds", {"pages": pages, "kind": kind})
    each = {k: _one("generate/kinds", {"pages": pages, "kind": k}).sql(CANONICAL) for k in KINDS[1:4]}
    return _one("generate/messages", {"pages": pages, **each})


def generate(con: Any, kind: str, rows: int, seed: int = 42) -> int:
    """CREATE OR REPLACE TABLE ``kind`` (screens, tracks or identifies) with its rows; returns the count."""
    table = exp.to_table(kind)
    con.execute(exp.Create(this=table, kind="TABLE", replace=True, expression=query(kind, rows, seed)).sql(CANONICAL))
    return int(con.execute(exp.select(exp.Count(this=exp.Star())).from_(table).sql(CANONICAL)).fetchall()[0][0])


def _one(template: str, variables: dict[str, Any]) -> exp.Query:
    tree = sql.one(template, variables)
    assert isinstance(tree, exp.Query), template
    return tree


def write(path: str | Path, kind: str, rows: int, seed: int = 42) -> int:
    """Writes ``kind``'s rows to a .parquet, .csv or .json file (.json.gz, gzip'd, for
    segment-json: newline-delimited messages); returns the row count."""

    path = Path(path)
    suffix = path.suffix.lower() if not path.name.lower().endswith(".json.gz") else ".json"
    options = dict(_FORMATS.get(suffix) or {})
    if not options or (kind == "segment-json" and suffix != ".json"):
        allowed = ".json or .json.gz" if kind == "segment-json" else ", ".join(sorted(_FORMATS))
        raise ValueError(f"unsupported file name {str(path)!r} for {kind}: use {allowed}")
    if path.name.lower().endswith(".gz"):
        options["COMPRESSION"] = "gzip"
    path.parent.mkdir(parents=True, exist_ok=True)
    return copy_to(query(kind, rows, seed), path, options) or 0
