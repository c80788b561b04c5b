"""Shared fixtures: one Snowflake and one Redshift emulator per test session (the latter's PostgreSQL
also serves the PostgreSQL tests), fresh names per test; and the markers that follow from them
(see ``pytest_collection_modifyitems``)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import is_hypothesis_test, settings

from tests.emulators.base import Emulator, Place
from tests.emulators.postgres import PostgresEmulator
from tests.emulators.redshift import RedshiftEmulator
from tests.emulators.snowflake import SnowflakeEmulator
from tests.helpers import BIGQUERY_ON_DUCKDB, DUCKDB, Engine, postgres_engine, using
from tests.scenarios import DbApiWarehouse, duckdb_warehouse

pytest_plugins = ("pytester",)  # tests/test_layout.py runs pytest on a probe file

_names = itertools.count(1)
# fakesnow answers statements it cannot run with HTTP 500, which the connector retries until
# this timeout: a short one turns such a failure into an error in seconds instead of minutes.
NETWORK_TIMEOUT_S = 15


@pytest.fixture(scope="session")
def snowflake_emulator() -> Iterator[SnowflakeEmulator]:
    """fakesnow's server in a child process, stopped by pid however the session ends."""
    with SnowflakeEmulator(network_timeout=NETWORK_TIMEOUT_S) as emu:
        yield emu


@pytest.fixture(scope="session")
def redshift_emulator() -> Iterator[RedshiftEmulator]:
    """PostgreSQL behind the Redshift wire proxy, stopped by pid however the session ends."""
    with RedshiftEmulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def postgres_emulator(redshift_emulator: RedshiftEmulator) -> PostgresEmulator:
    """PostgreSQL itself: the server behind the Redshift emulator, reached directly with psycopg
    (one server per session for both)."""
    return PostgresEmulator(redshift_emulator.postgres)


@pytest.fixture(params=["duckdb", "postgres", "bigquery-sql-on-duckdb"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Each test using it runs on DuckDB, on PostgreSQL, and as BigQuery's SQL translated back to
    DuckDB (tests.helpers.using)."""
    if request.param == "postgres":
        chosen = postgres_engine(request.getfixturevalue("postgres_emulator").connect)
    else:
        chosen = DUCKDB if request.param == "duckdb" else BIGQUERY_ON_DUCKDB
    with using(chosen):
        yield chosen


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


@pytest.fixture(params=["snowflake", "redshift", "postgres"])
def emulator_place(request: pytest.FixtureRequest, fresh_name: str, monkeypatch: pytest.MonkeyPatch) -> Place:
    """A place of its own on each emulator in turn, with the password where sessionizer reads it:
    a fresh database on Snowflake's, a fresh schema on Redshift's and PostgreSQL's (trust auth
    takes any password)."""
    emulator: Emulator = request.getfixturevalue(f"{request.param}_emulator")
    for key, value in emulator.password_env.items():
        monkeypatch.setenv(key, value)
    return Place(emulator, emulator.database_for_test(), fresh_name)


# A test that uses one of these fixtures talks to an emulator.
EMULATOR_FIXTURES = frozenset({"snowflake_emulator", "redshift_emulator", "postgres_emulator", "emulator_place"})


def runs_long(item: pytest.Item) -> bool:
    """Property tests and emulator tests: the long ones. Under pytest-xdist they go first, since
    workers are handed tests in collection order and one of them started last would keep a
    single worker busy after the others are done."""
    return item.get_closest_marker("emulator") is not None or is_hypothesis_test(getattr(item, "obj", None))


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by these markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``emulator`` from the fixtures a test uses, so no test has to remember it; under
    pytest-xdist, put the long tests first (:func:`runs_long`); leave out ``slow`` tests unless
    the ``-m`` expression names them (``-m slow``, ``-m "slow or not slow"``)."""
    for item in items:
        if EMULATOR_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.emulator)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: not runs_long(item))
    if "slow" in (config.option.markexpr or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


# Property tests: hundreds of examples by default; `--hypothesis-profile=ci-long` for thousands.
settings.register_profile("default", max_examples=200, deadline=None, print_blob=True)
settings.register_profile("ci-long", max_examples=3000, deadline=None, print_blob=True)
settings.load_profile("default")
