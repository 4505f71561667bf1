"""The incidents of issue 8 item 4: failing timers and errored instances, listed for the administrator of
their organisation, retried or cancelled by them; every view and action audited. On SQLite and PostgreSQL
(the actions lock the instance row)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login, make_context
from webapp.config import PROJECT_ROOT
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, ProcessError
from webapp.persistence.db import Database
from webapp.persistence.models import AuditEvent, HumanTask, Job, ProcessInstance
from webapp.services import incidents, instances, tasks
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo
from webapp.services.timers import MAX_AUTOMATIC_ATTEMPTS, claim_due_jobs

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="incident_probe" name="Incidentproef" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Professional">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>register</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>bomb</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="register" name="Verzoek registreren">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="demo_request_intake.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="bomb" name="Te veel">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>x = omschrijving * 1000</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="register" />
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="bomb" />
    <bpmn:sequenceFlow id="f3" sourceRef="bomb" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
# 1,000 copies of this text exceed the sandbox's 100,000 characters: the script stops, the instance parks.
LONG = "Graag inzage in mijn dossier, " * 5


@dataclass
class Site:
    ctx: ServiceContext
    professional: Actor
    admin: Actor


@pytest.fixture
def site(database: Database, clock: ManualClock, tmp_path: Path) -> Site:
    processes = tmp_path / "processes"
    processes.mkdir()
    shutil.copy(PROJECT_ROOT / "processes" / "demo_subject_request.bpmn", processes)
    (processes / "incident_probe.bpmn").write_text(PROBE, "utf-8")
    ctx = make_context(database, clock, processes)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    return Site(ctx, login(ctx, "hulpverlener"), login(ctx, "beheerder"))


def _start(site: Site) -> tuple[int, int]:
    started = instances.start_process(
        site.ctx, site.professional, "incident_probe", home_organisation(site.professional)
    )
    assert started.next_task_id is not None
    return started.instance_id, started.next_task_id


def _errored(site: Site) -> int:
    instance_id, task_id = _start(site)
    answer = {"ontvangen_op": "2026-11-02", "recht": "inzage", "kanaal": "brief", "omschrijving": LONG}
    with pytest.raises(ProcessError):
        tasks.complete_task(site.ctx, site.professional, task_id, answer)
    return instance_id


def _audits(ctx: ServiceContext, event: str) -> list[tuple[str | None, str, int | None]]:
    with ctx.db.read() as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id))
        return [(row.object_id, row.result, row.actor_id) for row in rows.scalars()]


def test_an_errored_instance_is_listed_for_its_admin_only_and_the_viewing_is_audited(site: Site) -> None:
    instance_id = _errored(site)
    (incident,) = incidents.list_incidents(site.ctx, site.admin)
    assert (incident.instance_id, incident.status, incident.step_id, incident.step_name) == (
        instance_id,
        "error",
        "bomb",
        "Te veel",
    )
    assert incident.needs_admin and incident.next_attempt is None
    assert incident.error.startswith("Fout in stap 'bomb' van de procedure") and len(incident.error) <= 300
    assert _audits(site.ctx, "incident.read") == [(str(instance_id), "success", site.admin.user_id)]
    with pytest.raises(AccessDenied):
        incidents.list_incidents(site.ctx, site.professional)
    assert _audits(site.ctx, "incident.read")[-1] == (None, "denied", site.professional.user_id)


def _fix_case_data(ctx: ServiceContext, instance_id: int) -> None:
    # Stands in for a corrected case: the test edits the stopped step's data through the engine's own
    # workflow object, which the application never does.
    with ctx.db.write() as session:
        instance = session.execute(
            select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
        ).scalar_one()
        definition = ctx.definitions.get(session, instance.definition_id)
        loaded = ctx.runtime.load(instance.serialization, definition)
        for task in loaded._wf.get_tasks():
            if task.task_spec.bpmn_id == "bomb":
                task.data["omschrijving"] = "Kort."
        instance.serialization = ctx.runtime.dump(loaded)


def test_retrying_an_errored_instance_runs_its_failed_step_again(site: Site) -> None:
    instance_id = _errored(site)
    assert incidents.retry_incident(site.ctx, site.admin, instance_id) is False  # same data: same error
    _fix_case_data(site.ctx, instance_id)
    assert incidents.retry_incident(site.ctx, site.admin, instance_id) is True
    with site.ctx.db.read() as session:
        instance = session.get_one(ProcessInstance, instance_id)
        assert (instance.status, instance.last_error) == ("completed", None)
    assert _audits(site.ctx, "incident.retried") == [
        (str(instance_id), "error", site.admin.user_id),
        (str(instance_id), "success", site.admin.user_id),
    ]
    assert incidents.list_incidents(site.ctx, site.admin) == []


def test_cancelling_stops_the_instance_its_tasks_and_its_timer(site: Site) -> None:
    instance_id, task_id = _start(site)
    with site.ctx.db.write() as session:
        session.add(Job(kind="timer", instance_id=instance_id, due_at=site.ctx.clock.now(), attempts=2))
    with pytest.raises(AccessDenied):
        incidents.cancel_incident(site.ctx, site.professional, instance_id)
    incidents.cancel_incident(site.ctx, site.admin, instance_id)
    with site.ctx.db.read() as session:
        assert session.get_one(ProcessInstance, instance_id).status == "cancelled"
        assert session.get_one(HumanTask, task_id).state == "cancelled"
        assert session.scalars(select(Job)).all() == []
    assert _audits(site.ctx, "incident.cancelled") == [
        (None, "denied", site.professional.user_id),
        (str(instance_id), "success", site.admin.user_id),
    ]


def test_a_failing_timer_backs_off_then_waits_for_the_admin_who_may_retry_it(site: Site) -> None:
    instance_id, _ = _start(site)
    now = site.ctx.clock.now()
    error = "Fout in stap 'bomb' van de procedure: " + "x" * 500
    with site.ctx.db.write() as session:
        job = Job(kind="timer", instance_id=instance_id, due_at=now - timedelta(hours=1), attempts=3)
        job.last_error, job.locked_until = error, now + timedelta(minutes=8)
        session.add(job)
    (backing_off,) = incidents.list_incidents(site.ctx, site.admin)
    assert (backing_off.attempts, backing_off.next_attempt, backing_off.needs_admin) == (
        3,
        now + timedelta(minutes=8),
        False,
    )
    assert len(backing_off.error) == 300
    with site.ctx.db.write() as session:
        session.execute(select(Job)).scalar_one().attempts = MAX_AUTOMATIC_ATTEMPTS
    site.ctx.clock.advance(timedelta(minutes=10))
    assert claim_due_jobs(site.ctx, "w1") == []  # no automatic retry any more
    (waiting,) = incidents.list_incidents(site.ctx, site.admin)
    assert waiting.needs_admin and waiting.next_attempt is None
    assert incidents.retry_incident(site.ctx, site.admin, instance_id) is True
    assert len(claim_due_jobs(site.ctx, "w1")) == 1  # the worker takes it at its next poll
