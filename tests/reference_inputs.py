"""Plain-Python reference for how sessionizer reads what users load: SPEC "Files and values as users
have them" and "Segment's raw messages: `format: segment-json`".

The rules here turn the values a file holds (text times with or without an offset, malformed
times, server-side rows without an anonymous_id, raw Segment messages) into the typed rows
``tests.reference`` already sessionizes; ``build`` and ``build_list`` compose the two, so a test can
compare the engine's tables over a file with the reference over the same logical rows. Stdlib
only, like ``tests.reference``, so it shares no code with the SQL it checks.

Where SPEC is silent, each choice is stated in the docstring of the rule that makes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from tests import reference

Row = dict[str, Any]
Entry = tuple[str, str, Sequence[str] | None, Iterable[Row]]

# --------------------------------------------------------------------------------------------
# Text times (SPEC: "A time column ... held as text is read as ISO-8601")
# --------------------------------------------------------------------------------------------

TIME_COLUMNS: tuple[str, ...] = ("received_at", "sent_at", "timestamp")


class NotATime:
    """A value that is there (not NULL) but does not read as a time: it rejects its row when it is
    the timestamp or the incremental key, and reads as NULL anywhere else."""

    def __repr__(self) -> str:
        return "NOT_A_TIME"


NOT_A_TIME: Final = NotATime()


class NumericTimeError(ValueError):
    """A time column holds numbers. SPEC makes that an error of the run, never a guess between
    epoch seconds and milliseconds."""

    def __init__(self, column: str, value: object) -> None:
        super().__init__(f"the time column {column!r} holds a number ({type(value).__name__})")
        self.column = column


# Date, then optionally a time (seconds and fraction optional) and an offset. ASCII digits only:
# Python's \d would take other scripts' digits, which no warehouse's cast reads.
_ISO_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"(?:[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?)?"
    r"(?P<offset>[Zz]|(?P<sign>[+-])(?P<off_hours>[0-9]{2})(?::?(?P<off_minutes>[0-9]{2}))?)?)?"
)
_ASCII_SPACE = " \t\n\r\f\v"


def parse_time(text: str) -> datetime | None:
    """ISO-8601 text as a naive UTC datetime, or None when it is not a time.

    Accepted (SPEC names the offsets; the rest is our choice, each one what DuckDB's and
    PostgreSQL's casts also read):
    - ``YYYY-MM-DD`` then optionally ``T`` (or ``t``, or one space, as SQL exports write it)
      ``HH:MM``, optionally ``:SS`` and a fraction of any length after ``.``;
    - an offset ``Z``/``z``, ``±HH:MM``, ``±HHMM`` or ``±HH`` (PostgreSQL prints ``+00``), applied to
      give UTC; no offset means the text is UTC already;
    - a date alone is that day's midnight UTC;
    - surrounding whitespace is ignored.
    The fraction is truncated to microseconds, never rounded (DuckDB's cast truncates; a rounded
    .9999995 would move the time into the next second and change DATEDIFF's count).
    Not a time: anything else, including '', week or ordinal dates, the basic format without
    separators, 24:00, leap second 60, offsets of 24 hours or more, impossible dates, and a value
    that the offset moves outside years 1-9999.
    """
    match = _ISO_TIME.fullmatch(text.strip(_ASCII_SPACE))
    if match is None:
        return None
    part = match.groupdict()
    fraction = (part["fraction"] or "")[:6].ljust(6, "0")
    try:
        value = datetime(
            int(part["year"]), int(part["month"]), int(part["day"]),
            int(part["hour"] or 0), int(part["minute"] or 0), int(part["second"] or 0), int(fraction),
        )  # fmt: skip
    except ValueError:
        return None
    if part["sign"] is not None:
        hours, minutes = int(part["off_hours"]), int(part["off_minutes"] or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        try:
            value = value - offset if part["sign"] == "+" else value + offset
        except OverflowError:
            return None
    return value


def read_time(value: object, column: str = "time") -> datetime | NotATime | None:
    """What a time column's value reads as: a naive UTC datetime, NOT_A_TIME, or None (NULL).

    A typed timestamp with a zone is converted to UTC, a naive one is UTC already, a DATE is its
    midnight; text follows ``parse_time``. A number (bool included: it is an int to Python) raises
    NumericTimeError naming ``column``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        parsed = parse_time(value)
        return NOT_A_TIME if parsed is None else parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float | Decimal):
        raise NumericTimeError(column, value)
    raise TypeError(f"{column}: {value!r} is neither text nor a time")


def time_columns(incremental_key: str = "received_at") -> tuple[str, ...]:
    """The columns read as times: Segment's three and the incremental key."""
    return tuple(dict.fromkeys((*TIME_COLUMNS, incremental_key)))


# --------------------------------------------------------------------------------------------
# Rows: times read, server-side rows, rejection
# --------------------------------------------------------------------------------------------

MISSING_ANONYMOUS_ID = ("reject", "use_user_id")


def read_row(row: Mapping[str, Any], incremental_key: str = "received_at", missing_anonymous_id: str = "reject") -> Row:
    """A source row as the rules see it: every time column read (NOT_A_TIME kept only where it
    rejects the row: the timestamp and the incremental key), and with ``use_user_id`` a NULL
    anonymous_id replaced by a non-NULL user_id.

    The user_id is taken as loaded: '' and the values of ``ignored_user_ids`` are non-NULL, so they
    become the anonymous_id too (ignored_user_ids is about stitching, not about who a row is).
    """
    if missing_anonymous_id not in MISSING_ANONYMOUS_ID:
        raise ValueError(f"missing_anonymous_id must be one of {MISSING_ANONYMOUS_ID}")
    read = dict(row)
    rejecting = {"timestamp", incremental_key}
    for column in time_columns(incremental_key):
        if column in read:
            value = read_time(read[column], column)
            read[column] = None if value is NOT_A_TIME and column not in rejecting else value
    if missing_anonymous_id == "use_user_id" and read.get("anonymous_id") is None:
        read["anonymous_id"] = read.get("user_id")
    return read


def reject_reason(row: Mapping[str, Any], incremental_key: str = "received_at") -> str | None:
    """Why a read row cannot be sessionized, or None.

    SPEC's checks in SPEC's order (id, anonymous_id, timestamp, incremental key), where the
    timestamp's and the key's check each also refuse text that is not a time: so a row with a NULL
    id and a malformed timestamp says 'id is null', and one with a malformed timestamp and a NULL
    key says 'timestamp is not a timestamp'.
    """
    for column in dict.fromkeys(("id", "anonymous_id", "timestamp", incremental_key)):
        value = row.get(column)
        if value is None:
            return f"{column} is null"
        if value is NOT_A_TIME:
            return f"{column} is not a timestamp"
    return None


def split(
    rows: Iterable[Mapping[str, Any]], incremental_key: str = "received_at", missing_anonymous_id: str = "reject"
) -> tuple[list[Row], list[Row]]:
    """(rows to sessionize, as read; rejected rows with ``reject_reason``).

    A rejected row keeps its columns as loaded, but for its time columns and its anonymous_id:
    those hold what they read as, a time that is not one being NULL (the rejected table's time
    columns are timestamps; its reason names the column, and the source still holds the text), an
    anonymous_id taken from the user_id (use_user_id) that id (the row as the rules read it).
    """
    accepted: list[Row] = []
    rejected: list[Row] = []
    for row in rows:
        read = read_row(row, incremental_key, missing_anonymous_id)
        reason = reject_reason(read, incremental_key)
        if reason is None:
            accepted.append(read)
            continue
        kept = {**row, **{c: read[c] for c in (*time_columns(incremental_key), "anonymous_id") if c in read}}
        for column, value in kept.items():
            if value is NOT_A_TIME:
                kept[column] = None
        rejected.append({**kept, "reject_reason": reason})
    return accepted, rejected


def build(
    rows: Iterable[Mapping[str, Any]],
    *,
    missing_anonymous_id: str = "reject",
    incremental_key: str = "received_at",
    **settings: Any,
) -> dict[str, list[Row]]:
    """``tests.reference.build`` over rows as a file holds them: read by the rules above, a column
    the file lacks being NULL. ``settings`` are reference.build's other keywords."""
    accepted, rejected = split(rows, incremental_key, missing_anonymous_id)
    complete = [{**dict.fromkeys(reference.SOURCE_COLUMNS), **row} for row in accepted]
    built = reference.build(complete, incremental_key=incremental_key, **settings)
    layout = reference.rejected_columns(settings.get("pass_through_columns", ()), incremental_key)
    built[reference.REJECTED] = [{c: r.get(c) for c in layout} for r in rejected] + built[reference.REJECTED]
    return built


def build_list(
    entries: Iterable[Entry],
    *,
    missing_anonymous_id: str = "reject",
    incremental_key: str = "received_at",
    **settings: Any,
) -> dict[str, list[Row]]:
    """``tests.reference.build_list`` over entries whose rows are as files hold them.
    ``missing_anonymous_id`` applies to every kind: server-side libraries send tracks and
    identifies without an anonymousId too."""
    read_entries: list[Entry] = []
    rejected: list[Row] = []
    for name, kind, events, rows in entries:
        wanted = [r for r in rows if kind != "tracks" or reference.tracked(r, events)]
        accepted, rejects = split(wanted, incremental_key, missing_anonymous_id)
        read_entries.append((name, kind, events, accepted))
        rejected += [{c: {**r, "source_name": name, "kind": kind}.get(c) for c in reference.REJECTED_LIST_COLUMNS}
                     for r in rejects]  # fmt: skip
    built = reference.build_list(read_entries, incremental_key=incremental_key, **settings)
    built[reference.REJECTED] = rejected + built[reference.REJECTED]
    return built


# --------------------------------------------------------------------------------------------
# Segment's raw messages (SPEC "Segment's raw messages: `format: segment-json`")
# --------------------------------------------------------------------------------------------

# A message's type → the kind of rows it feeds; group, alias and anything else feed none.
KIND_OF_TYPE: Mapping[str, str] = {"page": "pages", "screen": "screens", "track": "tracks", "identify": "identifies"}

# Top-level keys whose name is not the snake_case of the loader's column.
_RENAMED = {"messageId": "id"}
# The nested objects that become columns: context with its prefix, these without. Every other
# top-level object (integrations, _metadata) is delivery bookkeeping: no column.
_UNPREFIXED = ("properties", "traits")

# The longest start of a key that is already snake_case: lower-case letters and digits, and
# underscores that are neither first nor last and come before a lower-case letter or digit.
_SNAKE_START = re.compile(r"(?:[a-z0-9]|(?<=.)_(?=[a-z0-9]))*")
# A word: capitals and digits, then lower-case letters and digits (ASCII only).
_WORD = re.compile(r"[A-Z0-9]*[a-z0-9]*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def snake_case(key: str) -> str:
    """A key as Segment's warehouse loader names its column (go-snakecase, which its docs cite).

    A key that is already snake_case is kept. Otherwise its words are lower-cased and joined by
    '_': a word is a run of capitals and digits followed by a run of lower-case letters and
    digits, and every other character (non-ASCII letters included) only separates words. So
    'userAgent' → 'user_agent', 'userID' → 'user_id', but 'IPAddress' → 'ipaddress' (one run of
    capitals is one word). Where the snake_case start ends in digits with no lower-case letter
    since its last '_', a word of capitals right after it joins them: '2FA Enabled' →
    '2fa_enabled', 'edf_6N' → 'edf_6n', whereas 'abc1D' → 'abc1_d'.
    """
    start = _SNAKE_START.match(key)
    kept = start.group() if start else ""
    if len(kept) == len(key):
        return key
    rest = key[len(kept) :]
    words = [w.lower() for w in _WORD.findall(rest) if w]
    if words and rest[0].isascii() and rest[0].isupper() and not re.search("[a-z]", kept.rsplit("_", 1)[-1]):
        kept += words.pop(0)
    return "_".join(w for w in (kept, *words) if w)


def event_slug(text: str | None) -> str | None:
    """A track's ``event`` column from the event as sent, by SPEC's rule: lower-cased, every run of
    characters other than a-z and 0-9 turned into one '_', '_' trimmed from both ends. A text with
    no such character at all gives '' (kept: it is not NULL).

    NB SPEC's rule does not split camelCase ('addToCart' → 'addtocart'), where go-snakecase, which
    Segment's docs name for its table and column names, gives 'add_to_cart'.
    """
    if text is None:
        return None
    return _NOT_SLUG.sub("_", text.lower()).strip("_")


def _json_text(value: object) -> object:
    """A scalar as it is; an array as its compact JSON text (the loader stringifies arrays)."""
    if isinstance(value, list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value


def _flat(prefix: tuple[str, ...], value: object) -> Iterable[tuple[str, object]]:
    """(column, value) for every leaf under ``prefix``: nested keys joined with '_' and the joined
    name snake_cased once (so context.page.path → context_page_path). An empty object gives
    nothing; a key that is there with NULL gives a NULL column."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat((*prefix, key), inner)
    elif prefix:
        yield snake_case("_".join(prefix)), _json_text(value)


def flatten(message: Mapping[str, Any]) -> Row:
    """One Segment message as the warehouse loader writes its row.

    messageId → id; every other top-level scalar under its snake_case name (anonymousId →
    anonymous_id, receivedAt → received_at, originalTimestamp → original_timestamp, type, channel,
    version...); ``context`` to context_* columns; ``properties`` and ``traits`` (of any type) to
    unprefixed columns. A top-level ``event`` is ``event_text`` as sent and ``event`` as its slug.

    Where two keys give one column, the first of these wins: top-level keys, then context, then
    properties and traits (so a page's ``name`` beats ``properties.name``, and ``properties.id``
    never replaces the messageId); within one of them, the first key in the message. The winner is
    decided by presence, not value: a top-level key that is there with NULL still wins.
    Values stay as the message holds them (text times are read later, by ``read_row``).
    """
    top: list[tuple[str, object]] = []
    for key, value in message.items():
        if isinstance(value, dict):
            continue
        if key == "event":
            top += [("event_text", value), ("event", event_slug(value) if isinstance(value, str) else value)]
        else:
            top.append((_RENAMED.get(key) or snake_case(key), _json_text(value)))
    nested = list(_flat(("context",), message.get("context") or {}))
    unprefixed = [pair for key in _UNPREFIXED for pair in _flat((), message.get(key) or {})]
    row: Row = {}
    for column, value in (*top, *nested, *unprefixed):
        row.setdefault(column, value)
    return row


def kind_of(message: Mapping[str, Any]) -> str | None:
    """The kind a message feeds by its ``type`` (exact, lower-case as Segment writes it), or None."""
    kind = message.get("type")
    return KIND_OF_TYPE.get(kind) if isinstance(kind, str) else None


def message_row(message: Mapping[str, Any], incremental_key: str = "received_at") -> Row:
    """``flatten``, with each time column that holds no text (a JSON number, a boolean) read as its
    JSON text: so it is not a time, and its row alone is rejected. (A typed file column of numbers
    is an error of the run; in raw messages one bad message must not stop the others.)"""
    row = flatten(message)
    for column in time_columns(incremental_key):
        value = row.get(column)
        if value is not None and not isinstance(value, str):
            row[column] = json.dumps(value)
    return row


def archive_rows(
    messages: Iterable[Mapping[str, Any]], kind: str = "pages", incremental_key: str = "received_at"
) -> list[Row]:
    """The rows of one kind that raw messages hold: a single segment-json source reads 'pages'."""
    return [message_row(m, incremental_key) for m in messages if kind_of(m) == kind]


def archive_entries(
    messages: Sequence[Mapping[str, Any]],
    name: str,
    events: Sequence[str] | None = None,
    incremental_key: str = "received_at",
) -> list[Entry]:
    """The four entries a segment-json list entry stands for, over the same messages (for
    ``build_list``); ``events`` filters its tracks."""
    return [(name, kind, events if kind == "tracks" else None, archive_rows(messages, kind, incremental_key))
            for kind in KIND_OF_TYPE.values()]  # fmt: skip
