"""PostgreSQL: tables built beside the old ones and swapped in, DELETE+INSERT in transactions.

PostgreSQL has no CREATE OR REPLACE TABLE, so a full refresh builds each table under a new name
and swaps it in with DROP + RENAME in one transaction. A run holds an advisory lock, which the
server releases when the connection ends, so a run killed midway does not block the next one. Its difference of two timestamps is
elapsed time, so seconds between them are counted on timestamps truncated to the second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from sessionizer.dialects import Dialect
from sessionizer.dialects.transforms import Transform, seconds_between_truncated
from sessionizer.lazy import exp


class Postgres(Dialect):
    name: ClassVar[str] = "postgres"
    sqlglot_dialect: ClassVar[str] = "postgres"
    # timestamptz, by its type OID as psycopg's cursor.description gives it.
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset({"1184"})
    # text, varchar, bpchar; the numbers by OID (pg_type).
    TEXT_TYPES: ClassVar[frozenset[str]] = frozenset({"25", "1043", "1042"})
    NUMERIC_TYPES: ClassVar[Mapping[str, str]] = {
        "20": "bigint", "21": "smallint", "23": "integer", "700": "real", "701": "double precision", "1700": "numeric",
    }  # fmt: skip
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = False
    # NOW() is TIMESTAMPTZ; our timestamps are UTC without time zone.
    NOW_UTC: ClassVar[str] = "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)"
    TRANSFORMS: ClassVar[tuple[Transform, ...]] = (seconds_between_truncated,)

    def session_lock(self, key: str) -> exp.Expression:
        """An advisory lock of the session: the server releases it when the connection ends."""
        return exp.select(exp.func("pg_try_advisory_lock", exp.func("hashtext", exp.Literal.string(key))))
