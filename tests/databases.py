"""The test databases: which backend the suite runs on, and seeded states that are built once and cloned.

``KETENFLOW_TEST_BACKEND`` chooses the backend of every fixture that would otherwise make a SQLite file:
``sqlite`` (the default, fast) or ``postgresql`` (``make test-postgres``: the database named by
``KETENFLOW_TEST_DATABASE_URL``). The integration tier's ``database`` fixture runs both backends under the
default and only PostgreSQL under ``postgresql``; tests about SQLite itself (its file, PRAGMA, its planner
statistics) ask for SQLite explicitly with ``SQLITE_TOO``.

Deploying and seeding the demo costs more than copying its result, so a seeded state is built once per
session and cloned per test: a SQLite file is copied (5 ms against 55-125 ms for create, deploy and seed);
on PostgreSQL the rows are kept in a schema of their own and put back, sequences included, by one
server-side function (3-7 ms; truncate, deploy and seed took 130-260 ms, and a template database per test
68 ms, leaving databases behind when a run is interrupted).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webapp.persistence.db import Database
from webapp.persistence.models import Base

BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("KETENFLOW_TEST_BACKEND", "sqlite")
if BACKEND not in BACKENDS:
    raise pytest.UsageError(f"KETENFLOW_TEST_BACKEND must be one of {BACKENDS}, not {BACKEND!r}")
ON_POSTGRES = BACKEND == "postgresql"
POSTGRES_URL = os.environ.get(
    "KETENFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ketenflow_test"
)
# The integration tier's backends: both by default; under the switch only PostgreSQL.
INTEGRATION_BACKENDS = ["postgresql"] if ON_POSTGRES else ["sqlite", "postgresql"]
# For the few tests that check SQLite itself (its file bytes, PRAGMA, sqlite_stat1) next to PostgreSQL:
# they keep their SQLite run under KETENFLOW_TEST_BACKEND=postgresql.
SQLITE_TOO = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


def cheap_password_hashing(patch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost takes a third of a second per login here; tests log in a lot.
    The parameters travel inside each hash, so checking stays the real argon2 code path."""
    from argon2 import PasswordHasher

    from webapp.services import users

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    patch.setattr(users, "_hasher", cheap)
    patch.setattr(users, "_DUMMY_HASH", cheap.hash("ketenflow-dummy-password"))


def _admin_engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def ensure_postgres_database(url: str) -> None:
    """Create the database when it is missing; an unreachable server fails the test, it never skips."""
    target = make_url(url)
    admin = _admin_engine(url)
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as error:
        pytest.fail(f"PostgreSQL is required and is not reachable at {url}: {error}")
    finally:
        admin.dispose()


def empty_postgres_database_url(suffix: str) -> str:
    """A new, empty database next to the suite's own (for the command-line tests that migrate one)."""
    target = make_url(POSTGRES_URL)
    name = f"{target.database}_{suffix}"
    admin = _admin_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        pytest.fail(f"PostgreSQL is required and is not reachable at {POSTGRES_URL}: {error}")
    finally:
        admin.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


def sqlite_file(url: str) -> Path:
    return Path(make_url(url).database or "")


# Emptying by DELETE, without the foreign-key triggers, measured 2 ms against 55 ms for TRUNCATE, which gives
# every table and index a new file and syncs it; the tests' tables hold a few hundred rows at most.
_DELETES = [f'DELETE FROM public."{t.name}";' for t in Base.metadata.sorted_tables]  # noqa: S608
_EMPTY = "SET LOCAL session_replication_role = replica;\n" + "\n".join(_DELETES)
_RESTART_SEQUENCES = (
    "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass, 1, false) "
    "FROM pg_sequences WHERE schemaname = 'public'"
)


def truncate(database: Database) -> None:
    """Empty every table of the suite's PostgreSQL database and restart its ids."""
    with database.engine.begin() as connection:
        connection.exec_driver_sql(f"{_EMPTY}\n{_RESTART_SEQUENCES}")


class Snapshot:
    """A database state saved once and put back into a database of the same backend before each test."""

    def __init__(self, name: str, source: Database, workdir: Path) -> None:
        self.name = name
        self.postgres = source.is_postgres
        if self.postgres:
            self._save_postgres(source)
        else:
            with source.engine.begin() as connection:  # one file to copy: fold the WAL into it
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            source.dispose()
            self.file = workdir / f"{name}.db"
            shutil.copyfile(sqlite_file(source.url), self.file)

    def restore(self, target: Database) -> None:
        if self.postgres:
            with target.engine.begin() as connection:
                connection.exec_driver_sql(f'SELECT "{self.schema}".restore()')
            return
        target.dispose()  # the pool reconnects to the copied file on the next use
        path = sqlite_file(target.url)
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.file, path)

    @property
    def schema(self) -> str:
        return f"snapshot_{self.name}"

    def _save_postgres(self, source: Database) -> None:
        """Copy every table into the snapshot's schema, and write the function that restores them: one
        round trip per test. Ids and sequences come back as they were, so every clone numbers alike."""
        # Names below come from the models' metadata and the catalogue, never from input.
        tables = [t.name for t in Base.metadata.sorted_tables]
        schema = self.schema
        with source.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            filled = []
            for table in tables:
                connection.exec_driver_sql(f'CREATE TABLE "{schema}"."{table}" AS TABLE public."{table}"')
                if connection.exec_driver_sql(f'SELECT 1 FROM "{schema}"."{table}" LIMIT 1').first():  # noqa: S608
                    filled.append(table)
            sequences = connection.exec_driver_sql(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            ).all()
            body = ["PERFORM set_config('session_replication_role', 'replica', true);"]
            body += _DELETES
            body += [f'INSERT INTO public."{t}" SELECT * FROM "{schema}"."{t}";' for t in filled]  # noqa: S608
            body += [
                f"PERFORM setval('public.\"{name}\"', {value});"
                if value is not None
                else f"PERFORM setval('public.\"{name}\"', 1, false);"
                for name, value in sequences
            ]
            statements = "\n".join(body)  # dollar-quoted below: no quotes to escape
            connection.exec_driver_sql(
                f'CREATE FUNCTION "{schema}".restore() RETURNS void LANGUAGE plpgsql AS $restore$\n'
                f"BEGIN\n{statements}\nEND\n$restore$"
            )


def build_snapshot(
    name: str, database: Database, workdir: Path, fill: Callable[[Database], None]
) -> Snapshot:
    """Fill ``database`` (empty, schema created) with ``fill`` under cheap hashing and save it."""
    with pytest.MonkeyPatch.context() as patch:
        cheap_password_hashing(patch)
        fill(database)
    return Snapshot(name, database, workdir)
