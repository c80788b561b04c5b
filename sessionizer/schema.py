"""The tables we write and the columns we read and write, and which column names a user may choose.

A leaf: everything that needs a table's name or a column list asks here (the plan, the compiler,
the state store, status), and the config validates the names a user chooses against it, so a
Config that exists can be compiled. Functions take a ``Shape`` (what of the settings changes the
columns: the incremental key, the pass-through columns, whether the source is a list), which a
Config is.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable
from typing import Protocol

from sessionizer.errors import ConfigError

# -- the names a user chooses -----------------------------------------------------------------

# A plain identifier: safe unquoted in every target, and case-folded by each warehouse the way
# the user expects (Snowflake upper-cases it, Redshift lower-cases it). Anything else is refused.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,126}$")
# Every name the templates add beside source and pass-through columns starts with this, so no
# pass-through column can shadow one; Segment columns never start with it.
INTERNAL_PREFIX = "__sz_"


def validate_identifier(name: object, key: str) -> str:
    """Return ``name`` if it is a plain SQL identifier, else raise naming the key.

    A column name that a warehouse reserves is refused when compiling for it (``check_reserved``);
    a reserved table or schema name is quoted."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ConfigError(
            key,
            f"{name!r} is not a valid identifier: use letters, digits and _, "
            "starting with a letter or _ (at most 127 characters)",
        )
    return name


def validate_table_name(name: object, key: str) -> str:
    """A table name with up to two qualifiers (database.schema.table), each a plain identifier."""
    if not isinstance(name, str) or not name:
        raise ConfigError(key, "expected a table name such as pages or segment.pages")
    parts = name.split(".")
    if len(parts) > 3:
        raise ConfigError(key, f"{name!r} has more than three dotted parts (database.schema.table)")
    for part in parts:
        validate_identifier(part, key)
    return name


class Shape(Protocol):
    """What of the settings decides the columns (a Config is one)."""

    @property
    def incremental_key(self) -> str: ...

    @property
    def pass_through_columns(self) -> tuple[str, ...]: ...

    @property
    def listed(self) -> bool: ...

    @property
    def added_session_columns(self) -> tuple[str, ...]: ...


@dataclasses.dataclass(frozen=True)
class Layout:
    """A Shape given field by field: a config's shape with some of its columns left out (without
    pass-through columns, the columns those may not be named like; without source_name and the
    opt-in columns, the columns the templates write before those)."""

    incremental_key: str
    listed: bool = False
    pass_through_columns: tuple[str, ...] = ()
    added_session_columns: tuple[str, ...] = ()


def user_column_names(shape: Shape) -> list[tuple[str, str]]:
    """Every column name the user chose, with its setting: (key, name). Table and schema names
    need no such list: a reserved one is quoted (Dialect.identifier)."""
    return [
        ("incremental_key", shape.incremental_key),
        *(("pass_through_columns", c) for c in shape.pass_through_columns),
    ]


def check_column_names(shape: Shape) -> None:
    """Refuse a pass-through column named like a column the source, the rules or any table already
    has (its first_/last_ session columns then cannot clash either: the sessions tables' own
    first_/last_ columns are named after page view columns)."""
    if not shape.pass_through_columns:
        return
    bare = Layout(shape.incremental_key, shape.listed, added_session_columns=shape.added_session_columns)
    read = source_columns(bare)
    tables = {REJECTED_TABLE: (*read, "reject_reason")}
    tables.update((table, columns(stage, bare)) for stage, table in STAGE_TABLES.items())
    for column in shape.pass_through_columns:
        if column in read:
            raise ConfigError(
                "pass_through_columns",
                f"sessionizer already reads {column!r} from the source; leave it out of pass_through_columns "
                "(docs/reference.md lists the columns each table gets)",
            )
        for table, names in tables.items():
            if column in names:
                raise ConfigError(
                    "pass_through_columns", f"{column!r} is already a column of {table}; pass through other columns"
                )


def check_reserved(shape: Shape, reserved: Iterable[str], dialect: str) -> None:
    """Refuse a chosen column name that ``dialect`` reserves (lower-case words): it could not be
    written unquoted, and the templates write column names unquoted."""
    words = frozenset(reserved)
    for key, name in user_column_names(shape):
        if name.lower() in words:
            raise ConfigError(
                key, f"{name!r} is a reserved word in {dialect} SQL; expose the column under another name (e.g. a view)"
            )


# -- the source ---------------------------------------------------------------------------------


class SourceKind(enum.Enum):
    """What a Segment table of a list entry holds (docs/reference.md "Several sources")."""

    PAGES = "pages"
    SCREENS = "screens"
    TRACKS = "tracks"
    IDENTIFIES = "identifies"

    @property
    def makes_page_views(self) -> bool:
        return self in (SourceKind.PAGES, SourceKind.SCREENS)


# Source columns the rules read (docs/reference.md "Input"); the incremental key and pass-through
# columns are added per config.
SOURCE_COLUMNS: tuple[str, ...] = (
    "id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp", "url", "path",
    "title", "search", "referrer", "context_campaign_source", "context_campaign_medium",
    "context_campaign_name", "context_campaign_term", "context_campaign_content", "context_ip",
    "context_user_agent",
)  # fmt: skip
# The source columns a row cannot be sessionized without (with the incremental key); any other
# may be missing from the table and reads as NULL.
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "anonymous_id", "timestamp")
TIMESTAMP_COLUMNS: tuple[str, ...] = ("received_at", "sent_at", "timestamp")

# The columns read from a list entry of each kind (docs/reference.md "Several sources"); a pages entry reads
# SOURCE_COLUMNS. Tracks and identifies rows are kept as activity/identifies rows.
COMMON_COLUMNS: tuple[str, ...] = ("id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp")
KIND_COLUMNS: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.PAGES: SOURCE_COLUMNS,
    SourceKind.SCREENS: (
        *COMMON_COLUMNS, "name", "context_campaign_source", "context_campaign_medium", "context_campaign_name",
        "context_campaign_term", "context_campaign_content", "context_ip", "context_user_agent",
        "context_device_model", "context_os_name",
    ),
    SourceKind.TRACKS: (*COMMON_COLUMNS, "event", "event_text"),
    SourceKind.IDENTIFIES: COMMON_COLUMNS,
}  # fmt: skip
# Beyond id, anonymous_id, timestamp and the incremental key, what an entry of a kind must have.
KIND_REQUIRED: dict[SourceKind, tuple[str, ...]] = {SourceKind.SCREENS: ("name",), SourceKind.TRACKS: ("event",)}


def source_columns(shape: Shape) -> tuple[str, ...]:
    """The source columns read: the rules', the incremental key, then pass-through ones."""
    extra = [shape.incremental_key] if shape.incremental_key not in SOURCE_COLUMNS else []
    return (*SOURCE_COLUMNS, *extra, *shape.pass_through_columns)


def entry_columns(kind: SourceKind, shape: Shape) -> tuple[str, ...]:
    """The columns read from a list entry of ``kind``: its kind's, the incremental key, and on
    pages and screens the pass-through ones."""
    own = KIND_COLUMNS[kind]
    extra = [shape.incremental_key] if shape.incremental_key not in own else []
    passes = shape.pass_through_columns if kind.makes_page_views else ()
    return (*own, *extra, *passes)


def timestamp_columns(shape: Shape) -> tuple[str, ...]:
    """The source columns read as timestamps."""
    return tuple(dict.fromkeys((*TIMESTAMP_COLUMNS, shape.incremental_key)))


# -- our tables ---------------------------------------------------------------------------------

# The six, by stage name, in dependency order.
STAGE_TABLES: dict[str, str] = {
    "page_views": "segment_web_page_views",
    "user_stitching": "segment_web_user_stitching",
    "sessionized": "segment_web_page_views__sessionized",
    "sessions_initial": "segment_web_sessions__initial",
    "sessions_stitched": "segment_web_sessions__stitched",
    "sessions": "segment_web_sessions",
}
# Bookkeeping tables, beside the six.
STATE_TABLE = "sessionizer_state"
PENDING_ANONYMOUS_IDS = "sessionizer_pending_anonymous_ids"
PENDING_USERS = "sessionizer_pending_users"
REJECTED_TABLE = "segment_web_page_views__rejected"
LOCK_TABLE = "sessionizer_lock"
# There while a full refresh is under way: the next run finishes it (a full refresh) whatever the
# state says, and the state stays as it was until the refresh replaces it, last.
REFRESHING_TABLE = "sessionizer_refreshing"
# With a source list: the deduped tracks (kind 'tracks') and identifies rows, which sessions and
# stitching read beside the page views.
EVENTS_TABLE = "sessionizer_events"
# Each blended user's count of sessions: an incremental run numbers a user's changed sessions on
# from it instead of reading all of the user's sessions, and a run counts users by its rows.
USERS_TABLE = "sessionizer_users"
USERS_COLUMNS: tuple[tuple[str, str], ...] = (("blended_user_id", "VARCHAR"), ("sessions", "BIGINT"))
# Scratch tables of an incremental run (session-scoped, never in the user's schema): the batch of
# new page views, the recomputed stitching rows before they replace the stored ones (the
# recomputation reads those), the stored page views looked up in one scan (those whose ids arrive
# again, and every page view of the visitors that arrive), a source list's new events.
BATCH_TABLE = "sessionizer_batch"
STITCHING_BATCH_TABLE = "sessionizer_stitching_batch"
HISTORY_TABLE = "sessionizer_history"
EVENTS_BATCH_TABLE = "sessionizer_events_batch"
# The pending users' sessions before the earliest changed one (from the users' counts), and their
# renumbered sessions, before they replace the stored ones.
USER_SESSIONS_TABLE = "sessionizer_user_sessions"
SESSIONS_BATCH_TABLE = "sessionizer_sessions_batch"

# Our tables in the user's schema by key (the stage names, then the bookkeeping), and the scratch ones.
TABLES: dict[str, str] = {
    **STAGE_TABLES, "rejected": REJECTED_TABLE, "state": STATE_TABLE, "pending_anonymous_ids": PENDING_ANONYMOUS_IDS,
    "pending_users": PENDING_USERS, "lock": LOCK_TABLE, "events": EVENTS_TABLE, "users": USERS_TABLE,
    "refreshing": REFRESHING_TABLE,
}  # fmt: skip
SCRATCH_TABLES: dict[str, str] = {
    "batch": BATCH_TABLE, "events_batch": EVENTS_BATCH_TABLE, "stitching_batch": STITCHING_BATCH_TABLE,
    "history": HISTORY_TABLE, "user_sessions": USER_SESSIONS_TABLE, "sessions_batch": SESSIONS_BATCH_TABLE,
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class TableName:
    """One of our tables as the code outside the compiler holds it: its name and schema as the
    warehouse resolves them (``db`` "" when unqualified), and the SQL that names it in the
    canonical dialect, quoted by sqlglot where it was named (names.table_names)."""

    name: str
    db: str
    sql: str


EVENT_COLUMNS: tuple[str, ...] = (
    "source_name", "kind", "id", "anonymous_id", "user_id", "received_at", "sent_at", "tstamp",
)  # fmt: skip
REJECTED_LIST_COLUMNS: tuple[str, ...] = (
    "source_name", "kind", "id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp",
)  # fmt: skip

# The state table's columns (templates/runner/state.sql); a state of an older layout means a full refresh.
STATE_COLUMNS: tuple[str, ...] = (
    "settings", "watermark", "pending_watermark", "built_at",
    "last_run_at", "last_run_mode", "last_run_seconds", "last_run_rows_written",
)  # fmt: skip

# The work lists an incremental run keeps until it finishes: (column, type) of each.
WORK_LISTS: dict[str, tuple[tuple[str, str], ...]] = {
    "pending_anonymous_ids": (
        ("anonymous_id", "VARCHAR"), ("from_tstamp", "TIMESTAMP"),
        ("session_from_tstamp", "TIMESTAMP"), ("restitched", "INTEGER"), ("replaced", "INTEGER"),
        ("numbered_before", "BIGINT"), ("sessions_before", "BIGINT"), ("previous_tstamp", "TIMESTAMP"),
        ("restitched_from", "TIMESTAMP"), ("blended_before", "VARCHAR"), ("blended_after", "VARCHAR"),
    ),
    "pending_users": (("blended_user_id", "VARCHAR"), ("from_tstamp", "TIMESTAMP")),
}  # fmt: skip

# First-page-view columns of a session: (output name, page view column).
SESSION_FIRST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("utm_source", "utm_source"), ("utm_content", "utm_content"), ("utm_medium", "utm_medium"),
    ("utm_campaign", "utm_campaign"), ("utm_term", "utm_term"), ("gclid", "gclid"),
    ("first_page_url", "page_url"), ("first_page_url_host", "page_url_host"),
    ("first_page_url_path", "page_url_path"), ("first_page_url_query", "page_url_query"),
    ("referrer", "referrer"), ("referrer_host", "referrer_host"), ("device", "device"),
    ("device_category", "device_category"),
)  # fmt: skip
SESSION_LAST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("last_page_url", "page_url"), ("last_page_url_host", "page_url_host"),
    ("last_page_url_path", "page_url_path"), ("last_page_url_query", "page_url_query"),
)  # fmt: skip


def page_view_columns(shape: Shape) -> tuple[str, ...]:
    """segment_web_page_views, in dbt-segment's order (pass-through before device_category)."""
    return (
        "page_view_id", "anonymous_id", "user_id", "received_at_tstamp", "sent_at_tstamp",
        "tstamp", "page_url", "page_url_host", "page_url_path", "page_title", "page_url_query",
        "referrer", "referrer_host", "utm_source", "utm_medium", "utm_campaign", "utm_term",
        "utm_content", "gclid", "ip", "user_agent", "device", *shape.pass_through_columns,
        "device_category",
    )  # fmt: skip


def columns(stage: str, shape: Shape) -> tuple[str, ...]:
    """The output columns of a stage's table, in order."""
    pv = page_view_columns(shape)
    passes = tuple(f"{edge}_{c}" for c in shape.pass_through_columns for edge in ("first", "last"))
    initial = (
        "session_id", "anonymous_id", "session_start_tstamp", "session_end_tstamp", "page_views",
        *(name for name, _ in SESSION_FIRST_COLUMNS), *(name for name, _ in SESSION_LAST_COLUMNS),
        *passes, "duration_in_s", "duration_in_s_tier", "referrer_medium", "referrer_source",
    )  # fmt: skip
    table = {
        "page_views": pv,
        "user_stitching": ("anonymous_id", "user_id", "first_seen_at", "last_seen_at"),
        "sessionized": (*pv, "page_view_number", "session_id"),
        "sessions_initial": initial,
        "sessions_stitched": (*initial, "blended_user_id"),
        "sessions": (*initial, "blended_user_id", "session_number"),
    }[stage]
    # A source list adds source_name as the last column of every table but user_stitching; the
    # opt-in columns of "Beyond dbt-segment" come after it.
    listed = table if not shape.listed or stage == "user_stitching" else (*table, "source_name")
    return (*listed, *shape.added_session_columns) if stage.startswith("sessions") else listed


def rejected_source_columns(shape: Shape) -> tuple[str, ...]:
    """The source columns segment_web_page_views__rejected keeps before its reject_reason: those
    read (of a source list, the few its entries share)."""
    return REJECTED_LIST_COLUMNS if shape.listed else source_columns(shape)


def unique_key(stage: str, key: str, shape: Shape) -> tuple[str, ...]:
    """A stage's unique key: page view ids are unique per source_name in a source list."""
    return (key, "source_name") if shape.listed and key == "page_view_id" else (key,)
