"""The input writers (tests/inputs.py) hold what they are given: each file read back (by DuckDB
where it is the reader users have, by the stdlib and tests/reference_inputs otherwise) gives the
logical rows it was written from."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests import reference_inputs as ri
from tests.helpers import T0, event, page
from tests.inputs import (
    MIXED_OFFSETS,
    camel_case,
    format_of,
    message,
    messages,
    noise,
    time_text,
    write,
    write_archive,
    write_csv,
    write_export,
    write_json,
    write_parquet,
)

Row = dict[str, Any]


def pages(n: int = 6, **values: Any) -> list[Row]:
    """n page views of a1 five minutes apart, at millisecond times."""
    return [page(id=f"p{i}", timestamp=T0 + timedelta(minutes=5 * i, milliseconds=i), **values) for i in range(n)]


def query(sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def described(path: Path | str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in query(f"DESCRIBE SELECT * FROM '{path}'")]


def as_read(rows: list[Row]) -> list[Row]:
    """Rows with their time columns read by the reference's rules."""
    return [ri.read_row(r) for r in rows]


# -- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        ("Z", "2024-01-01T10:00:00.250Z"),
        ("+01:00", "2024-01-01T11:00:00.250+01:00"),
        ("-0600", "2024-01-01T04:00:00.250-0600"),
        ("+00", "2024-01-01T10:00:00.250+00"),
        ("", "2024-01-01T10:00:00.250"),
    ],
)
def test_time_text_reads_back_as_the_same_instant(offset: str, text: str) -> None:
    value = T0 + timedelta(milliseconds=250)
    assert time_text(value, offset) == text
    assert ri.parse_time(text) == value


def test_time_text_fractions() -> None:
    assert time_text(T0) == "2024-01-01T10:00:00Z"
    assert time_text(T0, millis=True, sep=" ") == "2024-01-01 10:00:00.000Z"
    assert time_text(T0 + timedelta(microseconds=7)) == "2024-01-01T10:00:00.000007Z"


# -- Parquet and CSV globs ----------------------------------------------------------------------


def test_an_export_that_grew_columns(tmp_path: Path) -> None:
    rows = pages(6)
    for r in rows[3:]:
        r.update(context_campaign_term="t", context_locale="de-DE")
    paths = write_export(tmp_path, rows, late_columns=["context_campaign_term", "context_locale"])
    assert [p.name for p in paths] == ["part-0001.parquet", "part-0002.parquet"]
    first, second = (dict(described(p)) for p in paths)
    assert "context_campaign_term" not in first and "context_locale" not in first
    assert list(second)[-2:] == ["context_campaign_term", "context_locale"]  # appended, as the loader does
    assert second["timestamp"] == "TIMESTAMP"
    got = query(f"SELECT id, timestamp, context_campaign_term, context_locale FROM read_parquet('{tmp_path}/*.parquet', "
                "union_by_name = true) ORDER BY id")  # fmt: skip
    assert got == [(r["id"], r["timestamp"], r["context_campaign_term"], r.get("context_locale")) for r in rows]


def test_an_export_read_wide_file_first_with_a_retyped_column(tmp_path: Path) -> None:
    rows = [{**r, "plan_id": str(40 + n)} for n, r in enumerate(pages(4))]
    rows[3]["plan_id"] = "pro"
    paths = write_export(tmp_path, rows, files=2, late_columns=["context_campaign_term"], retyped={"plan_id": "BIGINT"},
                         wide_first=True, reversed_columns=True)  # fmt: skip
    assert [p.name for p in paths] == ["part-0001.parquet", "part-0002.parquet"]
    wide, narrow = (described(p) for p in paths)  # the glob's first file is the later, wider part
    assert ("plan_id", "VARCHAR") in wide and ("plan_id", "BIGINT") in narrow
    assert wide[0][0] == "context_campaign_term" and wide[-1][0] == "id"  # columns reversed
    assert query(f"SELECT count(*) FROM read_parquet('{paths[1]}')") == [(2,)]
    got = query(f"SELECT id, plan_id FROM read_parquet('{tmp_path}/*.parquet', union_by_name = true) ORDER BY id")
    assert got == [("p0", "40"), ("p1", "41"), ("p2", "42"), ("p3", "pro")]  # text, the files' common type


def test_a_writer_never_loses_a_value(tmp_path: Path) -> None:
    rows = pages(4, context_campaign_term="t")
    with pytest.raises(ValueError, match="context_campaign_term"):
        write_export(tmp_path, rows, late_columns=["context_campaign_term"])
    with pytest.raises(ValueError, match="TIMESTAMP"):
        write_parquet(tmp_path / "x.parquet", [page(timestamp="yesterday")], types={"timestamp": "TIMESTAMP"})
    with pytest.raises(ValueError, match="unknown encodings"):
        write_parquet(tmp_path / "x.parquet", pages(1), types={"timestamp": "EPOCH_NS"})


def test_a_csv_export_that_grew_columns(tmp_path: Path) -> None:
    rows = pages(4)
    rows[3]["context_campaign_content"] = "hero"
    paths = write_export(
        tmp_path, rows, suffix=".csv", late_columns=["context_campaign_content"], offsets=MIXED_OFFSETS
    )
    got = query(
        f"SELECT id, context_campaign_content FROM read_csv('{tmp_path}/*.csv', union_by_name = true) ORDER BY id"
    )
    assert got == [("p0", None), ("p1", None), ("p2", None), ("p3", "hero")]
    header = paths[0].read_text().splitlines()[0]
    assert "context_campaign_content" not in header


def test_csv_times_with_mixed_offsets_and_malformed_values(tmp_path: Path) -> None:
    bad = [
        page(id="bad1", timestamp="yesterday"),
        page(id="bad2", timestamp=""),
        page(id="bad3", timestamp="2025-13-01"),
    ]
    rows = [*pages(4), *bad]
    path = write_csv(tmp_path / "pages.csv.gz", rows, offsets=MIXED_OFFSETS)
    text = gzip.decompress(path.read_bytes()).decode()
    read = list(csv.DictReader(io.StringIO(text)))
    assert [r["timestamp"] for r in read] == [
        "2024-01-01T10:00:00Z", "2024-01-01T11:05:00.001+01:00", "2024-01-01T04:10:00.002-0600",
        "2024-01-01T10:15:00.003", "yesterday", "", "2025-13-01",
    ]  # fmt: skip
    assert [ri.read_row(r)["timestamp"] for r in read] == [r["timestamp"] for r in as_read(rows)]
    assert '"bad2"' in text and ',"",' in text  # '' is quoted ""; NULL (user_id) an empty field
    assert query(f"SELECT count(*) FROM read_csv('{path}', allow_quoted_nulls = false) WHERE timestamp = ''") == [(1,)]


# -- JSON and names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lines"),
    [("p.ndjson", True), ("p.jsonl", True), ("p.json", False), ("p.json.gz", False), ("export.gz", True)],
)
def test_json_layouts(tmp_path: Path, name: str, lines: bool) -> None:
    rows = pages(3, user_id="u1")
    path = write(tmp_path / name, rows, fmt="json" if name == "export.gz" else None, offsets=MIXED_OFFSETS)
    data = path.read_bytes()
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode()
    objects = [json.loads(line) for line in text.splitlines()] if lines else json.loads(text)
    assert as_read(objects) == as_read(rows)
    fmt = "newline_delimited" if lines else "array"
    assert query(f"SELECT count(*) FROM read_json('{path}', format = '{fmt}')") == [(3,)]


def test_the_format_comes_from_the_name_or_from_fmt(tmp_path: Path) -> None:
    assert [format_of(Path(n)) for n in ("a.PARQUET", "a.csv.gz", "a.ndjson", "a.jsonl.gz", "a.gz", "a.txt")] == [
        "parquet", "csv", "json", "json", None, None
    ]  # fmt: skip
    with pytest.raises(ValueError, match="says no format"):
        write(tmp_path / "1761955200000.0000.gz", pages(1))
    path = write(tmp_path / "pages.parquet.gz", pages(2))
    (tmp_path / "unzipped.parquet").write_bytes(gzip.decompress(path.read_bytes()))
    assert query(f"SELECT count(*) FROM '{tmp_path / 'unzipped.parquet'}'") == [(2,)]


@pytest.mark.parametrize(("encoding", "scale"), [("EPOCH_S", 1), ("EPOCH_MS", 1000)])
def test_epoch_time_columns(tmp_path: Path, encoding: str, scale: int) -> None:
    rows = [page(id="p1", timestamp=datetime(2025, 11, 1, 10, 20))]
    parquet = write_parquet(tmp_path / "p.parquet", rows, types={"timestamp": encoding})
    assert dict(described(parquet))["timestamp"] == "BIGINT"
    assert query(f"SELECT timestamp FROM '{parquet}'") == [(1761992400 * scale,)]
    csv_path = write_csv(tmp_path / "p.csv", rows, types={"timestamp": encoding})
    assert dict(described(csv_path))["timestamp"] == "BIGINT"
    json_path = write_json(tmp_path / "p.jsonl", rows, types={"timestamp": encoding})
    assert json.loads(json_path.read_text())["timestamp"] == 1761992400 * scale


def test_text_and_zoned_times_in_parquet(tmp_path: Path) -> None:
    rows = pages(4)
    text = write_parquet(tmp_path / "text.parquet", rows, types={"timestamp": "VARCHAR"}, offsets=MIXED_OFFSETS)
    assert dict(described(text))["timestamp"] == "VARCHAR"
    assert [ri.parse_time(t) for (t,) in query(f"SELECT timestamp FROM '{text}' ORDER BY id")] == [
        r["timestamp"] for r in rows
    ]
    zoned = write_parquet(tmp_path / "zoned.parquet", rows, types={"timestamp": "TIMESTAMPTZ"})
    assert dict(described(zoned))["timestamp"] == "TIMESTAMP WITH TIME ZONE"
    got = query(f"SELECT CAST(timestamp AT TIME ZONE 'UTC' AS TIMESTAMP) FROM '{zoned}' ORDER BY id")
    assert [t for (t,) in got] == [r["timestamp"] for r in rows]


# -- raw Segment messages -----------------------------------------------------------------------


def flattened_as(rows: list[Row], raw: list[dict[str, Any]]) -> list[Row]:
    """Each message flattened by the reference, on its logical row's columns (a key the message
    leaves out reads as NULL), times read."""
    return [{c: ri.read_row(ri.message_row(m)).get(c) for c in r} for r, m in zip(rows, raw, strict=True)]


def test_messages_flatten_back_to_their_rows() -> None:
    views = pages(2, context_campaign_source="news", context_locale="en-US", plan_type="pro", referrer="", user_id="u1")
    screens = [event(id="s1", name="Home", context_device_model="iPad7,1", context_os_name="iOS")]
    tracks = [event(id="t1", event="order_completed", event_text="Order Completed!"), event(id="t2", event="heartbeat")]
    identifies = [event(id="i1", user_id="u1", email="ada@example.com")]
    for kind, rows in (("pages", views), ("screens", screens), ("tracks", tracks), ("identifies", identifies)):
        raw = messages(rows, kind, offsets=MIXED_OFFSETS)
        assert flattened_as(rows, raw) == as_read(rows), kind
        assert {ri.kind_of(m) for m in raw} == {kind}
    assert ri.flatten(messages(tracks, "tracks")[1])["event_text"] == "heartbeat"


def test_a_page_message_is_camel_case_and_nested() -> None:
    row = page(id="p1", user_id=None, context_campaign_source="news", context_ip="8.8.8.8", plan_type="pro")
    msg = message(row, "pages")
    assert msg["messageId"] == "p1" and msg["anonymousId"] == "a1" and "userId" not in msg
    assert msg["timestamp"] == "2024-01-01T10:00:00.000Z" and msg["channel"] == "client"
    assert msg["context"]["userAgent"] == row["context_user_agent"]
    assert msg["context"]["campaign"] == {"source": "news"}
    assert msg["context"]["page"] == {"path": "/home", "search": "?ref=1", "title": "Home",
                                      "url": "https://www.example.com/home?ref=1"}  # fmt: skip
    assert msg["properties"] == {"url": row["url"], "path": "/home", "title": "Home", "search": "?ref=1",
                                 "planType": "pro"}  # fmt: skip
    server = message(page(anonymous_id=None, user_id="u1", campaign=None), "pages", nulls=True)
    assert server["anonymousId"] is None and server["channel"] == "server"
    assert server["properties"]["referrer"] is None and server["context"]["campaign"]["term"] is None


def test_camel_case_only_where_the_loader_turns_it_back() -> None:
    assert [camel_case(c) for c in ("plan_type", "utm_source", "url", "abc_1d", "x_2fa")] == [
        "planType", "utmSource", "url", "abc_1d", "x_2fa"
    ]  # fmt: skip


def test_a_track_row_must_carry_its_events_slug() -> None:
    with pytest.raises(ValueError, match="slug"):
        message(event(event="Signed Up"), "tracks")
    with pytest.raises(ValueError, match="slug"):
        message(event(event="signed", event_text="Signed Up"), "tracks")


def test_an_archive_as_segments_s3_destination_writes_it(tmp_path: Path) -> None:
    views = [*pages(3), page(id="next-day", timestamp=T0 + timedelta(days=1))]
    tracks = [event(id="t1", event="heartbeat", timestamp=T0 + timedelta(minutes=1))]
    identifies = [event(id="i1", user_id="u1", timestamp=T0 + timedelta(minutes=2))]
    raw = [*messages(views, "pages"), *messages(tracks, "tracks"), *messages(identifies, "identifies"), *noise(T0)]
    paths = write_archive(tmp_path, raw, source_id="src1", files_per_day=2)
    day = 1704067200000  # 2024-01-01 in epoch milliseconds
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        f"segment-logs/src1/{day}/{day}.0000.gz", f"segment-logs/src1/{day}/{day}.0001.gz",
        f"segment-logs/src1/{day + 86_400_000}/{day + 86_400_000}.0000.gz",
    ]  # fmt: skip
    read = [json.loads(line) for p in paths for line in gzip.decompress(p.read_bytes()).decode().splitlines()]
    assert sorted(m["messageId"] for m in read) == sorted(m["messageId"] for m in raw)
    assert {m["type"] for m in read} == {"page", "track", "identify", "group", "alias"}
    assert [r["id"] for r in ri.archive_rows(read)] == ["p0", "p2", "p1", "next-day"]
    pattern = f"{tmp_path}/segment-logs/*/*/*.gz"
    assert query(f"SELECT count(*) FROM read_json('{pattern}', format = 'newline_delimited')") == [(len(raw),)]
