"""Shared fixtures: a moved clock, a database per backend, a service context with the demo deployed.

The integration tier runs on SQLite and on PostgreSQL; the other tiers on SQLite, or on PostgreSQL under
KETENFLOW_TEST_BACKEND=postgresql (``make test-postgres``; tests/databases.py). PostgreSQL comes from
KETENFLOW_TEST_DATABASE_URL (default: the local server); when it cannot be reached those tests fail loudly —
they never skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.databases import (
    INTEGRATION_BACKENDS,
    ON_POSTGRES,
    POSTGRES_URL,
    Snapshot,
    build_snapshot,
    cheap_password_hashing,
    empty_postgres_database_url,
    ensure_postgres_database,
    truncate,
)
from tests.factories import START, make_context
from webapp.domain.clock import ManualClock
from webapp.persistence.db import Database
from webapp.persistence.models import Base
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    ensure_postgres_database(POSTGRES_URL)
    database = Database(POSTGRES_URL)
    Base.metadata.drop_all(database.engine)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


def _new_sqlite(path: Path) -> Database:
    database = Database(f"sqlite:///{path}")
    database.create_all()
    return database


@pytest.fixture(params=INTEGRATION_BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A clean database of each backend (a fresh SQLite file; PostgreSQL truncated). With ``any_ctx`` the
    demo snapshot brings the tables and rows itself, so they are not made twice."""
    cloned = "any_ctx" in request.fixturenames
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
        if not cloned:
            database.create_all()
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("postgres_database")
        if not cloned:
            truncate(database)
        yield database


@pytest.fixture
def backend_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A clean database of the suite's backend: a fresh SQLite file, or PostgreSQL truncated."""
    if ON_POSTGRES:
        database = request.getfixturevalue("postgres_database")
        truncate(database)
        yield database
    else:
        database = _new_sqlite(tmp_path / "test.db")
        yield database
        database.dispose()


@pytest.fixture
def fresh_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database of the suite's backend, for the command-line tests that create and migrate one.

    `ketenflow` leaves closing its connections to the end of its process; the test process lives on, so the
    contexts the command builds are kept and closed here (psycopg warns when it collects an open one)."""
    from webapp import build_context, cli

    built: list[ServiceContext] = []

    def build_and_keep(*args: Any, **kwargs: Any) -> ServiceContext:
        built.append(build_context(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(cli, "build_context", build_and_keep)
    yield empty_postgres_database_url("cli") if ON_POSTGRES else f"sqlite:///{tmp_path / 'cli.db'}"
    for context in built:
        context.db.dispose()


def _deploy_and_seed(database: Database) -> None:
    context = make_context(database, ManualClock(START))
    assert deploy_directory(context).ok
    seed_demo(context)


@pytest.fixture(scope="session")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The demo deployed and seeded once per session into a SQLite file, copied for every test."""
    workdir = tmp_path_factory.mktemp("demo")
    return build_snapshot("demo", _new_sqlite(workdir / "build.db"), workdir, _deploy_and_seed)


@pytest.fixture(scope="session")
def postgres_demo(postgres_database: Database, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The same on PostgreSQL, kept in a schema of its own and restored for every test."""
    truncate(postgres_database)
    return build_snapshot("demo", postgres_database, tmp_path_factory.mktemp("demo"), _deploy_and_seed)


def _demo_context(request: pytest.FixtureRequest, database: Database, clock: ManualClock) -> ServiceContext:
    snapshot: Snapshot = request.getfixturevalue("postgres_demo" if database.is_postgres else "sqlite_demo")
    snapshot.restore(database)
    return make_context(database, clock)


@pytest.fixture
def ctx(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock) -> Iterator[ServiceContext]:
    """The demo deployed and seeded on the suite's backend (SQLite by default: fast for the process and web
    tiers)."""
    if ON_POSTGRES:
        yield _demo_context(request, request.getfixturevalue("postgres_database"), clock)
        return
    database = Database(f"sqlite:///{tmp_path / 'demo.db'}")  # the copied snapshot brings the tables
    yield _demo_context(request, database, clock)
    database.dispose()


@pytest.fixture
def any_ctx(request: pytest.FixtureRequest, database: Database, clock: ManualClock) -> ServiceContext:
    """The same, once on each backend of the integration tier."""
    return _demo_context(request, database, clock)


pytest_plugins = ["tests.proef"]


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost is slow on purpose; see tests/databases.py."""
    cheap_password_hashing(monkeypatch)
