"""What the templates see: one frozen, typed context per config and dialect.

Every user value in it is already SQL written by sqlglot (identifiers, literals, relations), so a
template only places it. The run's own literals (the stored watermarks) are set per compile with
``with_watermarks``, which returns a new context.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sessionizer import schema, sql
from sessionizer.config import Config
from sessionizer.dialects import CANONICAL, Dialect
from sessionizer.lazy import exp
from sessionizer.plan import STAGE_BY_NAME, STAGES


@dataclasses.dataclass(frozen=True)
class EntryContext:
    """One entry of a source list, as the templates read it."""

    index: int
    name: str  # the source_name, as a literal
    kind: str
    kind_literal: str
    relation: str  # what the entry is read through (its table, or a projection of it)
    events: tuple[str, ...] | None  # literals
    page_views: bool
    unreadable: tuple[str, ...] = ()  # text time columns whose not-a-time rejects a row


@dataclasses.dataclass(frozen=True)
class TemplateContext:
    """The names every template may use (see templates/); a missing one is a render error."""

    source: str | None  # a single source's relation (None with a list)
    listed: bool
    entries: tuple[EntryContext, ...]
    viewed_entries: tuple[EntryContext, ...]
    event_entries: tuple[EntryContext, ...]
    page_view_key: tuple[str, ...]
    event_columns: tuple[str, ...]
    event_key: tuple[str, ...]
    rejected_columns: tuple[str, ...]  # the source columns the rejected rows keep
    rel: Mapping[str, str]  # our tables by key, qualified
    own: Mapping[str, str]  # a table's own name, to qualify a DELETE target's columns (Redshift allows no alias)
    key: str  # the incremental key, as an identifier
    key_name: str
    trailing_window: int
    inactivity_cutoff: int
    pass_through: tuple[str, ...]
    restitch_in_place: bool
    columns: Mapping[str, tuple[str, ...]]
    source_columns: tuple[str, ...]
    first_columns: tuple[tuple[str, str], ...]
    last_columns: tuple[tuple[str, str], ...]
    referrer_mapping: tuple[tuple[str, str, str], ...]
    settings: str  # the settings fingerprint, as JSON
    # docs/reference.md "Beyond dbt-segment" (each empty/None/False when off):
    core_columns: Mapping[str, tuple[str, ...]]  # the stages' columns without source_name and opt-in ones
    added_columns: tuple[str, ...]  # the sessions tables' opt-in columns
    ignored_user_ids: tuple[str, ...]  # literals, normalised
    bot_patterns: tuple[str, ...] | None  # literals, lower-cased
    channel_grouping: bool
    channel_sources: Mapping[str, tuple[str, ...]]  # by medium: the mapping's lower-cased sources and hosts, literals
    engaged_session_seconds: int | None
    cuts_sessions: bool  # any of the three session rules below is set
    day_boundary_time_zone: str | None  # a literal
    split_on_campaign: bool
    max_session_seconds: int | None
    unreadable: tuple[str, ...] = ()  # a single source's text time columns whose not-a-time rejects a row
    watermark: str | None = None  # the stored watermark, a literal, when the caller read it
    watermarks: tuple[str | None, ...] = ()  # per entry of a source list

    def with_watermarks(self, value: Any, per_entry: Sequence[Any]) -> TemplateContext:
        """The context of one compile: the stored watermark(s) inlined as literals."""
        marks = tuple(sql.timestamp(v) for v in per_entry) if self.listed else self.watermarks
        return dataclasses.replace(self, watermark=sql.timestamp(value), watermarks=marks)

    def variables(self, **extra: Any) -> dict[str, Any]:
        """The mapping a template renders with (extra names for one template on top)."""
        return {**self.__dict__, **extra}


def _channel_sources(rows: Sequence[tuple[str, str, str]]) -> dict[str, tuple[str, ...]]:
    """For channel_grouping: what utm_source may equal (lower-cased) to be a search, social or
    email source: a source name or a host of the referrer mapping's rows of that medium."""
    return {
        medium: tuple(sql.literal(v) for v in sorted({x.lower() for m, s, h in rows if m == medium for x in (s, h)}))
        for medium in ("search", "social", "email")
    }


def build(
    config: Config,
    dialect: Dialect,
    readers: Sequence[exp.Expression],
    tables: Mapping[str, exp.Table],
    unreadable: Sequence[tuple[str, ...]] = (),
) -> TemplateContext:
    """The context of ``config`` compiled for ``dialect``, reading the source through ``readers``
    (one per entry of a source list; ``unreadable``: per reader, see sources.unreadable)."""
    unreadable = tuple(unreadable) or ((),) * len(readers)
    listed = config.listed
    entries = tuple(
        EntryContext(
            index=index,
            name=sql.literal(entry.name),
            kind=entry.kind.value,
            kind_literal=sql.literal(entry.kind.value),
            relation=reader.sql(CANONICAL),
            events=None if entry.events is None else tuple(sql.literal(e) for e in entry.events),
            page_views=entry.kind.makes_page_views,
            unreadable=unreadable[index],
        )
        for index, (entry, reader) in enumerate(zip(config.entries or (), readers if listed else (), strict=True))
    )
    # the columns the templates write before source_name and the opt-in columns
    core = schema.Layout(config.incremental_key, pass_through_columns=config.pass_through_columns)
    return TemplateContext(
        source=None if listed else readers[0].sql(CANONICAL),
        listed=listed,
        entries=entries,
        viewed_entries=tuple(e for e in entries if e.page_views),
        event_entries=tuple(e for e in entries if not e.page_views),
        page_view_key=schema.unique_key("page_views", STAGE_BY_NAME["page_views"].unique_key, config),
        event_columns=schema.EVENT_COLUMNS,
        event_key=("id", "source_name", "kind"),
        rejected_columns=tuple(sql.identifier(c) for c in schema.rejected_source_columns(config)),
        rel={key: table.sql(CANONICAL) for key, table in tables.items()},
        own={key: table.this.sql(CANONICAL) for key, table in tables.items()},
        key=sql.identifier(config.incremental_key),
        key_name=config.incremental_key,
        trailing_window=int(config.trailing_window),
        inactivity_cutoff=int(config.inactivity_cutoff),
        pass_through=tuple(sql.identifier(c) for c in config.pass_through_columns),
        restitch_in_place=dialect.RESTITCH_IN_PLACE,
        columns={stage.name: schema.columns(stage.name, config) for stage in STAGES},
        source_columns=tuple(sql.identifier(c) for c in schema.source_columns(config)),
        first_columns=schema.SESSION_FIRST_COLUMNS,
        last_columns=schema.SESSION_LAST_COLUMNS,
        referrer_mapping=config.mapping.rows,
        settings=json.dumps(config.settings_fingerprint(), sort_keys=True),
        core_columns={stage.name: schema.columns(stage.name, core) for stage in STAGES},
        added_columns=config.added_session_columns,
        ignored_user_ids=tuple(sql.literal(u) for u in config.ignored_user_ids),
        bot_patterns=None if config.bots is None else tuple(sql.literal(p) for p in config.bots),
        channel_grouping=config.channel_grouping,
        channel_sources=_channel_sources(config.mapping.rows),
        engaged_session_seconds=config.engaged_session_seconds,
        cuts_sessions=config.cuts_sessions,
        day_boundary_time_zone=None
        if config.day_boundary_time_zone is None
        else sql.literal(config.day_boundary_time_zone),
        split_on_campaign=config.split_on_campaign,
        max_session_seconds=config.max_session_seconds,
        watermarks=(None,) * len(entries),
        unreadable=() if listed else unreadable[0],
    )
