"""Compiled SQL kept between runs (sessionizer/cache.py): a cached plan is the fresh compile's text,
byte for byte, and any changed input (a setting, a template, a version, the source's shape)
compiles again; the cache is bounded, and a run works without it."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sessionizer import cache, sql
from sessionizer.compiler import Compiler, Stored
from sessionizer.config import Config
from sessionizer.dialects import dialect_names, get_dialect
from sessionizer.dialects.duckdb import DuckDB
from sessionizer.plan import Mode
from sessionizer.source_setting import SourceEntry
from sessionizer.sources import SourceColumns
from sessionizer.state import ROWS_STAND_IN, SECONDS_STAND_IN

LISTED = Config(source=(SourceEntry("a.pages", "web"), SourceEntry("b.pages", "app")))
WATERMARKS = (
    None,
    Stored(None, ()),
    Stored(datetime(2026, 1, 2, 3, 4, 5, 678901)),
    Stored(datetime(2026, 1, 2, tzinfo=UTC)),
)
LISTED_WATERMARKS = (
    None,
    Stored(None, (None, None)),
    Stored(None, (datetime(2026, 1, 2, 3, 4, 5), None)),
    Stored(None, (datetime(2025, 5, 5, 5, 5, 5, 5), datetime(2026, 1, 2, tzinfo=UTC))),
)


@pytest.fixture(autouse=True)
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("SESSIONIZER_CACHE_DIR", str(where))
    return where


class Counting:
    """Counts the fresh compiles, i.e. the cache's misses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        fresh = Compiler.compile_fresh

        def counted(compiler: Compiler, *args: Any) -> Any:
            self.calls += 1
            return fresh(compiler, *args)

        monkeypatch.setattr(Compiler, "compile_fresh", counted)


def texts(compiler: Compiler, mode: Mode, watermark: Stored | None, select: str | None = None) -> list[str]:
    return [s.sql for s in compiler.compile(mode, select, watermark).statements()]


@pytest.mark.parametrize("dialect", dialect_names())
def test_cached_plan_is_the_fresh_compile(dialect: str, folder: Path) -> None:
    """For the same inputs, the plan read back from the cache, its watermarks bound, is the fresh
    compile's SQL byte for byte: each mode, a single source and a list, each watermark shape."""
    chosen = get_dialect(dialect)
    for config, marks in ((Config(), WATERMARKS), (LISTED, LISTED_WATERMARKS)):
        for mode in Mode:
            for watermark in marks:
                fresh = [s.sql for s in Compiler(config, chosen).compile_fresh(mode, None, watermark).statements()]
                assert texts(Compiler(config, chosen), mode, watermark) == fresh  # stored
                assert texts(Compiler(config, chosen), mode, watermark) == fresh  # read back
        fresh = [
            s.sql for s in Compiler(config, chosen).compile_fresh(Mode.INCREMENTAL, "sessions_initial+").statements()
        ]
        assert texts(Compiler(config, chosen), Mode.INCREMENTAL, None, "sessions_initial+") == fresh
    assert list(folder.glob("*.json"))


def test_keys_are_the_same_in_every_process() -> None:
    """A key depends on nothing a process draws for itself (set order, object addresses): two
    processes with other hash seeds key every dialect's compiler alike, so a later run finds it."""
    script = (
        "from sessionizer.compiler import Compiler; from sessionizer.config import Config;"
        "from sessionizer.dialects import dialect_names, get_dialect;"
        "print([Compiler(Config(), get_dialect(d)).key for d in dialect_names()])"
    )
    found = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(found) == 1, found


def test_same_inputs_compile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unchanged config never compiles again, whatever the watermark's value; a watermark
    known or not, another mode or selection, is another plan."""
    counting = Counting(monkeypatch)
    duckdb = get_dialect("duckdb")
    texts(Compiler(Config(), duckdb), Mode.INCREMENTAL, Stored(datetime(2026, 1, 1)))
    assert counting.calls == 1
    first = texts(Compiler(Config(), duckdb), Mode.INCREMENTAL, Stored(datetime(2026, 3, 3, 3)))
    assert counting.calls == 1
    assert any("2026-03-03 03:00:00" in s for s in first) and not any("1111-11-11" in s for s in first)
    texts(Compiler(Config(), duckdb), Mode.INCREMENTAL, Stored(None))
    texts(Compiler(Config(), duckdb), Mode.FULL_REFRESH, None)
    texts(Compiler(Config(), duckdb), Mode.FULL_REFRESH, None, "sessions")
    assert counting.calls == 4


CHANGED: dict[str, Any] = {
    "source": "segment.pages",
    "schema": "analytics",
    "inactivity_cutoff": 600,
    "trailing_window": 5,
    "pass_through_columns": ("context_campaign_id",),
    "incremental_key": "sent_at",
    "ignored_user_ids": ("null",),
    "exclude_bots": True,
    "day_boundary_time_zone": "Europe/Berlin",
    "split_on_campaign": True,
    "max_session_seconds": 3600,
    "channel_grouping": True,
    "engaged_session_seconds": 10,
    "missing_anonymous_id": "use_user_id",
}


def test_every_setting_is_in_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each field of the config (but the target, which no SQL names) changes the key, a setting
    added later too: a changed setting compiles again. The referrer mapping counts by content."""
    base = Config()
    keys = {Compiler(base, get_dialect("duckdb")).key}
    unnamed = (
        {f.name for f in dataclasses.fields(Config)}
        - set(CHANGED)
        - {"target", "referrer_mapping", "bot_patterns", "format"}
    )
    assert not unnamed, f"a new setting {unnamed}: give it a changed value here"
    for name, value in CHANGED.items():
        keys.add(Compiler(dataclasses.replace(base, **{name: value}), get_dialect("duckdb")).key)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("medium,source,host\nsearch,Example,example.com\n")
    keys.add(Compiler(dataclasses.replace(base, referrer_mapping=str(mapping)), get_dialect("duckdb")).key)
    mapping.write_text("medium,source,host\nsearch,Example,example.org\n")
    keys.add(Compiler(dataclasses.replace(base, referrer_mapping=str(mapping)), get_dialect("duckdb")).key)
    bots = dataclasses.replace(base, exclude_bots=True)
    patterns = tmp_path / "bots.txt"
    patterns.write_text("examplebot\n")
    keys.add(Compiler(dataclasses.replace(bots, bot_patterns=str(patterns)), get_dialect("duckdb")).key)
    patterns.write_text("otherbot\n")  # the patterns count by content, like the mapping
    keys.add(Compiler(dataclasses.replace(bots, bot_patterns=str(patterns)), get_dialect("duckdb")).key)
    for named in ("csv", "json"):  # a file source whose name says no format
        keys.add(Compiler(dataclasses.replace(base, source="exports/p.gz", format=named), get_dialect("duckdb")).key)
    assert len(keys) == len(CHANGED) + 7
    assert Compiler(dataclasses.replace(base, target="duckdb:///elsewhere.duckdb"), get_dialect("duckdb")).key in keys
    counting = Counting(monkeypatch)
    texts(Compiler(base, get_dialect("duckdb")), Mode.FULL_REFRESH, None)
    texts(Compiler(dataclasses.replace(base, trailing_window=7), get_dialect("duckdb")), Mode.FULL_REFRESH, None)
    assert counting.calls == 2


def test_dialect_and_source_shape_are_in_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another dialect (or other facts of one), or a source that holds other columns (or zoned
    ones), compiles again."""
    counting = Counting(monkeypatch)
    seen = SourceColumns(present=frozenset({"id", "anonymous_id", "received_at", "timestamp"}), zoned=frozenset())
    zoned = SourceColumns(present=seen.present, zoned=frozenset({"timestamp"}))
    for dialect, columns in (("duckdb", None), ("duckdb", seen), ("duckdb", zoned), ("snowflake", None)):
        texts(Compiler(Config(), get_dialect(dialect), columns), Mode.INCREMENTAL, None)
    assert counting.calls == 4
    texts(Compiler(Config(), get_dialect("duckdb"), zoned), Mode.INCREMENTAL, None)
    assert counting.calls == 4
    # a dialect's SQL facts are class data: set otherwise (as a test may), they are another plan
    monkeypatch.setattr(DuckDB, "RESTITCH_IN_PLACE", not DuckDB.RESTITCH_IN_PLACE)
    texts(Compiler(Config(), get_dialect("duckdb"), zoned), Mode.INCREMENTAL, None)
    assert counting.calls == 5


def test_code_and_versions_are_in_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A changed template (or any file of the package), package version or sqlglot version is
    another code digest, so every entry compiled before is passed over. sqlglot's version is read
    from its version file, not imported (a cached run never imports sqlglot)."""
    from importlib.machinery import ModuleSpec

    import sessionizer

    package = tmp_path / "sessionizer"
    shutil.copytree(Path(sessionizer.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "_PACKAGE", package)
    digests = set()

    def digest() -> str:
        cache.code_digest.cache_clear()
        return cache.code_digest()

    try:
        digests.add(digest())
        assert digest() in digests  # the same code, the same digest
        template = package / "templates" / "stages" / "sessions.sql"
        template.write_text(template.read_text() + "\n")
        digests.add(digest())
        init = package / "__init__.py"
        init.write_text(init.read_text().replace(f'__version__ = "{sessionizer.__version__}"', '__version__ = "99.0"'))
        digests.add(digest())
        other = tmp_path / "sqlglot"
        other.mkdir()
        (other / "_version.py").write_text('__version__ = "0.0.1"\n')
        found = cache.find_spec
        monkeypatch.setattr(cache, "find_spec", lambda name: ModuleSpec(name, None, origin=str(other / "__init__.py"))
                            if name == "sqlglot" else found(name))  # fmt: skip
        digests.add(digest())
    finally:
        cache.code_digest.cache_clear()
    assert len(digests) == 4


def test_a_cache_that_cannot_be_written_is_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A cache folder that cannot be made (a file is in its way), a broken entry, or the cache
    turned off: the same SQL, compiled."""
    fresh = [s.sql for s in Compiler(Config(), get_dialect("duckdb")).compile_fresh(Mode.FULL_REFRESH).statements()]
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("SESSIONIZER_CACHE_DIR", str(blocker / "cache"))
    assert texts(Compiler(Config(), get_dialect("duckdb")), Mode.FULL_REFRESH, None) == fresh
    monkeypatch.setenv("SESSIONIZER_CACHE_DIR", "off")
    assert cache.folder() is None
    assert texts(Compiler(Config(), get_dialect("duckdb")), Mode.FULL_REFRESH, None) == fresh
    where = tmp_path / "broken"
    monkeypatch.setenv("SESSIONIZER_CACHE_DIR", str(where))
    texts(Compiler(Config(), get_dialect("duckdb")), Mode.FULL_REFRESH, None)
    for entry in where.glob("*.json"):
        entry.write_text("{not json")
    assert texts(Compiler(Config(), get_dialect("duckdb")), Mode.FULL_REFRESH, None) == fresh


def test_bounded(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """At most LIMIT entries; the least recently used go first."""
    monkeypatch.setattr(cache, "LIMIT", 3)

    def entry(n: int) -> Path:
        return folder / f"{cache.key('test', n)}.json"

    for n in range(3):
        cache.remember(cache.key("test", n), functools.partial(int, n))
        os.utime(entry(n), (1000 + n, 1000 + n))  # written long ago, in this order
    assert cache.remember(cache.key("test", 0), functools.partial(pytest.fail, "entry 0 is stored")) == 0
    for n in range(3, 5):  # entry 0 was used last: 1 and 2 go
        cache.remember(cache.key("test", n), functools.partial(int, n))
    assert sorted(folder.glob("*.json")) == sorted(entry(n) for n in (0, 3, 4))


@pytest.mark.parametrize("dialect", dialect_names())
def test_record_run_binds_the_runs_figures(dialect: str) -> None:
    """The state row's record of a run, cached with stand-ins, is the fresh render once bound."""
    chosen = get_dialect(dialect)
    for seconds, rows in ((1.2345, 42), (0.0, None), (3600.5, 0)):
        variables = {"rel": {"state": "sessionizer_state"}, "listed": False, "mode": sql.literal("incremental")}
        shown = "NULL" if rows is None else str(rows)
        fresh = chosen.render(sql.one("runner/record_run", {**variables, "seconds": round(seconds, 3), "rows": shown}),
                              pretty=False)  # fmt: skip
        stand_in = cache.render(chosen, "runner/record_run", {**variables, "seconds": SECONDS_STAND_IN,
                                                              "rows": "NULL" if rows is None else ROWS_STAND_IN})  # fmt: skip
        bound = cache.bind(stand_in, {SECONDS_STAND_IN: str(round(seconds, 3)), ROWS_STAND_IN: str(rows or 0)})
        assert bound == fresh


def test_a_run_whose_sql_is_cached_imports_neither_sqlglot_nor_jinja(tmp_path: Path, folder: Path) -> None:
    """The hourly run's floor (issue #26): once a config's SQL is in the cache, a `sessionizer run`
    process builds no tree and renders no template, so it never imports sqlglot or jinja2 (a
    fifth of such a run), and it still loads what arrived since the last run."""
    import duckdb

    from sessionizer.generate import write

    generated = tmp_path / "pages.parquet"
    write(generated, 300, seed=7)
    target = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(target))
    con.execute(f"CREATE TABLE arriving AS SELECT *, ROW_NUMBER() OVER (ORDER BY received_at, id) AS n "
                f"FROM read_parquet('{generated}')")  # fmt: skip
    con.execute("CREATE TABLE pages AS SELECT * EXCLUDE (n) FROM arriving WHERE n <= 200")
    con.close()
    script = (
        "import json, sys; from sessionizer.cli import main;"
        f"main(['run', '--source', 'pages', '--target', 'duckdb:///{target}', '--log-format', 'json', *sys.argv[1:]],"
        " standalone_mode=False);"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'sqlglot', 'jinja2'})))"
    )

    def run(arrive: tuple[int, int] | None, *options: str) -> tuple[dict[str, Any], list[str]]:
        if arrive is not None:
            with duckdb.connect(str(target)) as con:
                con.execute(
                    f"INSERT INTO pages SELECT * EXCLUDE (n) FROM arriving WHERE n BETWEEN {arrive[0]} AND {arrive[1]}"
                )
        out = subprocess.run(
            [sys.executable, "-c", script, *options], capture_output=True, text=True, check=True
        ).stdout
        lines = out.strip().splitlines()
        return json.loads(lines[-2]), json.loads(lines[-1])

    first, imported = run(None)
    assert first["mode"] == "full-refresh" and imported == ["jinja2", "sqlglot"]  # nothing cached yet
    second, imported = run((201, 250))
    assert second["mode"] == "incremental" and imported == ["jinja2", "sqlglot"]  # the first incremental plan
    third, imported = run((251, 300))
    assert third["mode"] == "incremental" and imported == []
    assert third["new_sessions"] > 0
    refreshed, _ = run(None, "--full-refresh")  # what the three runs built is what one run builds
    assert [third[k] for k in ("page_views", "sessions", "users")] == [
        refreshed[k] for k in ("page_views", "sessions", "users")
    ]
