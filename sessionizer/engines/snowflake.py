"""Snowflake: an account reached with a password or a key pair, through snowflake-connector-python."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from sessionizer.engines import Engine, dbt_fields
from sessionizer.errors import TargetError
from sessionizer.targets import Target, coerce_option


class SnowflakeEngine(Engine):
    DIALECT: ClassVar[str] = "snowflake"
    SCHEMES: ClassVar[tuple[str, ...]] = ("snowflake",)
    URL_SHAPE: ClassVar[str] = "USER@ACCOUNT/DATABASE/SCHEMA"
    SECRET_ENV: ClassVar[tuple[str, ...]] = ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
    DBT_SECRETS: ClassVar[tuple[str, ...]] = ("password", "private_key_passphrase")
    LOGIN_ENV: ClassVar[tuple[str, ...]] = ("SNOWFLAKE_PRIVATE_KEY_PATH",)
    LOGIN_OPTIONS: ClassVar[tuple[str, ...]] = ("password", "authenticator", "token", "private_key_file")
    CREDENTIALS_HINT: ClassVar[str] = (
        "set SNOWFLAKE_PASSWORD, or for key-pair auth SNOWFLAKE_PRIVATE_KEY_PATH (and "
        "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if the key is encrypted)"
    )
    EXTRA: ClassVar[str | None] = "snowflake"
    DBT_ADAPTER: ClassVar[str | None] = "snowflake"

    @classmethod
    def from_dbt_output(cls, output: dict[str, Any], secrets: tuple[str, ...]) -> Target:
        """dbt-snowflake: password, or key-pair auth (private_key_path + private_key_passphrase)."""
        from urllib.parse import quote, urlencode

        account, user, database, schema = dbt_fields(output, cls.DIALECT, "account", "user", "database", "schema")
        shown = {k: str(output[k]) for k in ("warehouse", "role", "authenticator") if output.get(k)}
        options = dict(shown)
        if output.get("private_key_path"):
            options["private_key_file"] = shown["private_key_file"] = str(output["private_key_path"])
        passphrase = output.get("private_key_passphrase")
        if passphrase:
            options["private_key_file_pwd"] = str(passphrase)
        password = output.get("password")
        url = f"{cls.SCHEMES[0]}://{quote(user)}@{account}/{database}/{schema}" + (
            f"?{urlencode(shown)}" if shown else ""
        )
        hidden = tuple(str(v) for v in (password, passphrase) if v)
        return Target(cls.DIALECT, url, host=account, user=user, password=None if password is None else str(password),
                      database=database, schema=schema, options=options, secrets=(*secrets, *hidden))  # fmt: skip

    def check_credentials(self, target: Target) -> None:
        """Also a key file that is not there: the connector would report it as a bad key."""
        key_path = os.environ.get("SNOWFLAKE_PRIVATE_KEY_PATH")
        if key_path and not Path(key_path).is_file():
            raise TargetError(f"SNOWFLAKE_PRIVATE_KEY_PATH is {key_path!r}, which is not a file")
        super().check_credentials(target)

    def connect(self, target: Target, read_only: bool = False) -> Any:
        connector = self.driver("snowflake.connector")
        kwargs: dict[str, Any] = {k: coerce_option(v) for k, v in target.options.items()}
        kwargs.update(user=target.user, account=target.host, autocommit=True)
        if target.database:
            kwargs["database"] = target.database
        if target.schema:
            kwargs["schema"] = target.schema
        key_path = os.environ.get("SNOWFLAKE_PRIVATE_KEY_PATH")
        if key_path:
            kwargs["private_key_file"] = key_path
            if os.environ.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"):
                kwargs["private_key_file_pwd"] = os.environ["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"]
        elif password := self.password(target):
            kwargs["password"] = password
        return connector.connect(**kwargs)
