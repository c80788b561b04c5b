"""Files as users have them, written from logical rows, for tests of what sessionizer reads.

A logical row is a dict as Segment's warehouse loader would have flattened it (the shape
``tests.helpers.page(...)`` makes): snake_case columns, naive UTC datetimes. Each writer puts such
rows into one raw form — a glob of Parquet or CSV files whose columns differ, text times with mixed
offsets, JSON in its layouts, gzip'd files, epoch numbers, raw Segment messages — so a test can
compare the engine's tables over the files with ``tests.reference_inputs.build`` over the same
rows:

    rows = [page(id="p1", timestamp=T0), page(id="p2", timestamp=T0 + timedelta(minutes=5))]
    write(tmp_path / "pages.csv.gz", rows, offsets=MIXED_OFFSETS)
    paths = write_export(tmp_path / "exports", rows, late_columns=["context_campaign_term"])
    write_archive(tmp_path, [*messages(rows, "pages"), *messages(tracks, "tracks"), *noise(T0)])

A writer never loses a value: where a file cannot hold one (a column the file lacks, text in a
TIMESTAMP column) it raises instead. A string in a time column is written as it is, so malformed
times ('yesterday', '', '2025-13-01') are logical values too; the reading rules say what they become.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from tests.reference_inputs import event_slug, parse_time, snake_case

Row = dict[str, Any]

TIME_COLUMNS = ("received_at", "sent_at", "timestamp")
# One of each offset form SPEC names, and none (text without an offset is UTC).
MIXED_OFFSETS = ("Z", "+01:00", "-0600", "")
# How a file column holds its values: a SQL type, two of them numbers of a time's epoch.
ENCODINGS = ("TIMESTAMP", "TIMESTAMPTZ", "VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "EPOCH_S", "EPOCH_MS")
FORMATS = ("parquet", "csv", "json")
_EPOCH = datetime(1970, 1, 1)


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _offset(text: str) -> timedelta:
    """'Z', '' → 0; '+01:00', '-0600', '+00' → that many hours and minutes east of UTC."""
    if text in ("", "Z"):
        return timedelta(0)
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return delta if text[0] == "+" else -delta


def time_text(value: datetime, offset: str = "Z", sep: str = "T", millis: bool = False) -> str:
    """A naive UTC time as ISO-8601 text at ``offset`` (its wall clock there, the offset written
    after it; '' writes UTC's wall clock with no offset). The fraction is left out when zero, or
    with ``millis`` written as three digits as Segment does; six where milliseconds would lose it."""
    local = value + _offset(offset)
    text = f"{local.year:04d}-{local.month:02d}-{local.day:02d}{sep}{local:%H:%M:%S}"
    if local.microsecond % 1000:
        text += f".{local.microsecond:06d}"
    elif local.microsecond or millis:
        text += f".{local.microsecond // 1000:03d}"
    return text + offset


def _inferred(values: Iterable[Any]) -> str:
    """A column's encoding from its values: TIMESTAMP for times (VARCHAR once any is text), else
    the type of its values (VARCHAR for none or a mix)."""
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {datetime}:
        return "TIMESTAMP"
    for kind, encoding in ((bool, "BOOLEAN"), (int, "BIGINT"), (float, "DOUBLE")):
        if kinds == {kind}:
            return encoding
    return "VARCHAR"


def _encoded(value: Any, encoding: str, column: str, offset: str) -> Any:
    """``value`` as a column of ``encoding`` holds it, or ValueError where it cannot."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if encoding == "TIMESTAMP":
            return value
        if encoding == "TIMESTAMPTZ":
            return value.replace(tzinfo=UTC)
        if encoding in ("EPOCH_S", "EPOCH_MS"):
            scale = 1 if encoding == "EPOCH_S" else 1000
            return int((value - _EPOCH) / timedelta(seconds=1) * scale)
        if encoding == "VARCHAR":
            return time_text(value, offset)
    elif encoding == "VARCHAR":
        return value if isinstance(value, str) else json.dumps(value)
    elif encoding == "BIGINT" and isinstance(value, str) and value.lstrip("-").isdigit() and str(int(value)) == value:
        return int(value)
    elif encoding == "BIGINT" and isinstance(value, int) and not isinstance(value, bool):
        return value
    elif encoding == "DOUBLE" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    elif encoding == "BOOLEAN" and isinstance(value, bool):
        return value
    raise ValueError(f"{column}: {value!r} cannot be held by a {encoding} column")


def _columns(rows: Sequence[Row], columns: Sequence[str] | None) -> list[str]:
    """The given columns, or every key of the rows in first-seen order; raises when a row has a
    non-NULL value in a column the file will not have."""
    names = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    for row in rows:
        lost = [k for k, v in row.items() if v is not None and k not in names]
        if lost:
            raise ValueError(f"row {row.get('id')!r} has values in {lost}, which the file lacks")
    return names


def _encodings(
    rows: Sequence[Row], names: Sequence[str], types: Mapping[str, str], text_only: bool = False
) -> dict[str, str]:
    """Each column's encoding: ``types`` where given, else inferred; in a text format (CSV,
    JSON) a time can only be text or an epoch number."""
    unknown = set(types.values()) - set(ENCODINGS)
    if unknown:
        raise ValueError(f"unknown encodings {sorted(unknown)}; known: {ENCODINGS}")
    chosen = {c: types.get(c) or _inferred(r.get(c) for r in rows) for c in names}
    if text_only:
        chosen = {c: "VARCHAR" if e in ("TIMESTAMP", "TIMESTAMPTZ") else e for c, e in chosen.items()}
    return chosen


def _cells(
    rows: Sequence[Row], names: Sequence[str], encodings: Mapping[str, str], offsets: Sequence[str]
) -> list[list[Any]]:
    """Each row's values as the file holds them; a time written as text takes the offsets in turn."""
    return [[_encoded(row.get(c), encodings[c], c, offsets[i % len(offsets)]) for c in names]
            for i, row in enumerate(rows)]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _save(path: Path, data: bytes) -> Path:
    """Write ``data``, gzip'd when the name ends in .gz (mtime 0: same rows, same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.lower().endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_parquet(
    path: Path, rows: Sequence[Row], columns: Sequence[str] | None = None, *, types: Mapping[str, str] | None = None,
    offsets: Sequence[str] = ("Z",),
) -> Path:  # fmt: skip
    """One Parquet file (written by DuckDB) with ``columns`` in that order; ``types`` gives a
    column's encoding where the values' own type is not wanted (VARCHAR for text times,
    TIMESTAMPTZ, EPOCH_S/EPOCH_MS for numbers)."""
    names = _columns(rows, columns)
    encodings = _encodings(rows, names, types or {})
    sql_types = {c: "BIGINT" if e.startswith("EPOCH") else e for c, e in encodings.items()}
    scratch = path.with_name(path.name + ".tmp")
    scratch.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE TABLE t ({', '.join(f'{_quoted(c)} {sql_types[c]}' for c in names)})")
        for cells in _cells(rows, names, encodings, offsets):
            con.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(names))})", cells)
        con.execute(f"COPY t TO '{scratch}' (FORMAT parquet)")
    finally:
        con.close()
    data = scratch.read_bytes()
    scratch.unlink()
    return _save(path, data)


def _csv_cell(value: Any) -> str:
    """NULL is an empty field; text is always quoted, so '' ("") stays apart from NULL; numbers
    and booleans are bare."""
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return json.dumps(value)


def write_csv(
    path: Path, rows: Sequence[Row], columns: Sequence[str] | None = None, *, types: Mapping[str, str] | None = None,
    offsets: Sequence[str] = ("Z",),
) -> Path:  # fmt: skip
    """A CSV with a header: times as ISO text at ``offsets`` in turn (or epoch numbers by
    ``types``). Quoted "" is '' and an empty field NULL: a reader that takes "" for NULL
    (DuckDB's default) loses the difference."""
    names = _columns(rows, columns)
    encodings = _encodings(rows, names, types or {}, text_only=True)
    lines = [",".join(_csv_cell(c) for c in names)]
    lines += [",".join(_csv_cell(v) for v in cells) for cells in _cells(rows, names, encodings, offsets)]
    return _save(path, ("\n".join(lines) + "\n").encode("utf-8"))


def write_json(
    path: Path, rows: Sequence[Row], columns: Sequence[str] | None = None, *, lines: bool | None = None,
    types: Mapping[str, str] | None = None, offsets: Sequence[str] = ("Z",),
) -> Path:  # fmt: skip
    """JSON objects, one per line (``lines``; the default but for a .json name) or one array;
    NULL is null, times ISO text at ``offsets`` in turn (or epoch numbers by ``types``)."""
    names = _columns(rows, columns)
    encodings = _encodings(rows, names, types or {}, text_only=True)
    objects = [dict(zip(names, cells, strict=True)) for cells in _cells(rows, names, encodings, offsets)]
    if lines is None:
        lines = not path.name.lower().removesuffix(".gz").endswith(".json")
    if lines:
        text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)
    else:
        text = json.dumps(objects, ensure_ascii=False, indent=1) + "\n"
    return _save(path, text.encode("utf-8"))


def format_of(path: Path) -> str | None:
    """The format a file's name says (.gz aside), or None when it says none."""
    name = path.name.lower().removesuffix(".gz")
    for suffixes, fmt in (((".parquet",), "parquet"), ((".csv",), "csv"), ((".json", ".jsonl", ".ndjson"), "json")):
        if name.endswith(suffixes):
            return fmt
    return None


def write(path: Path, rows: Sequence[Row], *, fmt: str | None = None, **options: Any) -> Path:
    """``rows`` in the format the name says (.parquet, .csv, .json, .jsonl, .ndjson, each maybe
    .gz), or ``fmt`` for a name that says none (a Segment export's bare .gz)."""
    chosen = fmt or format_of(path)
    if chosen not in FORMATS:
        raise ValueError(f"{path.name}: the name says no format; give fmt= one of {FORMATS}")
    writer = {"parquet": write_parquet, "csv": write_csv, "json": write_json}[chosen]
    return writer(path, rows, **options)


def write_export(
    folder: Path,
    rows: Sequence[Row],
    *,
    suffix: str = ".parquet",
    files: int = 2,
    late_columns: Sequence[str] = (),
    retyped: Mapping[str, str] | None = None,
    wide_first: bool = False,
    reversed_columns: bool = False,
    **options: Any,
) -> list[Path]:
    """An export that grew: ``rows`` cut in ``files`` consecutive parts, one file each, as a glob
    ``folder/*<suffix>`` lists them (returned in that order).

    The first part's file lacks ``late_columns`` (its rows must hold NULL there) and the later
    files add them at the end, as Segment's loader appends columns. ``retyped`` gives columns an
    encoding in the first file only (say BIGINT where the later files hold VARCHAR). With
    ``wide_first`` the names sort the first part last, so the glob's first file has every column;
    ``reversed_columns`` writes the later files' columns in reverse order.
    """
    if files < 1 or len(rows) < files:
        raise ValueError("an export needs at least one row per file")
    everything = _columns(rows, None)
    late = [c for c in late_columns if c in everything]
    wide = [c for c in everything if c not in late] + late
    size, extra = divmod(len(rows), files)
    bounds = [i * size + min(i, extra) for i in range(files + 1)]
    names = [f"part-{n:04d}{suffix}" for n in range(1, files + 1)]
    if wide_first:
        names.reverse()
    types = dict(options.pop("types", None) or {})
    written = []
    for part in range(files):
        chunk = rows[bounds[part] : bounds[part + 1]]
        columns = [c for c in wide if c not in late] if part == 0 else wide
        if part > 0 and reversed_columns:
            columns = columns[::-1]
        part_types = {**types, **(retyped or {})} if part == 0 else types
        written.append(write(folder / names[part], chunk, columns=columns, types=part_types, **options))
    return sorted(written)


# --------------------------------------------------------------------------------------------
# Segment's raw messages, as its S3 (archive) and storage destinations write them
# --------------------------------------------------------------------------------------------

TYPE_OF_KIND = {"pages": "page", "screens": "screen", "tracks": "track", "identifies": "identify"}
# Loader column → the message's nested context path, for the context fields of Segment's Spec.
CONTEXT_PATHS: Mapping[str, tuple[str, ...]] = {
    "context_user_agent": ("userAgent",),
    "context_ip": ("ip",),
    "context_locale": ("locale",),
    "context_timezone": ("timezone",),
    "context_group_id": ("groupId",),
    **{f"context_campaign_{k}": ("campaign", k) for k in ("source", "medium", "name", "term", "content")},
    **{f"context_page_{k}": ("page", k) for k in ("path", "referrer", "search", "title", "url")},
    **{f"context_device_{snake_case(k)}": ("device", k)
       for k in ("id", "advertisingId", "adTrackingEnabled", "manufacturer", "model", "name", "type")},
    **{f"context_os_{k}": ("os", k) for k in ("name", "version")},
    **{f"context_app_{k}": ("app", k) for k in ("name", "version", "build", "namespace")},
    **{f"context_library_{k}": ("library", k) for k in ("name", "version")},
    **{f"context_screen_{k}": ("screen", k) for k in ("width", "height", "density")},
}  # fmt: skip
# Loader column → the message's top-level key (the times are written as text).
TOP_LEVEL = {"id": "messageId", "anonymous_id": "anonymousId", "user_id": "userId",
             "received_at": "receivedAt", "sent_at": "sentAt", "timestamp": "timestamp"}  # fmt: skip
# Columns a page or screen message carries at the top, not in its properties.
_NAMED = ("name", "category")
_PAGE_CONTEXT = ("path", "referrer", "search", "title", "url")


def camel_case(column: str) -> str:
    """A snake_case column as a client library would send its key ('plan_type' → 'planType'),
    or the column itself where the loader would not turn the camelCase back into it."""
    first, *rest = column.split("_")
    camel = first + "".join(part[:1].upper() + part[1:] for part in rest)
    return camel if snake_case(camel) == column else column


def _put(tree: dict[str, Any], path: Sequence[str], value: Any) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def _event_as_sent(text: str | None, slug: str | None) -> str | None:
    """A track's event as its client sent it: event_text, or where the row has none its event
    (then the event_text the loader writes is that too). Raises when ``slug`` is not what the
    loader would make of it, since the row could not have come from any message."""
    sent = text if text is not None else slug
    if slug is not None and event_slug(sent) != slug:
        raise ValueError(f"event {slug!r} is not the slug of {sent!r} ({event_slug(sent)!r})")
    return sent


def message(row: Row, kind: str, *, offset: str = "Z", nulls: bool = False) -> dict[str, Any]:
    """One logical row of ``kind`` as the raw Segment message the loader flattened it from.

    The ids and times at the top (times as Segment's text, milliseconds, at ``offset``); context_*
    columns nested under ``context`` (camelCase where Segment's Spec names the field); a page's or
    screen's name and category at the top, a track's event_text (or else its event) as ``event``;
    every other column under ``properties`` (``traits`` for identifies), camelCased. A page also
    repeats its url, path, title, search and referrer in context.page, as analytics.js does, and
    every message has Segment's type, channel, originalTimestamp, integrations and
    context.library (so a row must not use those names). A NULL column is left out, or with
    ``nulls`` sent as null.
    """
    kept = {k: v for k, v in row.items() if v is not None or nulls}
    msg: dict[str, Any] = {"type": TYPE_OF_KIND[kind]}
    for column, key in TOP_LEVEL.items():
        if column in kept:
            value = kept.pop(column)
            msg[key] = time_text(value, offset, millis=True) if isinstance(value, datetime) else value
    msg["channel"] = "client" if msg.get("anonymousId") is not None else "server"
    if "timestamp" in msg:
        msg["originalTimestamp"] = msg["timestamp"]
    context: dict[str, Any] = {"library": {"name": "analytics.js", "version": "5.2.0"}}
    for column in [c for c in kept if c.startswith("context_")]:
        _put(context, CONTEXT_PATHS.get(column) or (column.removeprefix("context_"),), kept.pop(column))
    if kind == "pages":
        for key in _PAGE_CONTEXT:
            if kept.get(key) is not None and f"context_page_{key}" not in row:
                _put(context, ("page", key), kept[key])
    if kind in ("pages", "screens"):
        msg.update({key: kept.pop(key) for key in _NAMED if key in kept})
    if kind == "tracks":
        msg["event"] = _event_as_sent(kept.pop("event_text", None), kept.pop("event", None))
    msg["context"] = context
    msg["properties" if kind != "identifies" else "traits"] = {camel_case(c): v for c, v in kept.items()}
    msg["integrations"] = {}
    return msg


def messages(
    rows: Iterable[Row], kind: str, *, offsets: Sequence[str] = ("Z",), nulls: bool = False
) -> list[dict[str, Any]]:
    """``message`` for each row, the offsets taken in turn."""
    return [message(row, kind, offset=offsets[i % len(offsets)], nulls=nulls) for i, row in enumerate(rows)]


def noise(at: datetime, anonymous_id: str = "a1", user_id: str = "u1") -> list[dict[str, Any]]:
    """A group and an alias message at ``at``: raw archives carry them, and nothing reads them."""
    text = time_text(at, millis=True)
    common = {"anonymousId": anonymous_id, "userId": user_id, "receivedAt": text, "sentAt": text, "timestamp": text,
              "context": {"library": {"name": "analytics.js", "version": "5.2.0"}}, "integrations": {}}  # fmt: skip
    return [
        {"type": "group", "messageId": f"group-{text}", "groupId": "g1", "traits": {"name": "Initech"}, **common},
        {"type": "alias", "messageId": f"alias-{text}", "previousId": anonymous_id, **common},
    ]


def write_archive(
    root: Path, raw: Iterable[Mapping[str, Any]], *, source_id: str = "Xy7source", files_per_day: int = 1
) -> list[Path]:
    """Messages as Segment's S3 destination stores them: gzip'd newline-delimited JSON under
    ``root/segment-logs/<source_id>/<received day>/`` (the UTC day of receivedAt as epoch
    milliseconds; a message without a readable receivedAt goes to the first day), each day's
    messages dealt in turn to ``files_per_day`` files whose names say no format. Returns the
    files, sorted."""
    days: dict[int, list[list[Mapping[str, Any]]]] = {}
    pending: list[Mapping[str, Any]] = []
    for msg in raw:
        received = parse_time(msg["receivedAt"]) if isinstance(msg.get("receivedAt"), str) else None
        if received is None:
            pending.append(msg)
            continue
        day = int((datetime(received.year, received.month, received.day) - _EPOCH) / timedelta(milliseconds=1))
        files = days.setdefault(day, [[] for _ in range(files_per_day)])
        files[sum(map(len, files)) % files_per_day].append(msg)
    if pending:
        files = days.setdefault(min(days, default=0), [[] for _ in range(files_per_day)])
        files[0] += pending
    written = []
    for day, contents in days.items():
        for n, content in enumerate(contents):
            if not content:
                continue
            buffer = io.StringIO()
            for msg in content:
                buffer.write(json.dumps(msg, ensure_ascii=False, separators=(",", ":")) + "\n")
            path = root / "segment-logs" / source_id / str(day) / f"{day}.{n:04d}.gz"
            written.append(_save(path, buffer.getvalue().encode("utf-8")))
    return sorted(written)
