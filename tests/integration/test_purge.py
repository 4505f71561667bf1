"""Destroying a case leaves no trace of the person (issue 5 item 9), on SQLite and PostgreSQL.

A person with distinctive values (name, birth date, a marker in free text, a comment, a draft, register
entries, notifications) goes through a case, an inspection request and the retention procedure to an approved
destruction. Then every column of every table is searched, as stored (encrypted columns as ciphertext) and
as read back (decrypted), and on SQLite the database file itself; only the destruction record remains.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import undefer

from tests.databases import SQLITE_TOO
from tests.factories import login
from tests.integration.person_case import (
    APPROVAL,
    DESTRUCTION,
    MARKER,
    SEEDED,
    finish_request,
    open_named_case,
    review_for_destruction,
)
from tests.processes.test_case_intake import task_id
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied
from webapp.persistence.audit_log import verify_chain
from webapp.persistence.db import Database
from webapp.persistence.models import (
    AuditEvent,
    Base,
    Comment,
    HumanTask,
    Notification,
    ProcessInstance,
    RegisterEntry,
)
from webapp.services.context import Origin, ServiceContext
from webapp.services.destruction import destroy_case_as_fg, destruction_pending
from webapp.services.purge import RETENTION_DATA, PurgeRefused, is_tombstone, purge_case
from webapp.services.tasks import complete_task


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _cells(database: Database, *, decrypted: bool) -> Iterator[tuple[str, str]]:
    """Every cell of every table as text: as the database stores it, or as the models read it back."""
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (
                connection.execute(select(table))
                if decrypted
                # the table names are the models' own, not input
                else connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')  # noqa: S608
            )
            for row in rows:
                for value in row:
                    if value is not None:
                        yield table.name, _text(value)


def _traces(database: Database, *, decrypted: bool) -> list[tuple[str, str]]:
    return [
        (table, seeded)
        for table, cell in _cells(database, decrypted=decrypted)
        for seeded in SEEDED
        if seeded in cell
    ]


def _destructions(ctx: ServiceContext, reference: str, result: str = "success") -> int:
    with ctx.db.read() as session:
        return len(
            session.scalars(
                select(AuditEvent.id).where(
                    AuditEvent.event == "case_destroyed",
                    AuditEvent.object_id == reference,
                    AuditEvent.result == result,
                )
            ).all()
        )


# The SQLite file's bytes (superseded pages too) are searched as well: keeps its SQLite run everywhere.
@SQLITE_TOO
def test_an_approved_destruction_leaves_no_trace_of_the_person(
    any_ctx: ServiceContext, clock: ManualClock, database: Database
) -> None:
    ctx = any_ctx
    sanne, mila, fg = login(ctx, "hulpverlener"), login(ctx, "manager"), login(ctx, "fg")
    case = open_named_case(ctx, clock)
    approval = review_for_destruction(ctx, clock, case)
    assert {seeded for _, seeded in _traces(database, decrypted=True)} == set(SEEDED)
    with ctx.db.read() as session:
        notices = session.scalars(select(Notification.key)).all()
    assert notices  # the tasks of the case were announced

    # The approval stands, but the destruction waits while the inspection request still runs.
    complete_task(ctx, mila, approval, APPROVAL)
    assert _destructions(ctx, case.reference, "denied") == 1
    assert MARKER in {seeded for _, seeded in _traces(database, decrypted=True)}
    assert destruction_pending(ctx, fg, case.reference)
    assert not destruction_pending(ctx, sanne, case.reference)
    with pytest.raises(PurgeRefused, match="Verzoek van betrokkene"):
        destroy_case_as_fg(ctx, fg, case.reference)
    with pytest.raises(AccessDenied):
        destroy_case_as_fg(ctx, sanne, case.reference)
    with pytest.raises(AccessDenied):
        destroy_case_as_fg(ctx, login(ctx, "fg.rubicon"), case.reference)

    finish_request(ctx, case)
    result = destroy_case_as_fg(ctx, fg, case.reference, Origin("127.0.0.1", "test"))
    assert result.counts["procedures"] == 2 and result.counts["opmerkingen"] == 1
    assert result.counts["concepten"] == 1 and result.counts["meldingen"] > 0
    assert not destruction_pending(ctx, fg, case.reference)
    # The professional completes the destruction record; the procedure runs on without the case's data.
    destroy = task_id(ctx, sanne, case.intake_id, "Vernietigen en verklaring opstellen")
    complete_task(ctx, sanne, destroy, DESTRUCTION)
    recorded = _destructions(ctx, case.reference)
    assert purge_case(ctx, case.reference, actor=fg, origin=None, reason="opnieuw").removed_anything is False
    assert _destructions(ctx, case.reference) == recorded >= 1  # twice is no error and records nothing

    assert _traces(database, decrypted=True) == []
    assert _traces(database, decrypted=False) == []
    _assert_nothing_refers_to_the_case(ctx, case.reference, case.intake_id)
    if database.url.startswith("sqlite"):
        _assert_file_holds_no_trace(database)


def _assert_nothing_refers_to_the_case(ctx: ServiceContext, reference: str, retention_id: int) -> None:
    with ctx.db.read() as session:
        instances = session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.case_reference == reference)
            .options(undefer(ProcessInstance.serialization))
        ).all()
        ids = [i.id for i in instances]
        for instance in instances:
            if instance.id == retention_id and instance.status not in ("completed", "cancelled"):
                workflow = ctx.runtime.load(instance.serialization)._wf
                parts = [workflow, *workflow.subprocesses.values()]
                names = {n for part in parts for task in part.tasks.values() for n in task.data}
                assert names <= RETENTION_DATA
            else:
                assert is_tombstone(instance.serialization), instance.id
        assert session.scalars(select(Comment).where(Comment.instance_id.in_(ids))).all() == []
        drafts = select(HumanTask).where(HumanTask.instance_id.in_(ids), HumanTask.draft.is_not(None))
        assert session.scalars(drafts).all() == []
        entries = session.scalars(select(RegisterEntry).where(RegisterEntry.instance_id.in_(ids))).all()
        assert sorted(e.kind for e in entries) == ["destruction", "subject_request"]
        (record,) = [e for e in entries if e.kind == "destruction"]
        assert record.fields["dossier_kenmerk"] == reference
        assert record.fields["vernietigd_op"] == DESTRUCTION["vernietigd_op"]
        (kept,) = [e for e in entries if e.kind == "subject_request"]
        assert kept.fields["rechten"] == ["inzage"] and "betrokkene_naam" not in kept.fields
        open_ids = set(
            session.scalars(
                select(HumanTask.id).where(HumanTask.instance_id.in_(ids), HumanTask.state == "open")
            )
        )
        all_ids = set(session.scalars(select(HumanTask.id).where(HumanTask.instance_id.in_(ids))))
        for key in session.scalars(select(Notification.key)):
            task = int(key.split(":")[1]) if key.startswith("task:") else None
            assert task not in all_ids or task in open_ids, key
        destroyed = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.event == "case_destroyed", AuditEvent.result == "success")
            .order_by(AuditEvent.id)
        ).all()
        assert destroyed and destroyed[0].object_id == reference and destroyed[0].actor_id is not None
        assert destroyed[0].details["opmerkingen"] == "1"
        assert list(verify_chain(session)) == []  # the audit log was not touched


def _assert_file_holds_no_trace(database: Database) -> None:
    path = Path(database.engine.url.database or "")
    with database.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        connection.commit()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            content = file.read_bytes()
            for seeded in SEEDED:
                assert seeded.encode() not in content, (file.name, seeded)
