"""Redshift: no CREATE OR REPLACE TABLE, DISTKEY/SORTKEY, and DELETE+INSERT in a transaction.

Redshift's MERGE takes neither a subquery source nor a target alias, so upserts here are
delete+insert, which Redshift runs well inside one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from sessionizer.dialects import Dialect
from sessionizer.lazy import exp

if TYPE_CHECKING:
    from sessionizer.plan import Stage


class Redshift(Dialect):
    name: ClassVar[str] = "redshift"
    sqlglot_dialect: ClassVar[str] = "redshift"
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = False
    NOW_UTC: ClassVar[str] = "GETDATE()"
    CTE_HINTS: ClassVar[bool] = False
    # TIMESTAMPTZ, by its type OID (redshift_connector.utils.oids.RedshiftOID).
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset({"1184"})
    # text, varchar, bpchar; the numbers by OID (pg_type).
    TEXT_TYPES: ClassVar[frozenset[str]] = frozenset({"25", "1043", "1042"})
    NUMERIC_TYPES: ClassVar[Mapping[str, str]] = {
        "20": "bigint", "21": "smallint", "23": "integer", "700": "real", "701": "double precision", "1700": "numeric",
    }  # fmt: skip

    def table_properties(self, stage: Stage) -> list[exp.Expression]:
        return [
            exp.DistKeyProperty(this=exp.to_identifier(stage.dist_key)),
            exp.SortKeyProperty(this=[exp.to_identifier(c) for c in stage.sort_key], compound=False),
        ]
