"""Timers fire several per transaction (services/timers.py): a job whose diagram fails is undone on its own,
the others in its transaction fire and stay fired, and each is audited once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import home_organisation, login, make_context
from webapp.domain.clock import ManualClock
from webapp.persistence.db import Database
from webapp.persistence.models import AuditEvent, Job, ProcessInstance
from webapp.services import instances
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo
from webapp.services.timers import (
    FIRE_PER_TRANSACTION,
    RETRY_AFTER_FAILED_ROUND,
    UNEXPECTED,
    claim_due_jobs,
    fire_jobs,
    release_own_jobs,
)

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="{pid}" name="Timerproef" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="after" name="Na de timer">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
# The case reference is 11 characters: 100,000 copies exceed the sandbox's size limit, so this step fails.
FAILING = "x = zaak_referentie * 100000"


@pytest.fixture
def timer_ctx(database: Database, clock: ManualClock, tmp_path: Path) -> ServiceContext:
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "timer_good.bpmn").write_text(TEMPLATE.format(pid="timer_good", script="x = 1"), "utf-8")
    (processes / "timer_bad.bpmn").write_text(TEMPLATE.format(pid="timer_bad", script=FAILING), "utf-8")
    ctx = make_context(database, clock, processes)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    return ctx


def _start(ctx: ServiceContext, process_id: str, n: int) -> list[int]:
    actor = login(ctx, "hulpverlener")
    organisation = home_organisation(actor)
    return [instances.start_process(ctx, actor, process_id, organisation).instance_id for _ in range(n)]


def test_a_failing_job_is_undone_alone_and_the_others_of_its_transaction_fire_once(
    timer_ctx: ServiceContext,
) -> None:
    ctx = timer_ctx
    good = _start(ctx, "timer_good", FIRE_PER_TRANSACTION + 3)  # two transactions
    bad = _start(ctx, "timer_bad", 2)
    ctx.clock.advance(timedelta(hours=1, seconds=1))
    claimed = claim_due_jobs(ctx, "w1", batch=100)
    assert len(claimed) == len(good) + len(bad)

    assert fire_jobs(ctx, "w1", claimed) == len(good)

    with ctx.db.read() as session:
        status = dict(session.execute(select(ProcessInstance.id, ProcessInstance.status)).all())
        fired = session.execute(
            select(AuditEvent.process_instance_id, func.count())
            .where(AuditEvent.event == "timer.fired")
            .group_by(AuditEvent.process_instance_id)
        ).all()
        failed = session.scalars(
            select(AuditEvent.process_instance_id).where(AuditEvent.event == "timer.failed")
        ).all()
        jobs = {
            job.instance_id: (job.attempts, job.locked_by, bool(job.last_error))
            for job in session.scalars(select(Job))
        }
    assert {instance: status[instance] for instance in good} == dict.fromkeys(good, "completed")
    assert sorted(fired) == [(instance, 1) for instance in sorted(good)]
    assert sorted(failed) == sorted(bad)
    # The failing instances kept their last good state and their job, which backs off for a retry.
    assert {instance: status[instance] for instance in bad} == dict.fromkeys(bad, "waiting")
    assert set(jobs) == set(bad)
    assert set(jobs.values()) == {(1, None, True)}
    assert fire_jobs(ctx, "w1", claimed) == 0  # nothing is ours any more: no second firing


def test_an_unexpected_error_in_one_job_is_recorded_for_it_alone_and_its_text_stays_out_of_the_log(
    timer_ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = timer_ctx
    started = _start(ctx, "timer_good", 3)
    ctx.clock.advance(timedelta(hours=1, seconds=1))
    real_fire = ctx.runtime.fire_due_timers
    calls = []

    def fire_with_a_bug(loaded: object, clock: object) -> None:
        calls.append(loaded)
        if len(calls) == 1:  # whichever job of the batch comes first
            raise TypeError("client Noor de Vries")
        real_fire(loaded, clock)  # type: ignore[arg-type]

    monkeypatch.setattr(ctx.runtime, "fire_due_timers", fire_with_a_bug)
    claimed = claim_due_jobs(ctx, "w1")
    assert fire_jobs(ctx, "w1", claimed) == 2

    with ctx.db.read() as session:
        status = dict(session.execute(select(ProcessInstance.id, ProcessInstance.status)).all())
        job = session.execute(select(Job)).scalar_one()
        left = (job.instance_id, job.attempts, job.last_error)
    assert sorted(status[i] for i in started) == ["completed", "completed", "waiting"]
    assert status[left[0]] == "waiting" and left[1:] == (1, UNEXPECTED)
    assert "TypeError" in caplog.text and "Noor" not in caplog.text


def test_after_a_failed_round_a_worker_gives_back_its_claimed_jobs_within_seconds_not_the_lease(
    timer_ctx: ServiceContext,
) -> None:
    ctx = timer_ctx
    _start(ctx, "timer_good", 2)
    ctx.clock.advance(timedelta(hours=1, seconds=1))
    assert len(claim_due_jobs(ctx, "w1")) == 2  # and then the database went away before they fired
    assert claim_due_jobs(ctx, "w2") == []
    assert release_own_jobs(ctx, "w1") == 2
    assert claim_due_jobs(ctx, "w2") == []  # not at once: a failure that repeats must not spin
    ctx.clock.advance(RETRY_AFTER_FAILED_ROUND + timedelta(seconds=1))
    assert len(claim_due_jobs(ctx, "w2")) == 2  # long before the 60-second lease would have ended
