"""The scenarios of test_warehouses.py against real accounts, when credentials are in the environment.

Snowflake: SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_DATABASE,
SNOWFLAKE_WAREHOUSE (optional SNOWFLAKE_ROLE).
Redshift: REDSHIFT_HOST, REDSHIFT_USER, REDSHIFT_PASSWORD, REDSHIFT_DATABASE (optional
REDSHIFT_PORT, default 5439).
BigQuery: BIGQUERY_PROJECT, with application default credentials or GOOGLE_APPLICATION_CREDENTIALS
(and `pip install 'sessionizer[bigquery]'`).

Each test writes into a schema of its own and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.scenarios import (
    DbApiWarehouse,
    Scenario,
    bigquery_warehouse,
    redshift_warehouse,
    refuses_changed_settings,
    snowflake_warehouse,
)

pytestmark = pytest.mark.live

SNOWFLAKE_ENV = (
    "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_PASSWORD",
    "SNOWFLAKE_DATABASE",
    "SNOWFLAKE_WAREHOUSE",
)
REDSHIFT_ENV = ("REDSHIFT_HOST", "REDSHIFT_USER", "REDSHIFT_PASSWORD", "REDSHIFT_DATABASE")
# BigQuery: the project; credentials are the application default ones or GOOGLE_APPLICATION_CREDENTIALS.
BIGQUERY_ENV = ("BIGQUERY_PROJECT",)


def _require(names: tuple[str, ...]) -> dict[str, str]:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        pytest.skip(f"live test: set {', '.join(missing)}")
    return {n: os.environ[n] for n in names}


def _schema_name() -> str:
    return f"sessionizer_test_{uuid.uuid4().hex[:12]}"


def _dropping_schema(warehouse: DbApiWarehouse) -> Iterator[DbApiWarehouse]:
    try:
        yield warehouse
    finally:
        try:
            warehouse.execute(f"DROP SCHEMA IF EXISTS {warehouse.schema} CASCADE")
        finally:
            warehouse.close()


@pytest.fixture
def live_snowflake() -> Iterator[DbApiWarehouse]:
    env = _require(SNOWFLAKE_ENV)
    schema = _schema_name()
    options = {"warehouse": env["SNOWFLAKE_WAREHOUSE"]}
    connect_kwargs: dict[str, Any] = {
        "account": env["SNOWFLAKE_ACCOUNT"], "user": env["SNOWFLAKE_USER"],
        "password": env["SNOWFLAKE_PASSWORD"], "warehouse": env["SNOWFLAKE_WAREHOUSE"],
    }  # fmt: skip
    if os.environ.get("SNOWFLAKE_ROLE"):
        options["role"] = connect_kwargs["role"] = os.environ["SNOWFLAKE_ROLE"]
    url = (
        f"snowflake://{quote(env['SNOWFLAKE_USER'], safe='')}@{env['SNOWFLAKE_ACCOUNT']}"
        f"/{quote(env['SNOWFLAKE_DATABASE'], safe='')}/{schema}?{urlencode(options)}"
    )
    yield from _dropping_schema(snowflake_warehouse(url, connect_kwargs, env["SNOWFLAKE_DATABASE"], schema))


@pytest.fixture
def live_redshift() -> Iterator[DbApiWarehouse]:
    env = _require(REDSHIFT_ENV)
    schema = _schema_name()
    port = int(os.environ.get("REDSHIFT_PORT") or 5439)
    connect_kwargs: dict[str, Any] = {
        "host": env["REDSHIFT_HOST"], "port": port, "user": env["REDSHIFT_USER"],
        "password": env["REDSHIFT_PASSWORD"], "database": env["REDSHIFT_DATABASE"],
    }  # fmt: skip
    url = (
        f"redshift://{quote(env['REDSHIFT_USER'], safe='')}@{env['REDSHIFT_HOST']}:{port}"
        f"/{quote(env['REDSHIFT_DATABASE'], safe='')}/{schema}"
    )
    yield from _dropping_schema(redshift_warehouse(url, connect_kwargs, schema))


@pytest.fixture
def live_bigquery() -> Iterator[DbApiWarehouse]:
    env = _require(BIGQUERY_ENV)
    pytest.importorskip("google.cloud.bigquery", reason="live test: pip install 'sessionizer[bigquery]'")
    dataset = _schema_name()
    url = f"bigquery://{env['BIGQUERY_PROJECT']}/{dataset}"
    yield from _dropping_schema(bigquery_warehouse(url, env["BIGQUERY_PROJECT"], dataset))


LIVE = ["live_snowflake", "live_redshift", "live_bigquery"]


@pytest.mark.parametrize("name", LIVE)
def test_live_full_refresh_then_incremental_batches_match_duckdb(
    name: str, request: pytest.FixtureRequest, duckdb_reference: DbApiWarehouse
) -> None:
    warehouse: DbApiWarehouse = request.getfixturevalue(name)
    Scenario(warehouse, duckdb_reference).run_all()


@pytest.mark.parametrize("name", LIVE)
def test_live_changed_settings_refuse_naming_full_refresh(name: str, request: pytest.FixtureRequest) -> None:
    warehouse: DbApiWarehouse = request.getfixturevalue(name)
    refuses_changed_settings(warehouse)
