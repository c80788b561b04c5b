"""Shared fixtures: one Snowflake and one Redshift emulator per test session, fresh names per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.redshift_emulator import RedshiftEmulator
from tests.scenarios import DbApiWarehouse, duckdb_warehouse
from tests.snowflake_emulator import SnowflakeEmulator

_names = itertools.count(1)
# fakesnow answers statements it cannot run with HTTP 500, which the connector retries until
# this timeout: a short one turns such a failure into an error in seconds instead of minutes.
NETWORK_TIMEOUT_S = 15


@pytest.fixture(scope="session")
def snowflake_emulator() -> Iterator[SnowflakeEmulator]:
    """fakesnow's server in a child process, stopped by pid however the session ends."""
    with SnowflakeEmulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def redshift_emulator() -> Iterator[RedshiftEmulator]:
    """PostgreSQL behind the Redshift wire proxy, stopped by pid however the session ends."""
    with RedshiftEmulator() as emu:
        yield emu


@pytest.fixture
def duckdb_reference(tmp_path: Path) -> Iterator[DbApiWarehouse]:
    """A DuckDB file that gets the same loads and runs: what the warehouses are compared with."""
    warehouse = duckdb_warehouse(tmp_path / "reference.duckdb")
    yield warehouse
    warehouse.close()


@pytest.fixture
def fresh_name() -> str:
    """A schema (or database) name no other test of this session uses."""
    return f"t{os.getpid()}_{next(_names)}"


@dataclass(frozen=True)
class SnowflakePlace:
    """Where one test writes on the Snowflake emulator: its own database."""

    emulator: SnowflakeEmulator
    database: str
    schema: str

    @property
    def url(self) -> str:
        return self.emulator.url(database=self.database, schema=self.schema, network_timeout=NETWORK_TIMEOUT_S)

    @property
    def connect_kwargs(self) -> dict[str, Any]:
        return {**self.emulator.connect_kwargs, "network_timeout": NETWORK_TIMEOUT_S}


@dataclass(frozen=True)
class RedshiftPlace:
    """Where one test writes on the Redshift emulator: its own schema."""

    emulator: RedshiftEmulator
    schema: str

    @property
    def url(self) -> str:
        return self.emulator.url(schema=self.schema)


@pytest.fixture
def snowflake_place(
    snowflake_emulator: SnowflakeEmulator, fresh_name: str, monkeypatch: pytest.MonkeyPatch
) -> SnowflakePlace:
    """A fresh database on the Snowflake emulator, and the password the driver needs."""
    for key, value in snowflake_emulator.password_env.items():
        monkeypatch.setenv(key, value)
    return SnowflakePlace(snowflake_emulator, snowflake_emulator.fresh_database(), fresh_name)


@pytest.fixture
def redshift_place(
    redshift_emulator: RedshiftEmulator, fresh_name: str, monkeypatch: pytest.MonkeyPatch
) -> RedshiftPlace:
    """A fresh schema on the Redshift emulator (trust auth: any password is accepted)."""
    monkeypatch.setenv("REDSHIFT_PASSWORD", redshift_emulator.password)
    return RedshiftPlace(redshift_emulator, fresh_name)


# Property tests: hundreds of examples by default; `--hypothesis-profile=ci-long` for thousands.
settings.register_profile("default", max_examples=200, deadline=None, print_blob=True)
settings.register_profile("ci-long", max_examples=3000, deadline=None, print_blob=True)
settings.load_profile("default")
