"""Segment's raw messages (`format: segment-json`) read as its warehouse loader writes them
(docs/reference.md "Segment's raw messages").

The files' keys are not known in advance: the reader infers one STRUCT column per nested object
over every line, and preflight hands its columns and types here. Each leaf becomes a column:
messageId → id, every other top-level scalar by its snake_case name, ``context`` under context_*,
``properties`` and ``traits`` unprefixed, nested keys joined with '_' and the joined name turned
to snake_case; arrays as their JSON text. Where two keys give one column, the first of top level,
context, properties, traits that holds a value in a message gives it (within one of them, the
first key of the files). A track's ``event`` is its event_text and, slugged, its event. The
projection is a sqlglot tree over the reader: no name is pasted into SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sessionizer.dialects import CANONICAL
from sessionizer.lazy import exp, sqlglot
from sessionizer.schema import SourceKind

# A message's type for each kind of rows (exact, lower case as Segment writes it).
TYPE_OF_KIND = {SourceKind.PAGES: "page", SourceKind.SCREENS: "screen", SourceKind.TRACKS: "track",
                SourceKind.IDENTIFIES: "identify"}  # fmt: skip
_RENAMED = {"messageId": "id"}
# Nested objects that become columns, in the order their keys give way: context (prefixed), then
# these (unprefixed). Every other top-level object (integrations, _metadata) is delivery
# bookkeeping.
_PREFIXED, _UNPREFIXED = "context", ("properties", "traits")

_SNAKE_START = re.compile(r"(?:[a-z0-9]|(?<=.)_(?=[a-z0-9]))*")
_WORD = re.compile(r"[A-Z0-9]*[a-z0-9]*")
_SLUG = "TRIM(REGEXP_REPLACE(LOWER(CAST(__sz_event AS VARCHAR)), '[^a-z0-9]+', '_', 'g'), '_')"

# (path of keys from the top, type of the leaf): what a dialect's ``struct_fields`` walk gives.
Leaf = tuple[tuple[str, ...], Any]


def snake_case(key: str) -> str:
    """A key as Segment's loader names its column (go-snakecase, which Segment's docs cite): a key
    already snake_case is kept; otherwise words (a run of capitals and digits, then of lower-case
    letters and digits) are lower-cased and joined by '_', other characters only separate them
    (userAgent → user_agent, userID → user_id, IPAddress → ipaddress)."""
    start = _SNAKE_START.match(key)
    kept = start.group() if start else ""
    if len(kept) == len(key):
        return key
    rest = key[len(kept) :]
    words = [w.lower() for w in _WORD.findall(rest) if w]
    if words and rest[0].isascii() and rest[0].isupper() and not re.search("[a-z]", kept.rsplit("_", 1)[-1]):
        kept += words.pop(0)
    return "_".join(w for w in (kept, *words) if w)


def _leaves(
    path: tuple[str, ...], kind: Any, fields: Callable[[Any], Sequence[tuple[str, Any]] | None]
) -> Iterator[Leaf]:
    children = fields(kind)
    if children is None:
        yield path, kind
        return
    for name, inner in children:
        yield from _leaves((*path, name), inner, fields)


def _access(path: tuple[str, ...]) -> exp.Expression:
    node: exp.Expression = exp.column(exp.to_identifier(path[0], quoted=True))
    for key in path[1:]:
        node = exp.Anonymous(this="struct_extract", expressions=[node, exp.Literal.string(key)])
    return node


def flattened(
    raw: exp.Expression,
    described: Sequence[tuple[str, Any]],
    kind: SourceKind,
    fields: Callable[[Any], Sequence[tuple[str, Any]] | None],
    is_list: Callable[[Any], bool],
) -> exp.Subquery:
    """The rows of ``kind`` of the raw messages ``raw`` (whose columns and types are
    ``described``), as the loader's columns. ``fields``: a STRUCT type's (key, type) pairs, None
    for a leaf; ``is_list``: whether a type is an array."""
    levels: list[list[tuple[str, exp.Expression]]] = [[], [], [], []]
    names = {name for name, _ in described}
    if "type" not in names:
        from sessionizer.errors import SourceError

        raise SourceError("the files hold no Segment messages (no 'type' key): is format: segment-json right?")
    for key, column_type in described:
        prefix: tuple[str, ...]
        if key == _PREFIXED:
            level, prefix = 1, (key,)
        elif key in _UNPREFIXED:
            level, prefix = 2 + _UNPREFIXED.index(key), ()
        elif fields(column_type) is not None:
            continue
        else:
            level, prefix = 0, ()
        for path, leaf in _leaves((key,), column_type, fields):
            value = _access(path)
            if is_list(leaf):
                value = exp.cast(exp.func("to_json", value), exp.DataType.build("VARCHAR"))
            if level == 0 and key == "event":
                slug = sqlglot.parse_one(_SLUG, read=CANONICAL).transform(
                    lambda n, v=value: v.copy() if isinstance(n, exp.Column) and n.name == "__sz_event" else n
                )
                levels[0] += [("event_text", value), ("event", slug)]
                continue
            joined = "_".join((*prefix, *path[1:])) if level else key
            levels[level].append((_RENAMED.get(joined) or snake_case(joined), value))
    chosen: dict[str, list[exp.Expression]] = {}
    for found in levels:
        seen: set[str] = set()
        for name, value in found:
            if name not in seen:  # within one level, the first key
                seen.add(name)
                chosen.setdefault(name, []).append(value)
    projections = []
    for name, values in chosen.items():
        first: exp.Expr = values[0]
        if len(values) > 1:
            first = exp.func("COALESCE", *(exp.cast(v, exp.DataType.build("VARCHAR")) for v in values))
        projections.append(exp.alias_(first, exp.to_identifier(name)))
    wanted = exp.column(exp.to_identifier("type", quoted=True)).eq(exp.Literal.string(TYPE_OF_KIND[kind]))
    return exp.select(*projections).from_(raw.copy()).where(wanted).subquery()
