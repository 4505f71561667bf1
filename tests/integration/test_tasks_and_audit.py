"""Services against a real database, once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from tests.factories import home_organisation, login
from webapp.domain.errors import TaskNotReady
from webapp.persistence.audit_log import verify_chain
from webapp.persistence.models import AuditEvent, HumanTask, Job, ProcessInstance
from webapp.services import instances, tasks
from webapp.services.context import ServiceContext
from webapp.services.timers import claim_due_jobs, fire_due_timers, fire_job

INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}


def start_and_register(ctx: ServiceContext) -> tuple[int, int]:
    actor = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, actor, "demo_subject_request", home_organisation(actor))
    assert started.next_task_id is not None
    done = tasks.complete_task(ctx, actor, started.next_task_id, INTAKE)
    assert done.next_task_id is not None
    return started.instance_id, done.next_task_id


def test_a_completed_task_is_projected_with_its_legal_due_date_and_timer_job(any_ctx: ServiceContext) -> None:
    instance_id, decide_id = start_and_register(any_ctx)
    with any_ctx.db.read() as session:
        decide = session.get_one(HumanTask, decide_id)
        assert (decide.state, decide.role, decide.bpmn_id) == ("open", "professional", "decide_request")
        assert decide.due_at is not None and decide.due_at.isoformat() == "2026-11-30T22:59:59+00:00"
        job = session.execute(select(Job).where(Job.instance_id == instance_id)).scalar_one()
        assert job.due_at.isoformat() == "2026-11-23T22:59:59+00:00"  # the reminder, 7 days before
        instance = session.get_one(ProcessInstance, instance_id)
        assert instance.status == "running"
        assert instance.version == 2  # created with its first projection, one completion


def test_the_same_task_completed_twice_at_once_has_exactly_one_winner(any_ctx: ServiceContext) -> None:
    _, decide_id = start_and_register(any_ctx)
    people = [login(any_ctx, "hulpverlener"), login(any_ctx, "collega")]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}
    answer = {"identiteit_vastgesteld": True, "besluit": "toewijzen"}

    def attempt(index: int) -> None:
        barrier.wait()
        try:
            outcomes[people[index].username] = tasks.complete_task(any_ctx, people[index], decide_id, answer)
        except TaskNotReady as error:
            outcomes[people[index].username] = error

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    losers = [o for o in outcomes.values() if isinstance(o, TaskNotReady)]
    assert len(outcomes) == 2 and len(losers) == 1
    winner = next(name for name, o in outcomes.items() if not isinstance(o, TaskNotReady))
    display = {"hulpverlener": "Sanne Hulpverlener", "collega": "Daan Collega"}[winner]
    assert display in str(losers[0])
    with any_ctx.db.read() as session:
        opened = session.scalar(
            select(func.count()).select_from(HumanTask).where(HumanTask.bpmn_id == "send_answer")
        )
        assert opened == 1  # the engine ran the task once


def test_a_timer_job_is_fired_once_even_when_two_workers_race_for_it(any_ctx: ServiceContext) -> None:
    instance_id, _ = start_and_register(any_ctx)
    any_ctx.clock.advance(timedelta(days=22))  # past the reminder
    claimed_by_a = claim_due_jobs(any_ctx, "worker-a")
    assert len(claimed_by_a) == 1
    assert claim_due_jobs(any_ctx, "worker-b") == []  # leased
    any_ctx.clock.advance(timedelta(minutes=2))  # worker-a died; its lease ran out
    claimed_by_b = claim_due_jobs(any_ctx, "worker-b")
    assert claimed_by_b == claimed_by_a
    assert fire_job(any_ctx, "worker-a", claimed_by_a[0]) is False  # no longer its lease
    assert fire_job(any_ctx, "worker-b", claimed_by_b[0]) is True
    assert fire_due_timers(any_ctx) == 0
    with any_ctx.db.read() as session:
        fired = session.scalar(
            select(func.count()).where(
                AuditEvent.event == "timer.fired", AuditEvent.process_instance_id == instance_id
            )
        )
        assert fired == 1
        job = session.execute(select(Job).where(Job.instance_id == instance_id)).scalar_one()
        assert job.locked_by is None and job.due_at.isoformat() == "2026-11-30T22:59:59+00:00"


def test_the_audit_chain_detects_a_changed_or_removed_row(any_ctx: ServiceContext) -> None:
    start_and_register(any_ctx)
    with any_ctx.db.read() as session:
        assert list(verify_chain(session)) == []
        ids = list(session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
    assert len(ids) >= 4
    with any_ctx.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(actor_id=999))
    with any_ctx.db.read() as session:
        assert list(verify_chain(session)) == [ids[1]]
    with any_ctx.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(actor_id=None))
        session.execute(delete(AuditEvent).where(AuditEvent.id == ids[2]))
    with any_ctx.db.read() as session:
        broken = list(verify_chain(session))
    assert broken and broken[0] in (ids[1], ids[3])


def test_audit_lines_hold_no_form_content(any_ctx: ServiceContext) -> None:
    start_and_register(any_ctx)
    with any_ctx.db.read() as session:
        rows = session.execute(select(AuditEvent.event, AuditEvent.details, AuditEvent.reason)).all()
    text = " ".join(f"{details} {reason}" for _, details, reason in rows)
    assert "inzage in mijn dossier" not in text
    assert {event for event, _, _ in rows} >= {"auth.login", "instance.started", "task.completed"}


@pytest.mark.parametrize("username", ["rubicon", "fg"])
def test_people_without_the_tasks_role_in_its_organisation_see_nothing(
    any_ctx: ServiceContext, username: str
) -> None:
    start_and_register(any_ctx)
    assert tasks.list_inbox(any_ctx, login(any_ctx, username)) == []
    assert [t.name for t in tasks.list_inbox(any_ctx, login(any_ctx, "collega"))] == [
        "Identiteit controleren en beslissen"
    ]
