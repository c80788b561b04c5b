"""Unit tests of the reading rules' reference (tests/reference_inputs.py) on hand-computed values,
so the oracle for files and raw Segment messages is trusted before any engine is held to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from tests import reference
from tests import reference_inputs as ri

T0 = datetime(2025, 11, 1, 10, 20, 0)


def row(**values: Any) -> dict[str, Any]:
    """A source row with text times, as a CSV holds it: p1 of a1 at 10:20 UTC; ``values`` win."""
    base: dict[str, Any] = {"id": "p1", "anonymous_id": "a1", "user_id": None, "received_at": "2025-11-01T10:20:00Z",
                            "sent_at": "2025-11-01T10:20:00Z", "timestamp": "2025-11-01T10:20:00Z"}  # fmt: skip
    return {**base, **values}


# -- text times --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-01T10:20:00Z", T0),
        ("2025-11-01T11:20:00+01:00", T0),
        ("2025-11-01T04:20:00-0600", T0),
        ("2025-11-01T10:20:00+00", T0),  # PostgreSQL's text of a timestamptz
        ("2025-11-01T10:20:00", T0),  # no offset: UTC
        ("2025-11-01 10:20:00", T0),  # a space for the T
        ("2025-11-01t10:20:00z", T0),
        ("2025-11-01T10:20Z", T0),  # seconds left out
        ("  2025-11-01T10:20:00Z\n", T0),
        ("2025-11-01T00:30:00+01:00", datetime(2025, 10, 31, 23, 30)),  # the offset moves the date
        ("2025-11-01T23:45:00-02:30", datetime(2025, 11, 2, 2, 15)),
        ("2025-11-01", datetime(2025, 11, 1)),  # a date alone: its midnight
        ("2025-11-01T10:20:00.5Z", T0 + timedelta(milliseconds=500)),
        ("2025-11-01T10:20:00.123456789Z", T0 + timedelta(microseconds=123456)),  # truncated
        ("2025-11-01T10:20:59.9999999Z", T0 + timedelta(seconds=59, microseconds=999999)),  # never rounded up
        ("1969-07-20T20:17:40Z", datetime(1969, 7, 20, 20, 17, 40)),
        ("2099-01-01T00:00:00Z", datetime(2099, 1, 1)),
        ("2024-02-29T12:00:00Z", datetime(2024, 2, 29, 12)),
    ],
)
def test_iso_text_reads_as_utc(text: str, expected: datetime) -> None:
    assert ri.parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "",
        "   ",
        "2025-13-01",
        "2025-02-30T00:00:00Z",
        "2025-02-29",  # not a leap year
        "2025-11-01T24:00:00Z",
        "2025-11-01T10:60:00Z",
        "2025-11-01T10:20:60Z",  # leap second
        "2025-11-01T10:20:00+24:00",
        "2025-11-01T10:20:00+01:60",
        "2025-11-01T10:20:00+1",
        "2025-11-01T10:20:00 UTC",
        "2025-11-01T10:20:00.Z",
        "2025-11-01Z",  # an offset needs a time
        "20251101T102000Z",  # basic format
        "2025-W44-6",
        "2025-305",
        "25-11-01",
        "2025-11-01T10",
        "2025-11-01T10:20:00,5Z",
        "１２３４-11-01",  # digits of another script
        "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:30:00-01:00",  # after year 9999 in UTC
        "1700000000",
    ],
)
def test_text_that_is_not_a_time(text: str) -> None:
    assert ri.parse_time(text) is None
    assert ri.read_time(text) is ri.NOT_A_TIME


def test_typed_times() -> None:
    assert ri.read_time(None) is None
    assert ri.read_time(T0) == T0
    assert ri.read_time(datetime(2025, 11, 1, 11, 20, tzinfo=timezone(timedelta(hours=1)))) == T0
    assert ri.read_time(T0.replace(tzinfo=UTC)) == T0
    assert ri.read_time(date(2025, 11, 1)) == datetime(2025, 11, 1)


@pytest.mark.parametrize("value", [1761992400, 1761992400000, 1761992400.5, Decimal("1761992400"), True])
def test_a_number_is_an_error_naming_the_column(value: object) -> None:
    with pytest.raises(ri.NumericTimeError, match="'timestamp'") as raised:
        ri.read_time(value, "timestamp")
    assert raised.value.column == "timestamp"
    with pytest.raises(ri.NumericTimeError, match="'loaded_at'"):
        ri.read_row(row(loaded_at=value), incremental_key="loaded_at")


# -- rows: which reason, where ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "key", "reason"),
    [
        ({}, "received_at", None),
        ({"timestamp": "yesterday"}, "received_at", "timestamp is not a timestamp"),
        ({"timestamp": ""}, "received_at", "timestamp is not a timestamp"),
        ({"received_at": "2025-13-01"}, "received_at", "received_at is not a timestamp"),
        ({"timestamp": None}, "received_at", "timestamp is null"),
        # SPEC's order of columns decides; each column's check refuses NULL and not-a-time alike
        ({"id": None, "timestamp": "yesterday"}, "received_at", "id is null"),
        ({"anonymous_id": None, "timestamp": "yesterday"}, "received_at", "anonymous_id is null"),
        ({"timestamp": "yesterday", "received_at": None}, "received_at", "timestamp is not a timestamp"),
        ({"timestamp": None, "received_at": "yesterday"}, "received_at", "timestamp is null"),
        # a time column that is neither timestamp nor the key reads as NULL
        ({"sent_at": "yesterday"}, "received_at", None),
        ({"received_at": "yesterday"}, "sent_at", None),
        ({"sent_at": "yesterday"}, "sent_at", "sent_at is not a timestamp"),
        ({"loaded_at": "2025-11-01T10:21:00+01:00"}, "loaded_at", None),
        ({"loaded_at": "soon"}, "loaded_at", "loaded_at is not a timestamp"),
        ({}, "loaded_at", "loaded_at is null"),
        ({"timestamp": "yesterday"}, "timestamp", "timestamp is not a timestamp"),
    ],
)
def test_reject_reason(values: dict[str, Any], key: str, reason: str | None) -> None:
    assert ri.reject_reason(ri.read_row(row(**values), key), key) == reason


def test_read_row_reads_every_time_column() -> None:
    read = ri.read_row(row(sent_at="2025-11-01T05:20:00-05:00", received_at="late", timestamp="2025-11-01 10:20"),
                       incremental_key="timestamp")  # fmt: skip
    assert (read["sent_at"], read["received_at"], read["timestamp"]) == (T0, None, T0)
    assert ri.read_row({"id": "p1"}) == {"id": "p1"}  # a column the file lacks stays absent


@pytest.mark.parametrize(
    ("anonymous_id", "user_id", "setting", "read_as", "reason"),
    [
        (None, "u1", "use_user_id", "u1", None),
        (None, "u1", "reject", None, "anonymous_id is null"),
        (None, None, "use_user_id", None, "anonymous_id is null"),
        ("a1", "u1", "use_user_id", "a1", None),  # only a missing anonymous_id is replaced
        (None, "", "use_user_id", "", None),  # '' is not NULL
    ],
)
def test_missing_anonymous_id(
    anonymous_id: str | None, user_id: str | None, setting: str, read_as: str | None, reason: str | None
) -> None:
    read = ri.read_row(row(anonymous_id=anonymous_id, user_id=user_id), missing_anonymous_id=setting)
    assert read["anonymous_id"] == read_as
    assert ri.reject_reason(read) == reason


def test_missing_anonymous_id_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="use_user_id"):
        ri.read_row(row(), missing_anonymous_id="user_id")


def test_rejected_rows_keep_their_columns_as_loaded() -> None:
    accepted, rejected = ri.split(
        [row(id="p1"), row(id="p2", timestamp="yesterday", sent_at="2025-11-01T11:20:00+01:00"),
         row(id="p3", anonymous_id=None, user_id=None, timestamp="2025-13-01")],
        missing_anonymous_id="use_user_id",
    )  # fmt: skip
    assert [r["id"] for r in accepted] == ["p1"]
    assert accepted[0]["timestamp"] == T0
    assert rejected == [
        {**row(id="p2"), "received_at": T0, "sent_at": T0, "timestamp": None, "reject_reason": "timestamp is not a timestamp"},
        {**row(id="p3"), "anonymous_id": None, "received_at": T0, "sent_at": T0, "timestamp": None,
         "reject_reason": "anonymous_id is null"},
    ]  # fmt: skip


# -- whole tables -----------------------------------------------------------------------------


def typed(**values: Any) -> dict[str, Any]:
    """The typed row the reference sessionizes: every SPEC column, times as datetimes."""
    return {**dict.fromkeys(reference.SOURCE_COLUMNS), "received_at": T0, "sent_at": T0, **values}


def test_text_times_give_the_tables_of_the_typed_rows() -> None:
    """Four page views 20, 15 and 15 minutes apart as four offsets write them: one session, as
    their UTC times say (read naively, 11:20 and 04:55 would make three)."""
    texts = ["2025-11-01T11:20:00+01:00", "2025-11-01T10:40:00Z", "2025-11-01T04:55:00-0600", "2025-11-01 11:10:00"]
    times = [T0, T0 + timedelta(minutes=20), T0 + timedelta(minutes=35), T0 + timedelta(minutes=50)]
    as_text = [row(id=f"p{n}", timestamp=t, received_at=t, sent_at=t) for n, t in enumerate(texts)]
    as_typed = [
        typed(id=f"p{n}", anonymous_id="a1", timestamp=t, received_at=t, sent_at=t) for n, t in enumerate(times)
    ]
    built = ri.build(as_text)
    assert built == reference.build(as_typed)
    assert len(built[reference.SESSIONS]) == 1


def test_build_sets_malformed_rows_apart_and_goes_on() -> None:
    rows = [row(id="p1"), row(id="p2", timestamp="yesterday"), row(id="p3", timestamp="")]
    built = ri.build(rows)
    assert [r["page_view_id"] for r in built[reference.PAGE_VIEWS]] == ["p1"]
    assert [(r["id"], r["timestamp"], r["reject_reason"]) for r in built[reference.REJECTED]] == [
        ("p2", None, "timestamp is not a timestamp"),
        ("p3", None, "timestamp is not a timestamp"),
    ]
    assert list(built[reference.REJECTED][0]) == reference.COLUMNS[reference.REJECTED]


def test_build_keeps_spec_null_reasons_and_use_user_id() -> None:
    rows = [row(id="p1", anonymous_id=None, user_id="u1"), row(id="p2", anonymous_id=None, user_id=None)]
    built = ri.build(rows, missing_anonymous_id="use_user_id")
    assert [(r["page_view_id"], r["anonymous_id"], r["user_id"]) for r in built[reference.PAGE_VIEWS]] == [
        ("p1", "u1", "u1")
    ]
    assert [(r["id"], r["reject_reason"]) for r in built[reference.REJECTED]] == [("p2", "anonymous_id is null")]
    assert [r["anonymous_id"] for r in built[reference.USER_STITCHING]] == ["u1"]


def test_build_list_reads_every_entry() -> None:
    pages = [row(id="p1", timestamp="2025-11-01T11:20:00+01:00"), row(id="p2", timestamp="nope")]
    tracks = [row(id="t1", event="heartbeat", timestamp="2025-11-01T10:50:00Z"),
              row(id="t2", event="other", timestamp="nope"), row(id="t3", event="heartbeat", timestamp="nope")]  # fmt: skip
    built = ri.build_list([("web", "pages", None, pages), ("web", "tracks", ["heartbeat"], tracks)])
    (session,) = built[reference.SESSIONS]
    assert (session["session_start_tstamp"], session["session_end_tstamp"]) == (T0, T0 + timedelta(minutes=30))
    # t2 is outside `events`: not read at all, so not rejected either
    assert [(r["source_name"], r["kind"], r["id"], r["reject_reason"]) for r in built[reference.REJECTED]] == [
        ("web", "pages", "p2", "timestamp is not a timestamp"),
        ("web", "tracks", "t3", "timestamp is not a timestamp"),
    ]


# -- segment-json: names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "column"),
    [
        ("userAgent", "user_agent"),
        ("anonymousId", "anonymous_id"),
        ("receivedAt", "received_at"),
        ("originalTimestamp", "original_timestamp"),
        ("userID", "user_id"),
        ("IPAddress", "ipaddress"),  # one run of capitals is one word, as in go-snakecase
        ("CStringRef", "cstring_ref"),
        ("utm_source", "utm_source"),  # already snake_case: kept
        ("context_campaign_source", "context_campaign_source"),
        ("context_userAgent", "context_user_agent"),
        ("page2View", "page2_view"),
        ("abc1D", "abc1_d"),
        ("2FA Enabled", "2fa_enabled"),  # capitals right after leading digits join them
        ("edf_6N", "edf_6n"),
        ("Enabled 2FA", "enabled_2fa"),
        ("f_pX9", "f_p_x9"),
        ("THE5r", "the5r"),
        ("test5", "test5"),
        ("Order Completed!", "order_completed"),
        ("  Signed Up  ", "signed_up"),
        ("_private", "private"),
        ("trailing_", "trailing"),
        ("a__b", "a_b"),
        ("some.thing-else", "some_thing_else"),
        ("Ünïcode", "n_code"),  # non-ASCII letters only separate words
        ("日本", ""),
        ("", ""),
    ],
)
def test_snake_case(key: str, column: str) -> None:
    assert ri.snake_case(key) == column


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Order Completed!", "order_completed"),
        ("  Signed Up  ", "signed_up"),
        ("Ünïcode Event", "n_code_event"),
        ("123 go", "123_go"),
        ("heartbeat", "heartbeat"),
        ("Product--Viewed (v2)", "product_viewed_v2"),
        ("addToCart", "addtocart"),  # SPEC's rule keeps no camelCase boundary
        ("snake_case_already", "snake_case_already"),
        ("!!!", ""),
        ("", ""),
        (None, None),
    ],
)
def test_event_slug(text: str | None, slug: str | None) -> None:
    assert ri.event_slug(text) == slug


# -- segment-json: messages ---------------------------------------------------------------------

PAGE_MESSAGE: dict[str, Any] = {
    "anonymousId": "507f191e810c19729de860ea",
    "channel": "browser",
    "context": {
        "ip": "8.8.8.8",
        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
        "campaign": {"source": "news", "medium": "email", "name": "fall", "term": None, "content": "hero"},
        "page": {"path": "/docs", "url": "https://example.com/docs?x=1", "title": "Docs", "search": "?x=1",
                 "referrer": ""},
        "device": {"type": "desktop"},
        "os": {"name": "Mac OS X", "version": "10.15.7"},
        "library": {"name": "analytics.js", "version": "5.2.0"},
        "locale": "en-US",
    },
    "integrations": {"All": True, "Mixpanel": False},
    "messageId": "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
    "name": "Docs home",
    "properties": {
        "name": "ignored: the top-level name wins",
        "path": "/docs",
        "referrer": "",
        "search": "?x=1",
        "title": "Docs",
        "url": "https://example.com/docs?x=1",
        "keywords": ["sessions", "ünïcode"],
        "planType": "pro",
        "nested": {"deepKey": 1, "empty": {}},
        "id": "ignored: messageId wins",
    },
    "receivedAt": "2025-11-01T10:20:00.387Z",
    "sentAt": "2025-11-01T10:20:00.111Z",
    "timestamp": "2025-11-01T11:20:00.111+01:00",
    "originalTimestamp": "2025-11-01T11:20:00.000+01:00",
    "type": "page",
    "userId": None,
    "version": 2,
}  # fmt: skip


def test_flatten_a_page_message() -> None:
    assert ri.flatten(PAGE_MESSAGE) == {
        "anonymous_id": "507f191e810c19729de860ea",
        "channel": "browser",
        "id": "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
        "name": "Docs home",
        "received_at": "2025-11-01T10:20:00.387Z",
        "sent_at": "2025-11-01T10:20:00.111Z",
        "timestamp": "2025-11-01T11:20:00.111+01:00",
        "original_timestamp": "2025-11-01T11:20:00.000+01:00",
        "type": "page",
        "user_id": None,
        "version": 2,
        "context_ip": "8.8.8.8",
        "context_user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
        "context_campaign_source": "news",
        "context_campaign_medium": "email",
        "context_campaign_name": "fall",
        "context_campaign_term": None,
        "context_campaign_content": "hero",
        "context_page_path": "/docs",
        "context_page_url": "https://example.com/docs?x=1",
        "context_page_title": "Docs",
        "context_page_search": "?x=1",
        "context_page_referrer": "",
        "context_device_type": "desktop",
        "context_os_name": "Mac OS X",
        "context_os_version": "10.15.7",
        "context_library_name": "analytics.js",
        "context_library_version": "5.2.0",
        "context_locale": "en-US",
        "path": "/docs",
        "referrer": "",
        "search": "?x=1",
        "title": "Docs",
        "url": "https://example.com/docs?x=1",
        "keywords": '["sessions","ünïcode"]',
        "plan_type": "pro",
        "nested_deep_key": 1,
    }


def test_a_page_message_reads_as_the_pages_row() -> None:
    (page,) = ri.archive_rows([PAGE_MESSAGE])
    (view,) = ri.build([page])[reference.PAGE_VIEWS]
    assert (view["page_view_id"], view["tstamp"], view["received_at_tstamp"]) == (
        "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
        datetime(2025, 11, 1, 10, 20, 0, 111000),
        datetime(2025, 11, 1, 10, 20, 0, 387000),
    )
    assert (view["page_url_host"], view["utm_source"], view["utm_term"], view["device"]) == (
        "example.com", "news", None, "Macintosh"
    )  # fmt: skip


def test_track_and_identify_messages() -> None:
    track = {"type": "track", "messageId": "t1", "anonymousId": "a1", "event": "Order Completed!",
             "properties": {"revenue": 9.5, "event": "ignored", "currencyCode": "EUR"},
             "context": {"traits": {"email": "x@example.com"}}}  # fmt: skip
    assert ri.flatten(track) == {"type": "track", "id": "t1", "anonymous_id": "a1", "event_text": "Order Completed!",
                                 "event": "order_completed", "context_traits_email": "x@example.com", "revenue": 9.5,
                                 "currency_code": "EUR"}  # fmt: skip
    identify = {"type": "identify", "messageId": "i1", "userId": "u1", "traits": {"firstName": "Ada", "address": {
        "street": "6th Street"}, "user_id": "ignored"}}  # fmt: skip
    assert ri.flatten(identify) == {"type": "identify", "id": "i1", "user_id": "u1", "first_name": "Ada",
                                    "address_street": "6th Street"}  # fmt: skip


def test_clashes_go_to_the_top_level_then_context_then_properties() -> None:
    msg = {"type": "page", "messageId": "m1", "name": None, "context": {"ip": "1.1.1.1"},
           "properties": {"name": "lost", "context_ip": "lost too", "pageTitle": "first", "page_title": "second"}}  # fmt: skip
    flat = ri.flatten(msg)
    assert (flat["name"], flat["context_ip"], flat["page_title"]) == (None, "1.1.1.1", "first")


@pytest.mark.parametrize(
    ("kind_name", "kind"),
    [("page", "pages"), ("screen", "screens"), ("track", "tracks"), ("identify", "identifies"), ("group", None),
     ("alias", None), ("Page", None), (None, None)],
)  # fmt: skip
def test_kind_of(kind_name: str | None, kind: str | None) -> None:
    assert ri.kind_of({"type": kind_name}) == kind


def test_a_non_text_time_in_a_message_rejects_only_its_row() -> None:
    raw = [{**PAGE_MESSAGE, "messageId": "m1"}, {**PAGE_MESSAGE, "messageId": "m2", "timestamp": 1761992400}]
    rows = ri.archive_rows(raw)
    assert rows[1]["timestamp"] == "1761992400"
    built = ri.build(rows)
    assert [r["page_view_id"] for r in built[reference.PAGE_VIEWS]] == ["m1"]
    assert [(r["id"], r["reject_reason"]) for r in built[reference.REJECTED]] == [
        ("m2", "timestamp is not a timestamp")
    ]


def test_archive_entries_split_by_type() -> None:
    raw = [
        {**PAGE_MESSAGE, "messageId": "p1"},
        {"type": "screen", "messageId": "s1", "anonymousId": "a2", "name": "Home", "receivedAt": "2025-11-01T10:20:00Z",
         "timestamp": "2025-11-01T10:20:00Z", "context": {"device": {"model": "iPad7,1"}, "os": {"name": "iOS"}}},
        {"type": "track", "messageId": "t1", "anonymousId": "a2", "event": "Heartbeat",
         "receivedAt": "2025-11-01T10:40:00Z", "timestamp": "2025-11-01T10:40:00Z"},
        {"type": "identify", "messageId": "i1", "anonymousId": "a2", "userId": "u9",
         "receivedAt": "2025-11-01T10:41:00Z", "timestamp": "2025-11-01T10:41:00Z"},
        {"type": "group", "messageId": "g1", "anonymousId": "a2", "groupId": "g", "receivedAt": "2025-11-01T10:42:00Z"},
        {"type": "alias", "messageId": "x1", "userId": "u9", "previousId": "a2", "receivedAt": "2025-11-01T10:42:00Z"},
    ]  # fmt: skip
    entries = ri.archive_entries(raw, "app", events=["heartbeat"])
    assert [(name, kind, events, [r["id"] for r in rows]) for name, kind, events, rows in entries] == [
        ("app", "pages", None, ["p1"]),
        ("app", "screens", None, ["s1"]),
        ("app", "tracks", ["heartbeat"], ["t1"]),
        ("app", "identifies", None, ["i1"]),
    ]
    built = ri.build_list(entries)
    screen = next(s for s in built[reference.SESSIONS] if s["anonymous_id"] == "a2")
    assert (screen["device_category"], screen["blended_user_id"], screen["duration_in_s"]) == ("Tablet", "u9", 1200)
