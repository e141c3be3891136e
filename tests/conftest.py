"""Settings every test shares."""

from __future__ import annotations

import os

# PTB 22 deprecates retry_after as a number; without this, building RetryAfter emits a
# PTBDeprecationWarning, which `pytest -W error` turns into a failure.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.db import database_at
from storage.sql import Database
from tests.postgres import Cluster

BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backends",
        default=",".join(BACKENDS),
        help="the databases the tests that take `db` or `db_target` run on (comma-separated)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the database runs once on each backend."""
    if "backend" in metafunc.fixturenames:
        chosen = [b for b in metafunc.config.getoption("backends").split(",") if b]
        unknown = set(chosen) - set(BACKENDS)
        if unknown:
            raise pytest.UsageError(f"unknown backends: {sorted(unknown)}")
        metafunc.parametrize("backend", chosen)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """The run's PostgreSQL server, started the first time a test needs it."""
    cluster = Cluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def db_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where the test's database is: a SQLite file, or a new PostgreSQL database's URL."""
    if backend == "sqlite":
        return tmp_path / "tawasul.sqlite3"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@pytest.fixture
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    """The test's database, open and migrated."""
    database = database_at(db_target)
    await database.open()
    yield database
    await database.close()
