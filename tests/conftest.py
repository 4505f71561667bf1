"""Shared fixtures: a moved clock, a database per backend, a service context with the demo deployed.

The integration tier runs on SQLite and on PostgreSQL. PostgreSQL comes from KETENFLOW_TEST_DATABASE_URL
(default: the local server); when it cannot be reached those tests fail loudly — they never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.factories import START, make_context
from webapp.domain.clock import ManualClock
from webapp.persistence.db import Database
from webapp.persistence.models import Base
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo

POSTGRES_URL = os.environ.get(
    "KETENFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ketenflow_test"
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _ensure_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as error:
        pytest.fail(f"PostgreSQL is required for the integration tier and is not reachable at {url}: {error}")
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    _ensure_postgres_database(POSTGRES_URL)
    database = Database(POSTGRES_URL)
    Base.metadata.drop_all(database.engine)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


def _truncate(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A clean database of each backend (a fresh SQLite file; PostgreSQL truncated)."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
        database.create_all()
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("postgres_database")
        _truncate(database)
        yield database


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def ctx(sqlite_database: Database, clock: ManualClock) -> ServiceContext:
    """The demo deployed and seeded on SQLite (the fast default for the process and web tiers)."""
    context = make_context(sqlite_database, clock)
    assert deploy_directory(context).ok
    seed_demo(context)
    return context


@pytest.fixture
def any_ctx(database: Database, clock: ManualClock) -> ServiceContext:
    """The same, once on SQLite and once on PostgreSQL."""
    context = make_context(database, clock)
    assert deploy_directory(context).ok
    seed_demo(context)
    return context


pytest_plugins = ["tests.proef"]


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost takes a third of a second per login here; tests log in a lot.
    The parameters travel inside each hash, so checking stays the real argon2 code path."""
    from argon2 import PasswordHasher

    from webapp.services import users

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", cheap)
    monkeypatch.setattr(users, "_DUMMY_HASH", cheap.hash("ketenflow-dummy-password"))
