"""DuckDB: the embedded default. Replaces tables atomically; delete+insert for increments."""

from __future__ import annotations

from typing import Any, ClassVar

from sessionizer.dialects import Dialect
from sessionizer.targets import Target

# Settings a target URL may carry (duckdb:///f.duckdb?memory_limit=4GB&threads=2).
CONNECT_SETTINGS = ("memory_limit", "threads", "temp_directory", "max_temp_directory_size", "preserve_insertion_order")


class DuckDB(Dialect):
    name: ClassVar[str] = "duckdb"
    sqlglot_dialect: ClassVar[str] = "duckdb"
    # NOW() is TIMESTAMPTZ; our timestamps are UTC without time zone.
    NOW_UTC: ClassVar[str] = "CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP)"

    def connect(self, target: Target) -> Any:
        import duckdb

        unknown = set(target.options) - set(CONNECT_SETTINGS)
        if unknown:
            from sessionizer.errors import TargetError

            raise TargetError(
                f"unknown duckdb setting(s) {', '.join(sorted(unknown))}; allowed: {', '.join(CONNECT_SETTINGS)}"
            )
        con = duckdb.connect(target.path or ":memory:", config=dict(target.options))
        con.execute("SET TimeZone = 'UTC'")
        return con
