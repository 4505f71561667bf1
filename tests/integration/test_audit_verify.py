"""`ketenflow audit verify` finds a changed line, a removed line and a removed tail (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from tests.factories import home_organisation, login
from webapp.cli import main
from webapp.persistence.models import AuditEvent, AuditHead
from webapp.services import instances, tasks
from webapp.services.audit_verify import verify_audit_chain
from webapp.services.context import ServiceContext

INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}


@pytest.fixture
def chain(any_ctx: ServiceContext) -> list[int]:
    """A chain with some history in it (deploys, logins, a start, a completion); returns the line ids."""
    actor = login(any_ctx, "hulpverlener")
    started = instances.start_process(any_ctx, actor, "demo_subject_request", home_organisation(actor))
    assert started.next_task_id is not None
    tasks.complete_task(any_ctx, actor, started.next_task_id, INTAKE)
    instances.view_instance(any_ctx, actor, started.instance_id)
    with any_ctx.db.read() as session:
        ids = list(session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
    assert len(ids) >= 6
    return ids


def _run_cli(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setenv("KETENFLOW_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("KETENFLOW_ENV", "test")
    code = main(["audit", "verify"])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_untouched_chain_is_reported_intact_with_the_count(
    any_ctx: ServiceContext,
    chain: list[int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = verify_audit_chain(any_ctx)
    assert report.ok and report.verified == len(chain)
    code, out, err = _run_cli(any_ctx, monkeypatch, capsys)
    assert code == 0, err
    # the service's own check was recorded as a line, so the command verifies one more
    assert f"auditlog in orde: {len(chain) + 1} regels gecontroleerd" in out
    assert err == ""


def test_a_changed_line_is_found_and_named(
    any_ctx: ServiceContext,
    chain: list[int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = chain[len(chain) // 2]
    with any_ctx.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == target).values(actor_id=999))
    report = verify_audit_chain(any_ctx)
    assert [(p.kind, p.row_id) for p in report.problems] == [("changed", target)]
    assert report.verified == len(chain)
    code, _, err = _run_cli(any_ctx, monkeypatch, capsys)
    assert code == 1
    assert f"FOUT: Regel {target} is gewijzigd" in err


def test_a_changed_event_or_time_is_found_too(any_ctx: ServiceContext, chain: list[int]) -> None:
    with any_ctx.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == chain[1]).values(event="x.harmless"))
        at = session.scalar(select(AuditEvent.at).where(AuditEvent.id == chain[2]))
        assert at is not None
        session.execute(
            update(AuditEvent).where(AuditEvent.id == chain[2]).values(at=at + timedelta(seconds=1))
        )
    problems = verify_audit_chain(any_ctx).problems
    assert [(p.kind, p.row_id) for p in problems] == [("changed", chain[1]), ("changed", chain[2])]


def test_a_removed_line_in_the_middle_is_found(
    any_ctx: ServiceContext,
    chain: list[int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    removed = chain[3]
    with any_ctx.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == removed))
    report = verify_audit_chain(any_ctx)
    assert [(p.kind, p.row_id) for p in report.problems] == [("removed", chain[4])]
    code, _, err = _run_cli(any_ctx, monkeypatch, capsys)
    assert code == 1
    assert f"FOUT: Vóór regel {chain[4]} ontbreken een of meer regels" in err


def test_a_removed_last_line_is_found(
    any_ctx: ServiceContext,
    chain: list[int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with any_ctx.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == chain[-1]))
    code, out, err = _run_cli(any_ctx, monkeypatch, capsys)
    assert code == 1
    assert "FOUT: De laatste regels ontbreken" in err and f"laatst aanwezige regel: {chain[-2]}" in err
    assert f"auditlog NIET in orde: {len(chain) - 1} regels gecontroleerd, 1 fout" in out
    # The check itself was recorded after the head: from now on the removal shows as a gap before that line.
    report = verify_audit_chain(any_ctx)
    assert [p.kind for p in report.problems] == ["removed"]
    assert report.verified == len(chain)


def test_lines_written_after_a_removed_tail_still_show_the_gap(
    any_ctx: ServiceContext, chain: list[int]
) -> None:
    with any_ctx.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id >= chain[-2]))
    login(any_ctx, "collega")  # a new line chains onto the head, which names a removed line
    kinds = [p.kind for p in verify_audit_chain(any_ctx).problems]
    assert kinds == ["removed"]


def test_an_emptied_log_with_its_head_removed_is_found(any_ctx: ServiceContext, chain: list[int]) -> None:
    with any_ctx.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id < chain[-1]))
        session.execute(delete(AuditHead))
    problems = verify_audit_chain(any_ctx).problems
    assert [p.kind for p in problems] == ["removed", "removed_tail"]
    with any_ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 2  # the last one and the check
