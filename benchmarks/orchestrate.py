"""The benchmark's order of work: load the data, run every measurement on fresh copies of prepared
DuckDB files (copying and loading never timed), time cold compile processes, collect the results."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import process
from benchmarks.baselines import build_naive, sql_file_body
from benchmarks.data import (
    FRACTIONS,
    HOURLY_BATCH_ROWS,
    HOURLY_KEY,
    append_batch,
    cached_parquet,
    fixed_key,
    load_split,
    load_whole,
)
from benchmarks.engine import Engine
from benchmarks.measure import Body, Measurement, compile_seconds, process_peak_rss, rss_peak, sessionizer_body
from benchmarks.options import Options
from benchmarks.report import results_json
from benchmarks.verify import compare_with_full_refresh
from sessionizer.config import Config

CACHE_VARIABLE = "SESSIONIZER_CACHE_DIR"  # sessionizer/cache.py


class Bench:
    """One benchmark run: its options, scratch directory and measurements."""

    def __init__(self, options: Options, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        spill = workdir / "spill"
        spill.mkdir(parents=True, exist_ok=True)
        self.engine = Engine(options.memory_limit, options.threads, spill)
        self.config = Config()
        # Every setting of docs/reference.md "Beyond dbt-segment" on: measured beside the defaults.
        self.beyond = Config(
            ignored_user_ids=("", "null", "undefined"), exclude_bots=True, day_boundary_time_zone="America/New_York",
            split_on_campaign=True, max_session_seconds=4 * 3600, channel_grouping=True, engaged_session_seconds=10,
        )  # fmt: skip
        self.measurements: dict[str, Measurement] = {}
        self.batches: dict[str, dict[str, int]] = {}
        self.verified: dict[str, dict[str, dict[str, int]]] = {}
        self.log = options.log

    def fresh(self, template: Path, name: str) -> Path:
        """A copy of ``template`` to run on (not timed), on disk before any run starts: a copy still
        in the page cache would be written out by the first fsync of the timed run (its COMMIT),
        which then pays for gigabytes it did not write."""
        path = self.workdir / f"{name}.duckdb"
        path.unlink(missing_ok=True)
        shutil.copyfile(template, path)
        with path.open("rb+") as copy:
            os.fsync(copy.fileno())
        return path

    def append(self, path: Path) -> None:
        append_batch(path, self.engine)

    def measure(
        self, name: str, template: Path, body: Body, prepare: bool = False, keep: Path | None = None
    ) -> Measurement:
        """``repeat`` timed runs of ``body`` on fresh copies of ``template`` (the batch appended
        first when ``prepare``), then one profiled run, whose file is kept as ``keep`` when given
        (for a later measurement that starts where this one ends)."""
        m = self.measurements[name] = Measurement(name)
        for rep in range(self.options.repeat + 1):
            profiled = rep == self.options.repeat
            path = self.fresh(template, f"{name}_{rep}")
            if prepare:
                self.append(path)
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
                m.id_check_rows = sum(s.id_check_rows for s in statements)
                self.log(f"  {name}: profiled run {seconds:.2f}s")
            else:
                m.runs.append(seconds)
                for stage in summary.stages if summary else []:
                    m.stages.setdefault(stage.stage, []).append(stage.seconds)
                self.log(f"  {name}: run {rep + 1}/{self.options.repeat} {seconds:.2f}s")
        return m

    def measure_process(self, name: str, template: Path, full_refresh: bool, prepare: bool = False) -> Measurement:
        """``repeat`` timed `sessionizer run` processes on fresh copies of ``template`` (the batch
        appended first when ``prepare``), then one more whose seconds are split by part."""
        m = self.measurements[name] = Measurement(name)
        for rep in range(self.options.repeat + 1):
            path = self.fresh(template, f"{name}_{rep}")
            if prepare:
                self.append(path)
            url = self.engine.url(path)
            try:
                if rep < self.options.repeat:
                    m.runs.append(process.cli_seconds(url, full_refresh, self.workdir))
                    self.log(f"  {name}: process {rep + 1}/{self.options.repeat} {m.runs[-1]:.2f}s")
                else:
                    m.split = process.split(url, full_refresh, self.workdir)
                    self.log(f"  {name}: split {m.split['parts']}")
            except Exception as err:
                m.completed, m.error = False, f"{type(err).__name__}: {err}"[:500]
                self.log(f"  {name}: FAILED: {m.error}")
                return m
            finally:
                path.unlink(missing_ok=True)
                Path(f"{path}.wal").unlink(missing_ok=True)
        return m

    def run(self, parquet: Path) -> None:
        """Full refresh beside its baselines on all rows, then per batch size the incremental runs."""
        engine = self.engine
        whole = self.workdir / "whole.duckdb"
        self.log(f"loading {parquet.name} into {whole} …")
        load_whole(parquet, whole, engine)
        self.log("(a) sessionizer full refresh")
        built = self.workdir / "whole_built.duckdb"
        self.measure("full_refresh", whole, sessionizer_body(self.config, engine, True), keep=built)
        self.log("(a') sessionizer full refresh, whole `sessionizer run` processes")
        self.measure_process("process_full_refresh", whole, True)
        self.log("(a') sessionizer full refresh, every 'Beyond dbt-segment' setting on")
        self.measure("full_refresh_beyond", whole, sessionizer_body(self.beyond, engine, True))
        self.log("(b) lower bound")
        self.measure("lower_bound", whole, sql_file_body("lower_bound.sql", engine))
        whole.unlink()
        if built.exists():  # not when the full refresh failed (out of memory at a large size)
            self.log("(b') write floor: the full refresh's tables copied as they are")
            self.measure("write_floor", built, sql_file_body("write_floor.sql", engine))
            built.unlink()
        for fraction in FRACTIONS:
            self.batch_runs(f"{round(fraction * 100)}pct", parquet, max(1, round(self.options.rows * fraction)), True)
        self.batch_runs(HOURLY_KEY, parquet, min(HOURLY_BATCH_ROWS, self.options.rows // 100 or 1), False, True)

    def fixed_batches(self) -> None:
        """The same-sized batch over each history size: what an incremental run costs as history grows
        while the batch does not."""
        for size in self.options.history_sizes:
            self.batch_runs(fixed_key(size), self.parquet(size), self.options.fixed_batch_rows, False)

    def parquet(self, rows: int) -> Path:
        """The generated rows of one size (cached)."""
        return cached_parquet(rows, self.options.seed, self.options.cache_dir, self.log)

    def batch_runs(self, key: str, parquet: Path, batch_rows: int, naive: bool, whole: bool = False) -> None:
        """History + batch split from ``parquet``; sessionizer's tables (and the naive baseline's,
        when ``naive``) built over the history once, then the incremental run(s) of the batch (also
        as whole `sessionizer run` processes when ``whole``)."""
        engine = self.engine
        base = self.workdir / f"split_{key}.duckdb"
        self.log(f"splitting: history + {key} batch ({batch_rows:,} rows) …")
        self.batches[key] = load_split(parquet, base, batch_rows, engine)
        # sessionizer's tables over the history, once; every repetition starts from a copy
        built = self.fresh(base, f"built_{key}")
        started = time.perf_counter()
        sessionizer_body(self.config, engine, True)(built, None)
        self.batches[key]["full_refresh_history_ms"] = round((time.perf_counter() - started) * 1000)
        if naive:
            naive_built = self.fresh(base, f"naive_{key}")
            build_naive(naive_built, engine)
            self.log(f"(c) naive incremental {key}")
            body = sql_file_body("naive_incremental.sql", engine)
            self.measure(f"naive_incremental_{key}", naive_built, body, prepare=True)
            naive_built.unlink()
        if not naive and not whole:  # the fixed batch: also with every setting of "Beyond dbt-segment" on
            beyond = self.fresh(base, f"beyond_{key}")
            sessionizer_body(self.beyond, engine, True)(beyond, None)
            self.log(f"(d') sessionizer incremental {key}, every 'Beyond dbt-segment' setting on")
            self.measure(
                f"incremental_{key}_beyond", beyond, sessionizer_body(self.beyond, engine, False), prepare=True
            )
            beyond.unlink()
        base.unlink()
        self.log(f"(d) sessionizer incremental {key}")
        self.measure(f"incremental_{key}", built, sessionizer_body(self.config, engine, False), prepare=True)
        if whole:
            self.log(f"(d') sessionizer incremental {key}, whole `sessionizer run` processes")
            self.measure_process(f"process_{key}", built, False, prepare=True)
        if self.options.verify:
            self.verified[key] = self.verify(built)
        built.unlink()

    def verify(self, built: Path) -> dict[str, dict[str, int]]:
        """The incremental run checked against a full refresh, on a copy of ``built``."""
        path = self.fresh(built, "verify_run")
        try:
            self.append(path)
            return compare_with_full_refresh(path, self.engine, self.config)
        finally:
            path.unlink(missing_ok=True)


def run(options: Options) -> dict[str, Any]:
    """Runs the whole benchmark and returns the figures (also written to ``options.out``)."""
    started = time.perf_counter()
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="sessionizer-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # The compiled-SQL cache starts empty and is this run's (the processes it starts inherit it): the
    # first run of each kind compiles, the rest read it, as a scheduled job's runs do.
    saved = os.environ.get(CACHE_VARIABLE)
    os.environ[CACHE_VARIABLE] = str(workdir / "sql-cache")
    try:
        bench = Bench(options, workdir)
        process.installed_bytecode()
        bench.run(bench.parquet(options.rows))
        bench.fixed_batches()
        options.log("cold `sessionizer compile` processes, without and with the compiled-SQL cache")
        compile_runs = (compile_seconds(options.compile_repeat, workdir, False),
                        compile_seconds(options.compile_repeat, workdir, True))  # fmt: skip
    finally:
        os.environ.pop(CACHE_VARIABLE)
        if saved is not None:
            os.environ[CACHE_VARIABLE] = saved
        if options.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    results = results_json(options, bench.measurements, bench.batches, bench.verified, compile_runs, process_peak_rss())
    results["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    if options.out:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(json.dumps(results, indent=2) + "\n")
    return results
