"""``--verify``: the benchmark's incremental run leaves the six tables a full refresh would, so its
timings are of a correct run."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks.engine import Engine, scalar
from benchmarks.measure import BenchJob
from sessionizer.config import Config
from sessionizer.job import Job
from sessionizer.plan import STAGES

SIX_TABLES = tuple(stage.table for stage in STAGES)


def compare_with_full_refresh(path: Path, engine: Engine, config: Config) -> dict[str, dict[str, int]]:
    """Incremental run on ``path`` (a batch appended), then a full refresh into schema ``refreshed``
    over the same ``pages``; per table, its rows and the rows in one and not the other (0 = equal)."""
    url = engine.url(path)
    BenchJob(config, url).run(full_refresh=False)
    Job(Config(schema="refreshed"), url).run(full_refresh=True)
    con = engine.connect(path)
    try:
        rows = {t: int(scalar(con, f"SELECT COUNT(*) FROM main.{t}")) for t in SIX_TABLES}
        differing = {t: differing_rows(con, f"main.{t}", f"refreshed.{t}") for t in SIX_TABLES}
        return {"rows": rows, "differing_rows": differing}
    finally:
        con.close()


def differing_rows(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows (with multiplicity) in one table and not the other."""
    sql = f"""
        SELECT (SELECT COUNT(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right}))
             + (SELECT COUNT(*) FROM (SELECT * FROM {right} EXCEPT ALL SELECT * FROM {left}))
    """
    return int(scalar(con, sql))
