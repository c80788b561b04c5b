"""Benchmarks of sessionizer on DuckDB: full refresh and incremental runs beside their baselines.

``python -m benchmarks`` generates page views with sessionizer's own generator (cached as Parquet in
``benchmarks/.cache/``), then, in one process and each in a fresh DuckDB file, times:

* ``full_refresh``: sessionizer's full refresh over the whole history (through ``Runner``);
* ``lower_bound``: one CREATE TABLE … AS doing dedupe + session window pass + session aggregation
  (``lower_bound.sql``), the practical floor of a full refresh;
* ``write_floor``: the full refresh's finished tables copied as they are (``write_floor.sql``): what
  writing that output costs with no computing at all;
* ``naive_incremental_<p>pct``: dbt-segment's way, every visitor in the batch recomputed from all of
  their page views (``naive_incremental.sql``);
* ``incremental_<p>pct``: sessionizer's incremental run of the newest p% of rows, 10% of them late.

Wall seconds are the median of ``--repeat`` unprofiled runs; rows read/written and the per-statement
profile come from one extra run with DuckDB's JSON profiling on. See README.md for how to read them.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from sessionizer.config import Config
from sessionizer.dialects.duckdb import RUN_SETTINGS
from sessionizer.generate import write
from sessionizer.plan import STAGES
from sessionizer.runner import Runner, RunSummary, StageResult, Warehouse

HERE = Path(__file__).resolve().parent
CACHE_DIR = HERE / ".cache"
RESULTS_DIR = HERE / "results"
SESSIONIZER_CLI = Path(sys.executable).with_name("sessionizer")
FRACTIONS = (0.01, 0.05)
LATE_SHARE = 0.10  # of a batch's rows, moved 1h-72h before the history's newest timestamp
SIX_TABLES = tuple(stage.table for stage in STAGES)
WRITE_OPERATORS = {"CREATE_TABLE_AS", "BATCH_CREATE_TABLE_AS", "INSERT", "BATCH_INSERT", "DELETE", "UPDATE",
                   "MERGE_INTO"}  # fmt: skip


@dataclass
class Options:
    """What to run; the command line's flags."""

    rows: int = 1_000_000
    repeat: int = 3
    memory_limit: str = "4GB"
    threads: int = 2
    seed: int = 42
    out: Path | None = None
    cache_dir: Path = CACHE_DIR
    workdir: Path | None = None  # a temp dir, removed afterwards, when None
    compile_repeat: int = 5
    verify: bool = False  # also check incremental tables == a full refresh over the same rows
    top: int = 5
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))


@dataclass
class StatementProfile:
    """One statement as DuckDB's profiler saw it."""

    stage: str
    sql: str
    seconds: float
    rows_read: int | None
    rows_written: int | None


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
    completed: bool = True
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        return round(statistics.median(self.runs), 3) if self.runs else None

    def as_dict(self, top: int) -> dict[str, Any]:
        by_time = sorted(self.statements, key=lambda s: s.seconds, reverse=True)[:top]
        return {
            "seconds": self.seconds,
            "runs": self.runs,
            "stages": {k: round(statistics.median(v), 3) for k, v in self.stages.items()},
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "peak_rss_bytes": self.peak_rss_bytes,
            "completed": self.completed,
            "error": self.error,
            "profiled_seconds_by_stage": _sum_by_stage(self.statements),
            "top_statements": [{**asdict(s), "sql": _one_line(s.sql, 160)} for s in by_time],
            "statements": [{**asdict(s), "sql": _one_line(s.sql, 160)} for s in self.statements],
        }


# -- measuring ------------------------------------------------------------------------------------


def _rss() -> int:
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:  # Linux without psutil
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def rss_peak(period: float = 0.02) -> Iterator[list[int]]:
    """Samples the process's RSS in a thread; the peak is in the yielded one-item list afterwards."""
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
    """

    def __init__(self, con: Any, path: Path) -> None:
        self.con = con
        self.path = path
        self.statements: list[StatementProfile] = []
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"SET profiling_output = '{path}'")

    def execute(self, sql: str, stage: str, run: Callable[[str], Any]) -> Any:
        self.path.unlink(missing_ok=True)
        started = time.perf_counter()
        result = run(sql)
        seconds = time.perf_counter() - started
        read = written = None
        if self.path.exists():
            profile = json.loads(self.path.read_text())
            read = int(profile.get("query", {}).get("total_rows_scanned", 0))
            written = sum(_written(op) for op in profile.get("operator", []))
        self.statements.append(StatementProfile(stage, sql, round(seconds, 4), read, written))
        return result


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


class BenchRunner(Runner):
    """sessionizer's Runner, optionally profiling every statement it sends (sessionizer untouched)."""

    def __init__(self, config: Config, target: str, profile_path: Path | None = None) -> None:
        super().__init__(config, target)
        self.profile_path = profile_path
        self.profiler: Profiler | None = None
        self.current_stage = "preflight"

    @contextmanager
    def warehouse(self) -> Iterator[Warehouse]:
        with super().warehouse() as wh:
            wh.cursor.execute("SET enable_progress_bar = false")
            if self.profile_path is not None:
                self.profiler = profiler = Profiler(wh.cursor, self.profile_path)
                plain = wh.execute

                def execute(sql: str) -> Any:
                    return profiler.execute(sql, self.current_stage, plain)

                wh.execute = execute  # type: ignore[method-assign]
            yield wh

    def run_stage(self, wh: Warehouse, stage: str, statements: list[Any], mode: Any) -> StageResult:
        self.current_stage = stage
        try:
            return super().run_stage(wh, stage, statements, mode)
        finally:
            self.current_stage = "summary"


def sql_statements(name: str) -> list[str]:
    """The statements of one of this package's .sql files (``--`` comments dropped, split on ``;``)."""
    text = "\n".join(line for line in (HERE / name).read_text().splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


# -- data -----------------------------------------------------------------------------------------


def cached_parquet(rows: int, seed: int, cache_dir: Path, log: Callable[[str], None]) -> Path:
    """The generated rows as Parquet, generated once per (rows, seed)."""
    path = cache_dir / f"pages_{rows}_seed{seed}.parquet"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        log(f"generating {rows:,} rows (seed {seed}) into {path} …")
        tmp = path.with_name(path.stem + ".tmp.parquet")
        write(tmp, rows, seed)
        tmp.replace(path)
    return path


def connect(path: Path, options: Options, spill: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the benchmark's memory limit, threads and spill directory, and the
    settings a sessionizer run uses (no checkpoint vacuum), so baselines run under the same rules."""
    config = {"memory_limit": options.memory_limit, "threads": options.threads, "temp_directory": str(spill),
              **RUN_SETTINGS}  # fmt: skip
    con = duckdb.connect(str(path), config=config)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def target_url(path: Path, options: Options, spill: Path) -> str:
    return f"duckdb:///{path}?memory_limit={options.memory_limit}&threads={options.threads}&temp_directory={spill}"


def load_whole(parquet: Path, path: Path, options: Options, spill: Path) -> dict[str, int]:
    """A DuckDB file holding every generated row as table ``pages``."""
    con = connect(path, options, spill)
    try:
        con.execute(f"CREATE TABLE pages AS SELECT * FROM read_parquet('{parquet}')")
        return {"rows": int(con.execute("SELECT COUNT(*) FROM pages").fetchone()[0])}  # type: ignore[index]
    finally:
        con.close()


def load_split(parquet: Path, path: Path, fraction: float, options: Options, spill: Path) -> dict[str, int]:
    """``pages`` = the oldest (1 - fraction) of rows by received_at; ``bench_batch`` = the newest.

    10% of the batch (chosen by a hash of id) get a timestamp 1h-72h before the history's newest
    timestamp, keeping their received_at: late page views that land inside stored sessions.
    """
    con = connect(path, options, spill)
    try:
        total = int(con.execute(f"SELECT COUNT(*) FROM read_parquet('{parquet}')").fetchone()[0])  # type: ignore[index]
        keep = total - max(1, round(total * fraction))
        con.execute(f"""
            CREATE TEMP TABLE split AS
            SELECT *, ROW_NUMBER() OVER (ORDER BY received_at ASC NULLS LAST, id ASC NULLS LAST) <= {keep} AS in_history
            FROM read_parquet('{parquet}')
        """)
        con.execute("CREATE TABLE pages AS SELECT * EXCLUDE (in_history) FROM split WHERE in_history")
        newest = con.execute("SELECT MAX(timestamp) FROM pages").fetchone()[0]  # type: ignore[index]
        late = f"hash(id, 'late') % 1000 < {round(LATE_SHARE * 1000)} AND timestamp IS NOT NULL"
        shifted = f"TIMESTAMP '{newest}' - INTERVAL 1 HOUR - to_milliseconds((hash(id, 'by') % 255600000)::BIGINT)"
        con.execute(f"""
            CREATE TABLE bench_batch AS
            SELECT * EXCLUDE (in_history) REPLACE (
                CASE WHEN {late} THEN {shifted} ELSE sent_at END AS sent_at,
                CASE WHEN {late} THEN {shifted} ELSE timestamp END AS timestamp
            )
            FROM split WHERE NOT in_history
        """)
        figures = con.execute("""
            SELECT
              (SELECT COUNT(*) FROM pages),
              (SELECT COUNT(*) FROM bench_batch),
              (SELECT COUNT(*) FROM bench_batch b JOIN split s USING (id, received_at)
                 WHERE s.timestamp IS DISTINCT FROM b.timestamp),
              (SELECT COUNT(DISTINCT anonymous_id) FROM bench_batch),
              (SELECT COUNT(*) FROM pages WHERE anonymous_id IN (SELECT anonymous_id FROM bench_batch))
        """).fetchone()
        assert figures is not None
        keys = ("history_rows", "batch_rows", "late_rows", "batch_anonymous_ids", "history_rows_of_batch_visitors")
        return dict(zip(keys, (int(v) for v in figures), strict=True))
    finally:
        con.close()


def append_batch(path: Path, options: Options, spill: Path) -> None:
    con = connect(path, options, spill)
    try:
        con.execute("INSERT INTO pages SELECT * FROM bench_batch")
    finally:
        con.close()


def run_sql_file(path: Path, name: str, options: Options, spill: Path, profile: Path | None) -> list[StatementProfile]:
    """Runs one of the benchmark's .sql files on a fresh connection; profiles it when asked."""
    con = connect(path, options, spill)
    try:
        profiler = Profiler(con, profile) if profile else None
        for sql in sql_statements(name):
            if profiler:
                profiler.execute(sql, name.removesuffix(".sql"), con.execute)
            else:
                con.execute(sql)
        return profiler.statements if profiler else []
    finally:
        con.close()


# -- the benchmark ---------------------------------------------------------------------------------


class Bench:
    """One benchmark run: its options, scratch directory and measurements."""

    def __init__(self, options: Options, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.spill = workdir / "spill"
        self.spill.mkdir(parents=True, exist_ok=True)
        self.config = Config()
        self.measurements: dict[str, Measurement] = {}
        self.batches: dict[str, dict[str, int]] = {}
        self.verified: dict[str, dict[str, dict[str, int]]] = {}
        self.log = options.log

    def fresh(self, template: Path, name: str) -> Path:
        """A copy of ``template`` to run on (not timed)."""
        path = self.workdir / f"{name}.duckdb"
        path.unlink(missing_ok=True)
        shutil.copyfile(template, path)
        return path

    def measure(self, name: str, template: Path, prepare: Callable[[Path], None] | None,
                body: Callable[[Path, Path | None], tuple[RunSummary | None, list[StatementProfile]]],
                keep: Path | None = None) -> Measurement:  # fmt: skip
        """``repeat`` timed runs of ``body`` on fresh copies, then one profiled run, whose file is
        kept as ``keep`` when given (for a later measurement that starts where this one ends)."""
        m = self.measurements[name] = Measurement(name)
        for rep in range(self.options.repeat + 1):
            profiled = rep == self.options.repeat
            path = self.fresh(template, f"{name}_{rep}")
            if prepare:
                prepare(path)
            profile = self.workdir / f"{name}.profile.json" if profiled else None
            try:
                with rss_peak() as peak:
                    started = time.perf_counter()
                    summary, statements = body(path, profile)
                    seconds = round(time.perf_counter() - started, 3)
            except Exception as err:  # an out-of-memory at 10M is a result, not a crash
                m.completed, m.error = False, f"{type(err).__name__}: {err}"[:500]
                self.log(f"  {name}: FAILED: {m.error}")
                return m
            finally:
                if profiled and keep is not None and path.exists():
                    path.replace(keep)
                path.unlink(missing_ok=True)
                Path(f"{path}.wal").unlink(missing_ok=True)
            m.peak_rss_bytes = max(m.peak_rss_bytes, peak[0])
            if profiled:
                m.statements = statements
                m.rows_read = sum(s.rows_read or 0 for s in statements)
                m.rows_written = sum(s.rows_written or 0 for s in statements)
                self.log(f"  {name}: profiled run {seconds:.2f}s")
            else:
                m.runs.append(seconds)
                for stage in summary.stages if summary else []:
                    m.stages.setdefault(stage.stage, []).append(stage.seconds)
                self.log(f"  {name}: run {rep + 1}/{self.options.repeat} {seconds:.2f}s")
        return m

    def sessionizer(
        self, full_refresh: bool
    ) -> Callable[[Path, Path | None], tuple[RunSummary, list[StatementProfile]]]:
        def body(path: Path, profile: Path | None) -> tuple[RunSummary, list[StatementProfile]]:
            runner = BenchRunner(self.config, target_url(path, self.options, self.spill), profile)
            summary = runner.run(full_refresh=full_refresh)
            expected = "full-refresh" if full_refresh else "incremental"
            if summary.mode != expected:
                raise RuntimeError(f"expected a {expected} run, got {summary.mode}")
            return summary, runner.profiler.statements if runner.profiler else []

        return body

    def sql_file(self, name: str) -> Callable[[Path, Path | None], tuple[None, list[StatementProfile]]]:
        def body(path: Path, profile: Path | None) -> tuple[None, list[StatementProfile]]:
            return None, run_sql_file(path, name, self.options, self.spill, profile)

        return body

    def run(self, parquet: Path) -> None:
        opts = self.options
        whole = self.workdir / "whole.duckdb"
        self.log(f"loading {parquet.name} into {whole} …")
        load_whole(parquet, whole, opts, self.spill)
        self.log("(a) sessionizer full refresh")
        built = self.workdir / "whole_built.duckdb"
        self.measure("full_refresh", whole, None, self.sessionizer(True), keep=built)
        self.log("(b) lower bound")
        self.measure("lower_bound", whole, None, self.sql_file("lower_bound.sql"))
        whole.unlink()
        if built.exists():  # not when the full refresh failed (out of memory at a large size)
            self.log("(b') write floor: the full refresh's tables copied as they are")
            self.measure("write_floor", built, None, self.sql_file("write_floor.sql"))
            built.unlink()
        for fraction in FRACTIONS:
            pct = f"{round(fraction * 100)}pct"
            base = self.workdir / f"split_{pct}.duckdb"
            self.log(f"splitting: history + {pct} batch …")
            self.batches[pct] = load_split(parquet, base, fraction, opts, self.spill)
            # sessionizer's tables over the history, once; every repetition starts from a copy
            built = self.fresh(base, f"built_{pct}")
            started = time.perf_counter()
            self.sessionizer(True)(built, None)
            self.batches[pct]["full_refresh_history_ms"] = round((time.perf_counter() - started) * 1000)
            naive = self.fresh(base, f"naive_{pct}")
            con = connect(naive, opts, self.spill)
            try:
                for sql in sql_statements("naive_setup.sql") + sql_statements("naive_incremental.sql"):
                    con.execute(sql)
            finally:
                con.close()
            base.unlink()
            self.log(f"(c) naive incremental {pct}")
            self.measure(f"naive_incremental_{pct}", naive, self.append, self.sql_file("naive_incremental.sql"))
            self.log(f"(d) sessionizer incremental {pct}")
            self.measure(f"incremental_{pct}", built, self.append, self.sessionizer(False))
            if opts.verify:
                self.verified[pct] = self.verify(built)
            built.unlink()
            naive.unlink()

    def append(self, path: Path) -> None:
        append_batch(path, self.options, self.spill)

    def verify(self, built: Path) -> dict[str, dict[str, int]]:
        """Incremental run on a copy, then a full refresh into schema ``refreshed`` over the same
        ``pages``; per table, its rows and the rows in one and not the other (0 = equal)."""
        path = self.fresh(built, "verify_run")
        self.append(path)
        url = target_url(path, self.options, self.spill)
        BenchRunner(self.config, url).run(full_refresh=False)
        Runner(Config(schema="refreshed"), url).run(full_refresh=True)
        con = connect(path, self.options, self.spill)
        try:
            rows = {t: int(con.execute(f"SELECT COUNT(*) FROM main.{t}").fetchone()[0]) for t in SIX_TABLES}  # type: ignore[index]
            differing = {t: differing_rows(con, f"main.{t}", f"refreshed.{t}") for t in SIX_TABLES}
            return {"rows": rows, "differing_rows": differing}
        finally:
            con.close()
            path.unlink(missing_ok=True)


def differing_rows(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows (with multiplicity) in one table and not the other."""
    row = con.execute(f"""
        SELECT (SELECT COUNT(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right}))
             + (SELECT COUNT(*) FROM (SELECT * FROM {right} EXCEPT ALL SELECT * FROM {left}))
    """).fetchone()
    assert row is not None
    return int(row[0])


def compile_seconds(repeat: int, cwd: Path) -> list[float]:
    """Wall seconds of cold ``sessionizer compile`` processes (output discarded)."""
    cli = SESSIONIZER_CLI if SESSIONIZER_CLI.exists() else Path(shutil.which("sessionizer") or "sessionizer")
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([str(cli), "compile"], cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        runs.append(round(time.perf_counter() - started, 3))
    return runs


# -- results -------------------------------------------------------------------------------------


def _sum_by_stage(statements: list[StatementProfile]) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in statements:
        out[s.stage] = round(out.get(s.stage, 0.0) + s.seconds, 3)
    return out


def _one_line(sql: str, width: int) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def ratios(results: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    """The ratios, each with the issue's target (None where the issue sets none)."""
    m = results["measurements"]

    def sec(name: str) -> float | None:
        return m.get(name, {}).get("seconds")

    big = rows >= 10_000_000
    out: list[dict[str, Any]] = [
        {"name": "full / lower bound", "value": _ratio(sec("full_refresh"), sec("lower_bound")), "max": 1.5},
        {"name": "write floor / lower bound", "value": _ratio(sec("write_floor"), sec("lower_bound")), "max": None},
    ]
    for pct in ("1pct", "5pct"):
        target_full = (0.05 if big else 0.2) if pct == "1pct" else None
        target_naive = 0.25 if pct == "1pct" else None
        out += [
            {"name": f"incremental {pct} / full", "value": _ratio(sec(f"incremental_{pct}"), sec("full_refresh")),
             "max": target_full},
            {"name": f"incremental {pct} / naive {pct}",
             "value": _ratio(sec(f"incremental_{pct}"), sec(f"naive_incremental_{pct}")), "max": target_naive},
        ]  # fmt: skip
    out.append({"name": "compile CLI seconds", "value": results["compile"]["seconds"], "max": 0.5, "strict": True})
    for r in out:
        if r["max"] is None or r["value"] is None:
            r["pass"] = None
        else:
            r["pass"] = r["value"] < r["max"] if r.pop("strict", False) else r["value"] <= r["max"]
        r.pop("strict", None)
    return out


def run(options: Options) -> dict[str, Any]:
    """Runs the whole benchmark and returns the figures (also written to ``options.out``)."""
    started = time.perf_counter()
    parquet = cached_parquet(options.rows, options.seed, options.cache_dir, options.log)
    own_tmp = options.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="sessionizer-bench-")) if own_tmp else Path(options.workdir)  # type: ignore[arg-type]
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        bench = Bench(options, workdir)
        bench.run(parquet)
        options.log("cold `sessionizer compile` processes")
        compile_runs = compile_seconds(options.compile_repeat, workdir)
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    measurements = {name: m.as_dict(options.top) for name, m in bench.measurements.items()}
    results: dict[str, Any] = {
        "meta": {
            "rows": options.rows,
            "seed": options.seed,
            "repeat": options.repeat,
            "memory_limit": options.memory_limit,
            "threads": options.threads,
            "duckdb": duckdb.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "late_share_of_batch": LATE_SHARE,
        },
        "measurements": measurements,
        "batches": bench.batches,
        "compile": {"seconds": round(statistics.median(compile_runs), 3), "runs": compile_runs},
        "completed_within_memory_limit": all(m["completed"] for m in measurements.values()),
        "process_peak_rss_bytes": process_peak_rss(),
    }
    if options.verify:
        results["verified"] = bench.verified
    results["ratios"] = ratios(results, options.rows)
    results["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    if options.out:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(json.dumps(results, indent=2) + "\n")
    return results


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True)))
    out = [line, "-" * len(line)]
    for r in rows:
        out.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        )
    return out


def render(results: dict[str, Any]) -> str:
    """The printed report: measurements, sessionizer stages, ratios with targets, top statements."""
    meta, m = results["meta"], results["measurements"]
    lines = [
        f"sessionizer benchmark: {meta['rows']:,} rows, seed {meta['seed']}, DuckDB {meta['duckdb']}, "
        f"memory_limit {meta['memory_limit']}, threads {meta['threads']}, median of {meta['repeat']} "
        f"(total {meta['total_seconds']}s)",
        "",
    ]
    rows = []
    for name, fig in m.items():
        runs = fig["runs"]
        rows.append([name, _fmt(fig["seconds"]), _fmt(min(runs)) if runs else "—", _fmt(max(runs)) if runs else "—",
                     _fmt(fig["rows_read"]), _fmt(fig["rows_written"]), _fmt(round(fig["peak_rss_bytes"] / 2**20)),
                     "yes" if fig["completed"] else "NO"])  # fmt: skip
    lines += _table(["measurement", "median s", "min s", "max s", "rows read", "rows written", "peak RSS MiB",
                     "completed"], rows)  # fmt: skip
    stage_names = [s.name for s in STAGES]
    runs_with_stages = [n for n, f in m.items() if f["stages"]]
    if runs_with_stages:
        lines += ["", "sessionizer stages (median wall s, from RunSummary)"]
        rows = [[n, *(_fmt(m[n]["stages"].get(s)) for s in stage_names),
                 _fmt(round(sum(m[n]["stages"].values()), 3))] for n in runs_with_stages]  # fmt: skip
        lines += _table(["run", *stage_names, "sum"], rows)
    if results["batches"]:
        lines += ["", "batches"]
        keys = list(next(iter(results["batches"].values())).keys())
        lines += _table(["batch", *keys], [[p, *(_fmt(b.get(k)) for k in keys)] for p, b in results["batches"].items()])
    lines += ["", "ratios and targets"]
    rows = [[r["name"], _fmt(r["value"]), "—" if r["max"] is None else ("< " if "compile" in r["name"] else "≤ ")
             + str(r["max"]), {True: "PASS", False: "FAIL", None: ""}[r["pass"]]] for r in results["ratios"]]  # fmt: skip
    lines += _table(["ratio", "value", "target", ""], rows)
    lines.append(f"compile CLI runs: {results['compile']['runs']}")
    lines.append(
        f"completed with memory_limit {meta['memory_limit']}: {'yes' if results['completed_within_memory_limit'] else 'NO'}"
        f"; process peak RSS {results['process_peak_rss_bytes'] / 2**20:,.0f} MiB"
    )
    if "verified" in results:
        for pct, check in results["verified"].items():
            same = not any(check["differing_rows"].values())
            lines.append(f"incremental {pct} == full refresh over the same rows: {'yes' if same else 'NO'} {check}")
    for name in ("full_refresh", "incremental_1pct"):
        fig = m.get(name)
        if not fig or not fig["top_statements"]:
            continue
        lines += ["", f"{name}: profiled run, seconds by stage {fig['profiled_seconds_by_stage']}",
                  f"{name}: top statements by time"]  # fmt: skip
        rows = [[s["stage"], _fmt(s["seconds"]), _fmt(s["rows_read"]), _fmt(s["rows_written"]), _one_line(s["sql"], 90)]
                for s in fig["top_statements"]]  # fmt: skip
        lines += _table(["stage", "s", "rows read", "rows written", "sql"], rows)
    return "\n".join(lines)
