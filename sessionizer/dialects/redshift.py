"""Redshift: no CREATE OR REPLACE TABLE, DISTKEY/SORTKEY, and DELETE+INSERT in a transaction.

Redshift's MERGE takes neither a subquery source nor a target alias, so upserts here are
delete+insert, which Redshift runs well inside one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlglot import exp

from sessionizer.dialects import Dialect
from sessionizer.targets import Target, coerce_option

if TYPE_CHECKING:
    from sessionizer.plan import Stage


class Redshift(Dialect):
    name: ClassVar[str] = "redshift"
    sqlglot_dialect: ClassVar[str] = "redshift"
    SCHEMES: ClassVar[tuple[str, ...]] = ("redshift",)
    SECRET_ENV: ClassVar[tuple[str, ...]] = ("REDSHIFT_PASSWORD",)
    CREDENTIALS_HINT: ClassVar[str] = "set REDSHIFT_PASSWORD (or write the password in the URL)"
    EXTRA: ClassVar[str | None] = "redshift"
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = False
    NOW_UTC: ClassVar[str] = "GETDATE()"
    CTE_HINTS: ClassVar[bool] = False

    def table_properties(self, stage: Stage) -> list[exp.Expression]:
        return [
            exp.DistKeyProperty(this=exp.to_identifier(stage.dist_key)),
            exp.SortKeyProperty(this=[exp.to_identifier(c) for c in stage.sort_key], compound=False),
        ]

    def connect(self, target: Target) -> Any:
        redshift_connector = self.driver("redshift_connector")
        kwargs: dict[str, Any] = {k: coerce_option(v) for k, v in target.options.items()}
        kwargs.update(host=target.host, port=target.port or 5439, user=target.user, database=target.database or "dev")
        if password := self.password(target):
            kwargs["password"] = password
        con = redshift_connector.connect(**kwargs)
        con.autocommit = True
        return con
