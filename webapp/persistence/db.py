"""Database engines and the unit of work.

SQLite runs in WAL mode; a write unit of work starts with ``BEGIN IMMEDIATE`` so that two writers never
both read a row and then both try to upgrade their lock. PostgreSQL takes row locks (``FOR UPDATE``) instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from webapp.persistence.audit_log import discard_audit, flush_audit
from webapp.persistence.crypto import DEVELOPMENT_DATA_KEYS, DataKeyring, bind_keyring
from webapp.persistence.models import Base


def make_engine(url: str, *, manual_begin: bool = False, **kwargs: Any) -> Engine:
    """With ``manual_begin`` (SQLite only) the driver leaves transactions to us, so that ``Database`` can
    start write transactions with BEGIN IMMEDIATE; migrations use the driver's own handling.

    ``hide_parameters``: a database error names the statement but not its values, which can be names,
    addresses or (encrypted) case data; the worker logs such errors with their traceback."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine, manual_begin)
        return engine
    # pool_pre_ping: a connection the server closed (a restart, pg_terminate_backend) is replaced when it is
    # next taken from the pool, instead of failing the first statement of the request or worker round on it.
    return create_engine(url, pool_pre_ping=True, **kwargs)


def ensure_postgres_database(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` when it does not exist yet; True when it was created."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            if connection.scalar(query, {"name": target.database}):
                return False
            quoted = admin.dialect.identifier_preparer.quote(str(target.database))
            connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
            return True
    finally:
        admin.dispose()


def _configure_sqlite(engine: Engine, manual_begin: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if manual_begin:
            dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


class Database:
    def __init__(self, url: str, keyring: DataKeyring | None = None, **engine_kwargs: Any) -> None:
        """``keyring`` encrypts and decrypts the encrypted columns of this database only; the application
        passes the one from its settings (build_context), and without one tests get the development key."""
        self.url = url
        self.engine = make_engine(url, manual_begin=True, **engine_kwargs)
        self.keyring = keyring or DataKeyring.from_setting(DEVELOPMENT_DATA_KEYS)
        bind_keyring(self.engine, self.keyring)
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._sessions() as session:
            if self._sqlite:
                # Take the write lock now, not at the first write, so two writers never deadlock on upgrade.
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield session
                flush_audit(session)
                session.commit()
            except BaseException:
                discard_audit(session)
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            if self._sqlite:
                session.connection().exec_driver_sql("BEGIN")  # one consistent snapshot for the whole read
            try:
                yield session
            finally:
                session.rollback()

    def refresh_planner_statistics(self) -> None:
        """Let SQLite's planner know the tables' shapes (ANALYZE), as PostgreSQL's autovacuum does by itself:
        the managers' reports rely on index skip-scans that SQLite only picks with statistics. The analysis
        limit samples each index, so this takes well under a second even on a large database."""
        if not self._sqlite:
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            connection.exec_driver_sql("ANALYZE")

    def dispose(self) -> None:
        self.engine.dispose()
