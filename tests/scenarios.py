"""End-to-end scenarios shared by the emulator tests and the live-account tests.

A scenario loads Segment ``pages`` rows into a warehouse's source table, runs the real
``Job`` (or the CLI) against it, and compares all seven output tables row for row with what
DuckDB gives for the same rows and the same runs. The same code runs against the Snowflake
and Redshift emulators and a PostgreSQL server (tests/test_warehouses.py) and against real accounts (tests/test_live.py).

The history comes from ``sessionizer.generate.pages_sql`` run in DuckDB, the incremental batches
are built here from it, deterministically from a seed; every warehouse then receives exactly
the same Python values through its own driver.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from click.testing import CliRunner

from sessionizer.cli import main
from sessionizer.config import Config
from sessionizer.generate import pages_sql
from sessionizer.job import Job
from sessionizer.plan import STAGES
from sessionizer.runner import RunSummary
from sessionizer.schema import REJECTED_TABLE

if TYPE_CHECKING:
    from tests.emulators.base import Place

Row = dict[str, Any]

PASS_THROUGH = ("context_locale",)

# The source table: Segment's pages columns, the types its warehouse loader gives them, plus one
# pass-through column. VARCHAR(1024): Redshift's bare VARCHAR is only 256 bytes long.
PAGES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR(1024)"),
    ("anonymous_id", "VARCHAR(1024)"),
    ("user_id", "VARCHAR(1024)"),
    ("received_at", "TIMESTAMP"),
    ("sent_at", "TIMESTAMP"),
    ("timestamp", "TIMESTAMP"),
    ("url", "VARCHAR(1024)"),
    ("path", "VARCHAR(1024)"),
    ("title", "VARCHAR(1024)"),
    ("search", "VARCHAR(1024)"),
    ("referrer", "VARCHAR(1024)"),
    ("context_campaign_source", "VARCHAR(1024)"),
    ("context_campaign_medium", "VARCHAR(1024)"),
    ("context_campaign_name", "VARCHAR(1024)"),
    ("context_campaign_term", "VARCHAR(1024)"),
    ("context_campaign_content", "VARCHAR(1024)"),
    ("context_ip", "VARCHAR(1024)"),
    ("context_user_agent", "VARCHAR(1024)"),
    ("context_locale", "VARCHAR(1024)"),
)
COLUMN_NAMES = tuple(name for name, _ in PAGES_COLUMNS)

# The six tables, then the rejected rows.
OUTPUT_TABLES: tuple[str, ...] = (*(stage.table for stage in STAGES), REJECTED_TABLE)

HISTORY_END = dt.datetime(2024, 3, 4)  # the generated history ends here; batches come after
HOSTS = ("shop.example.com", "www.example.com", "blog.example.org")
PATHS = ("/", "/pricing", "/docs/start", "/cart", "/blog/post-1", "/about")
REFERRERS = (
    None,
    "",
    "https://www.google.com/search?q=sessions",
    "https://www.facebook.com/",
    "http://t.co/abc",
    "https://news.ycombinator.com/item?id=1",
    "android-app://com.google.android.gm",
    "https://www.bing.com/search?q=x",
)
USER_AGENTS = (
    None,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/17.0",
    "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0",
    "curl/8.0",
)
LOCALES = (None, "en-US", "de-DE", "fr-FR")


# --------------------------------------------------------------------------------------------
# Generated rows
# --------------------------------------------------------------------------------------------


def _ms(value: dt.datetime) -> dt.datetime:
    """Millisecond precision, which every warehouse and driver round-trips unchanged."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def page_row(
    rng: random.Random, page_id: str, anonymous_id: str | None, user_id: str | None, tstamp: dt.datetime | None,
    received_at: dt.datetime | None,
) -> Row:  # fmt: skip
    """One Segment page view with plausible, varied attributes."""
    host, path = rng.choice(HOSTS), rng.choice(PATHS)
    query = rng.choice(("", "?utm_source=news", "?gclid=abc123&x=1", "?q=a%20b", "?gclid=&y=2"))
    campaign = rng.random() < 0.3
    anchor = tstamp or received_at or HISTORY_END
    return {
        "id": page_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "received_at": None if received_at is None else _ms(received_at),
        "sent_at": _ms(anchor + dt.timedelta(milliseconds=rng.randint(0, 900))) if rng.random() < 0.9 else None,
        "timestamp": None if tstamp is None else _ms(tstamp),
        "url": f"{rng.choice(('https://', 'http://'))}{host}{path}{query}",
        "path": path,
        "title": rng.choice(("Home", "Pricing", "Docs", "Ünïcode ☃", "")),
        "search": query or None,
        "referrer": rng.choice(REFERRERS),
        "context_campaign_source": rng.choice(("google", "newsletter")) if campaign else None,
        "context_campaign_medium": rng.choice(("cpc", "email")) if campaign else None,
        "context_campaign_name": "spring" if campaign else None,
        "context_campaign_term": rng.choice((None, "shoes")) if campaign else None,
        "context_campaign_content": rng.choice((None, "banner")) if campaign else None,
        "context_ip": f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 254)}",
        "context_user_agent": rng.choice(USER_AGENTS),
        "context_locale": rng.choice(LOCALES),
    }


def generate_pages(rows: int, seed: int, end: dt.datetime = HISTORY_END) -> list[Row]:
    """``rows`` page views from ``sessionizer.generate.pages_sql`` (run in DuckDB), plus Segment's mess.

    On top of the generator's rows: a pass-through column, a few events sent twice (the copy
    arrives later, with another url), and three rows lacking an id, anonymous_id or timestamp.
    """
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        cursor = con.execute(pages_sql(rows, seed, end=end))
        names = [str(d[0]) for d in cursor.description]
        out: list[Row] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    rng = random.Random(seed)
    for row in out:
        row["context_locale"] = rng.choice(LOCALES)
    for original in rng.sample(out, k=max(1, rows // 40)):
        again = dict(original, url=f"{original['url']}&resent=1")
        again["received_at"] = original["received_at"] + dt.timedelta(minutes=rng.randint(1, 30))
        out.append(again)
    visitors = sorted({row["anonymous_id"] for row in out if row["anonymous_id"]})
    first, received = end - dt.timedelta(days=1), end - dt.timedelta(hours=23)
    out.append(page_row(rng, f"pv-{seed}-noid", visitors[-1], "u", first, received) | {"id": None})
    out.append(page_row(rng, f"pv-{seed}-noanon", None, None, first, received))
    out.append(page_row(rng, f"pv-{seed}-nots", visitors[0], None, None, received))
    rng.shuffle(out)
    return out


@dataclass(frozen=True)
class Batch:
    """Rows loaded into the source before one run, and why."""

    name: str
    rows: list[Row]


def incremental_batches(history: Sequence[Row], seed: int) -> list[Batch]:
    """Four batches after ``history``: new rows, late rows, re-sent rows, identifies.

    Each is loaded well after the previous one (received_at a day later), so each run's
    trailing window catches exactly that batch plus the last hours of the one before.
    """
    rng = random.Random(seed + 1)
    valid = [r for r in history if r["id"] and r["anonymous_id"] and r["timestamp"] and r["received_at"]]
    last_seen: dict[str, dt.datetime] = {}
    for row in valid:
        last_seen[row["anonymous_id"]] = max(row["timestamp"], last_seen.get(row["anonymous_id"], row["timestamp"]))
    watermark = max(r["received_at"] for r in valid)
    visitors = sorted(last_seen)
    counter = iter(range(10_000))

    def new_id(tag: str) -> str:
        return f"pv-{seed}-{tag}-{next(counter):04d}"

    # (1) new rows: existing visitors continue (inside and past the cutoff), new visitors arrive.
    loaded = watermark + dt.timedelta(days=1)
    new_rows: list[Row] = []
    for visitor in rng.sample(visitors, k=min(8, len(visitors))):
        for gap in (rng.choice((30, 1799, 1800, 1801, 7200)), 20):
            last_seen[visitor] += dt.timedelta(seconds=gap)
            new_rows.append(page_row(rng, new_id("new"), visitor, None, last_seen[visitor], loaded))
    for n in range(3):
        visitor = f"anon-{seed}-fresh-{n}"
        last_seen[visitor] = loaded - dt.timedelta(hours=2)
        for _ in range(3):
            last_seen[visitor] += dt.timedelta(seconds=rng.choice((10, 900, 2500)))
            new_rows.append(page_row(rng, new_id("new"), visitor, None, last_seen[visitor], loaded))
    new_rows.append(page_row(rng, new_id("new"), None, None, loaded, loaded))  # rejected: no anonymous_id

    # (2) late rows: events from hours and days before the watermark, loaded now. Some fall in
    # the middle of a visitor's history, merging sessions and renumbering the ones after.
    loaded += dt.timedelta(days=1)
    late_rows: list[Row] = []
    by_visitor: dict[str, list[dt.datetime]] = {}
    for row in valid:
        by_visitor.setdefault(row["anonymous_id"], []).append(row["timestamp"])
    for visitor in rng.sample(visitors, k=min(8, len(visitors))):
        times = sorted(by_visitor[visitor])
        gaps = [(b - a, a) for a, b in itertools.pairwise(times) if (b - a).total_seconds() > 1800]
        if gaps:  # a page view halfway through a gap between two sessions
            span, at = max(gaps)
            tstamp = at + span / 2
        else:
            tstamp = times[0] - dt.timedelta(hours=rng.randint(1, 48))
        late_rows.append(page_row(rng, new_id("late"), visitor, None, tstamp, loaded))
    late_rows.append(
        page_row(
            rng, new_id("late"), visitors[0], None, min(r["timestamp"] for r in valid) - dt.timedelta(days=2), loaded
        )
    )

    # (3) re-sent rows: stored ids sent again later (no change, whatever the values), and one
    # row re-sent with an earlier sent_at than the stored copy's (it replaces the stored row).
    loaded += dt.timedelta(days=1)
    resent: list[Row] = []
    for original in rng.sample(valid, k=min(6, len(valid))):
        resent.append(dict(original, received_at=loaded, url="https://changed.example.com/resent", title="resent"))
    latest = late_rows[0]
    resent.append(
        dict(latest, sent_at=None if latest["sent_at"] is None else latest["sent_at"] - dt.timedelta(seconds=1),
             url="https://replaced.example.com/earlier", title="earlier copy")
    )  # fmt: skip
    resent.append(dict(latest, received_at=latest["received_at"], sent_at=None, url="https://ignored.example.com/"))

    # (4) identifies: an anonymous visitor logs in, and a known visitor logs in as someone else.
    loaded += dt.timedelta(days=1)
    identify: list[Row] = []
    anonymous = [v for v in visitors if not any(r["user_id"] for r in valid if r["anonymous_id"] == v)]
    known = [v for v in visitors if any(r["user_id"] for r in valid if r["anonymous_id"] == v)]
    for visitor, user in ((anonymous[0] if anonymous else visitors[0], "user-new-login"),
                          (known[0] if known else visitors[-1], "user-moved")):  # fmt: skip
        last_seen[visitor] += dt.timedelta(hours=5)
        identify.append(page_row(rng, new_id("identify"), visitor, user, last_seen[visitor], loaded))
        last_seen[visitor] += dt.timedelta(seconds=40)
        identify.append(page_row(rng, new_id("identify"), visitor, None, last_seen[visitor], loaded))
    return [Batch("new rows", new_rows), Batch("late rows", late_rows), Batch("re-sent rows", resent),
            Batch("identifies", identify)]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Warehouses under test
# --------------------------------------------------------------------------------------------


@dataclass
class DbApiWarehouse:
    """A target the scenarios run against, reached through its DB-API driver; its differences are data."""

    name: str
    url: str
    connect: Callable[[], Any]
    schema: str
    quote: Callable[[str], str]
    placeholder: str = "%s"
    source_table: str = "pages"
    # The warehouse's name for a type of PAGES_COLUMNS, where it differs.
    column_type: Callable[[str], str] = str
    # When set, timestamp columns (as this predicate tells from cursor.description) are read as
    # text and parsed here: works around a driver or emulator that mangles NULL timestamps.
    timestamp_column: Callable[[Any], bool] | None = None
    _connection: Any = field(default=None, init=False, repr=False)
    _created: bool = field(default=False, init=False, repr=False)

    @property
    def source(self) -> str:
        return f"{self.schema}.{self.source_table}"

    @property
    def connection(self) -> Any:
        if self._connection is None:
            self._connection = self.connect()
        return self._connection

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        cursor = self.connection.cursor()
        cursor.execute(sql, params) if params is not None else cursor.execute(sql)
        return cursor

    def load(self, rows: Sequence[Row]) -> None:
        if not self._created:
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            columns = ", ".join(f"{self.quote(name)} {self.column_type(kind)}" for name, kind in PAGES_COLUMNS)
            self.execute(f"CREATE TABLE {self.source} ({columns})")
            self._created = True
        names = ", ".join(self.quote(name) for name in COLUMN_NAMES)
        marks = ", ".join([self.placeholder] * len(COLUMN_NAMES))
        values = [tuple(row[name] for name in COLUMN_NAMES) for row in rows]
        if values:
            self.connection.cursor().executemany(f"INSERT INTO {self.source} ({names}) VALUES ({marks})", values)

    def fetch(self, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        relation = f"{self.schema}.{table}"
        if self.timestamp_column is None:
            cursor = self.execute(f"SELECT * FROM {relation}")
            return [str(d[0]).lower() for d in cursor.description], [tuple(row) for row in cursor.fetchall()]
        described = self.execute(f"SELECT * FROM {relation} LIMIT 0").description
        names = [str(d[0]).lower() for d in described]
        as_text = [self.timestamp_column(d) for d in described]
        select = ", ".join(
            f"CAST({self.quote(n)} AS VARCHAR)" if text else self.quote(n)
            for n, text in zip(names, as_text, strict=True)
        )
        rows = self.execute(f"SELECT {select} FROM {relation}").fetchall()
        return names, [
            tuple(
                dt.datetime.fromisoformat(v) if text and v is not None else v
                for v, text in zip(row, as_text, strict=True)
            )
            for row in rows
        ]

    def close(self) -> None:
        if self._connection is not None:
            with suppress(Exception):
                self._connection.close()
            self._connection = None


def duckdb_warehouse(path: Path) -> DbApiWarehouse:
    """The reference: the same runs on a DuckDB file."""
    import duckdb

    def connect() -> Any:
        con = duckdb.connect(str(path))
        con.execute("SET TimeZone = 'UTC'")
        return con

    return DbApiWarehouse("duckdb", f"duckdb:///{path}", connect, "main", lambda n: f'"{n}"', placeholder="?")


def snowflake_warehouse(
    url: str, connect_kwargs: dict[str, Any], database: str, schema: str, timestamps_as_text: bool = False
) -> DbApiWarehouse:
    """A Snowflake database/schema; unquoted names are upper-cased there, so quote upper case.

    ``timestamps_as_text``: read timestamps as text, for fakesnow, whose results turn a NULL
    timestamp into 1970-01-01 (test_snowflake_emulator.py::test_null_timestamp_is_fetched_as_epoch).
    """
    from snowflake.connector.constants import FIELD_ID_TO_NAME

    def is_timestamp(column: Any) -> bool:
        return FIELD_ID_TO_NAME[column.type_code].startswith("TIMESTAMP")

    def connect() -> Any:
        import snowflake.connector

        return snowflake.connector.connect(**connect_kwargs, database=database, schema=schema, autocommit=True)

    return DbApiWarehouse(
        "snowflake", url, connect, schema, lambda n: f'"{n.upper()}"',
        timestamp_column=is_timestamp if timestamps_as_text else None,
    )  # fmt: skip


def redshift_warehouse(url: str, connect_kwargs: dict[str, Any], schema: str) -> DbApiWarehouse:
    def connect() -> Any:
        import redshift_connector

        con = redshift_connector.connect(**connect_kwargs)
        con.autocommit = True
        return con

    return DbApiWarehouse("redshift", url, connect, schema, lambda n: f'"{n}"')


def bigquery_warehouse(url: str, project: str, dataset: str) -> DbApiWarehouse:
    """A BigQuery dataset; the source columns typed as Segment's BigQuery loader types them."""

    def connect() -> Any:
        from google.cloud import bigquery
        from google.cloud.bigquery import dbapi

        return dbapi.connect(bigquery.Client(project=project))

    def column_type(kind: str) -> str:
        return "TIMESTAMP" if kind == "TIMESTAMP" else "STRING"

    return DbApiWarehouse("bigquery", url, connect, dataset, lambda n: f"`{n}`", column_type=column_type)


def postgres_warehouse(url: str, connect_kwargs: dict[str, Any], schema: str) -> DbApiWarehouse:
    def connect() -> Any:
        import psycopg

        return psycopg.connect(**connect_kwargs, autocommit=True)

    return DbApiWarehouse("postgres", url, connect, schema, lambda n: f'"{n}"')


# --------------------------------------------------------------------------------------------
# Comparing tables
# --------------------------------------------------------------------------------------------


def emulator_warehouse(place: Place) -> DbApiWarehouse:
    """The scenarios' handle on a place of an emulator, through the emulator's own driver."""
    from tests.emulators.postgres import PostgresEmulator
    from tests.emulators.snowflake import SnowflakeEmulator

    if isinstance(place.emulator, SnowflakeEmulator):  # fakesnow fetches NULL timestamps as 1970 (see above)
        return snowflake_warehouse(
            place.url, place.emulator.connect_kwargs, place.database, place.schema, timestamps_as_text=True
        )
    if isinstance(place.emulator, PostgresEmulator):
        return postgres_warehouse(place.url, place.emulator.connect_kwargs, place.schema)
    return redshift_warehouse(place.url, place.emulator.connect_kwargs, place.schema)


def normalise(value: Any) -> Any:
    """One Python value per meaning: naive UTC datetimes, ints for whole numbers."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, (Decimal, float)) and value == int(value):
        return int(value)
    return value


def sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((v is None, repr(v)) for v in row)


def table_rows(warehouse: DbApiWarehouse, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    names, rows = warehouse.fetch(table)
    return names, sorted((tuple(normalise(v) for v in row) for row in rows), key=sort_key)


def differences(expected: DbApiWarehouse, actual: DbApiWarehouse, tables: Iterable[str] = OUTPUT_TABLES) -> list[str]:
    """Every table that differs between two warehouses, with the first rows that differ."""
    problems: list[str] = []
    for table in tables:
        want_names, want = table_rows(expected, table)
        got_names, got = table_rows(actual, table)
        if got_names != want_names:
            problems.append(f"{table}: columns {got_names} != {want_names}")
            continue
        if got != want:
            missing = [r for r in want if r not in got][:3]
            extra = [r for r in got if r not in want][:3]
            problems.append(
                f"{table}: {len(got)} rows on {actual.name}, {len(want)} on {expected.name}\n"
                f"    only on {expected.name}: {missing}\n    only on {actual.name}: {extra}"
            )
    return problems


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def scenario_config(source: str, **overrides: Any) -> Config:
    return Config.from_mapping({"source": source, "pass_through_columns": list(PASS_THROUGH), **overrides})


def run(warehouse: DbApiWarehouse, full_refresh: bool = False, **overrides: Any) -> RunSummary:
    """One run through the library entry point the CLI uses."""
    return Job(scenario_config(warehouse.source, **overrides), warehouse.url).run(full_refresh=full_refresh)


def run_cli(warehouse: DbApiWarehouse, *args: str) -> tuple[int, str]:
    """One run through the command line; returns the exit code and everything printed."""
    result = CliRunner().invoke(
        main,
        ["run", "--target", warehouse.url, "--source", warehouse.source,
         "--pass-through-columns", ",".join(PASS_THROUGH), *args],
    )  # fmt: skip
    output = result.output  # stdout and stderr, as a user sees them
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, output


@dataclass
class Scenario:
    """Full refresh, then incremental batches, on a warehouse and on DuckDB side by side."""

    warehouse: DbApiWarehouse
    reference: DbApiWarehouse
    rows: int = 300
    seed: int = 7
    cli_steps: frozenset[str] = frozenset({"late rows"})
    log: list[str] = field(default_factory=list)

    def steps(self) -> Iterator[tuple[str, list[Row]]]:
        history = generate_pages(self.rows, self.seed)
        yield "full refresh", history
        for batch in incremental_batches(history, self.seed):
            yield batch.name, batch.rows

    def run_step(self, name: str, rows: list[Row]) -> None:
        full = name == "full refresh"
        for warehouse in (self.reference, self.warehouse):
            warehouse.load(rows)
            if name in self.cli_steps and warehouse is self.warehouse:
                code, output = run_cli(warehouse, *(["--full-refresh"] if full else []))
                assert code == 0, f"{name} on {warehouse.name} via the CLI: exit {code}\n{output}"
                self.log.append(f"{name} ({warehouse.name}, CLI): {output.strip().splitlines()[-1]}")
            else:
                summary = run(warehouse, full_refresh=full)
                assert summary.mode == ("full-refresh" if full else "incremental"), summary
                self.log.append(
                    f"{name} ({warehouse.name}): {summary.page_views} page views, {summary.sessions} sessions"
                )

    def run_all(self) -> None:
        for name, rows in self.steps():
            self.run_step(name, rows)
            problems = differences(self.reference, self.warehouse)
            assert not problems, f"after {name!r}, {self.warehouse.name} differs from duckdb:\n" + "\n".join(problems)
        self.assert_exercised()

    def assert_exercised(self) -> None:
        """The batches did what they are named for, so equal tables are not trivially equal."""
        names, page_views = self.reference.fetch("segment_web_page_views")
        titles = {row[names.index("page_title")] for row in page_views}
        assert "earlier copy" in titles and "resent" not in titles, "re-sent rows: no replacement, or a wrong one"
        names, stitching = self.reference.fetch("segment_web_user_stitching")
        users = {row[names.index("user_id")] for row in stitching}
        assert {"user-new-login", "user-moved"} <= users, users
        _, rejected = self.reference.fetch(REJECTED_TABLE)
        assert len(rejected) == 4, rejected


def refuses_changed_settings(warehouse: DbApiWarehouse, rows: int = 40, seed: int = 3) -> str:
    """Build the tables, then run again with another inactivity_cutoff: the run must refuse."""
    warehouse.load(generate_pages(rows, seed))
    run(warehouse, full_refresh=True)
    code, output = run_cli(warehouse, "--inactivity-cutoff", "600")
    assert code != 0, output
    assert "--full-refresh" in output and "inactivity_cutoff" in output, output
    return output


# --------------------------------------------------------------------------------------------
# Several sources: web pages, app screens, heartbeat tracks and identifies
# --------------------------------------------------------------------------------------------

_V = "VARCHAR(1024)"
_COMMON: tuple[tuple[str, str], ...] = (
    ("id", _V), ("anonymous_id", _V), ("user_id", _V),
    ("received_at", "TIMESTAMP"), ("sent_at", "TIMESTAMP"), ("timestamp", "TIMESTAMP"),
)  # fmt: skip
# Each source table and its columns, as Segment's loader would have made them.
SOURCE_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "web_pages": PAGES_COLUMNS,
    # An app sends no campaign, IP or locale: Segment never made those columns.
    "app_screens": (*_COMMON, ("name", _V), ("context_user_agent", _V),
                    ("context_device_model", _V), ("context_os_name", _V)),
    "web_tracks": (*_COMMON, ("event", _V)),
    "web_identifies": _COMMON,
}  # fmt: skip


def source_entries(schema: str, prefix: str = "") -> list[dict[str, Any]]:
    """web + app + heartbeats + identifies, the list the README shows, in ``schema`` (table names
    start with ``prefix``, so tests sharing a schema do not meet)."""
    return [
        {"table": f"{schema}.{prefix}web_pages", "name": "web"},
        {"table": f"{schema}.{prefix}app_screens", "name": "app", "kind": "screens"},
        {"table": f"{schema}.{prefix}web_tracks", "name": "web", "kind": "tracks", "events": ["heartbeat"]},
        {"table": f"{schema}.{prefix}web_identifies", "name": "web", "kind": "identifies"},
    ]


def sources_config(schema: str, prefix: str = "") -> Config:
    entries = source_entries(schema, prefix)
    return Config.from_mapping({"source": entries, "pass_through_columns": list(PASS_THROUGH)})


def load_sources(warehouse: DbApiWarehouse, schema: str, rows: dict[str, list[Row]], prefix: str = "") -> None:
    """Create ``schema`` and the source tables when missing, then append ``rows`` (per table)."""
    q = warehouse.quote
    warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
    for table, columns in SOURCE_TABLES.items():
        relation = f"{q(schema)}.{q(prefix + table)}"
        typed = ", ".join(f"{q(name)} {kind}" for name, kind in columns)
        warehouse.execute(f"CREATE TABLE IF NOT EXISTS {relation} ({typed})")
        values = [tuple(row.get(name) for name, _ in columns) for row in rows.get(table, [])]
        if values:
            names = ", ".join(q(name) for name, _ in columns)
            marks = ", ".join([warehouse.placeholder] * len(columns))
            warehouse.connection.cursor().executemany(f"INSERT INTO {relation} ({names}) VALUES ({marks})", values)


def source_batches(seed: int = 11) -> list[tuple[str, dict[str, list[Row]]]]:
    """A history for four visitors on web and app, then new rows, a late heartbeat that merges
    two web sessions, and a late identify; each batch loaded a day after the one before."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 9)
    counter = itertools.count()

    def common(anonymous_id: str | None, at: dt.datetime, loaded: dt.datetime, **values: Any) -> Row:
        return {"id": f"e{seed}-{next(counter):04d}", "anonymous_id": anonymous_id, "user_id": None,
                "received_at": loaded, "sent_at": at + dt.timedelta(seconds=1), "timestamp": at, **values}  # fmt: skip

    def web(anonymous_id: str, at: dt.datetime, loaded: dt.datetime) -> Row:
        return page_row(rng, f"pv{seed}-{next(counter):04d}", anonymous_id, None, at, loaded)

    def screen(anonymous_id: str | None, at: dt.datetime, loaded: dt.datetime) -> Row:
        device = rng.choice((("iPhone15,2", "iOS"), ("iPad13,1", "iOS"), ("Pixel 8", "Android"), (None, None)))
        return common(anonymous_id, at, loaded, name=rng.choice(("Home", "Cart", "Ünïcode ☃")),
                      context_device_model=device[0], context_os_name=device[1], context_locale="en-US")  # fmt: skip

    def beat(anonymous_id: str, at: dt.datetime, loaded: dt.datetime, event: str = "heartbeat") -> Row:
        return common(anonymous_id, at, loaded, event=event)

    loaded = start + dt.timedelta(days=1)
    history: dict[str, list[Row]] = {table: [] for table in SOURCE_TABLES}
    for n in range(4):
        visitor = f"anon-{n}"
        at = start + dt.timedelta(minutes=7 * n)
        for _ in range(6):
            history["web_pages"].append(web(visitor, at, loaded))
            history["web_tracks"] += [beat(visitor, at + dt.timedelta(minutes=m), loaded) for m in (20, 45)]
            history["app_screens"].append(screen(visitor, at + dt.timedelta(minutes=3), loaded))
            at += dt.timedelta(minutes=rng.choice((10, 30, 60, 180)))
        history["web_identifies"].append(common(visitor, at, loaded, user_id=f"user-{n % 2}"))
    history["web_tracks"].append(beat("anon-0", start, loaded, event="scrolled"))  # not read at all
    history["web_tracks"].append(common(None, start, loaded, event="heartbeat"))  # rejected
    history["app_screens"].append(screen("anon-1", start, loaded) | {"id": None})  # rejected

    loaded += dt.timedelta(days=1)
    day = start + dt.timedelta(days=1)
    new_rows = {"web_pages": [web("anon-0", day, loaded), web("anon-0", day + dt.timedelta(minutes=50), loaded)],
                "web_tracks": [beat("anon-0", day + dt.timedelta(minutes=80), loaded)],
                "app_screens": [screen("anon-4", day, loaded)]}  # fmt: skip
    loaded += dt.timedelta(days=1)
    # A heartbeat between the two web page views 50 minutes apart: one session instead of two.
    late = {"web_tracks": [beat("anon-0", day + dt.timedelta(minutes=25), loaded)]}
    loaded += dt.timedelta(days=1)
    identify = {"web_identifies": [common("anon-2", start + dt.timedelta(days=2), loaded, user_id="user-late")]}
    return [("full refresh", history), ("new rows", new_rows), ("late heartbeats", late), ("identifies", identify)]


def run_sources(warehouse: DbApiWarehouse, schema: str, full_refresh: bool = False, prefix: str = "") -> RunSummary:
    return Job(sources_config(schema, prefix), warehouse.url).run(full_refresh=full_refresh)
