"""Encryption at rest on SQLite and PostgreSQL: a case with distinctive personal values leaves none of them
readable in the raw database (SQLite: the file bytes and a dump; PostgreSQL: every text and json column read
with plain SQL), and after a key rotation everything decrypts with only the new key."""

from __future__ import annotations

import base64
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from tests.databases import SQLITE_TOO
from tests.factories import home_organisation, login
from tests.processes.test_case_intake import AUTHORITY, NAMED, PARTICIPANTS, PARTICIPANTS_TASK, do, task_id
from webapp.cli import main
from webapp.domain.clock import ManualClock
from webapp.persistence.crypto import DEVELOPMENT_DATA_KEYS, DataKeyring, DecryptionError
from webapp.persistence.db import Database
from webapp.persistence.key_rotation import encrypted_columns, rotate_keys
from webapp.persistence.models import (
    Base,
    BreakGlass,
    Comment,
    HumanTask,
    ProcessInstance,
    RegisterEntry,
    User,
)
from webapp.services import assignment, comments, instances, registers, tasks
from webapp.services.context import ServiceContext

CLIENT = "Quirijntje Zwanepoel"
BIRTH_DATE = "2011-03-14"
COMMENT = "Moeder Ysolde Brakkenburg belde over de schoolwisseling"
DRAFT = "Beoordeeld door Wubbo Ockelsema"
BREAK_GLASS = "Spoed: Quirijntje vermist volgens politie"
TOTP = "JBSWY3DPEHPK3PXPQZXWBTOTPGEHEIM7"
VALUES = [CLIENT, BIRTH_DATE, COMMENT, DRAFT, BREAK_GLASS, TOTP, "Zwanepoel", "Brakkenburg", "Ockelsema"]
NEW_KEYS = "k2:" + base64.b64encode(bytes(range(7, 39))).decode()


def _run_case(ctx: ServiceContext, clock: ManualClock) -> int:
    """A named case: client and birth date entered (task data and the case register), a comment, a draft on
    the next task, a break-glass reason and a confirmed second factor."""
    sanne = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, sanne, "case_intake", home_organisation(sanne))
    assert started.next_task_id is not None
    tasks.complete_task(ctx, sanne, started.next_task_id, NAMED)
    client = {"client_naam": CLIENT, "client_geboortedatum": BIRTH_DATE}
    do(ctx, sanne, started.instance_id, PARTICIPANTS_TASK, {**PARTICIPANTS, **client})
    authority = task_id(ctx, sanne, started.instance_id, AUTHORITY)
    assignment.save_draft(ctx, sanne, authority, {"leeftijd": 14, "wilsbekwaamheid_beoordeeld_door": DRAFT})
    with ctx.db.write() as session:
        instance = session.get_one(ProcessInstance, started.instance_id)
        reference = instance.case_reference
        user = session.execute(select(User).where(User.username == "collega")).scalar_one()
        user.totp_secret = TOTP
        now = clock.now()
        session.add(
            BreakGlass(
                user_id=user.id,
                organisation_id=instance.organisation_id,
                case_reference=reference or "",
                reason=BREAK_GLASS,
                started_at=now,
                expires_at=now + timedelta(hours=4),
            )
        )
    assert reference is not None
    comments.add_comment(ctx, sanne, reference, COMMENT)
    return started.instance_id


def _raw_text(database: Database) -> tuple[str, str]:
    """Everything the database holds, as an attacker with a copy of it would read it: the file bytes (on
    SQLite; they keep superseded pages too) and the rows as a dump shows them."""
    if database.is_postgres:
        with database.engine.connect() as connection:
            columns = connection.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
                    "'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
                )
            ).all()
            assert len(columns) > 40
            rows = "\n".join(
                str(value)
                for table, column in columns
                for value in connection.execute(text(f'SELECT "{column}"::text FROM "{table}"')).scalars()  # noqa: S608 - names from the catalogue
            )
            return rows, rows
    path = Path(make_url(database.url).database or "")
    files = [path, path.with_name(path.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    dump = sqlite3.connect(path)
    try:
        dumped = "\n".join(dump.iterdump())
    finally:
        dump.close()
    assert 'INSERT INTO "register_entry"' in dumped
    return raw.decode("latin-1"), dumped


def _everything_decrypted(database: Database) -> str:
    """Every encrypted value read back through the models."""
    with database.read() as session:
        values = [
            *session.execute(select(ProcessInstance.serialization, ProcessInstance.last_error)).all(),
            *session.execute(select(HumanTask.draft)).all(),
            *session.execute(select(RegisterEntry.fields)).all(),
            *session.execute(select(Comment.body)).all(),
            *session.execute(select(BreakGlass.reason)).all(),
            *session.execute(select(User.totp_secret)).all(),
        ]
    return repr(values)


# The SQLite file's bytes are read as a stolen copy would be: keeps its SQLite run everywhere.
@SQLITE_TOO
def test_a_database_copy_shows_no_case_contents_and_rotation_leaves_everything_readable(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    instance_id = _run_case(any_ctx, clock)
    readable = _everything_decrypted(any_ctx.db)
    assert all(value in readable for value in VALUES)  # the application reads them all
    fg = login(any_ctx, "fg")
    entry = next(
        e for e in registers.list_register(any_ctx, fg, "case").entries if e.instance_id == instance_id
    )
    assert registers.view_register_entry(any_ctx, fg, "case", entry.id).fields["client_naam"] == CLIENT

    files, rows = _raw_text(any_ctx.db)
    assert "kf1:dev:" in rows and "kfz:dev:" in rows  # the serialization is compressed, then sealed
    assert [value for value in VALUES if value in files + rows] == []

    url = any_ctx.db.url
    both = Database(url, keyring=DataKeyring.from_setting(f"{NEW_KEYS},{DEVELOPMENT_DATA_KEYS}"))
    only_new = Database(url, keyring=DataKeyring.from_setting(NEW_KEYS))
    try:
        columns = encrypted_columns(Base.metadata)
        first = {done.column.context: done.rotated for done in rotate_keys(both, columns, batch=2)}
        assert first["process_instance.serialization"] == 1 and first["comment.body"] == 1
        assert first["register_entry.fields"] >= 1 and first["human_task.draft"] == 1
        assert first["app_user.totp_secret"] == 1 and first["break_glass.reason"] == 1
        again = [(done.rotated, done.sealed) for done in rotate_keys(both, columns)]
        assert set(again) == {(0, 0)}  # idempotent: a second run finds nothing to do

        assert _everything_decrypted(only_new) == readable
        files, rows = _raw_text(only_new)
        assert "kf1:dev:" not in rows and "kf1:k2:" in rows  # (old pages may linger in the file: VACUUM)
        assert "kfz:dev:" not in rows and "kfz:k2:" in rows  # rotation keeps a value compressed
        assert [value for value in VALUES if value in files + rows] == []
        with pytest.raises(DecryptionError, match="'k2'"):
            _everything_decrypted(any_ctx.db)  # the old key alone no longer reads anything
    finally:
        both.dispose()
        only_new.dispose()


def test_generate_key_and_rotate_keys_from_the_command_line(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KETENFLOW_ENV", "production")  # generate-key works before any key is configured
    monkeypatch.delenv("KETENFLOW_DATA_KEYS", raising=False)
    assert main(["generate-key", "--id", "k9"]) == 0
    new_line = capsys.readouterr().out.strip()
    assert DataKeyring.from_setting(new_line).current_id == "k9"

    url = fresh_database_url
    for name, value in {"ENV": "test", "DATABASE_URL": url, "DATA_KEYS": DEVELOPMENT_DATA_KEYS}.items():
        monkeypatch.setenv(f"KETENFLOW_{name}", value)
    assert main(["init-db"]) == 0 and main(["seed-demo"]) == 0
    old = Database(url)
    with old.write() as session:
        session.execute(select(User).where(User.username == "collega")).scalar_one().totp_secret = TOTP
    old.dispose()
    capsys.readouterr()

    monkeypatch.setenv("KETENFLOW_DATA_KEYS", f"{new_line},{DEVELOPMENT_DATA_KEYS}")
    assert main(["rotate-keys", "--batch", "1"]) == 0 and main(["rotate-keys"]) == 0
    first, second = capsys.readouterr().out.split("huidige sleutel: k9")[1:]
    assert "app_user.totp_secret: 1 opnieuw versleuteld, 0 nieuw versleuteld" in first
    assert "app_user.totp_secret: 0 opnieuw versleuteld, 0 nieuw versleuteld" in second
    new = Database(url, keyring=DataKeyring.from_setting(new_line))
    try:
        with new.read() as session:
            assert (
                session.execute(select(User.totp_secret).where(User.username == "collega")).scalar() == TOTP
            )
    finally:
        new.dispose()
