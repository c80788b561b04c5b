"""What users load, read whole (issue #23; docs/reference.md "Files and values as users have them"):
globs whose files gained columns, text times with offsets, times that are not times, JSON in its
layouts and gzip'd, names that say no format, numeric time columns. Each run is the real CLI on
DuckDB over files tests/inputs.py writes; the tables must equal tests/reference_inputs.py's over
the same logical rows, and the files must be as they were."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sessionizer.cli import main
from tests import reference, reference_inputs
from tests.helpers import T0, TABLES, package_mapping, page, tables_of
from tests.inputs import MIXED_OFFSETS, write, write_export

Row = dict[str, Any]


def sessionizer(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def visits(n: int = 12) -> list[Row]:
    """Two visitors, campaigns with a term and a content, a pass-through column, a gap that
    splits a session; millisecond times."""
    rows = []
    for i in range(n):
        at = T0 + timedelta(minutes=7 * i + (60 if i > n // 2 else 0), milliseconds=i)
        rows.append(
            page(
                id=f"p{i:02d}", anonymous_id=f"a{i % 2}", timestamp=at, user_id="u1" if i == 5 else None,
                context_campaign_source="news", context_campaign_term=f"term{i}", context_campaign_content=f"c{i % 3}",
                context_locale=f"en-{i}",
            )
        )  # fmt: skip
    return rows


def expected(rows: list[Row], **settings: Any) -> dict[str, list[tuple[Any, ...]]]:
    built = reference_inputs.build(rows, referrer_mapping=package_mapping(), **settings)
    return {t: reference.canonical(built[t]) for t in TABLES}


def digests(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(db: Path, source: str | Path, *args: str) -> Result:
    return sessionizer("run", "--target", f"duckdb:///{db}", "--source", str(source), *args)


def assert_read_whole(tmp_path: Path, source: str | Path, rows: list[Row], *args: str, **settings: Any) -> None:
    """A run over ``source`` exits 0, leaves the files as they were, and builds the reference's tables."""
    files = tmp_path / "files"
    before = digests(files)
    result = run(tmp_path / "w.duckdb", source, *args)
    assert result.exit_code == 0, result.output
    assert digests(files) == before
    got = tables_of(tmp_path / "w.duckdb")
    for table, want in expected(rows, **settings).items():
        assert got[table] == want, table


# -- globs read by column name -------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".json", ".ndjson"])
@pytest.mark.parametrize("wide_first", [False, True])
def test_a_glob_whose_files_gained_columns_loses_nothing(tmp_path: Path, suffix: str, wide_first: bool) -> None:
    """The first day's file lacks the campaign term and content and the pass-through column; in
    the reference those rows hold NULL there and the later files' values are all kept."""
    rows = visits()
    late = ["context_campaign_term", "context_campaign_content", "context_locale"]
    for row in rows[:6]:
        row.update(dict.fromkeys(late))
    write_export(tmp_path / "files", rows, suffix=suffix, late_columns=late, wide_first=wide_first)
    source = tmp_path / "files" / f"*{suffix}"
    assert_read_whole(tmp_path, source, rows, "--pass-through-columns", "context_locale",
                      pass_through_columns=["context_locale"])  # fmt: skip
    built = reference_inputs.build(rows, pass_through_columns=["context_locale"])
    assert sum(r["utm_term"] is not None for r in built["segment_web_page_views"]) == 6


def test_a_column_retyped_between_files_reads_as_text(tmp_path: Path) -> None:
    """A column BIGINT in one file and text in the next is read as text (the files' common type)."""
    rows = visits(8)
    for i, row in enumerate(rows):
        row["context_locale"] = str(100 + i) if i < 4 else f"en-{i}"
    write_export(tmp_path / "files", rows, retyped={"context_locale": "BIGINT"}, wide_first=True)
    assert_read_whole(tmp_path, tmp_path / "files" / "*.parquet", rows, "--pass-through-columns", "context_locale",
                      pass_through_columns=["context_locale"])  # fmt: skip


def test_a_csv_empty_string_stays_an_empty_string(tmp_path: Path) -> None:
    """SPEC: empty strings go through unchanged; a CSV's quoted "" is '', an empty field NULL."""
    rows = visits(4)
    rows[0]["referrer"], rows[1]["title"], rows[2]["search"] = "", "", ""
    write(tmp_path / "files" / "pages.csv", rows)
    assert_read_whole(tmp_path, tmp_path / "files" / "pages.csv", rows)


# -- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pages.json", "pages.jsonl", "pages.ndjson", "pages.json.gz", "pages.csv.gz",
                                  "pages.ndjson.gz", "pages.parquet"])  # fmt: skip
def test_each_format_is_read_as_its_name_says(tmp_path: Path, name: str) -> None:
    rows = visits()
    write(tmp_path / "files" / name, rows, offsets=MIXED_OFFSETS)
    assert_read_whole(tmp_path, tmp_path / "files" / name, rows)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_name_that_says_no_format_is_read_as_format_says(tmp_path: Path, fmt: str) -> None:
    """A Segment export's bare .gz: refused without a format, read with --source-format or format:."""
    rows = visits()
    path = write(tmp_path / "files" / "segment-export-0001.gz", rows, fmt=fmt)
    refused = run(tmp_path / "w.duckdb", path)
    assert refused.exit_code == 2 and "the name says no format; set format:" in refused.output, refused.output
    assert_read_whole(tmp_path, path, rows, "--source-format", fmt)
    (tmp_path / "sessionizer.yml").write_text(f"source: {path}\nformat: {fmt}\n")
    result = sessionizer("run", "--config", str(tmp_path / "sessionizer.yml"), "--target",
                         f"duckdb:///{tmp_path / 'y.duckdb'}")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert tables_of(tmp_path / "y.duckdb") == tables_of(tmp_path / "w.duckdb")


def test_gzipd_parquet_is_refused_in_our_words(tmp_path: Path) -> None:
    path = write(tmp_path / "files" / "pages.parquet.gz", visits(2))
    result = run(tmp_path / "w.duckdb", path)
    assert result.exit_code == 2
    assert "gzip'd Parquet cannot be read (Parquet is compressed inside); gunzip it" in result.output
    assert not (tmp_path / "w.duckdb").exists() or "segment_web" not in (tmp_path / "w.duckdb").read_bytes().decode(
        "latin-1"
    )


def test_the_format_is_part_of_the_settings_where_the_name_does_not_say_it() -> None:
    """Another format over the same files would read other rows: it is a setting (an incremental
    run refuses); the format a name says anyway changes nothing."""
    from sessionizer.config import Config

    def settings(source: str, fmt: str | None) -> dict[str, Any]:
        return Config.from_mapping({"source": source, "format": fmt}).settings_fingerprint()

    assert settings("exports/*.gz", "json") != settings("exports/*.gz", "csv")
    assert settings("exports/*.gz", "json")["source_format"] == "json"
    assert settings("pages.ndjson", "json") == settings("pages.ndjson", None)
    listed = {"table": "x/*.gz", "name": "web"}
    assert (
        Config.from_mapping({"source": [{**listed, "format": "json"}]}).settings_fingerprint()
        != Config.from_mapping({"source": [{**listed, "format": "csv"}]}).settings_fingerprint()
    )


# -- text times ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pages.csv", "pages.ndjson", "pages.parquet"])
def test_text_times_with_offsets_are_read_as_utc(tmp_path: Path, name: str) -> None:
    """Times written at Z, +01:00, -0600 and without an offset, in turn: the same instants."""
    rows = visits()
    types = {c: "VARCHAR" for c in ("received_at", "sent_at", "timestamp")} if name.endswith(".parquet") else None
    write(tmp_path / "files" / name, rows, offsets=MIXED_OFFSETS, types=types)
    assert_read_whole(tmp_path, tmp_path / "files" / name, rows)


MALFORMED = ["yesterday", "", "2025-13-01", "2025-02-30T10:00:00", "2025-11-01T24:00:00", "2025-11-01T10:00:60",
             "20251101T100000", "2025-11-01T10:00:00+25:00"]  # fmt: skip


@pytest.mark.parametrize("column", ["timestamp", "received_at", "sent_at"])
def test_a_time_that_is_not_one_rejects_its_row_or_reads_as_null(tmp_path: Path, column: str) -> None:
    """The timestamp's and the key's text that is not a time rejects the row with its reason; a
    sent_at that is not a time reads as NULL; every other row goes on."""
    rows = visits(len(MALFORMED) + 4)
    for row, text in zip(rows[2:], MALFORMED, strict=False):
        row[column] = text
    write(tmp_path / "files" / "pages.csv", rows, offsets=MIXED_OFFSETS)
    assert_read_whole(tmp_path, tmp_path / "files" / "pages.csv", rows)
    rejected = tables_of(tmp_path / "w.duckdb")["segment_web_page_views__rejected"]
    reasons = [r[-1] for r in rejected]
    assert reasons == ([] if column == "sent_at" else [f"{column} is not a timestamp"] * len(MALFORMED))


def test_reasons_keep_their_order(tmp_path: Path) -> None:
    """id before anonymous_id before the timestamp before the key, whether NULL or not a time."""
    rows = visits(6)
    rows[0].update(id=None, timestamp="yesterday")
    rows[1].update(anonymous_id=None, received_at="never")
    rows[2].update(timestamp="soon", received_at="never")
    rows[3].update(timestamp=None, received_at="never")
    rows[4].update(received_at="never")
    write(tmp_path / "files" / "pages.json", rows)
    assert_read_whole(tmp_path, tmp_path / "files" / "pages.json", rows)
    rejected = tables_of(tmp_path / "w.duckdb")["segment_web_page_views__rejected"]
    assert sorted(r[-1] for r in rejected) == sorted(
        ["id is null", "anonymous_id is null", "timestamp is not a timestamp", "timestamp is null",
         "received_at is not a timestamp"]
    )  # fmt: skip


@pytest.mark.parametrize("encoding", ["EPOCH_S", "EPOCH_MS"])
def test_a_numeric_time_column_is_an_error_naming_it(tmp_path: Path, encoding: str) -> None:
    """Epoch seconds and milliseconds are not guessed: the run stops before any work, naming the
    column, its type and the conversion."""
    rows = visits(3)
    write(tmp_path / "files" / "pages.parquet", rows, types={"received_at": encoding})
    result = run(tmp_path / "w.duckdb", tmp_path / "files" / "pages.parquet")
    assert result.exit_code == 2
    assert "the time column 'received_at'" in result.output and "holds numbers (BIGINT)" in result.output
    assert "to_timestamp(received_at / 1000) for milliseconds" in result.output
    assert not (tmp_path / "w.duckdb").exists() or not tables_of_or_none(tmp_path / "w.duckdb")


def tables_of_or_none(db: Path) -> bool:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return bool(con.execute("SELECT COUNT(*) FROM information_schema.tables").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


TEXTS = ["2025-11-01T11:20:00+01:00", "2025-11-01T11:20:00Z", "2025-11-01 11:20:00-0600", "2025-11-01T11:20:00",
         "2025-11-01t11:20z", "2025-11-01", "2025-11-01T11:20+01", "2025-11-01T11:20:00.123456789+05:30",
         "2024-02-29", "2025-02-29", "2025-11-01T23:59:59.9999999-23:59", "0001-01-01T00:00:00-01:00",
         " 2025-11-01T11:20:00Z ", "\t2025-11-01T11:20:00Z\n", "2025-11-01T11:20:00.5", "2025-11-01T11:20:00.", "2025-W44", "２０２５-11-01",
         "2025-12-31T23:30:00-01:00", "2025-01-01T00:10:00+01:00", "0000-01-01", "2025-1-01", "2025-11-01T1:20",
         *MALFORMED]  # fmt: skip


@pytest.mark.parametrize("dialect", ["duckdb", "bigquery"])
def test_the_sql_reads_text_times_as_the_reference_does(dialect: str) -> None:
    """dialects/times.py's expression, run on DuckDB (and as BigQuery writes it, translated back:
    tests/helpers.bigquery_on_duckdb), equals reference_inputs.parse_time on every case."""
    import duckdb
    from sqlglot import exp

    from sessionizer.dialects import get_dialect
    from tests.helpers import bigquery_on_duckdb

    written = get_dialect(dialect).render(
        exp.select(get_dialect(dialect).text_to_utc(exp.column("t"))).from_("x"), pretty=False
    )
    con = duckdb.connect()
    con.execute("CREATE TABLE x (n INTEGER, t VARCHAR)")
    con.executemany("INSERT INTO x VALUES (?, ?)", list(enumerate(TEXTS)))
    query = bigquery_on_duckdb(written) if dialect == "bigquery" else written
    got = [r[0] for r in con.execute(query.replace(" FROM x", ", n FROM x ORDER BY n")).fetchall()]
    assert got == [reference_inputs.parse_time(t) for t in TEXTS]


# -- server-side page calls ----------------------------------------------------------------------


def test_server_side_page_calls_are_sessionized_under_their_user_id(tmp_path: Path) -> None:
    """missing_anonymous_id: use_user_id (default reject): a row without anonymous_id but with a
    user_id is sessionized under the user_id; without either it is still rejected."""
    rows = visits(8)
    for row in rows[:5]:
        row.update(anonymous_id=None, user_id="u9")
    rows[5].update(anonymous_id=None, user_id=None)
    rows[6].update(anonymous_id=None, user_id="u9", timestamp="yesterday")
    write(tmp_path / "files" / "pages.ndjson", rows)
    default = run(tmp_path / "d.duckdb", tmp_path / "files" / "pages.ndjson")
    assert default.exit_code == 0 and "7 rejected rows" in default.output, default.output
    assert_read_whole(tmp_path, tmp_path / "files" / "pages.ndjson", rows, "--missing-anonymous-id", "use_user_id",
                      missing_anonymous_id="use_user_id")  # fmt: skip
    rejected = tables_of(tmp_path / "w.duckdb")["segment_web_page_views__rejected"]
    assert sorted(r[-1] for r in rejected) == ["anonymous_id is null", "timestamp is not a timestamp"]
    changed = run(tmp_path / "w.duckdb", tmp_path / "files" / "pages.ndjson")
    assert changed.exit_code == 2 and "missing_anonymous_id: " in changed.output, changed.output


def test_use_user_id_applies_to_every_entry_of_a_list(tmp_path: Path) -> None:
    from tests.helpers import event

    views = visits(6)
    for row in views[:3]:
        row.update(anonymous_id=None, user_id="u9")
    tracks = [event(id="t1", anonymous_id=None, user_id="u9", timestamp=views[1]["timestamp"] + timedelta(minutes=1),
                    event="heartbeat", event_text="heartbeat")]  # fmt: skip
    write(tmp_path / "files" / "pages.json", views)
    write(tmp_path / "files" / "tracks.json", tracks)
    files = tmp_path / "files"
    (tmp_path / "sessionizer.yml").write_text(
        f"source:\n  - {{table: '{files}/pages.json', name: web}}\n"
        f"  - {{table: '{files}/tracks.json', name: web, kind: tracks}}\nmissing_anonymous_id: use_user_id\n"
    )
    result = sessionizer(
        "run", "--config", str(tmp_path / "sessionizer.yml"), "--target", f"duckdb:///{tmp_path / 'w.duckdb'}"
    )
    assert result.exit_code == 0, result.output
    built = reference_inputs.build_list([("web", "pages", None, views), ("web", "tracks", None, tracks)],
                                        missing_anonymous_id="use_user_id", referrer_mapping=package_mapping())  # fmt: skip
    got = tables_of(tmp_path / "w.duckdb")
    for table in TABLES:
        assert got[table] == reference.canonical(built[table]), table


# -- targets that save nothing -------------------------------------------------------------------


@pytest.mark.parametrize("target", ["duckdb:///", "duckdb://", "victim"])
def test_a_target_that_saves_nothing_is_refused_before_any_work(tmp_path: Path, target: str) -> None:
    """An empty path (DuckDB's in-memory database) and a data file given as the database: exit 1,
    our words, the file unchanged."""
    rows = visits(3)
    source = write(tmp_path / "files" / "pages.parquet", rows)
    victim = write(tmp_path / "files" / "victim.parquet", rows)
    before = digests(tmp_path / "files")
    url = f"duckdb:///{victim}" if target == "victim" else target
    result = sessionizer("run", "--target", url, "--source", str(source))
    assert result.exit_code == 2
    expected_words = "is a file that is not a DuckDB database" if target == "victim" else "names no database file"
    assert expected_words in result.output and "Traceback" not in result.output, result.output
    assert digests(tmp_path / "files") == before


# -- raw Segment messages ------------------------------------------------------------------------


def archive(tmp_path: Path) -> tuple[list[dict[str, Any]], list[Row], list[Row], list[Row], list[Row]]:
    """Page, screen, track and identify messages mixed in gzip'd newline-delimited JSON, with
    group and alias noise, at mixed offsets, as Segment's S3 destination writes them."""
    from tests.helpers import event
    from tests.inputs import messages, noise, write_archive

    views = visits(8)
    screens = [page(id=f"s{i}", anonymous_id="a1", timestamp=T0 + timedelta(minutes=3 * i), name=f"Screen {i}",
                    context_device_model="iPad8,1", context_os_name="iOS", url=None, path=None, title=None,
                    search=None, context_user_agent=None) for i in range(3)]  # fmt: skip
    tracks = [event(id=f"t{i}", anonymous_id="a0", timestamp=T0 + timedelta(minutes=40 + i), event=slug,
                    event_text=text) for i, (slug, text) in enumerate([("heartbeat", "heartbeat"),
                                                                      ("add_to_cart", "Add To Cart")])]  # fmt: skip
    identifies = [event(id="i1", anonymous_id="a1", user_id="u7", timestamp=T0 + timedelta(minutes=2))]
    raw = [*messages(views, "pages", offsets=MIXED_OFFSETS), *messages(screens, "screens"),
           *messages(tracks, "tracks"), *messages(identifies, "identifies"), *noise(T0)]  # fmt: skip
    write_archive(tmp_path / "files", raw, files_per_day=2)
    return raw, views, screens, tracks, identifies


def test_a_raw_archive_as_a_single_source_reads_its_page_messages(tmp_path: Path) -> None:
    raw, *_ = archive(tmp_path)
    glob = tmp_path / "files" / "segment-logs" / "**" / "*.gz"
    before = digests(tmp_path / "files")
    result = run(tmp_path / "w.duckdb", glob, "--source-format", "segment-json")
    assert result.exit_code == 0, result.output
    assert digests(tmp_path / "files") == before
    got = tables_of(tmp_path / "w.duckdb")
    want = reference_inputs.build(reference_inputs.archive_rows(raw), referrer_mapping=package_mapping())
    for table in TABLES:
        assert got[table] == reference.canonical(want[table]), table
    status = sessionizer("status", "--target", f"duckdb:///{tmp_path / 'w.duckdb'}", "--source", str(glob),
                         "--source-format", "segment-json")  # fmt: skip
    assert status.exit_code == 0 and "lag 0 s" in status.output, status.output


def test_a_raw_archive_list_entry_stands_for_its_four_kinds(tmp_path: Path) -> None:
    raw, *_ = archive(tmp_path)
    glob = tmp_path / "files" / "segment-logs" / "**" / "*.gz"
    (tmp_path / "sessionizer.yml").write_text(
        f"source:\n  - {{table: '{glob}', name: app, format: segment-json, events: [heartbeat]}}\n"
    )
    args = ["run", "--config", str(tmp_path / "sessionizer.yml"), "--target", f"duckdb:///{tmp_path / 'w.duckdb'}"]
    result = sessionizer(*args)
    assert result.exit_code == 0, result.output
    want = reference_inputs.build_list(reference_inputs.archive_entries(raw, "app", ["heartbeat"]),
                                       referrer_mapping=package_mapping())  # fmt: skip
    got = tables_of(tmp_path / "w.duckdb")
    for table in TABLES:
        assert got[table] == reference.canonical(want[table]), table
    again = sessionizer(*args)
    assert again.exit_code == 0 and "incremental" in again.output, again.output
    assert tables_of(tmp_path / "w.duckdb") == got


# -- generated data of every kind ----------------------------------------------------------------


def test_generated_kinds_and_their_raw_messages_build_the_same_tables(tmp_path: Path) -> None:
    """`sessionizer generate --kind` writes screens, tracks and identifies of the generated
    visitors, and all four as raw messages: the list config over the four files and the one
    segment-json entry over the messages build the same tables."""
    out = tmp_path / "files"
    out.mkdir()
    for kind in ("pages", "screens", "tracks", "identifies"):
        made = sessionizer(
            "generate", "--rows", "1500", "--seed", "4", "--kind", kind, "--out", str(out / f"{kind}.parquet")
        )
        assert made.exit_code == 0, made.output
    raw = sessionizer("generate", "--rows", "1500", "--seed", "4", "--kind", "segment-json",
                      "--out", str(out / "segment-logs" / "day.json.gz"))  # fmt: skip
    assert raw.exit_code == 0 and "messages to" in raw.output, raw.output
    entries = "".join(f"  - {{table: '{out / (k + '.parquet')}', name: web, kind: {k}}}\n"
                      for k in ("pages", "screens", "tracks", "identifies"))  # fmt: skip
    (tmp_path / "list.yml").write_text(f"source:\n{entries}")
    (tmp_path / "raw.yml").write_text(
        f"source:\n  - {{table: '{out}/segment-logs/*.gz', name: web, format: segment-json}}\n"
    )
    for name in ("list", "raw"):
        result = sessionizer(
            "run", "--config", str(tmp_path / f"{name}.yml"), "--target", f"duckdb:///{tmp_path / name}.duckdb"
        )
        assert result.exit_code == 0, result.output
    listed, archived = tables_of(tmp_path / "list.duckdb"), tables_of(tmp_path / "raw.duckdb")
    assert listed["segment_web_sessions"] and listed == archived
