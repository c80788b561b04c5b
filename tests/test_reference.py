"""Unit tests of the reference's rules on hand-made values, so the oracle itself is trusted."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests import reference as ref

T0 = datetime(2024, 1, 1, 10, 0, 0)


def source_row(**overrides: Any) -> dict[str, Any]:
    """A complete source row with every input column of docs/reference.md "Input"; overrides win."""
    row: dict[str, Any] = dict.fromkeys(ref.SOURCE_COLUMNS)
    row.update(
        id="pv1",
        anonymous_id="a1",
        received_at=T0,
        sent_at=T0,
        timestamp=T0,
        url="https://www.example.com/x?y=1",
        referrer="https://www.google.com/search?q=a",
        context_user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
    )
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.example.com/a/b?c=d", "www.example.com"),
        ("http://example.com?x=1/2", "example.com"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
        ("example.com", "example.com"),
        ("", ""),
        ("/relative/path", ""),
        ("hthttp://tp://x.org", "http:"),  # one left-to-right pass, as SQL REPLACE
        (None, None),
    ],
)
def test_url_host(value: str | None, expected: str | None) -> None:
    assert ref.url_host(value) == expected


def test_referrer_host_removes_every_www() -> None:
    assert ref.referrer_host("https://www.google.co.uk/search") == "google.co.uk"
    assert ref.referrer_host("http://awww.example.www.com/") == "aexample.com"
    assert ref.referrer_host(None) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/?gclid=abc&utm=1", "abc"),
        ("https://x.com/?a=1&gclid=abc", "abc"),
        ("https://x.com/?gclid=&a=1", None),
        ("https://x.com/?a=1", None),
        ("https://x.com/?gclid=a&gclid=b", "a"),
        (None, None),
    ],
)
def test_gclid(url: str | None, expected: str | None) -> None:
    assert ref.gclid(url) == expected


@pytest.mark.parametrize(
    ("ua", "expected", "category"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "iPhone", "iPhone"),
        ("Mozilla/5.0 (Linux; ANDROID 14; Pixel 8)", "Android", "Android"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", "iPad", "Tablet"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Windows", "Desktop"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "X11", "Desktop"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X)", "Macintosh", "Desktop"),
        ("curl/8.0", "", "Uncategorized"),
        ("a (b;c;d e", "bcd", "Uncategorized"),
        (None, None, "Uncategorized"),
    ],
)
def test_device_and_category(ua: str | None, expected: str | None, category: str) -> None:
    assert ref.device(ua) == expected
    assert ref.device_category(ref.device(ua)) == category


def test_split_part_sql_semantics() -> None:
    assert ref.split_part("a/b", "/", 1) == "a"
    assert ref.split_part("ab", "/", 1) == "ab"
    assert ref.split_part("ab", "/", 2) == ""
    assert ref.split_part(None, "/", 1) is None


def test_seconds_between_counts_boundaries() -> None:
    a = datetime(2024, 1, 1, 10, 0, 0, 900_000)
    assert ref.seconds_between(a, datetime(2024, 1, 1, 10, 0, 1, 100_000)) == 1
    assert ref.seconds_between(T0, T0 + timedelta(microseconds=999_999)) == 0
    assert ref.seconds_between(T0, T0 + timedelta(days=2, seconds=3)) == 172_803
    before_1970 = datetime(1969, 12, 31, 23, 59, 59, 500_000)
    assert ref.seconds_between(before_1970, datetime(1970, 1, 1)) == 1


def test_inactivity_cutoff_is_strict() -> None:
    assert not ref.starts_new_session(T0, T0 + timedelta(seconds=1800), 1800)
    assert ref.starts_new_session(T0, T0 + timedelta(seconds=1801), 1800)
    assert ref.starts_new_session(None, T0, 1800)


def test_surrogate_key_matches_md5() -> None:
    assert ref.session_id("a", 1) == hashlib.md5(b"a-1").hexdigest()
    assert ref.surrogate_key(None, 2) == hashlib.md5(b"_dbt_utils_surrogate_key_null_-2").hexdigest()


@pytest.mark.parametrize(
    ("seconds", "tier"),
    [
        (0, "0s to 9s"),
        (9, "0s to 9s"),
        (10, "10s to 29s"),
        (29, "10s to 29s"),
        (30, "30s to 59s"),
        (59, "30s to 59s"),
        (60, "60s or more"),
    ],
)
def test_duration_tier(seconds: int, tier: str) -> None:
    assert ref.duration_tier(seconds) == tier


def test_dedupe_order_nulls_last() -> None:
    later = source_row(received_at=T0 + timedelta(seconds=1), title="later")
    null_sent = source_row(sent_at=None, title="null sent_at")
    winner = source_row(sent_at=T0 - timedelta(seconds=1), title="winner")
    assert ref.dedupe([later, null_sent, winner])[0]["title"] == "winner"
    assert ref.dedupe([null_sent, later])[0]["title"] == "null sent_at"


def test_reject_reason_names_first_null() -> None:
    assert ref.reject_reason(source_row(id=None, timestamp=None)) == "id is null"
    assert ref.reject_reason(source_row(anonymous_id=None)) == "anonymous_id is null"
    assert ref.reject_reason(source_row(timestamp=None)) == "timestamp is null"
    assert ref.reject_reason(source_row(received_at=None)) == "received_at is null"
    assert ref.reject_reason(source_row(received_at=None), "sent_at") is None
    assert ref.reject_reason(source_row()) is None


def test_binary_collation_order() -> None:
    assert ref.binary_text_key("B") < ref.binary_text_key("a")
    assert ref.binary_text_key("z") < ref.binary_text_key("é")


def test_build_end_to_end() -> None:
    rows = [
        source_row(id="p1", timestamp=T0, user_id=None),
        source_row(
            id="p2",
            timestamp=T0 + timedelta(seconds=1800),
            url="https://e.com/?gclid=g",
        ),
        source_row(id="p3", timestamp=T0 + timedelta(seconds=3601), user_id="u1"),
        # Same tstamp as p3: the tie is broken by page_view_id, so p0 comes first.
        source_row(id="p0", timestamp=T0 + timedelta(seconds=3601)),
        source_row(id="p9", anonymous_id=None),
        source_row(id="p1", received_at=T0 + timedelta(hours=1), title="dup"),
    ]
    out = ref.build(
        rows,
        pass_through_columns=("title",),
        referrer_mapping={"google.com": ("search", "Google")},
    )
    cols = ref.columns(("title",))
    for table, table_rows in out.items():
        for row in table_rows:
            assert list(row) == cols[table], table

    assert [r["reject_reason"] for r in out[ref.REJECTED]] == ["anonymous_id is null"]
    sessionized = out[ref.PAGE_VIEWS_SESSIONIZED]
    assert [r["page_view_id"] for r in sessionized] == ["p1", "p2", "p0", "p3"]
    assert [r["page_view_number"] for r in sessionized] == [1, 2, 3, 4]
    sid1, sid2 = ref.session_id("a1", 1), ref.session_id("a1", 2)
    assert [r["session_id"] for r in sessionized] == [sid1, sid1, sid2, sid2]
    assert out[ref.USER_STITCHING][0]["user_id"] == "u1"

    sessions = {s["session_id"]: s for s in out[ref.SESSIONS]}
    first = sessions[sid1]
    assert first["page_views"] == 2
    assert first["duration_in_s"] == 1800
    assert first["duration_in_s_tier"] == "60s or more"
    assert first["gclid"] is None
    assert first["last_page_url"] == "https://e.com/?gclid=g"
    assert (first["referrer_medium"], first["referrer_source"]) == ("search", "Google")
    assert first["blended_user_id"] == "u1"
    assert first["first_title"] is None
    numbers = [sessions[sid]["session_number"] for sid in (sid1, sid2)]
    assert numbers == [1, 2]


def test_pass_through_clash_is_refused() -> None:
    with pytest.raises(ValueError, match="clash"):
        ref.build([], pass_through_columns=("device",))
