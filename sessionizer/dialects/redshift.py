"""Redshift: no CREATE OR REPLACE TABLE, DISTKEY/SORTKEY, and DELETE+INSERT in a transaction.

Redshift's MERGE takes neither a subquery source nor a target alias, so upserts here are
delete+insert, which Redshift runs well inside one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlglot import exp

from sessionizer.dialects import Dialect, engine_words
from sessionizer.targets import Target, coerce_option

if TYPE_CHECKING:
    from sessionizer.plan import Stage


# The fields of a server error worth showing, in order: message, detail, hint (PostgreSQL's
# protocol, which Redshift speaks).
_FIELDS = (("M", ""), ("D", "; "), ("H", "; hint: "))


class Redshift(Dialect):
    name: ClassVar[str] = "redshift"
    sqlglot_dialect: ClassVar[str] = "redshift"
    SCHEMES: ClassVar[tuple[str, ...]] = ("redshift",)
    SECRET_ENV: ClassVar[tuple[str, ...]] = ("REDSHIFT_PASSWORD",)
    LOGIN_OPTIONS: ClassVar[tuple[str, ...]] = ("password", "iam", "credentials_provider")
    CREDENTIALS_HINT: ClassVar[str] = "set REDSHIFT_PASSWORD, or add iam=true (and the connector's IAM keys) to the URL"
    EXTRA: ClassVar[str | None] = "redshift"
    DBT_ADAPTER: ClassVar[str | None] = "redshift"
    DEFAULT_PORT: ClassVar[int | None] = 5439
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = False
    NOW_UTC: ClassVar[str] = "GETDATE()"
    CTE_HINTS: ClassVar[bool] = False
    # TIMESTAMPTZ, by its type OID (redshift_connector.utils.oids.RedshiftOID).
    ZONED_TYPES: ClassVar[frozenset[str]] = frozenset({"1184"})

    def table_properties(self, stage: Stage) -> list[exp.Expression]:
        return [
            exp.DistKeyProperty(this=exp.to_identifier(stage.dist_key)),
            exp.SortKeyProperty(this=[exp.to_identifier(c) for c in stage.sort_key], compound=False),
        ]

    def error_text(self, err: BaseException) -> str:
        """redshift_connector shows a server error as its dict of fields ({'M': message, 'H':
        hint, …}) and a network failure as (what, OSError): the words, taken from either."""
        words: list[str] = []
        for arg in err.args:
            if isinstance(arg, dict):
                words.append("".join(f"{label}{arg[key]}" for key, label in _FIELDS if arg.get(key)))
            elif isinstance(arg, OSError):
                words.append(arg.strerror or str(arg))
            else:
                words.append(str(arg))
        return engine_words(": ".join(words)) if words else super().error_text(err)

    def connect(self, target: Target) -> Any:
        redshift_connector = self.driver("redshift_connector")
        kwargs: dict[str, Any] = {k: coerce_option(v) for k, v in target.options.items()}
        kwargs.update(
            host=target.host, port=target.port or self.DEFAULT_PORT, user=target.user, database=target.database or "dev"
        )
        if password := self.password(target):
            kwargs["password"] = password
        con = redshift_connector.connect(**kwargs)
        con.autocommit = True
        return con
