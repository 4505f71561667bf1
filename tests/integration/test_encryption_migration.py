"""Migration 0006 on SQLite and PostgreSQL: existing plain rows are encrypted in place (the tables that
become TEXT keep their rows and the references to them), the application reads them, and the downgrade
gives the plain values back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, insert, inspect, select, text

from webapp.config import PROJECT_ROOT
from webapp.persistence.crypto import DEVELOPMENT_DATA_KEYS, DataKeyring
from webapp.persistence.db import Database
from webapp.persistence.models import (
    Base,
    BreakGlass,
    Comment,
    HumanTask,
    Job,
    ProcessInstance,
    RegisterEntry,
    User,
)

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
DRAFT = {"omschrijving": "Concept over Hiltje Doornbosch"}
FIELDS = {"client_naam": "Hiltje Doornbosch", "client_geboortedatum": "2012-07-08"}
TEXTS = {
    "serialization": '{"data": {"client_naam": "Hiltje Doornbosch"}}',
    "instance_error": "ValueError: 'Hiltje Doornbosch' is geen datum",
    "job_error": "TypeError bij Doornbosch",
    "comment": "Vader Doornbosch belt terug",
    "reason": "Spoedtoegang voor Doornbosch",
    "totp": "JBSWY3DPEHPK3PXPDOORNBOSCH234567",
}


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "webapp" / "persistence" / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["ketenflow_keyring"] = DataKeyring.from_setting(DEVELOPMENT_DATA_KEYS)
    return config


@pytest.fixture
def empty_url(database: Database, tmp_path: Path) -> Iterator[str]:
    """A database without tables (PostgreSQL: the session's schema, restored afterwards)."""
    if not database.is_postgres:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    Base.metadata.drop_all(database.engine)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    try:
        yield database.url
    finally:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        Base.metadata.drop_all(database.engine)
        Base.metadata.create_all(database.engine)


def _seed_plain_rows(database: Database) -> None:
    tables = MetaData()
    with database.engine.begin() as connection:
        tables.reflect(connection)

        def add(table_name: str, /, **values: Any) -> None:
            connection.execute(insert(tables.tables[table_name]).values(id=1, **values))

        add("organisation", code="weert", name="Gemeente Weert", kind="gemeente")
        user = {"display_name": "U", "password_hash": "x", "active": True, "language": "nl"}
        add("app_user", username="u", created_at=NOW, totp_secret=TEXTS["totp"], **user)
        bundle = {"bpmn": {}, "dmn": {}, "forms": {}, "start_role": "professional", "active": True}
        add(
            "process_definition",
            process_id="p",
            version=1,
            name="P",
            sha256="0" * 64,
            deployed_at=NOW,
            **bundle,
        )
        common = {"organisation_id": 1, "status": "running", "version": 1, "started_at": NOW}
        add(
            "process_instance",
            definition_id=1,
            serialization=TEXTS["serialization"],
            last_error=TEXTS["instance_error"],
            **common,
        )
        task = {"spiff_task_id": "t", "bpmn_id": "b", "name": "n", "role": "professional", "instructions": ""}
        add("human_task", instance_id=1, organisation_id=1, state="open", created_at=NOW, draft=DRAFT, **task)
        add("comment", instance_id=1, task_id=1, author_id=1, body=TEXTS["comment"], created_at=NOW)
        add("job", kind="timer", instance_id=1, due_at=NOW, attempts=1, last_error=TEXTS["job_error"])
        entry = {"kind": "case", "instance_id": 1, "organisation_id": 1, "opened_at": NOW, "updated_at": NOW}
        add("register_entry", fields=FIELDS, **entry)
        add(
            "break_glass",
            user_id=1,
            organisation_id=1,
            case_reference="C",
            reason=TEXTS["reason"],
            **{
                "started_at": NOW,
                "expires_at": NOW,
            },
        )


def _read(database: Database) -> list[Any]:
    with database.read() as session:
        return [
            session.scalar(select(ProcessInstance.serialization)),
            session.scalar(select(ProcessInstance.last_error)),
            session.scalar(select(Job.last_error)),
            session.scalar(select(Comment.body)),
            session.scalar(select(BreakGlass.reason)),
            session.scalar(select(User.totp_secret)),
            session.scalar(select(HumanTask.draft)),
            session.scalar(select(RegisterEntry.fields)),
        ]


def _raw_rows(database: Database) -> str:
    with database.engine.connect() as connection:
        tables = ["app_user", "process_instance", "human_task", "job", "comment", "register_entry"]
        tables.append("break_glass")
        return repr([connection.execute(text(f"SELECT * FROM {table}")).all() for table in tables])  # noqa: S608


def test_migration_0006_encrypts_existing_rows_and_the_downgrade_decrypts_them(empty_url: str) -> None:
    config = _config(empty_url)
    command.upgrade(config, "0005")
    plain = Database(empty_url)
    try:
        _seed_plain_rows(plain)
        assert "Doornbosch" in _raw_rows(plain)
        command.upgrade(config, "0006")
        plain.dispose()
        stored = _raw_rows(plain)
        assert "Doornbosch" not in stored and "JBSWY3DP" not in stored and "kf1:dev:" in stored
        expected = [
            TEXTS["serialization"],
            TEXTS["instance_error"],
            TEXTS["job_error"],
            TEXTS["comment"],
            TEXTS["reason"],
            TEXTS["totp"],
            DRAFT,
            FIELDS,
        ]
        assert _read(plain) == expected
        with plain.engine.connect() as connection:  # the rebuilt task table kept its comment's reference
            assert connection.execute(text("SELECT task_id FROM comment")).scalar() == 1

        command.downgrade(config, "0005")
        plain.dispose()
        stored = _raw_rows(plain)
        assert "kf1:" not in stored and "Doornbosch" in stored and TEXTS["totp"] in stored
    finally:
        plain.dispose()


def test_migration_0012_drops_the_copied_instructions_and_keeps_every_task_and_its_comments(
    empty_url: str,
) -> None:
    config = _config(empty_url)
    command.upgrade(config, "0005")
    database = Database(empty_url)
    try:
        _seed_plain_rows(database)
        command.upgrade(config, "head")
        database.dispose()
        with database.engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns("human_task")}
            assert "instructions" not in columns and "draft" in columns
            assert connection.execute(text("SELECT count(*) FROM human_task")).scalar() == 1
            assert connection.execute(text("SELECT task_id FROM comment")).scalar() == 1
    finally:
        database.dispose()
