"""Plain-Python reference implementation of SPEC.md, used as the oracle in property tests.

Written to be obviously correct, not fast: every rule is a small named function that mirrors
one sentence of SPEC.md, and ``build`` composes them in the order the SPEC describes the
tables. Stdlib only, so it shares no code (and no bugs) with the SQL compiler it checks.

Row order inside each returned table is deterministic but is not part of the contract (the
tables are sets); compare with ``canonical``.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Row = dict[str, Any]

# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

PAGE_VIEWS = "segment_web_page_views"
USER_STITCHING = "segment_web_user_stitching"
PAGE_VIEWS_SESSIONIZED = "segment_web_page_views__sessionized"
SESSIONS_INITIAL = "segment_web_sessions__initial"
SESSIONS_STITCHED = "segment_web_sessions__stitched"
SESSIONS = "segment_web_sessions"
REJECTED = "segment_web_page_views__rejected"

TABLES: tuple[str, ...] = (
    PAGE_VIEWS,
    USER_STITCHING,
    PAGE_VIEWS_SESSIONIZED,
    SESSIONS_INITIAL,
    SESSIONS_STITCHED,
    SESSIONS,
)

SOURCE_COLUMNS: tuple[str, ...] = (
    "id",
    "anonymous_id",
    "user_id",
    "received_at",
    "sent_at",
    "timestamp",
    "url",
    "path",
    "title",
    "search",
    "referrer",
    "context_campaign_source",
    "context_campaign_medium",
    "context_campaign_name",
    "context_campaign_term",
    "context_campaign_content",
    "context_ip",
    "context_user_agent",
)

# Source column -> page view column, in the page view table's order (SPEC table 1).
RENAMES: tuple[tuple[str, str], ...] = (
    ("id", "page_view_id"),
    ("anonymous_id", "anonymous_id"),
    ("user_id", "user_id"),
    ("received_at", "received_at_tstamp"),
    ("sent_at", "sent_at_tstamp"),
    ("timestamp", "tstamp"),
    ("url", "page_url"),
)

# The five campaign columns, in the page view table's order (source order differs).
UTM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("context_campaign_source", "utm_source"),
    ("context_campaign_medium", "utm_medium"),
    ("context_campaign_name", "utm_campaign"),
    ("context_campaign_term", "utm_term"),
    ("context_campaign_content", "utm_content"),
)

DEFAULT_INACTIVITY_CUTOFF = 1800
SURROGATE_KEY_NULL = "_dbt_utils_surrogate_key_null_"
MEDIUMS = ("search", "social", "email")

# Which session column takes the FIRST page view's value of which page view column (SPEC 4).
FIRST_VALUES: tuple[tuple[str, str], ...] = (
    ("utm_source", "utm_source"),
    ("utm_content", "utm_content"),
    ("utm_medium", "utm_medium"),
    ("utm_campaign", "utm_campaign"),
    ("utm_term", "utm_term"),
    ("gclid", "gclid"),
    ("page_url", "first_page_url"),
    ("page_url_host", "first_page_url_host"),
    ("page_url_path", "first_page_url_path"),
    ("page_url_query", "first_page_url_query"),
    ("referrer", "referrer"),
    ("referrer_host", "referrer_host"),
    ("device", "device"),
    ("device_category", "device_category"),
)

LAST_VALUES: tuple[tuple[str, str], ...] = (
    ("page_url", "last_page_url"),
    ("page_url_host", "last_page_url_host"),
    ("page_url_path", "last_page_url_path"),
    ("page_url_query", "last_page_url_query"),
)


# --------------------------------------------------------------------------------------------
# Column orders
# --------------------------------------------------------------------------------------------


def page_view_columns(pass_through_columns: Sequence[str] = ()) -> list[str]:
    """SPEC table 1: pass-through columns sit between device and device_category (as in dbt)."""
    return [
        "page_view_id",
        "anonymous_id",
        "user_id",
        "received_at_tstamp",
        "sent_at_tstamp",
        "tstamp",
        "page_url",
        "page_url_host",
        "page_url_path",
        "page_title",
        "page_url_query",
        "referrer",
        "referrer_host",
        *(utm for _, utm in UTM_COLUMNS),
        "gclid",
        "ip",
        "user_agent",
        "device",
        *pass_through_columns,
        "device_category",
    ]


def session_columns(pass_through_columns: Sequence[str] = ()) -> list[str]:
    """SPEC table 4, read literally: first_<c>, last_<c> per column, after last_page_url_query.

    NB dbt-segment 0.8 itself puts all first_<c> after device_category and all last_<c> after
    last_page_url_query; SPEC's wording says otherwise. Reported to the lead as an ambiguity;
    change it here only, the rest of the reference follows.
    """
    pass_through = [name for c in pass_through_columns for name in (f"first_{c}", f"last_{c}")]
    return [
        "session_id",
        "anonymous_id",
        "session_start_tstamp",
        "session_end_tstamp",
        "page_views",
        *(out for _, out in FIRST_VALUES),
        *(out for _, out in LAST_VALUES),
        *pass_through,
        "duration_in_s",
        "duration_in_s_tier",
        "referrer_medium",
        "referrer_source",
    ]


def rejected_columns(pass_through_columns: Sequence[str] = (), incremental_key: str = "received_at") -> list[str]:
    """Source columns (standard, then a non-standard key, then pass-through), + reject_reason."""
    cols = list(SOURCE_COLUMNS)
    for c in (incremental_key, *pass_through_columns):
        if c not in cols:
            cols.append(c)
    return [*cols, "reject_reason"]


def added_columns(*, session_start_reason: bool = False, channel: bool = False, is_engaged: bool = False) -> list[str]:
    """SPEC "Beyond dbt-segment": the sessions tables' opt-in columns, each only while its setting
    is on, in the order of that section."""
    flags = (("session_start_reason", session_start_reason), ("channel", channel), ("is_engaged", is_engaged))
    return [name for name, on in flags if on]


def columns(
    pass_through_columns: Sequence[str] = (),
    incremental_key: str = "received_at",
    *,
    session_start_reason: bool = False,
    channel: bool = False,
    is_engaged: bool = False,
) -> dict[str, list[str]]:
    """Every output table's column order for the given configuration; the flags name the opt-in
    columns of "Beyond dbt-segment" that are on (``Beyond.column_flags`` gives them)."""
    pv = page_view_columns(pass_through_columns)
    sessions = session_columns(pass_through_columns)
    added = added_columns(session_start_reason=session_start_reason, channel=channel, is_engaged=is_engaged)
    return {
        PAGE_VIEWS: pv,
        USER_STITCHING: ["anonymous_id", "user_id", "first_seen_at", "last_seen_at"],
        PAGE_VIEWS_SESSIONIZED: [*pv, "page_view_number", "session_id"],
        SESSIONS_INITIAL: [*sessions, *added],
        SESSIONS_STITCHED: [*sessions, "blended_user_id", *added],
        SESSIONS: [*sessions, "blended_user_id", "session_number", *added],
        REJECTED: rejected_columns(pass_through_columns, incremental_key),
    }


COLUMNS: dict[str, list[str]] = columns()
"""Column orders with no pass-through columns and the default incremental key."""


# --------------------------------------------------------------------------------------------
# Scalar rules
# --------------------------------------------------------------------------------------------


def split_part(value: str | None, delimiter: str, part: int) -> str | None:
    """SQL SPLIT_PART (Snowflake/Redshift/Postgres): 1-based; a missing part is ''."""
    if value is None:
        return None
    pieces = value.split(delimiter)
    return pieces[part - 1] if part <= len(pieces) else ""


def nullif_empty(value: str | None) -> str | None:
    """SQL NULLIF(value, '')."""
    return None if value == "" else value


def url_host(url: str | None) -> str | None:
    """page_url_host: drop the schemes (every occurrence, in this order), cut at '/' then '?'."""
    if url is None:
        return None
    for scheme in ("android-app://", "http://", "https://"):
        url = url.replace(scheme, "")
    return split_part(split_part(url, "/", 1), "?", 1)


def referrer_host(referrer: str | None) -> str | None:
    """referrer_host: the url_host of the referrer with every 'www.' removed."""
    host = url_host(referrer)
    return None if host is None else host.replace("www.", "")


def gclid(url: str | None) -> str | None:
    """Text after the first 'gclid=' up to the next '&'; '' (incl. no 'gclid=') becomes NULL."""
    return nullif_empty(split_part(split_part(url, "gclid=", 2), "&", 1))


def device(user_agent: str | None) -> str | None:
    """'Android' if the lower-cased UA says so, else the first word after '(' without ';'."""
    if user_agent is None:
        return None
    if "android" in user_agent.lower():
        return "Android"
    word = split_part(split_part(user_agent, "(", 2), " ", 1)
    assert word is not None
    return word.replace(";", "")


def device_category(device_value: str | None) -> str:
    """Exact, case-sensitive match on device; everything else (NULL too) is Uncategorized."""
    if device_value == "iPhone":
        return "iPhone"
    if device_value == "Android":
        return "Android"
    if device_value in ("iPad", "iPod"):
        return "Tablet"
    if device_value in ("Windows", "Macintosh", "X11"):
        return "Desktop"
    return "Uncategorized"


def floor_to_second(ts: datetime) -> datetime:
    """Drop the fraction; for naive datetimes this is a floor, also before 1970."""
    return ts.replace(microsecond=0)


def seconds_between(start: datetime, end: datetime) -> int:
    """DATEDIFF(second, start, end) as Snowflake/Redshift count it: second boundaries crossed."""
    delta = floor_to_second(end) - floor_to_second(start)
    return delta.days * 86_400 + delta.seconds


def starts_new_session(previous_tstamp: datetime | None, tstamp: datetime, inactivity_cutoff: int) -> bool:
    """First page view, or a gap strictly greater than the cutoff (exactly the cutoff stays)."""
    return previous_tstamp is None or seconds_between(previous_tstamp, tstamp) > inactivity_cutoff


def surrogate_key(*parts: object) -> str:
    """dbt_utils.generate_surrogate_key: md5 of the parts cast to text, NULL-marked, '-'-joined."""
    text = "-".join(SURROGATE_KEY_NULL if p is None else str(p) for p in parts)
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def session_id(anonymous_id: str | None, session_number: int) -> str:
    """Same id the dbt package gives the same session."""
    return surrogate_key(anonymous_id, session_number)


def duration_tier(duration_in_s: int) -> str | None:
    """The dbt package's four tiers; NULL outside them (only possible for negative input)."""
    if 0 <= duration_in_s <= 9:
        return "0s to 9s"
    if 10 <= duration_in_s <= 29:
        return "10s to 29s"
    if 30 <= duration_in_s <= 59:
        return "30s to 59s"
    if duration_in_s > 59:
        return "60s or more"
    return None


def binary_text_key(value: str) -> bytes:
    """Binary-collation order: compare UTF-8 bytes (surrogatepass so no string can fail)."""
    return value.encode("utf-8", "surrogatepass")


def nulls_last(value: Any) -> tuple[int, Any]:
    """Sort key putting NULL after every value, without ever comparing None."""
    return (1, None) if value is None else (0, value)


def dedupe_key(row: Row) -> tuple[tuple[int, Any], ...]:
    """Which duplicate of an id wins: earliest received_at, then sent_at, then timestamp."""
    return (
        nulls_last(row["received_at"]),
        nulls_last(row["sent_at"]),
        nulls_last(row["timestamp"]),
    )


def page_view_order_key(page_view: Row) -> tuple[datetime, bytes]:
    """The total order of page views within an anonymous_id: (tstamp, page_view_id)."""
    return (page_view["tstamp"], binary_text_key(page_view["page_view_id"]))


def session_order_key(session: Row) -> tuple[datetime, bytes]:
    """The total order of sessions within a blended user: (session_start_tstamp, session_id)."""
    return (session["session_start_tstamp"], binary_text_key(session["session_id"]))


def reject_reason(row: Row, incremental_key: str = "received_at") -> str | None:
    """Name the first NULL among id, anonymous_id, timestamp, incremental key; None if none."""
    for column in ("id", "anonymous_id", "timestamp", incremental_key):
        if row.get(column) is None:
            return f"{column} is null"
    return None


def referrer_medium_source(
    host: str | None, referrer_mapping: Mapping[str, tuple[str, str]]
) -> tuple[str | None, str | None]:
    """Left join on referrer_host: (medium, source), or (NULL, NULL) when not mapped."""
    if host is None or host not in referrer_mapping:
        return (None, None)
    medium, source = referrer_mapping[host]
    return (medium, source)


def load_referrer_mapping(path: str | Path) -> dict[str, tuple[str, str]]:
    """Read a medium,source,host CSV (the package data file) into host -> (medium, source)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {r["host"]: (r["medium"], r["source"]) for r in csv.DictReader(f)}


# --------------------------------------------------------------------------------------------
# Beyond dbt-segment (SPEC "Beyond dbt-segment: identities, bots, session rules, channel,
# engagement"): every setting off by default, and with all of them off nothing changes
# --------------------------------------------------------------------------------------------

BUILT_IN_BOT_PATTERNS = Path(__file__).resolve().parents[1] / "sessionizer" / "data" / "bot_patterns.txt"
# The campaign that split_on_campaign compares, as in (1).
CAMPAIGN_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid")
EMAIL_WORDS = ("email", "e-mail", "e_mail", "e mail")
DISPLAY_MEDIUMS = ("display", "banner", "expandable", "interstitial", "cpm")
SOCIAL_MEDIUMS = ("social", "social-network", "social-media", "sm", "social network", "social media")


class ColumnFlags(TypedDict):
    """Which opt-in columns are on: the keyword arguments of ``columns`` and ``list_columns``."""

    session_start_reason: bool
    channel: bool
    is_engaged: bool


class BeyondSettings(TypedDict, total=False):
    """The settings of "Beyond dbt-segment", named as in sessionizer.yml; ``build`` and
    ``build_list`` take them as keyword arguments (``bot_patterns`` is the FILE's path)."""

    ignored_user_ids: Sequence[str]
    exclude_bots: bool
    bot_patterns: str | Path | None
    day_boundary_time_zone: str | None
    split_on_campaign: bool
    max_session_seconds: int | None
    channel_grouping: bool
    engaged_session_seconds: int | None


@dataclass(frozen=True)
class Beyond:
    """Those settings as the rules read them: ids normalised, patterns loaded, the zone looked up."""

    ignored_user_ids: frozenset[str] = frozenset()
    bot_patterns: tuple[str, ...] | None = None  # None: no row is bot-checked
    time_zone: ZoneInfo | None = None
    split_on_campaign: bool = False
    max_session_seconds: int | None = None
    channel_grouping: bool = False
    engaged_session_seconds: int | None = None

    @property
    def cuts_sessions(self) -> bool:
        """Any of the three session rules is set (and with it session_start_reason)."""
        return self.time_zone is not None or self.split_on_campaign or self.max_session_seconds is not None

    def column_flags(self) -> ColumnFlags:
        """The opt-in columns these settings add."""
        return {
            "session_start_reason": self.cuts_sessions,
            "channel": self.channel_grouping,
            "is_engaged": self.engaged_session_seconds is not None,
        }


def whole_number(name: str, value: int | None, minimum: int) -> int | None:
    """A setting that must be a whole number >= minimum (bool is not a number here)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
        raise ValueError(f"{name} must be a whole number >= {minimum}, not {value!r}")
    return value


def time_zone(name: str | None) -> ZoneInfo | None:
    """An IANA zone name; an unknown one is an error."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"day_boundary_time_zone: unknown time zone {name!r}") from e


def beyond(**settings: Unpack[BeyondSettings]) -> Beyond:
    """Validate the settings and read them as the rules need them."""
    if isinstance(settings.get("ignored_user_ids"), str):
        raise ValueError("ignored_user_ids must be a list of user ids")
    patterns = settings.get("bot_patterns")
    if patterns is not None and not settings.get("exclude_bots", False):
        raise ValueError("bot_patterns is set but exclude_bots is not true")
    bots = load_bot_patterns(patterns or BUILT_IN_BOT_PATTERNS) if settings.get("exclude_bots", False) else None
    return Beyond(
        ignored_user_ids=frozenset(normalised_user_id(u) for u in settings.get("ignored_user_ids", ())),
        bot_patterns=bots,
        time_zone=time_zone(settings.get("day_boundary_time_zone")),
        split_on_campaign=settings.get("split_on_campaign", False),
        max_session_seconds=whole_number("max_session_seconds", settings.get("max_session_seconds"), 60),
        channel_grouping=settings.get("channel_grouping", False),
        engaged_session_seconds=whole_number("engaged_session_seconds", settings.get("engaged_session_seconds"), 0),
    )


OFF = Beyond()


# -- ignored user ids ------------------------------------------------------------------------


def normalised_user_id(value: str) -> str:
    """Compared after LOWER, with surrounding spaces (U+0020 only, not tabs) removed."""
    return value.lower().strip(" ")


def identity(user_id: str | None, ignored_user_ids: frozenset[str]) -> str | None:
    """The user_id as user stitching reads it: NULL when it is one of the ignored ids."""
    if user_id is None or normalised_user_id(user_id) in ignored_user_ids:
        return None
    return user_id


# -- bots ------------------------------------------------------------------------------------


def load_bot_patterns(path: str | Path) -> tuple[str, ...]:
    """A bot_patterns file: one pattern per line, stripped (and lower-cased, as patterns are);
    a line starting with '#' and a blank line are skipped."""
    lines = (line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines())
    return tuple(line.lower() for line in lines if line and not line.startswith("#"))


def is_bot(user_agent: str | None, patterns: Sequence[str]) -> bool:
    """The lower-cased user agent contains a pattern (plain text, never a regex); NULL is no bot."""
    return user_agent is not None and any(p in user_agent.lower() for p in patterns)


def split_bots(rows: Iterable[Row], patterns: Sequence[str] | None) -> tuple[list[Row], list[Row]]:
    """Bot rows set aside with reject_reason 'bot'; called on rows that passed the NULL checks,
    before the dedupe. No patterns (exclude_bots off): nothing is set aside."""
    kept: list[Row] = []
    bots: list[Row] = []
    for row in rows:
        if patterns is not None and is_bot(row.get("context_user_agent"), patterns):
            bots.append({**row, "reject_reason": "bot"})
        else:
            kept.append(row)
    return kept, bots


# -- session rules ---------------------------------------------------------------------------
# A visitor's stream is its items (page views and, with tracks, activity), each a dict with
# "tstamp", "is_page_view", "id" and "row" (the page view or activity row), in stream order.


def local_date(tstamp: datetime, zone: ZoneInfo) -> date:
    """The calendar date of a UTC tstamp in the zone's local time, daylight saving included."""
    return tstamp.replace(tzinfo=UTC).astimezone(zone).date()


def crosses_day_boundary(previous: datetime, tstamp: datetime, zone: ZoneInfo) -> bool:
    """day_boundary_time_zone: the item falls on another local date than the previous item."""
    return local_date(previous, zone) != local_date(tstamp, zone)


def campaign(page_view: Row) -> tuple[str | None, ...] | None:
    """A page view's campaign, (utm_source, utm_medium, utm_campaign, utm_term, utm_content,
    gclid); None when all six are NULL ('' is a value)."""
    values = tuple(page_view[c] for c in CAMPAIGN_COLUMNS)
    return None if all(v is None for v in values) else values


def starts_campaign(current: tuple[str | None, ...] | None, latest: tuple[str | None, ...] | None) -> bool:
    """split_on_campaign: a campaign that differs (NULL-safe, exact text) from the latest earlier
    one, or has none before it."""
    return current is not None and current != latest


def piece_start_reason(
    previous: Row | None, item: Row, latest_campaign: tuple[str | None, ...] | None, inactivity_cutoff: int,
    rules: Beyond,
) -> str | None:  # fmt: skip
    """Why ``item`` starts a new piece, the first reason that holds: 'first' (the visitor's first
    item), 'inactivity', 'day_boundary', 'campaign'; None when it continues the piece."""
    if previous is None:
        return "first"
    if starts_new_session(previous["tstamp"], item["tstamp"], inactivity_cutoff):
        return "inactivity"
    if rules.time_zone is not None and crosses_day_boundary(previous["tstamp"], item["tstamp"], rules.time_zone):
        return "day_boundary"
    if rules.split_on_campaign and item["is_page_view"] and starts_campaign(campaign(item["row"]), latest_campaign):
        return "campaign"
    return None


def cut_pieces(items: Sequence[Row], inactivity_cutoff: int, rules: Beyond) -> list[tuple[str, list[Row]]]:
    """One visitor's ordered stream cut into pieces, each with why it began. The campaign compared
    is the latest earlier page view's that is not all NULL, in any piece."""
    pieces: list[tuple[str, list[Row]]] = []
    previous: Row | None = None
    latest_campaign: tuple[str | None, ...] | None = None
    for item in items:
        reason = piece_start_reason(previous, item, latest_campaign, inactivity_cutoff, rules)
        if reason is not None:
            pieces.append((reason, []))
        pieces[-1][1].append(item)
        previous = item
        if item["is_page_view"] and (current := campaign(item["row"])) is not None:
            latest_campaign = current
    return pieces


def sub_piece(first_page_view: datetime, tstamp: datetime, max_session_seconds: int) -> int:
    """floor(seconds_between(first page view's tstamp, item's tstamp) / N); negative before it."""
    return seconds_between(first_page_view, tstamp) // max_session_seconds


def split_max_duration(reason: str, piece: list[Row], max_session_seconds: int | None) -> list[tuple[str, list[Row]]]:
    """max_session_seconds: the piece cut again every N seconds from its first page view; a
    sub-piece other than the first began for 'max_duration'."""
    first = next((item["tstamp"] for item in piece if item["is_page_view"]), None)
    if max_session_seconds is None or first is None:
        return [(reason, piece)]
    parts: dict[int, list[Row]] = {}
    for item in piece:
        parts.setdefault(sub_piece(first, item["tstamp"], max_session_seconds), []).append(item)
    return [(reason if index <= 0 else "max_duration", part) for index, part in parts.items()]


def stream_sessions(items: Sequence[Row], inactivity_cutoff: int, rules: Beyond) -> list[tuple[str, list[Row]]]:
    """The sessions of one ordered stream, in order: (why its piece began, its kept items) for
    each piece or sub-piece that holds a page view, activity before its first page view dropped."""
    sessions: list[tuple[str, list[Row]]] = []
    for reason, piece in cut_pieces(items, inactivity_cutoff, rules):
        for part_reason, part in split_max_duration(reason, piece, rules.max_session_seconds):
            views = [i for i, item in enumerate(part) if item["is_page_view"]]
            if views:
                sessions.append((part_reason, part[views[0] :]))
    return sessions


def session_start_reason(session_number: int, piece_reason: str) -> str:
    """'first' for the visitor's first session, else why the piece making the session began."""
    return "first" if session_number == 1 else piece_reason


# -- channel ---------------------------------------------------------------------------------


def medium_sources(referrer_mapping: Mapping[str, tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Per medium: the LOWER of the source names and hosts of the mapping's rows of it, the values
    a lower-cased utm_source is a search (social, email) source by."""
    names: dict[str, set[str]] = {medium: set() for medium in MEDIUMS}
    for host, (medium, source) in referrer_mapping.items():
        names.setdefault(medium, set()).update((source.lower(), host.lower()))
    return {medium: frozenset(values) for medium, values in names.items()}


def is_paid(m: str | None) -> bool:
    """m LIKE '%cp%' OR m = 'ppc' OR m = 'retargeting' OR m LIKE 'paid%' (m already lower-cased)."""
    return m is not None and ("cp" in m or m in ("ppc", "retargeting") or m.startswith("paid"))


def channel(session: Row, sources: Mapping[str, frozenset[str]]) -> str:
    """The first of SPEC's eleven rules that holds for the session's first page view's values."""
    s = None if session["utm_source"] is None else session["utm_source"].lower()
    m = None if session["utm_medium"] is None else session["utm_medium"].lower()
    g, rm, rh = session["gclid"], session["referrer_medium"], session["referrer_host"]
    host = session["first_page_url_host"]
    ph = None if host is None else host.replace("www.", "")

    def source_of(medium: str) -> bool:
        return rm == medium or (s is not None and s in sources.get(medium, frozenset()))

    paid = is_paid(m)
    untagged = s is None and m is None and session["utm_campaign"] is None and g is None
    if g is not None or (paid and source_of("search")):
        return "Paid Search"
    if paid and source_of("social"):
        return "Paid Social"
    if m in DISPLAY_MEDIUMS:
        return "Display"
    if paid:
        return "Paid Other"
    if m in EMAIL_WORDS or s in EMAIL_WORDS or source_of("email"):
        return "Email"
    if m == "affiliate":
        return "Affiliates"
    if m == "organic" or source_of("search"):
        return "Organic Search"
    if m in SOCIAL_MEDIUMS or source_of("social"):
        return "Organic Social"
    if m == "referral" or (untagged and rh is not None and rh != "" and rh != ph):
        return "Referral"
    if untagged:
        return "Direct"
    return "Unassigned"


# -- engagement ------------------------------------------------------------------------------


def is_engaged(duration_in_s: int, page_views: int, engaged_session_seconds: int) -> bool:
    """TRUE when the session lasts at least N seconds or has two page views or more."""
    return duration_in_s >= engaged_session_seconds or page_views >= 2


def added_values(session: Row, start_reason: str, rules: Beyond, sources: Mapping[str, frozenset[str]]) -> Row:
    """The opt-in session columns that are on, for one session (its other columns computed)."""
    values: Row = {}
    if rules.cuts_sessions:
        values["session_start_reason"] = start_reason
    if rules.channel_grouping:
        values["channel"] = channel(session, sources)
    if rules.engaged_session_seconds is not None:
        values["is_engaged"] = is_engaged(
            session["duration_in_s"], session["page_views"], rules.engaged_session_seconds
        )
    return values


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def split_rejected(rows: Iterable[Row], incremental_key: str) -> tuple[list[Row], list[Row]]:
    """Separate usable rows from rejected ones; rejection comes before dedupe."""
    accepted: list[Row] = []
    rejected: list[Row] = []
    for row in rows:
        reason = reject_reason(row, incremental_key)
        if reason is None:
            accepted.append(row)
        else:
            rejected.append({**row, "reject_reason": reason})
    return accepted, rejected


def dedupe(rows: Iterable[Row]) -> list[Row]:
    """One row per id. Full ties keep the earliest in input order (SPEC is silent there)."""
    winners: dict[str, Row] = {}
    for row in rows:
        current = winners.get(row["id"])
        if current is None or dedupe_key(row) < dedupe_key(current):
            winners[row["id"]] = row
    return list(winners.values())


def page_view(row: Row, pass_through_columns: Sequence[str]) -> Row:
    """SPEC table 1 for one (deduplicated) source row."""
    dev = device(row["context_user_agent"])
    values: Row = {
        "page_view_id": row["id"],
        "anonymous_id": row["anonymous_id"],
        "user_id": row["user_id"],
        "received_at_tstamp": row["received_at"],
        "sent_at_tstamp": row["sent_at"],
        "tstamp": row["timestamp"],
        "page_url": row["url"],
        "page_url_host": url_host(row["url"]),
        "page_url_path": row["path"],
        "page_title": row["title"],
        "page_url_query": row["search"],
        "referrer": row["referrer"],
        "referrer_host": referrer_host(row["referrer"]),
        **{utm: row[src] for src, utm in UTM_COLUMNS},
        "gclid": gclid(row["url"]),
        "ip": row["context_ip"],
        "user_agent": row["context_user_agent"],
        "device": dev,
        **{c: row.get(c) for c in pass_through_columns},
        "device_category": device_category(dev),
    }
    return {c: values[c] for c in page_view_columns(pass_through_columns)}


def by_anonymous_id(page_views: Iterable[Row]) -> dict[str, list[Row]]:
    """Group page views per anonymous_id, each group in (tstamp, page_view_id) order."""
    groups: dict[str, list[Row]] = {}
    for pv in page_views:
        groups.setdefault(pv["anonymous_id"], []).append(pv)
    for group in groups.values():
        group.sort(key=page_view_order_key)
    return dict(sorted(groups.items(), key=lambda kv: binary_text_key(kv[0])))


def user_stitching(anonymous_id: str, ordered: Sequence[Row], ignored_user_ids: frozenset[str] = frozenset()) -> Row:
    """SPEC table 2 for one anonymous_id's ordered page views (an ignored user_id reads as NULL)."""
    user_id = None
    for pv in ordered:
        if identity(pv["user_id"], ignored_user_ids) is not None:
            user_id = pv["user_id"]
    return {
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "first_seen_at": min(pv["tstamp"] for pv in ordered),
        "last_seen_at": max(pv["tstamp"] for pv in ordered),
    }


def stream_order_key(item: Row) -> tuple[datetime, int, bytes]:
    """Page views and activity together: (tstamp, page views before activity, id). With page
    views only this is the (tstamp, page_view_id) order of (3)."""
    return (item["tstamp"], 0 if item["is_page_view"] else 1, binary_text_key(item["id"]))


def sessionize_stream(
    page_views: Sequence[Row], activity: Sequence[Row], inactivity_cutoff: int, rules: Beyond,
    key: Callable[[Row, int], str],
) -> list[Row]:  # fmt: skip
    """One visitor's page views (and activity) sessionized by the cut rules; ``key`` makes the
    session_id of a page view's session number. Each page view gets the session's end (latest page
    view or kept activity) as "session_end" and its "session_start_reason", which the tables leave
    out; kept activity is marked "kept" for user stitching."""
    items = [{"tstamp": pv["tstamp"], "is_page_view": True, "id": pv["page_view_id"], "row": pv} for pv in page_views]
    items += [{"tstamp": a["timestamp"], "is_page_view": False, "id": a["id"], "row": a} for a in activity]
    items.sort(key=stream_order_key)
    out: list[Row] = []
    page_view_number = 0
    for session_number, (reason, kept) in enumerate(stream_sessions(items, inactivity_cutoff, rules), start=1):
        end = max(item["tstamp"] for item in kept)
        for item in kept:
            if item["is_page_view"]:
                page_view_number += 1
                pv = item["row"]
                out.append({**pv, "page_view_number": page_view_number, "session_id": key(pv, session_number),
                            "session_end": end, "session_start_reason": session_start_reason(session_number, reason)})  # fmt: skip
            else:
                item["row"]["kept"] = True
    return out


def session(
    page_views: Sequence[Row],
    pass_through_columns: Sequence[str],
    referrer_mapping: Mapping[str, tuple[str, str]],
) -> Row:
    """SPEC table 4 for one session's page views (any order; first/last by page_view_number)."""
    ordered = sorted(page_views, key=lambda pv: pv["page_view_number"])
    first, last = ordered[0], ordered[-1]
    start = min(pv["tstamp"] for pv in ordered)
    end = max(pv["tstamp"] for pv in ordered)
    duration = seconds_between(start, end)
    medium, source = referrer_medium_source(first["referrer_host"], referrer_mapping)
    values: Row = {
        "session_id": first["session_id"],
        "anonymous_id": first["anonymous_id"],
        "session_start_tstamp": start,
        "session_end_tstamp": end,
        "page_views": len(ordered),
        **{out: first[col] for col, out in FIRST_VALUES},
        **{out: last[col] for col, out in LAST_VALUES},
        **{f"first_{c}": first[c] for c in pass_through_columns},
        **{f"last_{c}": last[c] for c in pass_through_columns},
        "duration_in_s": duration,
        "duration_in_s_tier": duration_tier(duration),
        "referrer_medium": medium,
        "referrer_source": source,
    }
    return {c: values[c] for c in session_columns(pass_through_columns)}


def blended_user_id(anonymous_id: str, stitched_user_id: str | None) -> str:
    """The stitched user_id, or the anonymous_id where there is none."""
    return anonymous_id if stitched_user_id is None else stitched_user_id


def number_sessions(stitched_sessions: Iterable[Row]) -> list[Row]:
    """SPEC table 6: session_number per blended_user_id by (session_start_tstamp, session_id)."""
    groups: dict[str, list[Row]] = {}
    for s in stitched_sessions:
        groups.setdefault(s["blended_user_id"], []).append(s)
    out: list[Row] = []
    for blended in sorted(groups, key=binary_text_key):
        for number, s in enumerate(sorted(groups[blended], key=session_order_key), start=1):
            out.append({**s, "session_number": number})
    return out


def session_rows(
    sessionized: Iterable[Row], pass_through_columns: Sequence[str], referrer_mapping: Mapping[str, tuple[str, str]],
    rules: Beyond,
) -> list[Row]:  # fmt: skip
    """SPEC table 4 from the sessionized page views: the session's end and duration from
    ``sessionize_stream`` (kept activity included), then the opt-in columns that are on."""
    per_session: dict[str, list[Row]] = {}
    for pv in sessionized:
        per_session.setdefault(pv["session_id"], []).append(pv)
    sources = medium_sources(referrer_mapping)
    out = []
    for pvs in per_session.values():
        values = session(pvs, pass_through_columns, referrer_mapping)
        values["session_end_tstamp"] = pvs[0]["session_end"]
        values["duration_in_s"] = seconds_between(values["session_start_tstamp"], values["session_end_tstamp"])
        values["duration_in_s_tier"] = duration_tier(values["duration_in_s"])
        if "source_name" in pvs[0]:
            values["source_name"] = pvs[0]["source_name"]
        out.append({**values, **added_values(values, pvs[0]["session_start_reason"], rules, sources)})
    return out


def check_configuration(pass_through_columns: Sequence[str], incremental_key: str, rules: Beyond = OFF) -> None:
    """Refuse configurations whose output would have duplicate column names (the opt-in columns
    that are on count as taken)."""
    taken = set(page_view_columns()) | {"page_view_number", "session_id"}
    taken |= set(session_columns()) | {"blended_user_id", "session_number"}
    taken |= set(added_columns(**rules.column_flags()))
    derived = {f"{p}_{c}" for c in pass_through_columns for p in ("first", "last")}
    clashes = (set(pass_through_columns) | derived) & taken
    if clashes or len(set(pass_through_columns)) != len(pass_through_columns):
        raise ValueError(f"pass-through columns clash: {sorted(clashes) or pass_through_columns}")
    if not incremental_key:
        raise ValueError("incremental_key must be a column name")


def build(
    rows: Iterable[Row],
    *,
    inactivity_cutoff: int = DEFAULT_INACTIVITY_CUTOFF,
    pass_through_columns: Sequence[str] = (),
    referrer_mapping: Mapping[str, tuple[str, str]] | None = None,
    incremental_key: str = "received_at",
    **settings: Unpack[BeyondSettings],
) -> dict[str, list[Row]]:
    """Full-refresh result of SPEC.md: the six tables plus the rejected rows, as lists of dicts.
    ``settings`` are those of "Beyond dbt-segment" (see ``BeyondSettings``), all off by default.

    Each dict's keys are in the table's column order (see ``columns``).
    """
    pass_through = tuple(pass_through_columns)
    rules = beyond(**settings)
    check_configuration(pass_through, incremental_key, rules)
    mapping = referrer_mapping or {}
    cols = columns(pass_through, incremental_key, **rules.column_flags())

    accepted, rejected = split_rejected(rows, incremental_key)
    accepted, bots = split_bots(accepted, rules.bot_patterns)
    page_views = [page_view(r, pass_through) for r in dedupe(accepted)]
    groups = by_anonymous_id(page_views)

    stitching = [user_stitching(a, ordered, rules.ignored_user_ids) for a, ordered in groups.items()]

    def key(pv: Row, session_number: int) -> str:
        return session_id(pv["anonymous_id"], session_number)

    sessionized = [pv for ordered in groups.values() for pv in sessionize_stream(ordered, (), inactivity_cutoff, rules, key)]  # fmt: skip
    initial = session_rows(sessionized, pass_through, mapping, rules)
    initial.sort(key=lambda s: (binary_text_key(s["anonymous_id"]), *session_order_key(s)))

    stitched_user = {s["anonymous_id"]: s["user_id"] for s in stitching}
    stitched = [
        {**s, "blended_user_id": blended_user_id(s["anonymous_id"], stitched_user[s["anonymous_id"]])} for s in initial
    ]

    def ordered(rows: Iterable[Row], table: str) -> list[Row]:
        return [{c: r.get(c) for c in cols[table]} for r in rows]

    return {
        PAGE_VIEWS: ordered((pv for group in groups.values() for pv in group), PAGE_VIEWS),
        USER_STITCHING: stitching,
        PAGE_VIEWS_SESSIONIZED: ordered(sessionized, PAGE_VIEWS_SESSIONIZED),
        SESSIONS_INITIAL: ordered(initial, SESSIONS_INITIAL),
        SESSIONS_STITCHED: ordered(stitched, SESSIONS_STITCHED),
        SESSIONS: ordered(number_sessions(stitched), SESSIONS),
        REJECTED: ordered(rejected + bots, REJECTED),
    }


def canonical(rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as a sorted list of value tuples, for order-insensitive table comparison."""
    return sorted((tuple(r.values()) for r in rows), key=repr)


# --------------------------------------------------------------------------------------------
# Several sources (SPEC "Several sources: pages, screens, tracks and identifies")
# --------------------------------------------------------------------------------------------

KINDS = ("pages", "screens", "tracks", "identifies")
REJECTED_LIST_COLUMNS = (
    "source_name", "kind", "id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp", "reject_reason",
)  # fmt: skip
# Tie order of one anonymous_id's stitching rows with equal (tstamp, id).
STITCHING_KIND_ORDER = {"page view": 0, "activity": 1, "identify": 2}


def list_columns(
    pass_through_columns: Sequence[str] = (),
    *,
    session_start_reason: bool = False,
    channel: bool = False,
    is_engaged: bool = False,
) -> dict[str, list[str]]:
    """Column orders with a source list: source_name last (user_stitching has none), but for the
    opt-in columns of "Beyond dbt-segment" that are on, which follow it."""
    cols = columns(pass_through_columns)
    pv = cols[PAGE_VIEWS]
    base = cols[SESSIONS_INITIAL]
    added = added_columns(session_start_reason=session_start_reason, channel=channel, is_engaged=is_engaged)
    return {
        PAGE_VIEWS: [*pv, "source_name"],
        USER_STITCHING: cols[USER_STITCHING],
        PAGE_VIEWS_SESSIONIZED: [*pv, "page_view_number", "session_id", "source_name"],
        SESSIONS_INITIAL: [*base, "source_name", *added],
        SESSIONS_STITCHED: [*base, "blended_user_id", "source_name", *added],
        SESSIONS: [*base, "blended_user_id", "session_number", "source_name", *added],
        REJECTED: list(REJECTED_LIST_COLUMNS),
    }


def list_session_id(anonymous_id: str, session_number: int, source_name: str) -> str:
    """generate_surrogate_key(['anonymous_id', 'session_number', 'source_name'])."""
    return surrogate_key(anonymous_id, session_number, source_name)


def screen_device_category(model: str | None, os_name: str | None) -> str:
    """'iPad' model prefix (case-sensitive) → Tablet; else by OS name, case-insensitive."""
    if model is not None and model.startswith("iPad"):
        return "Tablet"
    os_lower = None if os_name is None else os_name.lower()
    if os_lower == "ios":
        return "iPhone"
    if os_lower == "android":
        return "Android"
    return "Uncategorized"


def screen_view(row: Row, pass_through_columns: Sequence[str]) -> Row:
    """A screens row as a page view: title from name, no URL parts, device from the model."""
    values = page_view({**dict.fromkeys(SOURCE_COLUMNS), **row, "url": None, "path": None, "title": row.get("name"), "search": None,
                        "referrer": None}, pass_through_columns)  # fmt: skip
    values["device"] = row.get("context_device_model")
    values["device_category"] = screen_device_category(row.get("context_device_model"), row.get("context_os_name"))
    return values


def tracked(row: Row, events: Sequence[str] | None) -> bool:
    """A tracks row is read when events is omitted, or its event/event_text is listed (exactly)."""
    return events is None or row.get("event") in events or row.get("event_text") in events


def read_entry(
    name: str, kind: str, rows: Iterable[Row], events: Sequence[str] | None, incremental_key: str,
    bot_patterns: Sequence[str] | None = None,
) -> tuple[list[Row], list[Row]]:  # fmt: skip
    """(accepted rows tagged with source_name and kind, rejected rows in the list layout); only
    pages and screens rows are bot-checked."""
    assert kind in KINDS and (events is None or kind == "tracks")
    read = [r for r in rows if kind != "tracks" or tracked(r, events)]
    accepted, rejected = split_rejected(read, incremental_key)
    if kind in ("pages", "screens"):
        accepted, bots = split_bots(accepted, bot_patterns)
        rejected += bots
    tagged = [{**r, "source_name": name, "kind": kind} for r in accepted]
    rejects = [{c: {**r, "source_name": name, "kind": kind}.get(c) for c in REJECTED_LIST_COLUMNS} for r in rejected]
    return tagged, rejects


def dedupe_per_source(rows: Iterable[Row]) -> list[Row]:
    """One row per (source_name, id), by the order of (1)."""
    winners: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row["source_name"], row["id"])
        if key not in winners or dedupe_key(row) < dedupe_key(winners[key]):
            winners[key] = row
    return list(winners.values())


def stitch_list(
    anonymous_id: str, page_views: Sequence[Row], activity: Sequence[Row], identifies: Sequence[Row],
    ignored_user_ids: frozenset[str] = frozenset(),
) -> Row:  # fmt: skip
    """One anonymous_id across sources: last non-NULL user_id over page views, kept activity and
    identifies by (tstamp, id, kind; source_name last, where SPEC is silent); seen from page views.
    An ignored user_id reads as NULL, so such a row feeds nothing."""
    rows = [(pv["tstamp"], pv["page_view_id"], "page view", pv["source_name"], pv["user_id"]) for pv in page_views]
    rows += [
        (a["timestamp"], a["id"], "activity", a["source_name"], a.get("user_id")) for a in activity if a.get("kept")
    ]
    rows += [(i["timestamp"], i["id"], "identify", i["source_name"], i.get("user_id")) for i in identifies]
    rows.sort(key=lambda r: (r[0], binary_text_key(r[1]), STITCHING_KIND_ORDER[r[2]], binary_text_key(r[3])))
    user_id = None
    for *_, value in rows:
        if identity(value, ignored_user_ids) is not None:
            user_id = value
    return {
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "first_seen_at": min(pv["tstamp"] for pv in page_views),
        "last_seen_at": max(pv["tstamp"] for pv in page_views),
    }


def build_list(
    entries: Iterable[tuple[str, str, Sequence[str] | None, Iterable[Row]]],
    *,
    inactivity_cutoff: int = DEFAULT_INACTIVITY_CUTOFF,
    pass_through_columns: Sequence[str] = (),
    referrer_mapping: Mapping[str, tuple[str, str]] | None = None,
    incremental_key: str = "received_at",
    **settings: Unpack[BeyondSettings],
) -> dict[str, list[Row]]:
    """Full-refresh result of SPEC for a ``source`` list: ``entries`` are (name, kind, events,
    rows); the rows of one table may be given by several entries of the same name and kind.
    ``settings`` are those of "Beyond dbt-segment", as for ``build``."""
    pass_through = tuple(pass_through_columns)
    rules = beyond(**settings)
    check_configuration(pass_through, incremental_key, rules)
    mapping = referrer_mapping or {}
    cols = list_columns(pass_through, **rules.column_flags())
    by_kind: dict[str, list[Row]] = {kind: [] for kind in KINDS}
    rejected: list[Row] = []
    for name, kind, events, rows in entries:
        accepted, rejects = read_entry(name, kind, rows, events, incremental_key, rules.bot_patterns)
        by_kind[kind] += accepted
        rejected += rejects

    page_views = []
    for row in dedupe_per_source(by_kind["pages"] + by_kind["screens"]):
        row = {**dict.fromkeys((*SOURCE_COLUMNS, *pass_through)), **row}  # a column a table lacks is NULL
        pv = screen_view(row, pass_through) if row["kind"] == "screens" else page_view(row, pass_through)
        page_views.append({**pv, "source_name": row["source_name"]})
    activity = [dict(a) for a in dedupe_per_source(by_kind["tracks"])]
    identifies = dedupe_per_source(by_kind["identifies"])

    visitors: dict[tuple[str, str], tuple[list[Row], list[Row]]] = {}
    for pv in page_views:
        visitors.setdefault((pv["source_name"], pv["anonymous_id"]), ([], []))[0].append(pv)
    for a in activity:
        if (a["source_name"], a["anonymous_id"]) in visitors:  # no page view: no session to extend
            visitors[(a["source_name"], a["anonymous_id"])][1].append(a)

    def key(pv: Row, session_number: int) -> str:
        return list_session_id(pv["anonymous_id"], session_number, pv["source_name"])

    sessionized: list[Row] = []
    for views, acts in visitors.values():
        sessionized += sessionize_stream(views, acts, inactivity_cutoff, rules, key)
    initial = session_rows(sessionized, pass_through, mapping, rules)

    per_anonymous_id: dict[str, tuple[list[Row], list[Row], list[Row]]] = {}
    for pv in page_views:
        per_anonymous_id.setdefault(pv["anonymous_id"], ([], [], []))[0].append(pv)
    for a in activity:
        if a["anonymous_id"] in per_anonymous_id:
            per_anonymous_id[a["anonymous_id"]][1].append(a)
    for i in identifies:
        if i["anonymous_id"] in per_anonymous_id:
            per_anonymous_id[i["anonymous_id"]][2].append(i)
    stitching = [stitch_list(anon, *parts, rules.ignored_user_ids) for anon, parts in per_anonymous_id.items()]
    stitched_user = {s["anonymous_id"]: s["user_id"] for s in stitching}
    stitched = [
        {**s, "blended_user_id": blended_user_id(s["anonymous_id"], stitched_user[s["anonymous_id"]])} for s in initial
    ]
    numbered = number_sessions(stitched)

    def ordered(rows: Iterable[Row], table: str) -> list[Row]:
        return [{c: r[c] for c in cols[table]} for r in rows]

    return {
        PAGE_VIEWS: ordered(page_views, PAGE_VIEWS),
        USER_STITCHING: stitching,
        PAGE_VIEWS_SESSIONIZED: ordered(sessionized, PAGE_VIEWS_SESSIONIZED),
        SESSIONS_INITIAL: ordered(initial, SESSIONS_INITIAL),
        SESSIONS_STITCHED: ordered(stitched, SESSIONS_STITCHED),
        SESSIONS: ordered(numbered, SESSIONS),
        REJECTED: rejected,
    }
