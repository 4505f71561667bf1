"""The instance view (issue 6 item 7): where an instance stands on its diagram, for process owners and
managers — the path taken, the open task with its role and due date, the timers waiting with their due
times, the process a call activity runs — with no case data, and every read and refusal audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import START, home_organisation, login
from tests.processes.test_case_intake import (
    ASK,
    AUTHORITY,
    PARTICIPANTS,
    PARTICIPANTS_TASK,
    do,
    register,
)
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, NotFound
from webapp.persistence.models import AuditEvent
from webapp.services import break_glass
from webapp.services.context import ServiceContext
from webapp.services.instance_diagram import InstanceDiagram, instance_diagram
from webapp.services.instances import start_process
from webapp.services.tasks import complete_task
from webapp.services.timers import fire_due_timers

DEMO = "demo_subject_request"
# Received Friday 30 October 2026: four weeks is Friday 27 November, end of day in Amsterdam (CET).
INTAKE = {
    "ontvangen_op": "2026-10-30",
    "recht": "inzage",
    "kanaal": "e-mail",
    "omschrijving": "Betrokkene wil inzage in het eigen dossier.",
}
DEADLINE = datetime(2026, 11, 27, 22, 59, 59, tzinfo=UTC)
REMINDER = datetime(2026, 11, 20, 22, 59, 59, tzinfo=UTC)
CONSENT_REMINDER = datetime(2026, 11, 9, 22, 59, 59, tzinfo=UTC)  # asked 2 November, 7 days without answer


def _after_intake(ctx: ServiceContext, sanne: Actor) -> tuple[int, int]:
    started = start_process(ctx, sanne, DEMO, home_organisation(sanne))
    assert started.next_task_id is not None
    decide = complete_task(ctx, sanne, started.next_task_id, INTAKE).next_task_id
    assert decide is not None
    return started.instance_id, decide


def _reads(ctx: ServiceContext, instance_id: int) -> list[tuple[str | None, str, str, dict[str, str]]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_id == str(instance_id), AuditEvent.event == "instance.read")
            .order_by(AuditEvent.id)
        ).scalars()
        return [(str(row.actor_id), row.action, row.result, dict(row.details)) for row in rows]


def _path(view: InstanceDiagram) -> list[str]:
    return [step.element_id for step in view.steps]


def test_a_demo_request_after_its_intake_shows_path_open_task_and_timers(any_ctx: ServiceContext) -> None:
    sanne, mila = login(any_ctx, "hulpverlener"), login(any_ctx, "manager")
    instance_id, _ = _after_intake(any_ctx, sanne)

    view = instance_diagram(any_ctx, mila, instance_id)

    assert (view.process_name, view.status, view.case_reference is not None) == (
        "Verzoek van betrokkene (demo)",
        "running",
        True,
    )
    assert _path(view) == ["start_request_received", "register_request"]
    assert [s.at for s in view.steps] == [START, START]  # on the service clock, not the wall clock
    assert [(t.element_id, t.name, t.role, t.due_at) for t in view.open_tasks] == [
        ("decide_request", "Identiteit controleren en beslissen", "professional", DEADLINE)
    ]
    assert [(t.element_id, t.due_at) for t in view.timers] == [
        ("timer_reminder", REMINDER),
        ("timer_deadline_expired", DEADLINE),
    ]
    assert view.next_due_at == REMINDER
    [own] = view.parts
    assert (own.key, own.own, own.running) == (DEMO, True, True)
    assert own.xml.startswith("<?xml") and 'id="decide_request"' in own.xml
    assert own.markers == {
        "start_request_received": ["kf-done"],
        "register_request": ["kf-done"],
        "flow_start_to_register": ["kf-done"],
        "flow_register_to_decide": ["kf-done"],
        "decide_request": ["kf-current"],
        "timer_reminder": ["kf-waiting"],
        "timer_deadline_expired": ["kf-waiting"],
    }
    # A manager sees the structure, not the case: not even the instance page.
    assert not view.sees_case
    assert "inzage in het eigen dossier" not in repr(view).replace(own.xml, "")
    assert _reads(any_ctx, instance_id)[-1] == (str(mila.user_id), "read", "success", {"view": "diagram"})


def test_a_fired_reminder_joins_the_path_and_leaves_the_deadline_waiting(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, _ = _after_intake(ctx, sanne)
    clock.set(REMINDER + timedelta(seconds=1))
    assert fire_due_timers(ctx) == 1

    view = instance_diagram(ctx, login(ctx, "procesbeheer"), instance_id)

    assert _path(view)[2:] == ["timer_reminder", "log_reminder", "end_reminder_sent"]
    assert [(t.element_id, t.due_at) for t in view.timers] == [("timer_deadline_expired", DEADLINE)]
    markers = view.parts[0].markers
    assert markers["timer_reminder"] == markers["flow_reminder_to_log"] == ["kf-done"]
    assert markers["decide_request"] == ["kf-current"] and markers["timer_deadline_expired"] == ["kf-waiting"]


def test_a_finished_instance_shows_the_whole_path_and_nothing_open(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide = _after_intake(ctx, sanne)
    clock.advance(timedelta(days=3))
    answer = complete_task(ctx, sanne, decide, {"identiteit_vastgesteld": True, "besluit": "toewijzen"})
    assert answer.next_task_id is not None
    clock.advance(timedelta(days=1))
    assert complete_task(ctx, sanne, answer.next_task_id, {"verzonden_op": "2026-11-06"}).instance_completed

    view = instance_diagram(ctx, login(ctx, "manager"), instance_id)

    assert (view.status, view.ended_at, view.open_tasks, view.timers) == ("completed", clock.now(), [], [])
    assert _path(view) == [
        "start_request_received",
        "register_request",
        "decide_request",
        "gateway_decision",
        "send_answer",
        "gateway_merge",
        "end_request_handled",
    ]
    assert [s.at for s in view.steps if s.kind == "Taak"] == [
        START,
        START + timedelta(days=3),
        START + timedelta(days=4),
    ]
    # The automatic steps on the service clock too: with the task before them, not at the wall clock's time.
    after_decision = {s.element_id: s.at for s in view.steps}["gateway_decision"]
    assert START + timedelta(days=3) <= after_decision < START + timedelta(days=3, seconds=5)
    markers = view.parts[0].markers
    assert markers["flow_gateway_to_answer"] == ["kf-done"] and "flow_gateway_to_refusal" not in markers
    assert "send_refusal" not in markers and "timer_reminder" not in markers
    assert {m for found in markers.values() for m in found} == {"kf-done"}
    assert not view.parts[0].running


def test_an_instance_in_a_call_activity_shows_the_process_it_runs(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne)
    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, PARTICIPANTS)
    do(ctx, sanne, instance_id, AUTHORITY, {"leeftijd": 17, "wilsbekwaam": True})
    asked = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
    do(ctx, sanne, instance_id, ASK, asked)

    view = instance_diagram(ctx, login(ctx, "procesbeheer"), instance_id)

    assert [(p.key, p.own, p.running) for p in view.parts] == [
        ("case_intake", True, True),
        ("consent", False, True),
    ]
    assert [(c.element_id, c.process_key, c.calls, c.calls_key) for c in view.calls] == [
        ("call_consent", "case_intake", "Toestemming", "consent")
    ]
    assert [(t.element_id, t.process_key, t.role) for t in view.open_tasks] == [
        ("record_consent", "consent", "professional")
    ]
    assert [(t.element_id, t.process_key, t.due_at) for t in view.timers] == [
        ("timer_consent_reminder", "consent", CONSENT_REMINDER)
    ]
    intake, consent = view.parts
    assert intake.markers["call_consent"] == ["kf-current"] and intake.markers["register_case"] == ["kf-done"]
    assert "record_consent" not in intake.markers
    assert consent.markers["record_consent"] == ["kf-current"]
    assert consent.markers["timer_consent_reminder"] == ["kf-waiting"]
    assert consent.markers["ask_client"] == ["kf-done"]
    assert (intake.calls, consent.timers[0].element_id) == (view.calls, "timer_consent_reminder")
    assert 'id="consent"' in consent.xml and view.part("consent") is consent and view.part(None) is intake
    assert view.part("meldcode") is None  # in the bundle, never reached: no diagram to draw


@pytest.mark.parametrize(
    "username", ["procesbeheer", "beheerder", "manager", "fg", "hulpverlener", "aandacht"]
)
def test_process_owners_admins_the_owning_organisations_managers_fg_and_case_roles_see_it(
    ctx: ServiceContext, username: str
) -> None:
    instance_id, _ = _after_intake(ctx, login(ctx, "hulpverlener"))
    view = instance_diagram(ctx, login(ctx, username), instance_id)
    assert view.sees_case == (username in ("fg", "hulpverlener", "aandacht"))


@pytest.mark.parametrize("username", ["manager.rubicon", "fg.rubicon", "rubicon"])
def test_another_organisation_is_refused_and_the_refusal_audited(ctx: ServiceContext, username: str) -> None:
    instance_id, _ = _after_intake(ctx, login(ctx, "hulpverlener"))
    outsider = login(ctx, username)
    with pytest.raises(AccessDenied):
        instance_diagram(ctx, outsider, instance_id, part="marks")
    assert _reads(ctx, instance_id)[-1] == (
        str(outsider.user_id),
        "read",
        "denied",
        {"view": "diagram", "part": "marks"},
    )


def test_an_unknown_instance_is_not_found(ctx: ServiceContext) -> None:
    with pytest.raises(NotFound):
        instance_diagram(ctx, login(ctx, "procesbeheer"), 999999)


def test_break_glass_opens_the_diagram_as_emergency_access(ctx: ServiceContext) -> None:
    sanne, lotte = login(ctx, "hulpverlener"), login(ctx, "rubicon")
    instance_id, _ = _after_intake(ctx, sanne)
    with pytest.raises(AccessDenied):
        instance_diagram(ctx, lotte, instance_id)
    reference = instance_diagram(ctx, sanne, instance_id).case_reference
    assert reference is not None
    grant = break_glass.request_break_glass(ctx, lotte, reference, "Acute zorg: de cliënt is opgenomen.")

    view = instance_diagram(ctx, lotte, instance_id)

    assert (view.emergency, view.sees_case) == (True, True)
    assert _reads(ctx, instance_id)[-1] == (
        str(lotte.user_id),
        "emergency_access",
        "success",
        {"view": "diagram", "break_glass": str(grant.id)},
    )
