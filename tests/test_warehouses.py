"""The end-to-end scenarios on Snowflake and Redshift, through their real drivers, against emulators.

Each test runs the same loads and runs on the emulator and on DuckDB, and after every run
compares the six tables and the rejected rows row for row (see tests/scenarios.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RedshiftPlace, SnowflakePlace
from tests.scenarios import (
    DbApiWarehouse,
    Scenario,
    redshift_warehouse,
    refuses_changed_settings,
    snowflake_warehouse,
)

pytestmark = pytest.mark.emulator


@pytest.fixture
def snowflake(snowflake_place: SnowflakePlace) -> Iterator[DbApiWarehouse]:
    warehouse = snowflake_warehouse(
        snowflake_place.url, snowflake_place.connect_kwargs, snowflake_place.database, snowflake_place.schema,
        timestamps_as_text=True,
    )  # fmt: skip
    yield warehouse
    warehouse.close()


@pytest.fixture
def redshift(redshift_place: RedshiftPlace) -> Iterator[DbApiWarehouse]:
    warehouse = redshift_warehouse(redshift_place.url, redshift_place.emulator.connect_kwargs, redshift_place.schema)
    yield warehouse
    warehouse.close()


@pytest.mark.parametrize("name", ["snowflake", "redshift"])
def test_full_refresh_then_incremental_batches_match_duckdb(
    name: str, request: pytest.FixtureRequest, duckdb_reference: DbApiWarehouse
) -> None:
    """(a) a full refresh of a few hundred rows, then (b) new, late, re-sent and identify batches."""
    warehouse: DbApiWarehouse = request.getfixturevalue(name)
    Scenario(warehouse, duckdb_reference).run_all()


@pytest.mark.parametrize("name", ["snowflake", "redshift"])
def test_changed_settings_refuse_naming_full_refresh(name: str, request: pytest.FixtureRequest) -> None:
    """(c) an incremental run with another inactivity_cutoff refuses and names --full-refresh."""
    warehouse: DbApiWarehouse = request.getfixturevalue(name)
    refuses_changed_settings(warehouse)
