"""SPEC "Beyond dbt-segment" as cases: small inputs, the settings, and the values a full refresh
must give, computed by hand. tests/test_reference_beyond.py holds the reference to them; a
production test runs the same cases through each engine and compares with the same checks.

    for case in CASES:
        tables = reference_tables(case, tmp_path)       # or: the engine's tables, read back
        for check in case.checks:
            assert check.actual(tables) == check.expected(), (case.id, check.table)

A case is a single source (``pages``: rows of one pages table) or a source list (``entries``:
(name, kind, events, rows) as ``reference.build_list`` takes them; each (name, kind) is one
table). ``settings`` are sessionizer.yml keys; ``settings_in(folder)`` writes the case's
``files`` there and points ``bot_patterns`` at its file. Every case uses the package's referrer
mapping and its own ``inactivity_cutoff``. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests import reference as ref
from tests.helpers import T0, event, page
from tests.reference import (
    PAGE_VIEWS,
    PAGE_VIEWS_SESSIONIZED,
    REJECTED,
    SESSIONS,
    SESSIONS_INITIAL,
    USER_STITCHING,
    BeyondSettings,
    Row,
)

PACKAGE_MAPPING = ref.load_referrer_mapping(
    Path(__file__).resolve().parents[1] / "sessionizer/data/referrer_mapping.csv"
)

Entry = tuple[str, str, tuple[str, ...] | None, tuple[Row, ...]]


@dataclass(frozen=True)
class Check:
    """The rows one table must hold, projected on some of its columns (in any order)."""

    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def actual(self, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[tuple[Any, ...]]:
        """The table's rows projected on ``columns``, sorted as ``expected`` is."""
        return sorted((tuple(row[c] for c in self.columns) for row in tables[self.table]), key=repr)

    def expected(self) -> list[tuple[Any, ...]]:
        return sorted(self.rows, key=repr)


@dataclass(frozen=True)
class Case:
    """One rule of the section on a small input; ``id`` names the rule."""

    id: str
    settings: BeyondSettings
    checks: tuple[Check, ...]
    pages: tuple[Row, ...] = ()
    entries: tuple[Entry, ...] | None = None
    inactivity_cutoff: int = ref.DEFAULT_INACTIVITY_CUTOFF
    files: tuple[tuple[str, str], ...] = ()  # (file name, text) written by settings_in

    def settings_in(self, folder: Path) -> BeyondSettings:
        """The settings, with the case's files written into ``folder`` and bot_patterns naming
        its file there."""
        for name, text in self.files:
            (folder / name).write_text(text, encoding="utf-8")
        settings = BeyondSettings(**self.settings)
        if "bot_patterns" in settings and settings["bot_patterns"] is not None:
            settings["bot_patterns"] = str(folder / settings["bot_patterns"])
        return settings


def reference_tables(case: Case, folder: Path) -> dict[str, list[Row]]:
    """The reference's full refresh of ``case`` (``folder`` receives its files)."""
    settings = case.settings_in(folder)
    if case.entries is None:
        return ref.build(
            case.pages, inactivity_cutoff=case.inactivity_cutoff, referrer_mapping=PACKAGE_MAPPING, **settings
        )
    entries = [
        (name, kind, None if events is None else list(events), rows) for name, kind, events, rows in case.entries
    ]
    return ref.build_list(
        entries, inactivity_cutoff=case.inactivity_cutoff, referrer_mapping=PACKAGE_MAPPING, **settings
    )


def utc(text: str) -> datetime:
    """A UTC timestamp written '2025-03-09 04:50[:00.900]'."""
    return datetime.fromisoformat(text)


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    """T0 (2024-01-01 10:00 UTC) plus some minutes and seconds."""
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def campaign(source: str | None, medium: str | None = None, name: str | None = None, **more: str | None) -> Row:
    """The context_campaign_* columns of a row (term and content by keyword)."""
    return {
        "context_campaign_source": source,
        "context_campaign_medium": medium,
        "context_campaign_name": name,
        **{f"context_campaign_{k}": v for k, v in more.items()},
    }


def beat(id: str, timestamp: datetime, **values: Any) -> Row:
    """A tracks row of the heartbeat event."""
    return event(id=id, timestamp=timestamp, event="heartbeat", **values)


def screen(id: str, timestamp: datetime, **values: Any) -> Row:
    """A screens row of an iPhone app."""
    return event(
        id=id, timestamp=timestamp, name="Home", context_device_model="iPhone15,2", context_os_name="iOS", **values
    )


def pages(name: str, *rows: Row) -> Entry:
    return (name, "pages", None, rows)


def screens(name: str, *rows: Row) -> Entry:
    return (name, "screens", None, rows)


def heartbeats(name: str, *rows: Row) -> Entry:
    return (name, "tracks", ("heartbeat",), rows)


def identifies(name: str, *rows: Row) -> Entry:
    return (name, "identifies", None, rows)


GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
AHREFSBOT = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"
SESSION = ("anonymous_id", "session_start_tstamp", "page_views", "session_start_reason")
LIST_SESSION = ("source_name", "anonymous_id", "session_start_tstamp", "session_end_tstamp", "page_views",
                "session_start_reason")  # fmt: skip
BERLIN: BeyondSettings = {"day_boundary_time_zone": "Europe/Berlin"}
NEW_YORK: BeyondSettings = {"day_boundary_time_zone": "America/New_York"}
CAMPAIGNS: BeyondSettings = {"split_on_campaign": True}
HOUR: BeyondSettings = {"max_session_seconds": 3600}
X = campaign("google", "cpc", "spring")
Y = campaign("newsletter", "email", "may")


def sessions_of(*rows: tuple[Any, ...], columns: tuple[str, ...] = SESSION, table: str = SESSIONS_INITIAL) -> Check:
    return Check(table, columns, rows)


# -- ignored user ids ---------------------------------------------------------------------------

IGNORED = (
    Case(
        "ignored ids match after LOWER and removing U+0020 spaces, not tabs",
        {"ignored_user_ids": ["", "null"]},
        pages=(
            page(id="p1", anonymous_id="a1", user_id=" NULL "),
            page(id="p2", anonymous_id="a2", user_id=""),
            page(id="p3", anonymous_id="a3", user_id="   "),
            page(id="p4", anonymous_id="a4", user_id="null\t"),
        ),
        checks=(
            Check(
                USER_STITCHING,
                ("anonymous_id", "user_id"),
                (("a1", None), ("a2", None), ("a3", None), ("a4", "null\t")),
            ),
            Check(
                SESSIONS,
                ("anonymous_id", "blended_user_id"),
                (("a1", "a1"), ("a2", "a2"), ("a3", "a3"), ("a4", "null\t")),
            ),
            Check(
                PAGE_VIEWS, ("page_view_id", "user_id"), (("p1", " NULL "), ("p2", ""), ("p3", "   "), ("p4", "null\t"))
            ),
            Check(
                PAGE_VIEWS_SESSIONIZED,
                ("page_view_id", "user_id"),
                (("p1", " NULL "), ("p2", ""), ("p3", "   "), ("p4", "null\t")),
            ),
        ),
    ),
    Case(
        "the settings' entries are compared the same way",
        {"ignored_user_ids": [" Anonymous "]},
        pages=(page(id="p1", anonymous_id="a1", user_id="ANONYMOUS"),),
        checks=(Check(USER_STITCHING, ("anonymous_id", "user_id"), (("a1", None),)),),
    ),
    Case(
        "an ignored id is read as NULL: the last real user_id stays the stitched one",
        {"ignored_user_ids": ["undefined"]},
        pages=(
            page(id="p1", anonymous_id="a1", user_id="u1", timestamp=at(0)),
            page(id="p2", anonymous_id="a1", user_id="undefined", timestamp=at(5)),
        ),
        checks=(
            Check(USER_STITCHING, ("anonymous_id", "user_id"), (("a1", "u1"),)),
            Check(SESSIONS, ("anonymous_id", "blended_user_id"), (("a1", "u1"),)),
        ),
    ),
    Case(
        "visitors sharing an ignored id are not one user",
        {"ignored_user_ids": ["null"]},
        pages=(
            page(id="p1", anonymous_id="a1", user_id="null", timestamp=at(0)),
            page(id="p2", anonymous_id="a2", user_id="null", timestamp=at(5)),
        ),
        checks=(
            Check(SESSIONS, ("anonymous_id", "blended_user_id", "session_number"), (("a1", "a1", 1), ("a2", "a2", 1))),
        ),
    ),
    Case(
        "identifies and activity carrying an ignored id feed nothing",
        {"ignored_user_ids": ["anonymous"]},
        entries=(
            pages("web", page(id="p1", anonymous_id="a1", user_id="u1", timestamp=at(0))),
            heartbeats("web", beat("t1", at(2), user_id="anonymous")),
            identifies("web", event(id="i1", timestamp=at(3), user_id="Anonymous")),
        ),
        checks=(
            Check(USER_STITCHING, ("anonymous_id", "user_id"), (("a1", "u1"),)),
            Check(SESSIONS, ("anonymous_id", "blended_user_id", "session_end_tstamp"), (("a1", "u1", at(2)),)),
        ),
    ),
)

# -- bots ---------------------------------------------------------------------------------------

BOTS = (
    Case(
        "a bot row is set aside with the rejected rows, reason 'bot', and feeds nothing",
        {"exclude_bots": True},
        pages=(
            page(id="p1", anonymous_id="a1", timestamp=at(0)),
            page(id="p2", anonymous_id="a1", timestamp=at(5), user_id="u1", context_user_agent=GOOGLEBOT),
            page(id="p3", anonymous_id="a2", timestamp=at(0), context_user_agent=AHREFSBOT),
        ),
        checks=(
            Check(REJECTED, ("id", "reject_reason"), (("p2", "bot"), ("p3", "bot"))),
            Check(PAGE_VIEWS, ("page_view_id",), (("p1",),)),
            Check(USER_STITCHING, ("anonymous_id", "user_id"), (("a1", None),)),
            sessions_of(("a1", at(0), 1), columns=("anonymous_id", "session_start_tstamp", "page_views")),
        ),
    ),
    Case(
        "the NULL checks come first: a bot row whose id is NULL keeps that reason",
        {"exclude_bots": True},
        pages=(
            page(id=None, anonymous_id="a1", context_user_agent=GOOGLEBOT),
            page(id="p2", anonymous_id=None, context_user_agent=GOOGLEBOT),
            page(id="p3", anonymous_id="a1", context_user_agent=GOOGLEBOT),
        ),
        checks=(
            Check(
                REJECTED,
                ("id", "anonymous_id", "reject_reason"),
                ((None, "a1", "id is null"), ("p2", None, "anonymous_id is null"), ("p3", "a1", "bot")),
            ),
        ),
    ),
    Case(
        "bot rows are set aside before the dedupe: a later human copy of the id is the page view",
        {"exclude_bots": True},
        pages=(
            page(id="p1", title="bot", received_at=at(0), context_user_agent=GOOGLEBOT),
            page(id="p1", title="person", received_at=at(60)),
        ),
        checks=(
            Check(PAGE_VIEWS, ("page_view_id", "page_title"), (("p1", "person"),)),
            Check(REJECTED, ("id", "title", "reject_reason"), (("p1", "bot", "bot"),)),
        ),
    ),
    Case(
        "the user agent is lower-cased before matching; a NULL user agent is no bot",
        {"exclude_bots": True},
        pages=(
            page(id="p1", anonymous_id="a1", context_user_agent="MOZILLA/5.0 (COMPATIBLE; GOOGLEBOT/2.1)"),
            page(id="p2", anonymous_id="a2", context_user_agent=None),
        ),
        checks=(
            Check(REJECTED, ("id", "reject_reason"), (("p1", "bot"),)),
            Check(PAGE_VIEWS, ("page_view_id",), (("p2",),)),
        ),
    ),
    Case(
        "a bot_patterns file replaces the built-in list: stripped, lower-cased, comments skipped",
        {"exclude_bots": True, "bot_patterns": "bots.txt"},
        files=(("bots.txt", "# our own monitors\n\n  Acme-Monitor  \n# googlebot\n"),),
        pages=(
            page(id="p1", anonymous_id="a1", context_user_agent="acme-monitor/2.0"),
            page(id="p2", anonymous_id="a2", context_user_agent=GOOGLEBOT),
        ),
        checks=(
            Check(REJECTED, ("id", "reject_reason"), (("p1", "bot"),)),
            Check(PAGE_VIEWS, ("page_view_id",), (("p2",),)),
        ),
    ),
    Case(
        "screens rows are bot-checked; tracks and identifies rows are not",
        {"exclude_bots": True},
        entries=(
            pages("web", page(id="p1", anonymous_id="a1", timestamp=at(0))),
            screens("app", screen("s1", at(0), anonymous_id="a9", context_user_agent=GOOGLEBOT)),
            heartbeats("web", beat("t1", at(20), context_user_agent=GOOGLEBOT)),
            identifies("web", event(id="i1", timestamp=at(21), user_id="u1", context_user_agent=GOOGLEBOT)),
        ),
        checks=(
            Check(REJECTED, ("source_name", "kind", "id", "reject_reason"), (("app", "screens", "s1", "bot"),)),
            Check(
                SESSIONS,
                ("source_name", "anonymous_id", "session_end_tstamp", "blended_user_id"),
                (("web", "a1", at(20), "u1"),),
            ),
        ),
    ),
    Case(
        "a visitor whose page views are all bots has no stitching row and no session",
        {"exclude_bots": True},
        entries=(
            pages("web", page(id="p1", anonymous_id="a1", context_user_agent=GOOGLEBOT)),
            heartbeats("web", beat("t1", at(1))),
        ),
        checks=(
            Check(USER_STITCHING, ("anonymous_id",), ()),
            Check(SESSIONS_INITIAL, ("anonymous_id",), ()),
            Check(REJECTED, ("id", "reject_reason"), (("p1", "bot"),)),
        ),
    ),
)

# -- session rules: the day boundary ------------------------------------------------------------

DAY_BOUNDARY = (
    Case(
        "local midnight in Europe/Berlin starts a new piece; UTC midnight does not",
        BERLIN,
        pages=(
            page(id="p1", anonymous_id="a1", timestamp=utc("2025-01-15 22:50")),  # 23:50 CET
            page(id="p2", anonymous_id="a1", timestamp=utc("2025-01-15 23:10")),  # 00:10 CET, the 16th
            page(id="p3", anonymous_id="a2", timestamp=utc("2025-01-15 22:40")),
            page(id="p4", anonymous_id="a2", timestamp=utc("2025-01-15 22:55")),
            page(id="p5", anonymous_id="a3", timestamp=utc("2025-01-15 23:50")),  # 00:50 CET
            page(id="p6", anonymous_id="a3", timestamp=utc("2025-01-16 00:10")),  # 01:10 CET
        ),
        checks=(
            sessions_of(
                ("a1", utc("2025-01-15 22:50"), 1, "first"),
                ("a1", utc("2025-01-15 23:10"), 1, "day_boundary"),
                ("a2", utc("2025-01-15 22:40"), 2, "first"),
                ("a3", utc("2025-01-15 23:50"), 2, "first"),
            ),
        ),
    ),
    Case(
        "America/New_York on 2025-03-09 (spring forward): midnight is 05:00 UTC, the next one 04:00 UTC",
        NEW_YORK,
        pages=(
            page(id="p1", anonymous_id="s1", timestamp=utc("2025-03-09 04:50")),  # 23:50 EST, the 8th
            page(id="p2", anonymous_id="s1", timestamp=utc("2025-03-09 05:10")),  # 00:10 EST
            page(id="p3", anonymous_id="s2", timestamp=utc("2025-03-10 03:50")),  # 23:50 EDT, the 9th
            page(id="p4", anonymous_id="s2", timestamp=utc("2025-03-10 04:10")),  # 00:10 EDT
            page(id="p5", anonymous_id="s3", timestamp=utc("2025-03-10 04:50")),  # 00:50 EDT
            page(id="p6", anonymous_id="s3", timestamp=utc("2025-03-10 05:10")),  # 01:10 EDT
            page(id="p7", anonymous_id="s4", timestamp=utc("2025-03-09 06:50")),  # 01:50 EST
            page(id="p8", anonymous_id="s4", timestamp=utc("2025-03-09 07:10")),  # 03:10 EDT
        ),
        checks=(
            sessions_of(
                ("s1", utc("2025-03-09 04:50"), 1, "first"),
                ("s1", utc("2025-03-09 05:10"), 1, "day_boundary"),
                ("s2", utc("2025-03-10 03:50"), 1, "first"),
                ("s2", utc("2025-03-10 04:10"), 1, "day_boundary"),
                ("s3", utc("2025-03-10 04:50"), 2, "first"),
                ("s4", utc("2025-03-09 06:50"), 2, "first"),
            ),
        ),
    ),
    Case(
        "America/New_York on 2025-11-02 (fall back): midnight is 04:00 UTC, the next one 05:00 UTC",
        NEW_YORK,
        pages=(
            page(id="p1", anonymous_id="f1", timestamp=utc("2025-11-02 03:50")),  # 23:50 EDT, the 1st
            page(id="p2", anonymous_id="f1", timestamp=utc("2025-11-02 04:10")),  # 00:10 EDT
            page(id="p3", anonymous_id="f2", timestamp=utc("2025-11-03 04:50")),  # 23:50 EST, the 2nd
            page(id="p4", anonymous_id="f2", timestamp=utc("2025-11-03 05:10")),  # 00:10 EST
            page(id="p5", anonymous_id="f3", timestamp=utc("2025-11-03 03:50")),  # 22:50 EST
            page(id="p6", anonymous_id="f3", timestamp=utc("2025-11-03 04:10")),  # 23:10 EST
            page(id="p7", anonymous_id="f4", timestamp=utc("2025-11-02 05:50")),  # 01:50 EDT
            page(id="p8", anonymous_id="f4", timestamp=utc("2025-11-02 06:10")),  # 01:10 EST, clocks went back
        ),
        checks=(
            sessions_of(
                ("f1", utc("2025-11-02 03:50"), 1, "first"),
                ("f1", utc("2025-11-02 04:10"), 1, "day_boundary"),
                ("f2", utc("2025-11-03 04:50"), 1, "first"),
                ("f2", utc("2025-11-03 05:10"), 1, "day_boundary"),
                ("f3", utc("2025-11-03 03:50"), 2, "first"),
                ("f4", utc("2025-11-02 05:50"), 2, "first"),
            ),
        ),
    ),
    Case(
        "activity is an item of the stream: it ends a day's session or starts the next piece and is dropped",
        BERLIN,
        entries=(
            pages(
                "web",
                page(id="p1", anonymous_id="a1", timestamp=utc("2025-01-15 22:30")),  # 23:30 CET
                page(id="p2", anonymous_id="a1", timestamp=utc("2025-01-15 23:05")),  # 00:05 CET
                page(id="q1", anonymous_id="a2", timestamp=utc("2025-01-15 22:50")),  # 23:50 CET
                page(id="q2", anonymous_id="a2", timestamp=utc("2025-01-15 23:10")),  # 00:10 CET
            ),
            heartbeats(
                "web",
                beat("t1", utc("2025-01-15 22:55"), anonymous_id="a1"),  # 23:55 CET
                beat("t2", utc("2025-01-15 23:05"), anonymous_id="a2"),  # 00:05 CET: a new piece
            ),
        ),
        checks=(
            sessions_of(
                ("web", "a1", utc("2025-01-15 22:30"), utc("2025-01-15 22:55"), 1, "first"),
                ("web", "a1", utc("2025-01-15 23:05"), utc("2025-01-15 23:05"), 1, "day_boundary"),
                ("web", "a2", utc("2025-01-15 22:50"), utc("2025-01-15 22:50"), 1, "first"),
                ("web", "a2", utc("2025-01-15 23:10"), utc("2025-01-15 23:10"), 1, "day_boundary"),
                columns=LIST_SESSION,
            ),
        ),
    ),
)

# -- session rules: campaigns -------------------------------------------------------------------

CAMPAIGN = (
    Case(
        "a campaign equal to the latest earlier one does not cut; a page view without one neither cuts nor resets",
        CAMPAIGNS,
        pages=(
            page(id="p1", timestamp=at(0), **X),
            page(id="p2", timestamp=at(5)),
            page(id="p3", timestamp=at(10), **X),
        ),
        checks=(sessions_of(("a1", at(0), 3, "first")),),
    ),
    Case(
        "a campaign after campaign-less page views starts a new piece",
        CAMPAIGNS,
        pages=(page(id="p1", timestamp=at(0)), page(id="p2", timestamp=at(5), **Y)),
        checks=(sessions_of(("a1", at(0), 1, "first"), ("a1", at(5), 1, "campaign")),),
    ),
    Case(
        "campaigns compare NULL-safe and as exact text: '' is not NULL, 'Google' is not 'google'",
        CAMPAIGNS,
        pages=(
            page(id="p1", timestamp=at(0), **campaign("google", "cpc", None)),
            page(id="p2", timestamp=at(5), **campaign("google", "cpc", "")),
            page(id="p3", timestamp=at(10), **campaign("Google", "cpc", "")),
            page(id="p4", timestamp=at(15), **campaign("Google", "cpc", "", term="")),
        ),
        checks=(
            sessions_of(
                ("a1", at(0), 1, "first"),
                ("a1", at(5), 1, "campaign"),
                ("a1", at(10), 1, "campaign"),
                ("a1", at(15), 1, "campaign"),
            ),
        ),
    ),
    Case(
        "the earlier campaign is the visitor's latest, in any session; the first page view never cuts",
        CAMPAIGNS,
        pages=(
            page(id="p1", timestamp=at(0), **X),
            page(id="p2", timestamp=at(60)),  # a new session by inactivity, no campaign
            page(id="p3", timestamp=at(65), **X),  # the same as p1's, a session earlier: no cut
            page(id="p4", timestamp=at(70), **Y),
            page(id="p5", timestamp=at(75), **X),  # differs from the latest (Y), though p1-p3 had it
        ),
        checks=(
            sessions_of(
                ("a1", at(0), 1, "first"),
                ("a1", at(60), 2, "inactivity"),
                ("a1", at(70), 1, "campaign"),
                ("a1", at(75), 1, "campaign"),
            ),
        ),
    ),
    Case(
        "gclid is part of the campaign",
        CAMPAIGNS,
        pages=(
            page(id="p1", timestamp=at(0), url="https://www.example.com/?gclid=a"),
            page(id="p2", timestamp=at(5), url="https://www.example.com/?gclid=b"),
            page(id="p3", timestamp=at(10), url="https://www.example.com/shoes?gclid=b&size=9"),
        ),
        checks=(sessions_of(("a1", at(0), 1, "first"), ("a1", at(5), 2, "campaign")),),
    ),
    Case(
        "screen views are page views: their campaigns compare within the same source_name",
        CAMPAIGNS,
        entries=(
            pages("web", page(id="p1", timestamp=at(0), **X)),
            screens("web", screen("s1", at(5), **X), screen("s2", at(10), **Y)),
            screens("app", screen("s3", at(6), **X)),
        ),
        checks=(
            sessions_of(
                ("web", "a1", at(0), at(5), 2, "first"),
                ("web", "a1", at(10), at(10), 1, "campaign"),
                ("app", "a1", at(6), at(6), 1, "first"),
                columns=LIST_SESSION,
            ),
        ),
    ),
)

# -- session rules: max_session_seconds ---------------------------------------------------------

MAX_DURATION = (
    Case(
        "each piece is cut every N seconds from its first page view; exactly N seconds starts the next",
        HOUR,
        pages=tuple(
            page(id=f"p{n}", timestamp=at(seconds=s)) for n, s in enumerate((0, 1800, 3599, 3600, 5400, 7200), start=1)
        ),
        checks=(
            sessions_of(
                ("a1", at(0), at(seconds=3599), 3, "first"),
                ("a1", at(seconds=3600), at(seconds=5400), 2, "max_duration"),
                ("a1", at(seconds=7200), at(seconds=7200), 1, "max_duration"),
                columns=(
                    "anonymous_id",
                    "session_start_tstamp",
                    "session_end_tstamp",
                    "page_views",
                    "session_start_reason",
                ),
            ),
        ),
    ),
    Case(
        "the N seconds are counted as in Time (second boundaries crossed)",
        HOUR,
        pages=(
            page(id="p1", timestamp=utc("2024-01-01 10:00:00.900")),
            page(id="p2", timestamp=utc("2024-01-01 10:30:00")),
            page(id="p3", timestamp=utc("2024-01-01 11:00:00.100")),  # 3599.2 s later, 3600 boundaries
        ),
        checks=(
            sessions_of(
                ("a1", utc("2024-01-01 10:00:00.900"), 2, "first"),
                ("a1", utc("2024-01-01 11:00:00.100"), 1, "max_duration"),
            ),
        ),
    ),
    Case(
        "every piece counts from its own first page view",
        HOUR,
        pages=(
            page(id="p1", timestamp=at(0)),
            page(id="p2", timestamp=at(40)),
            page(id="p3", timestamp=at(70)),
            page(id="p4", timestamp=at(100)),  # 3600 s after p2
        ),
        checks=(
            sessions_of(
                ("a1", at(0), 1, "first"),
                ("a1", at(40), 2, "inactivity"),
                ("a1", at(100), 1, "max_duration"),
            ),
        ),
    ),
    Case(
        "sub-pieces count from the piece's first page view, not from activity before it",
        HOUR,
        entries=(
            pages("web", page(id="p1", timestamp=at(10)), page(id="p2", timestamp=at(60))),
            heartbeats("web", beat("t1", at(0)), beat("t2", at(35))),
        ),
        checks=(sessions_of(("web", "a1", at(10), at(60), 2, "first"), columns=LIST_SESSION),),
    ),
    Case(
        "activity before a sub-piece's first page view is dropped; a sub-piece without one makes no session",
        HOUR,
        entries=(
            pages("web", page(id="p1", timestamp=at(0)), page(id="p2", timestamp=at(130))),
            heartbeats(
                "web",
                beat("t1", at(25)),
                beat("t2", at(50)),
                beat("t3", at(75)),  # sub-piece 1 (4500 s): activity only
                beat("t4", at(100)),
                beat("t5", at(125)),  # sub-piece 2, before p2: dropped
            ),
        ),
        checks=(
            sessions_of(
                ("web", "a1", at(0), at(50), 1, "first"),
                ("web", "a1", at(130), at(130), 1, "max_duration"),
                columns=LIST_SESSION,
            ),
            Check(
                PAGE_VIEWS_SESSIONIZED,
                ("page_view_id", "page_view_number", "session_id"),
                (("p1", 1, ref.list_session_id("a1", 1, "web")), ("p2", 2, ref.list_session_id("a1", 2, "web"))),
            ),
        ),
    ),
)

# -- session_start_reason -----------------------------------------------------------------------

START_REASON = (
    Case(
        "session_start_reason: inactivity, else day_boundary, else campaign, else max_duration",
        {**BERLIN, **CAMPAIGNS, **HOUR},
        pages=(
            page(id="p1", anonymous_id="a1", timestamp=utc("2025-01-15 22:00"), **X),
            page(id="p2", anonymous_id="a1", timestamp=utc("2025-01-15 23:40"), **Y),  # all three hold
            page(id="q1", anonymous_id="a2", timestamp=utc("2025-01-15 22:50"), **X),
            page(id="q2", anonymous_id="a2", timestamp=utc("2025-01-15 23:10"), **Y),  # a new day, a new campaign
            page(id="r1", anonymous_id="a3", timestamp=utc("2025-01-15 20:00"), **X),
            page(id="r2", anonymous_id="a3", timestamp=utc("2025-01-15 20:10"), **Y),
            page(id="s1", anonymous_id="a4", timestamp=utc("2025-01-15 19:00")),
            page(id="s2", anonymous_id="a4", timestamp=utc("2025-01-15 19:25")),
            page(id="s3", anonymous_id="a4", timestamp=utc("2025-01-15 19:50")),
            page(id="s4", anonymous_id="a4", timestamp=utc("2025-01-15 20:05")),
        ),
        checks=(
            sessions_of(
                ("a1", utc("2025-01-15 22:00"), 1, "first"),
                ("a1", utc("2025-01-15 23:40"), 1, "inactivity"),
                ("a2", utc("2025-01-15 22:50"), 1, "first"),
                ("a2", utc("2025-01-15 23:10"), 1, "day_boundary"),
                ("a3", utc("2025-01-15 20:00"), 1, "first"),
                ("a3", utc("2025-01-15 20:10"), 1, "campaign"),
                ("a4", utc("2025-01-15 19:00"), 3, "first"),
                ("a4", utc("2025-01-15 20:05"), 1, "max_duration"),
            ),
        ),
    ),
    Case(
        "'first' is the visitor's first session, whatever began its piece; in all three sessions tables",
        HOUR,
        entries=(
            pages("web", page(id="p1", timestamp=at(120)), page(id="p2", timestamp=at(240))),
            heartbeats("web", beat("t1", at(0))),
        ),
        checks=tuple(
            Check(
                table, ("session_start_tstamp", "session_start_reason"), ((at(120), "first"), (at(240), "inactivity"))
            )
            for table in (SESSIONS_INITIAL, ref.SESSIONS_STITCHED, SESSIONS)
        ),
    ),
)

# -- channel ------------------------------------------------------------------------------------


def visit(anonymous_id: str, **values: Any) -> Row:
    """One page view of its own visitor on https://www.example.com/home, no referrer, no campaign."""
    return page(id=f"pv-{anonymous_id}", anonymous_id=anonymous_id, **values)


# (anonymous_id, the page view's values, its channel), in the order of SPEC's rules.
CHANNEL_RULES: tuple[tuple[str, Row, str], ...] = (
    ("gclid", {"url": "https://www.example.com/?gclid=abc"}, "Paid Search"),
    ("gclid-beats-email", {"url": "https://www.example.com/?gclid=abc", **campaign(None, "email")}, "Paid Search"),
    ("cpc-google", campaign("Google", "CPC"), "Paid Search"),
    ("ppc-search-host", campaign("bing.com", "ppc"), "Paid Search"),
    ("paid-search-referrer", {"referrer": "https://www.google.com/", **campaign("newsletter", "cpc")}, "Paid Search"),
    ("paid-social", campaign("facebook", "paid_social"), "Paid Social"),
    ("paid-social-referrer", {"referrer": "https://l.facebook.com/", **campaign("spring", "cpc")}, "Paid Social"),
    ("cpm", campaign("newsletter", "cpm"), "Display"),
    ("banner", campaign(None, "banner"), "Display"),
    ("retargeting", campaign("partner", "retargeting"), "Paid Other"),
    ("medium-email", campaign(None, "Email"), "Email"),
    ("source-e-mail", campaign("e mail"), "Email"),
    ("email-source", campaign("gmail"), "Email"),
    ("email-referrer", {"referrer": "https://mail.google.com/mail/u/0/"}, "Email"),
    ("affiliate", campaign("partner", "affiliate"), "Affiliates"),
    ("organic", campaign("x", "organic"), "Organic Search"),
    ("search-referrer", {"referrer": "https://www.google.com/search?q=shoes"}, "Organic Search"),
    ("social", campaign(None, "social"), "Organic Social"),
    ("social-source", campaign("facebook"), "Organic Social"),
    ("social-referrer", {"referrer": "https://t.co/abc"}, "Organic Social"),
    ("referral", campaign("blog", "referral"), "Referral"),
    ("other-site", {"referrer": "https://www.some-blog.org/post"}, "Referral"),
    ("subdomain", {"referrer": "https://shop.example.com/cart"}, "Referral"),
    ("no-page-host", {"url": None, "referrer": "https://other.org/"}, "Referral"),
    ("internal", {"referrer": "https://example.com/cart"}, "Direct"),
    ("internal-www", {"referrer": "https://www.example.com/"}, "Direct"),
    ("no-referrer", {}, "Direct"),
    ("empty-referrer", {"referrer": ""}, "Direct"),
    ("term-only", campaign(None, term="summer"), "Direct"),
    ("empty-source", campaign(""), "Unassigned"),
    ("empty-medium", campaign(None, ""), "Unassigned"),
    ("campaign-only", campaign(None, None, "spring"), "Unassigned"),
    ("unknown-source", campaign("foo"), "Unassigned"),
)

CHANNEL = (
    Case(
        "channel: the first of the eleven rules that holds",
        {"channel_grouping": True},
        pages=tuple(visit(a, **values) for a, values, _ in CHANNEL_RULES),
        checks=(Check(SESSIONS_INITIAL, ("anonymous_id", "channel"), tuple((a, c) for a, _, c in CHANNEL_RULES)),),
    ),
    Case(
        "channel is the session's first page view's",
        {"channel_grouping": True},
        pages=(page(id="p1", timestamp=at(0)), page(id="p2", timestamp=at(5), **X)),
        checks=(Check(SESSIONS, ("anonymous_id", "page_views", "channel"), (("a1", 2, "Direct"),)),),
    ),
    Case(
        "a screens session's channel comes from its campaign alone",
        {"channel_grouping": True},
        entries=(
            screens(
                "app",
                screen("s1", at(0), anonymous_id="a1", **campaign("newsletter", "email")),
                screen("s2", at(0), anonymous_id="a2"),
                screen("s3", at(0), anonymous_id="a3", **campaign("google", "cpc")),
            ),
        ),
        checks=(
            Check(
                SESSIONS_INITIAL,
                ("source_name", "anonymous_id", "channel"),
                (("app", "a1", "Email"), ("app", "a2", "Direct"), ("app", "a3", "Paid Search")),
            ),
        ),
    ),
)

# -- engagement ---------------------------------------------------------------------------------

ENGAGEMENT = (
    Case(
        "is_engaged: duration_in_s >= N (exactly N counts, seconds as in Time) or two page views",
        {"engaged_session_seconds": 10},
        entries=(
            pages(
                "web",
                page(id="p1", anonymous_id="a1", timestamp=at(0)),
                page(id="p2", anonymous_id="a2", timestamp=at(0)),
                page(id="p3", anonymous_id="a3", timestamp=at(seconds=0.9)),
                page(id="p4", anonymous_id="a4", timestamp=at(0)),
                page(id="p5", anonymous_id="a4", timestamp=at(0)),
            ),
            heartbeats(
                "web",
                beat("t1", at(seconds=10), anonymous_id="a1"),
                beat("t2", at(seconds=9), anonymous_id="a2"),
                beat("t3", at(seconds=10.1), anonymous_id="a3"),
            ),
        ),
        checks=(
            Check(
                SESSIONS,
                ("anonymous_id", "duration_in_s", "page_views", "is_engaged"),
                (("a1", 10, 1, True), ("a2", 9, 1, False), ("a3", 10, 1, True), ("a4", 0, 2, True)),
            ),
        ),
    ),
    Case(
        "engaged_session_seconds: 0 makes every session engaged",
        {"engaged_session_seconds": 0},
        pages=(page(id="p1"),),
        checks=(Check(SESSIONS_INITIAL, ("anonymous_id", "duration_in_s", "is_engaged"), (("a1", 0, True),)),),
    ),
)

# -- every setting together ---------------------------------------------------------------------

ALL_SETTINGS: BeyondSettings = {
    "ignored_user_ids": ["null"],
    "exclude_bots": True,
    "day_boundary_time_zone": "Europe/Berlin",
    "split_on_campaign": True,
    "max_session_seconds": 3600,
    "channel_grouping": True,
    "engaged_session_seconds": 60,
}


def _day(hh_mm: str) -> datetime:
    return utc(f"2025-01-15 {hh_mm}")


TOGETHER = (
    Case(
        "every setting together",
        ALL_SETTINGS,
        pages=(
            page(
                id="p1", anonymous_id="a1", timestamp=_day("18:00"), user_id="null", referrer="https://www.google.com/"
            ),
            page(id="p2", anonymous_id="a1", timestamp=_day("18:20"), user_id="u1"),
            page(id="p9", anonymous_id="a1", timestamp=_day("18:25"), context_user_agent=GOOGLEBOT),
            page(id="p3", anonymous_id="a1", timestamp=_day("18:30"), **Y),
            page(id="p4", anonymous_id="a1", timestamp=_day("19:35")),
            page(id="p5", anonymous_id="a1", timestamp=_day("20:00")),
            page(id="p6", anonymous_id="a1", timestamp=_day("20:25")),
            page(id="p7", anonymous_id="a1", timestamp=_day("20:36")),  # 3660 s after p4
            page(id="p8", anonymous_id="a1", timestamp=_day("22:50")),  # 23:50 CET
            page(id="p10", anonymous_id="a1", timestamp=_day("23:10")),  # 00:10 CET
            page(id="q1", anonymous_id="a2", timestamp=_day("18:00"), user_id="null"),
        ),
        checks=(
            Check(
                SESSIONS,
                (
                    "anonymous_id",
                    "session_start_tstamp",
                    "page_views",
                    "duration_in_s",
                    "session_start_reason",
                    "channel",
                    "is_engaged",
                    "blended_user_id",
                    "session_number",
                ),
                (
                    ("a1", _day("18:00"), 2, 1200, "first", "Organic Search", True, "u1", 1),
                    ("a1", _day("18:30"), 1, 0, "campaign", "Email", False, "u1", 2),
                    ("a1", _day("19:35"), 3, 3000, "inactivity", "Direct", True, "u1", 3),
                    ("a1", _day("20:36"), 1, 0, "max_duration", "Direct", False, "u1", 4),
                    ("a1", _day("22:50"), 1, 0, "inactivity", "Direct", False, "u1", 5),
                    ("a1", _day("23:10"), 1, 0, "day_boundary", "Direct", False, "u1", 6),
                    ("a2", _day("18:00"), 1, 0, "first", "Direct", False, "a2", 1),
                ),
            ),
            Check(REJECTED, ("id", "reject_reason"), (("p9", "bot"),)),
            Check(USER_STITCHING, ("anonymous_id", "user_id"), (("a1", "u1"), ("a2", None))),
        ),
    ),
)

CASES: tuple[Case, ...] = (
    *IGNORED, *BOTS, *DAY_BOUNDARY, *CAMPAIGN, *MAX_DURATION, *START_REASON, *CHANNEL, *ENGAGEMENT, *TOGETHER,
)  # fmt: skip

# Each setting alone (and all together) and the columns it adds to the three sessions tables.
ADDED_COLUMNS: tuple[tuple[BeyondSettings, tuple[str, ...]], ...] = (
    ({"ignored_user_ids": ["null"]}, ()),
    ({"exclude_bots": True}, ()),
    (BERLIN, ("session_start_reason",)),
    (CAMPAIGNS, ("session_start_reason",)),
    (HOUR, ("session_start_reason",)),
    ({"channel_grouping": True}, ("channel",)),
    ({"engaged_session_seconds": 30}, ("is_engaged",)),
    (ALL_SETTINGS, ("session_start_reason", "channel", "is_engaged")),
)
