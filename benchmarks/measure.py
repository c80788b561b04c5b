"""What a measurement records and how: wall seconds, the process's RSS sampled in a thread, and rows
read/written from DuckDB's JSON profile of each statement (one extra run; never in the timings)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.engine import Engine
from sessionizer import schema
from sessionizer.config import Config
from sessionizer.job import Job
from sessionizer.runner import RunSummary
from sessionizer.warehouse import Warehouse

# The exact dedupe's read of every stored page view id: the page_views scan of the statement that
# fills the scratch table "history" (templates/incremental/history.sql). No index join on DuckDB.
ID_CHECK_TABLE = schema.STAGE_TABLES["page_views"]
ID_CHECK_STATEMENT = schema.SCRATCH_TABLES["history"]
SESSIONIZER_CLI = Path(sys.executable).with_name("sessionizer")
WRITE_OPERATORS = {"CREATE_TABLE_AS", "BATCH_CREATE_TABLE_AS", "INSERT", "BATCH_INSERT", "DELETE", "UPDATE",
                   "MERGE_INTO"}  # fmt: skip


@dataclass
class StatementProfile:
    """One statement as DuckDB's profiler saw it."""

    stage: str
    sql: str
    seconds: float
    rows_read: int | None
    rows_written: int | None
    id_check_rows: int = 0  # of rows_read: the exact dedupe's read of every stored page view id


@dataclass
class Measurement:
    """One benchmarked thing: wall seconds of each repetition, plus the profiled run's figures."""

    name: str
    runs: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)
    rows_read: int | None = None
    rows_written: int | None = None
    peak_rss_bytes: int = 0
    statements: list[StatementProfile] = field(default_factory=list)
    id_check_rows: int | None = None  # of rows_read, the exact dedupe's look at every stored page view id
    split: dict[str, Any] | None = None  # a whole process's seconds by part (benchmarks/process.py)
    completed: bool = True
    error: str | None = None

    @property
    def rows_read_without_id_check(self) -> int | None:
        """Rows read but the id check's: what the targets on reads count."""
        return None if self.rows_read is None else self.rows_read - (self.id_check_rows or 0)

    @property
    def seconds(self) -> float | None:
        """The median: one slow repetition on a shared machine should not move the figure."""
        return round(statistics.median(self.runs), 3) if self.runs else None


# What one repetition runs on a fresh DuckDB file: (file, profile path or None) -> the sessionizer
# run's summary (None for a baseline) and the profiled statements (empty when not profiled).
Body = Callable[[Path, Path | None], tuple[RunSummary | None, list[StatementProfile]]]


def _rss() -> int:
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:  # Linux without psutil
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def rss_peak(period: float = 0.02) -> Iterator[list[int]]:
    """Samples the process's RSS in a thread; the peak is in the yielded one-item list afterwards.

    DuckDB's buffer pool lives in this process, so this is the engine's memory.
    """
    peak = [_rss()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(period):
            peak[0] = max(peak[0], _rss())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()
        peak[0] = max(peak[0], _rss())


def process_peak_rss() -> int:
    """The process's peak RSS since it started (getrusage; kilobytes on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class Profiler:
    """Turns DuckDB's JSON profiling on for a connection and reads it back after each statement.

    rows read = the query's ``total_rows_scanned`` (rows read by table scans); rows written = the
    rows flowing into each write operator (CREATE TABLE AS, INSERT, DELETE, UPDATE, MERGE), which is
    what the statement reports as its count. BEGIN/COMMIT produce no profile and count nothing.
    Every query the run sends counts, its figures and state lookups included.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.path = path
        self.statements: list[StatementProfile] = []
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"SET profiling_output = '{path}'")

    def execute(self, sql: str, stage: str, run: Callable[[str], Any]) -> Any:
        """``run(sql)``, timed, with its profile recorded under ``stage``."""
        self.settle()
        started = time.perf_counter()
        result = run(sql)
        self.statements.append(StatementProfile(stage, sql, round(time.perf_counter() - started, 4), None, None))
        self.settle()
        return result

    def settle(self) -> None:
        """Count a profile DuckDB wrote for the query it names. A query whose rows are fetched after
        it returns (the run's figures, its state) writes its profile only when its result closes,
        while the next statement runs; BEGIN and COMMIT write none."""
        if not self.path.exists():
            return
        profile = json.loads(self.path.read_text())
        self.path.unlink()
        sql = profile.get("query", {}).get("sql")
        for statement in reversed(self.statements):
            if statement.rows_read is None and statement.sql == sql:
                statement.rows_read = int(profile["query"].get("total_rows_scanned", 0))
                statement.rows_written = sum(_written(op) for op in profile.get("operator", []))
                if _is_id_check(statement.sql):
                    statement.id_check_rows = sum(_scanned(op, ID_CHECK_TABLE) for op in profile.get("operator", []))
                return


def _is_id_check(sql: str) -> bool:
    """The statement that creates the scratch table "history" (not the ones adding to it later)."""
    first = sql.lstrip().split("\n", 1)[0].upper()
    return first.startswith("CREATE") and ID_CHECK_STATEMENT.upper() in first


def _scanned(node: dict[str, Any], table: str) -> int:
    """Rows the table scans of ``table`` (by its own name) read under ``node``."""
    own = str(node.get("extra_info", {}).get("Table", "")).rsplit(".", 1)[-1]
    here = int(node.get("rows_scanned", 0)) if node.get("type") == "TABLE_SCAN" and own == table else 0
    return here + sum(_scanned(child, table) for child in node.get("children") or [])


def _written(node: dict[str, Any]) -> int:
    if node.get("type") in WRITE_OPERATORS or node.get("name") in WRITE_OPERATORS:
        children = node.get("children") or []
        return _output_rows(children[0]) if children else 0
    return sum(_written(child) for child in node.get("children") or [])


def _output_rows(node: dict[str, Any]) -> int:
    """Rows an operator emits; a materialized CTE's are those of its last child, the main query."""
    children = node.get("children") or []
    if node.get("type") == "CTE" and children:
        return _output_rows(children[-1])
    return int(node.get("intermediate_rows", 0))


class BenchJob(Job):
    """sessionizer's Job, optionally profiling every statement it sends (sessionizer untouched)."""

    def __init__(self, config: Config, target: str, profile_path: Path | None = None) -> None:
        super().__init__(config, target, watch=self._during)
        self.profile_path = profile_path
        self.profiler: Profiler | None = None
        self.current_stage = "preflight"

    @contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[Warehouse]:
        with super().warehouse(read_only) as wh:
            wh.cursor.execute("SET enable_progress_bar = false")
            if self.profile_path is not None:
                self.profiler = profiler = Profiler(wh.cursor, self.profile_path)
                plain = wh.execute

                def execute(sql: str) -> Any:
                    return profiler.execute(sql, self.current_stage, plain)

                def fetch_one(sql: str) -> tuple[Any, ...] | None:
                    # fetched whole inside the profiled call: DuckDB writes the profile as it ends
                    rows = profiler.execute(sql, self.current_stage, lambda q: plain(q).fetchall())
                    return tuple(rows[0]) if rows else None

                wh.execute = execute  # type: ignore[method-assign]
                wh.fetch_one = fetch_one  # type: ignore[method-assign]
            yield wh

    @contextmanager
    def _during(self, stage: str, wh: Warehouse) -> Iterator[None]:
        """Statements sent while a stage runs are that stage's; the figures after, the summary's."""
        self.current_stage = stage
        try:
            yield
        finally:
            self.current_stage = "summary"


def sessionizer_body(config: Config, engine: Engine, full_refresh: bool) -> Body:
    """A sessionizer run as a measurement's body; it fails when the run's mode is not the one meant,
    so a benchmark never times a full refresh as an incremental run."""

    def body(path: Path, profile: Path | None) -> tuple[RunSummary, list[StatementProfile]]:
        runner = BenchJob(config, engine.url(path), profile)
        summary = runner.run(full_refresh=full_refresh)
        expected = "full-refresh" if full_refresh else "incremental"
        if summary.mode != expected:
            raise RuntimeError(f"expected a {expected} run, got {summary.mode}")
        if runner.profiler is None:
            return summary, []
        runner.profiler.settle()
        return summary, runner.profiler.statements

    return body


def compile_seconds(repeat: int, cwd: Path, cached: bool) -> list[float]:
    """Wall seconds of ``sessionizer compile`` processes (output discarded): the CLI's start-up,
    which a process timer, not an in-process one, sees. Cold: with the compiled-SQL cache off,
    every template rendered and parsed; ``cached``: from the run's cache, once it holds the plan."""
    cli = SESSIONIZER_CLI if SESSIONIZER_CLI.exists() else Path(shutil.which("sessionizer") or "sessionizer")
    env = {**os.environ, **({} if cached else {"SESSIONIZER_CACHE_DIR": "off"})}
    runs = []
    for rep in range(repeat + cached):
        started = time.perf_counter()
        subprocess.run([str(cli), "compile"], cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=env)
        if not cached or rep:  # the first cached run fills the cache
            runs.append(round(time.perf_counter() - started, 3))
    return runs
