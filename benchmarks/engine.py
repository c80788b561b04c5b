"""How the benchmark opens DuckDB: every file, sessionizer's and the baselines', under the same rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sessionizer.engines.duckdb import RUN_SETTINGS


@dataclass(frozen=True)
class Engine:
    """The memory limit, threads and spill directory every measurement runs with.

    Baselines also get the settings a sessionizer run puts on itself (no checkpoint vacuum), so
    neither side pays a cost the other does not.
    """

    memory_limit: str
    threads: int
    spill: Path

    def connect(self, path: Path) -> duckdb.DuckDBPyConnection:
        """A connection to ``path`` for loading data and running the baselines' SQL."""
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "temp_directory": str(self.spill),
            **RUN_SETTINGS,
        }
        con = duckdb.connect(str(path), config=config)
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        return con

    def url(self, path: Path) -> str:
        """The same settings as a sessionizer target, for runs that go through ``Job``."""
        return f"duckdb:///{path}?memory_limit={self.memory_limit}&threads={self.threads}&temp_directory={self.spill}"


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The first value of the one row ``sql`` returns (the benchmark only asks aggregates)."""
    row = con.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]
