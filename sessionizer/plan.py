"""The logical plan: six model stages as data, in dependency order.

Each stage names its table, its inputs, its unique key, its sort/cluster and distribution keys,
and the templates of its queries and of the bookkeeping its incremental form needs. Templates live
by role: ``templates/stages/`` the stage queries, ``templates/incremental/`` the deletes and work
list records of incremental runs, ``templates/runner/`` the queries a runner sends about a run.
How a stage is written to a warehouse is the dialect's business.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator

from sessionizer.config import Config, SourceEntry, SourceKind


class Mode(enum.Enum):
    """How a run writes: rebuild everything, or only what new input affects."""

    FULL_REFRESH = "full-refresh"
    INCREMENTAL = "incremental"


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

# Bookkeeping tables, beside the six.
STATE_TABLE = "sessionizer_state"
PENDING_ANONYMOUS_IDS = "sessionizer_pending_anonymous_ids"
PENDING_USERS = "sessionizer_pending_users"
REJECTED_TABLE = "segment_web_page_views__rejected"
BATCH_TABLE = "sessionizer_batch"
# The recomputed user stitching rows of an incremental run, before they replace the stored ones
# (the recomputation reads those).
STITCHING_BATCH_TABLE = "sessionizer_stitching_batch"
# The stored page views an incremental run looks up before writing any: those whose ids arrive
# again, and every page view of the visitors that arrive (one scan of the table for both).
HISTORY_TABLE = "sessionizer_history"
# With a source list: the deduped tracks (kind 'tracks') and identifies rows, which sessions and
# stitching read beside the page views, and the scratch table of a run's new ones.
EVENTS_TABLE = "sessionizer_events"
EVENTS_BATCH_TABLE = "sessionizer_events_batch"
EVENT_COLUMNS: tuple[str, ...] = (
    "source_name", "kind", "id", "anonymous_id", "user_id", "received_at", "sent_at", "tstamp",
)  # fmt: skip
REJECTED_LIST_COLUMNS: tuple[str, ...] = (
    "source_name", "kind", "id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp",
)  # fmt: skip
LOCK_TABLE = "sessionizer_lock"

# The state table's columns (templates/state.sql); a state of an older layout means a full refresh.
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


@dataclasses.dataclass(frozen=True)
class Stage:
    """One model of the plan."""

    name: str
    table: str
    inputs: tuple[str, ...]
    unique_key: str
    sort_key: tuple[str, ...]
    dist_key: str
    template: str  # the full-refresh query, and the incremental one unless it has its own
    delete: str  # incremental runs: what goes before the stage's recomputed rows are written
    incremental_template: str | None = None  # when the incremental query is shaped differently
    day_key: str | None = None  # the timestamp whose day a warehouse may partition the table by
    upsert: bool = False  # rows are never removed, only added or changed: MERGE is enough
    # Incremental runs: bookkeeping statements (templates) in the stage's transaction, before and
    # after its own write.
    records_before: tuple[str, ...] = ()
    records_after: tuple[str, ...] = ()
    # The incremental query is staged first in this scratch table (a key of the compiler's tables):
    # it is read more than once, or it reads the rows its write replaces.
    staged: str | None = None
    # A single source's incremental run first copies the stored rows it looks up into the scratch
    # table "history", by this template, so that one scan of the table serves every lookup.
    history: str | None = None


# Rendered once per entry of a source list, each entry keeping its own watermark.
RECORD_WATERMARK_TEMPLATE = "incremental/record_watermark"

STAGES: tuple[Stage, ...] = (
    Stage("page_views", "segment_web_page_views", ("source",), "page_view_id", ("tstamp",), "anonymous_id",
          "stages/page_views", "incremental/delete_page_views", day_key="tstamp", upsert=True, staged="batch",
          history="incremental/history", records_before=("incremental/record_changes",),
          records_after=("incremental/record_rejected", RECORD_WATERMARK_TEMPLATE)),
    Stage("user_stitching", "segment_web_user_stitching", ("page_views",), "anonymous_id", ("anonymous_id",),
          "anonymous_id", "stages/user_stitching", "incremental/delete_user_stitching", staged="stitching_batch",
          records_before=("incremental/record_stitching",)),
    Stage("sessionized", "segment_web_page_views__sessionized", ("page_views",), "page_view_id", ("tstamp",),
          "anonymous_id", "stages/sessionized", "incremental/delete_sessionized", day_key="tstamp", upsert=True),
    Stage("sessions_initial", "segment_web_sessions__initial", ("sessionized",), "session_id",
          ("session_start_tstamp",), "anonymous_id", "stages/sessions_initial", "incremental/delete_sessions_initial",
          day_key="session_start_tstamp"),
    Stage("sessions_stitched", "segment_web_sessions__stitched", ("sessions_initial", "user_stitching"), "session_id",
          ("session_start_tstamp",), "blended_user_id", "stages/sessions_stitched",
          "incremental/delete_sessions_stitched", day_key="session_start_tstamp",
          records_before=("incremental/record_users",)),
    Stage("sessions", "segment_web_sessions", ("sessions_stitched",), "session_id", ("session_start_tstamp",),
          "blended_user_id", "stages/sessions", "incremental/delete_sessions",
          incremental_template="stages/sessions_incremental", day_key="session_start_tstamp"),
)  # fmt: skip

# The query of the rows the page_views stage rejects (its second table), and the runner's own.
REJECTED_TEMPLATE = "stages/rejected"
STATE_TEMPLATE = "runner/state"
SUMMARY_TEMPLATE = "runner/summary"
CHECK_TEMPLATE = "runner/check"
NEWEST_LOAD_KEY_TEMPLATE = "runner/newest_load_key"
# A source list's tracks and identifies rows (EVENTS_TABLE): their query and their replacement.
EVENTS_TEMPLATE = "stages/events"
DELETE_EVENTS_TEMPLATE = "incremental/delete_events"


STAGE_BY_NAME = {stage.name: stage for stage in STAGES}


def select_stages(selector: str | None) -> tuple[Stage, ...]:
    """``STAGE`` picks one stage, ``STAGE+`` it and everything downstream, like dbt."""
    from sessionizer.errors import ConfigError

    if not selector:
        return STAGES
    name, downstream = (selector[:-1], True) if selector.endswith("+") else (selector, False)
    name = {s.table: s.name for s in STAGES}.get(name, name)
    if name not in STAGE_BY_NAME:
        allowed = ", ".join(s.name for s in STAGES)
        raise ConfigError("select", f"unknown stage {name!r}; stages are: {allowed} (add + for downstream)")
    if not downstream:
        return (STAGE_BY_NAME[name],)
    chosen = {name}
    for stage in STAGES:  # dependency order, so one pass finds every descendant
        if chosen & set(stage.inputs):
            chosen.add(stage.name)
    return tuple(s for s in STAGES if s.name in chosen)


def source_columns(config: Config) -> tuple[str, ...]:
    """The source columns read: the rules', the incremental key, then pass-through ones."""
    extra = [config.incremental_key] if config.incremental_key not in SOURCE_COLUMNS else []
    return (*SOURCE_COLUMNS, *extra, *config.pass_through_columns)


def rejected_columns(config: Config) -> tuple[str, ...]:
    """segment_web_page_views__rejected: the source columns read, and why the row was refused."""
    return (*source_columns(config), "reject_reason")


def entry_columns(entry: SourceEntry, config: Config) -> tuple[str, ...]:
    """The columns read from a list entry: its kind's, the incremental key, and on pages and
    screens the pass-through ones."""
    own = KIND_COLUMNS[entry.kind]
    extra = [config.incremental_key] if config.incremental_key not in own else []
    passes = config.pass_through_columns if entry.kind.makes_page_views else ()
    return (*own, *extra, *passes)


def unique_key(stage: Stage, config: Config) -> tuple[str, ...]:
    """A stage's unique key: page view ids are unique per source_name in a source list."""
    per_source = config.entries is not None and stage.unique_key == "page_view_id"
    return (stage.unique_key, "source_name") if per_source else (stage.unique_key,)


def page_view_columns(config: Config) -> tuple[str, ...]:
    """segment_web_page_views, in dbt-segment's order (pass-through before device_category)."""
    return (
        "page_view_id", "anonymous_id", "user_id", "received_at_tstamp", "sent_at_tstamp",
        "tstamp", "page_url", "page_url_host", "page_url_path", "page_title", "page_url_query",
        "referrer", "referrer_host", "utm_source", "utm_medium", "utm_campaign", "utm_term",
        "utm_content", "gclid", "ip", "user_agent", "device", *config.pass_through_columns,
        "device_category",
    )  # fmt: skip


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


def columns(stage: str, config: Config) -> tuple[str, ...]:
    """The output columns of a stage's table, in order."""
    pv = page_view_columns(config)
    passes = tuple(f"{edge}_{c}" for c in config.pass_through_columns for edge in ("first", "last"))
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
    # A source list adds source_name as the last column of every table but user_stitching.
    return table if config.entries is None or stage == "user_stitching" else (*table, "source_name")


def column_clashes(config: Config) -> Iterator[tuple[str, str]]:
    """(pass-through column, table) for each pass-through column named like a column the source,
    the rules or any table already has. (Its first_/last_ session columns then cannot clash
    either: the sessions tables' own first_/last_ columns are named after page view columns.)"""
    if not config.pass_through_columns:
        return
    bare = dataclasses.replace(config, pass_through_columns=())
    tables = {"the source": source_columns(bare), REJECTED_TABLE: rejected_columns(bare)}
    tables.update((stage.table, columns(stage.name, bare)) for stage in STAGES)
    for column in config.pass_through_columns:
        yield from ((column, table) for table, names in tables.items() if column in names)
