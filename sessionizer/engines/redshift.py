"""Redshift: a cluster reached with a password or IAM, through redshift_connector."""

from __future__ import annotations

from typing import Any, ClassVar

from sessionizer.engines import Engine, engine_words
from sessionizer.targets import Target, coerce_option

# The fields of a server error worth showing, in order: message, detail, hint (PostgreSQL's
# protocol, which Redshift speaks).
_FIELDS = (("M", ""), ("D", "; "), ("H", "; hint: "))


class RedshiftEngine(Engine):
    DIALECT: ClassVar[str] = "redshift"
    SCHEMES: ClassVar[tuple[str, ...]] = ("redshift",)
    SECRET_ENV: ClassVar[tuple[str, ...]] = ("REDSHIFT_PASSWORD",)
    LOGIN_OPTIONS: ClassVar[tuple[str, ...]] = ("password", "iam", "credentials_provider")
    CREDENTIALS_HINT: ClassVar[str] = "set REDSHIFT_PASSWORD, or add iam=true (and the connector's IAM keys) to the URL"
    EXTRA: ClassVar[str | None] = "redshift"
    DBT_ADAPTER: ClassVar[str | None] = "redshift"
    DEFAULT_PORT: ClassVar[int | None] = 5439

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

    def connect(self, target: Target, read_only: bool = False) -> Any:
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
