"""The logical plan: six model stages as data, in dependency order.

Each stage names its table, its inputs, its unique key, its sort/cluster and distribution keys,
and the templates of its queries and of the bookkeeping its incremental form needs. Templates live
by role: ``templates/stages/`` the stage queries, ``templates/incremental/`` the deletes and work
list records of incremental runs, ``templates/runner/`` the queries about a run (its state, its
figures, the lock). How a stage is written to a warehouse is the dialect's business; the tables'
names and columns are the schema's (sessionizer/schema.py).
"""

from __future__ import annotations

import dataclasses
import enum

from sessionizer.errors import ConfigError
from sessionizer.schema import STAGE_TABLES


class Mode(enum.Enum):
    """How a run writes: rebuild everything, or only what new input affects."""

    FULL_REFRESH = "full-refresh"
    INCREMENTAL = "incremental"


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
    # Incremental runs: scratch tables (key of the compiler's tables, template) made before the
    # stage's query, which reads them.
    prepared: tuple[tuple[str, str], ...] = ()


# Rendered once per entry of a source list, each entry keeping its own watermark.
RECORD_WATERMARK_TEMPLATE = "incremental/record_watermark"

STAGES: tuple[Stage, ...] = (
    Stage("page_views", STAGE_TABLES["page_views"], ("source",), "page_view_id", ("tstamp",), "anonymous_id",
          "stages/page_views", "incremental/delete_page_views", day_key="tstamp", upsert=True, staged="batch",
          history="incremental/history", records_before=("incremental/record_changes",),
          records_after=("incremental/record_rejected", RECORD_WATERMARK_TEMPLATE)),
    Stage("user_stitching", STAGE_TABLES["user_stitching"], ("page_views",), "anonymous_id", ("anonymous_id",),
          "anonymous_id", "stages/user_stitching", "incremental/delete_user_stitching", staged="stitching_batch",
          records_before=("incremental/record_stitching",)),
    Stage("sessionized", STAGE_TABLES["sessionized"], ("page_views",), "page_view_id", ("tstamp",),
          "anonymous_id", "stages/sessionized", "incremental/delete_sessionized", day_key="tstamp", upsert=True),
    Stage("sessions_initial", STAGE_TABLES["sessions_initial"], ("sessionized",), "session_id",
          ("session_start_tstamp",), "anonymous_id", "stages/sessions_initial", "incremental/delete_sessions_initial",
          day_key="session_start_tstamp"),
    Stage("sessions_stitched", STAGE_TABLES["sessions_stitched"], ("sessions_initial", "user_stitching"), "session_id",
          ("session_start_tstamp",), "blended_user_id", "stages/sessions_stitched",
          "incremental/delete_sessions_stitched", day_key="session_start_tstamp",
          records_before=("incremental/record_users",)),
    Stage("sessions", STAGE_TABLES["sessions"], ("sessions_stitched",), "session_id", ("session_start_tstamp",),
          "blended_user_id", "stages/sessions", "incremental/delete_sessions",
          incremental_template="stages/sessions_incremental", day_key="session_start_tstamp", staged="sessions_batch",
          prepared=(("user_sessions", "incremental/user_sessions_before"),),
          records_after=("incremental/record_user_sessions",)),
)  # fmt: skip

# The query of the rows the page_views stage rejects (its second table), and the runner's own.
REJECTED_TEMPLATE = "stages/rejected"
STATE_TEMPLATE = "runner/state"
# Each blended user's count of sessions (schema.USERS_TABLE), as a full refresh builds it.
USERS_TEMPLATE = "incremental/user_sessions"
SUMMARY_TEMPLATE = "runner/summary"
CHECK_TEMPLATE = "runner/check"
NEWEST_LOAD_KEY_TEMPLATE = "runner/newest_load_key"
# A source list's tracks and identifies rows (EVENTS_TABLE): their query and their replacement.
EVENTS_TEMPLATE = "stages/events"
WRITE_EVENTS_TEMPLATE = "incremental/write_events"


STAGE_BY_NAME = {stage.name: stage for stage in STAGES}


def select_stages(selector: str | None) -> tuple[Stage, ...]:
    """``STAGE`` picks one stage, ``STAGE+`` it and everything downstream, like dbt."""
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
