"""The baselines sessionizer is measured against, each a .sql file of this package run as it is.

* ``lower_bound.sql``: one CREATE TABLE … AS, the practical floor of a full refresh;
* ``write_floor.sql``: the full refresh's finished tables copied: writing its output, no computing;
* ``naive_incremental.sql``: dbt-segment's way of an incremental run (``naive_setup.sql`` makes the
  empty tables it starts from).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.engine import Engine
from benchmarks.measure import Body, Profiler, StatementProfile

HERE = Path(__file__).resolve().parent
STAGE = "sql"  # what a baseline's statements count under in rows read by stage: it has no stages


def sql_statements(name: str) -> list[str]:
    """The statements of one of this package's .sql files (``--`` comments dropped, split on ``;``)."""
    text = "\n".join(line for line in (HERE / name).read_text().splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


def run_sql_file(path: Path, name: str, engine: Engine, profile: Path | None) -> list[StatementProfile]:
    """Runs one of the benchmark's .sql files on a fresh connection; profiles it when asked."""
    con = engine.connect(path)
    try:
        profiler = Profiler(con, profile) if profile else None
        for sql in sql_statements(name):
            if profiler:
                profiler.execute(sql, STAGE, con.execute)
            else:
                con.execute(sql)
        return profiler.statements if profiler else []
    finally:
        con.close()


def sql_file_body(name: str, engine: Engine) -> Body:
    """A baseline's .sql file as a measurement's body (no run summary: it has no stages)."""

    def body(path: Path, profile: Path | None) -> tuple[None, list[StatementProfile]]:
        return None, run_sql_file(path, name, engine, profile)

    return body


def build_naive(path: Path, engine: Engine) -> None:
    """The naive baseline's tables over the history in ``path``: its setup, then its incremental
    statements over empty tables, which recompute every visitor (not timed)."""
    con = engine.connect(path)
    try:
        for sql in sql_statements("naive_setup.sql") + sql_statements("naive_incremental.sql"):
            con.execute(sql)
    finally:
        con.close()
