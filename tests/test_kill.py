"""A run killed for real (SIGKILL, no cleanup) after any statement: a plain rerun finishes the job.

A child process runs `sessionizer run` on a DuckDB file and kills itself right after the n-th
statement of the plan. After each kill, every table must be as it was before or as it should be
(docs/reference.md "Writes"), and rerunning the same command must leave all tables equal to an
uninterrupted run. The default run samples kill points; the `slow` variant visits every one
(`./scripts/test.sh tests/test_kill.py -m slow`). The sample runs again with every setting of
"Beyond dbt-segment" on (tests/beyond_cases.py's settings, with cuts the history reaches).
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from sessionizer import Config, compile
from tests import reference
from tests.helpers import (
    KILLED_CHILD,
    TABLES,
    history,
    later_batch,
    load_pages,
    package_mapping,
    tables_of,
    users_counts,
)

SAMPLE = 6
# Every setting on; history() reaches max_session_seconds (its sessions are cut every 10 minutes).
BEYOND: dict[str, Any] = {
    "ignored_user_ids": ["null", ""],
    "exclude_bots": True,
    "day_boundary_time_zone": "America/New_York",
    "split_on_campaign": True,
    "max_session_seconds": 600,
    "channel_grouping": True,
    "engaged_session_seconds": 60,
}


def kill_points(count: int, every: bool) -> list[int]:
    """Every statement number, or a deterministic sample that always has the first and the last."""
    if every:
        return list(range(1, count + 1))
    rng = random.Random(count)
    return sorted({1, count, *rng.sample(range(1, count + 1), min(SAMPLE, count))})


@pytest.mark.parametrize(
    ("points", "settings"),
    [("sample", {}), pytest.param("every", {}, marks=pytest.mark.slow), ("sample", BEYOND)],
    ids=["sample", "every", "sample-beyond"],
)
@pytest.mark.parametrize("mode", ["full-refresh", "incremental"])
def test_killed_runs_leave_whole_tables_and_a_rerun_finishes(
    tmp_path: Path, mode: str, points: str, settings: dict[str, Any]
) -> None:
    config = Config.from_mapping(settings)
    statements = [s.sql for s in compile(config, "duckdb", mode)]
    prepared = tmp_path / "prepared.duckdb"
    load_pages(prepared, history())
    from sessionizer.job import Job

    Job(config, f"duckdb:///{prepared}").run()
    load_pages(prepared, later_batch())
    built = reference.build(history() + later_batch(), referrer_mapping=package_mapping(), **settings)
    before, final = tables_of(prepared), {t: reference.canonical(built[t]) for t in TABLES}
    settings_file = tmp_path / "sessionizer.yml"
    settings_file.write_text(yaml.safe_dump(settings))
    args = ["run", "--quiet", "--config", str(settings_file), *(["--full-refresh"] if mode == "full-refresh" else [])]
    survived = []
    for after in kill_points(len(statements), points == "every"):
        db = tmp_path / f"killed-{after}.duckdb"
        shutil.copy(prepared, db)
        child = subprocess.run(
            [sys.executable, "-c", KILLED_CHILD, str(after), *args, "--target", f"duckdb:///{db}"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert child.returncode == -signal.SIGKILL, child.stderr
        middle = tables_of(db)
        for table, rows in middle.items():
            assert rows in (before[table], final[table]), f"{table} half-written after a kill at statement {after}"
        rerun = subprocess.run([sys.executable, "-m", "sessionizer", *args, "--target", f"duckdb:///{db}"],
                               capture_output=True, text=True, timeout=120)  # fmt: skip
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert tables_of(db) == final, f"rerun after a kill at statement {after}"
        with duckdb.connect(str(db), read_only=True) as con:
            stored, counted = users_counts(con)
        assert stored == counted, f"users' counts after a rerun after a kill at statement {after}"
        survived.append(after)
    print(f"{mode}: {len(survived)} kill points survived of {len(statements)} statements")
