"""Snowflake: CREATE OR REPLACE … CLUSTER BY, and MERGE for upserts.

DDL commits implicitly in Snowflake, so transactions here wrap DML only; the scratch batch table
is created before BEGIN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from sessionizer.dialects import Case, Dialect, WriteStrategy
from sessionizer.lazy import exp

if TYPE_CHECKING:
    from sessionizer.plan import Stage


class Snowflake(Dialect):
    name: ClassVar[str] = "snowflake"
    sqlglot_dialect: ClassVar[str] = "snowflake"
    WRITE_STRATEGY: ClassVar[WriteStrategy] = WriteStrategy.MERGE
    # SYSDATE() is UTC without time zone; CURRENT_TIMESTAMP follows the session's time zone.
    NOW_UTC: ClassVar[str] = "SYSDATE()"
    CTE_HINTS: ClassVar[bool] = False
    IDENTIFIER_CASE: ClassVar[Case] = Case.UPPER
    # TIMESTAMP_LTZ and TIMESTAMP_TZ (snowflake.connector.constants.FIELD_NAME_TO_ID).
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset({"6", "7"})
    # TEXT, and FIXED (NUMBER) and REAL, by the same ids.
    TEXT_TYPES: ClassVar[frozenset[str]] = frozenset({"2"})
    NUMERIC_TYPES: ClassVar[Mapping[str, str]] = {"0": "NUMBER", "1": "FLOAT"}
    # Snowflake's reserved keywords (its "Reserved & limited keywords" page); sqlglot's Snowflake
    # generator quotes none of them.
    RESERVED_WORDS: ClassVar[frozenset[str]] = frozenset(
        """account all alter and any as between by case cast check column connect connection
        constraint create cross current current_date current_time current_timestamp current_user
        database delete distinct drop else exists false following for from full grant group
        gscluster having ilike in increment inner insert intersect into is issue join lateral left
        like localtime localtimestamp minus natural not null of on or order organization qualify
        regexp revoke right rlike row rows sample schema select set some start table tablesample
        then to trigger true try_cast union unique update using values view when whenever where
        with""".split()
    )

    def table_properties(self, stage: Stage) -> list[exp.Expression]:
        return [exp.ClusterProperty(expressions=[exp.column(c) for c in stage.sort_key])]
