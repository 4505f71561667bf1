"""Scenario tests for the demo data-subject request (processes/demo_subject_request.bpmn).

Users drive the services; time only moves through the ManualClock, and timers fire through fire_due_timers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import home_organisation, login
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import AccessDenied, FormInvalid, TaskNotReady
from webapp.persistence.models import AuditEvent, Job, ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process, view_instance
from webapp.services.tasks import claim_task, complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers

PROCESS = "demo_subject_request"
SECOND = timedelta(seconds=1)
TIMER_LINE = "Termijn of herinnering verwerkt"
# Received Monday 2 November 2026: day 28 is Monday 30 November, end of day in Amsterdam (CET, UTC+1).
DEADLINE = datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
REMINDER = datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC)
INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "kanaal": "e-mail", "omschrijving": "Dossier"}
ALLOW = {"identiteit_vastgesteld": True, "besluit": "toewijzen"}
MOVED = ", verlengd tot de eerstvolgende werkdag"
REQUIRED, CHOICE = "Dit veld is verplicht.", "Kies een van de mogelijkheden."


def _register(ctx: ServiceContext, actor: Actor, **intake: Any) -> tuple[int, int]:
    """Start a request and register it; returns (instance id, id of the open decide_request task)."""
    started = start_process(ctx, actor, PROCESS, home_organisation(actor))
    assert started.next_task_id is not None
    result = complete_task(ctx, actor, started.next_task_id, {**INTAKE, **intake})
    assert result.next_task_id is not None and not result.instance_completed
    return started.instance_id, result.next_task_id


def _column(ctx: ServiceContext, instance_id: int, column: Any) -> Any:
    with ctx.db.read() as session:
        return session.scalars(select(column).where(ProcessInstance.id == instance_id)).one()


def _version(ctx: ServiceContext, instance_id: int) -> int:
    return int(_column(ctx, instance_id, ProcessInstance.version))


def _next_due(ctx: ServiceContext, instance_id: int) -> datetime | None:
    return _column(ctx, instance_id, ProcessInstance.next_due_at)


def _final_data(ctx: ServiceContext, instance_id: int) -> dict[str, Any]:
    loaded = ctx.runtime.load(_column(ctx, instance_id, ProcessInstance.serialization))
    return ctx.runtime.final_data(loaded)


def _audit_count(ctx: ServiceContext, **where: Any) -> int:
    with ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).filter_by(**where)) or 0


def _open_tasks(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[tuple[str, str]]:
    return [(t.name, t.role) for t in list_inbox(ctx, actor) if t.instance_id == instance_id]


def _timer_lines(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[datetime]:
    return [h.at for h in view_instance(ctx, actor, instance_id).history if h.event == TIMER_LINE]


def test_allow_request_completes_and_history_names_every_actor(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan = login(ctx, "hulpverlener"), login(ctx, "collega")
    instance_id, decide_id = _register(ctx, sanne)
    assert _open_tasks(ctx, daan, instance_id) == [("Identiteit controleren en beslissen", "professional")]

    clock.advance(timedelta(days=3))
    decided = complete_task(ctx, daan, decide_id, ALLOW)
    assert decided.next_task_id is not None and not decided.instance_completed
    assert _open_tasks(ctx, sanne, instance_id) == [("Antwoord versturen", "professional")]
    answer = open_task(ctx, daan, decided.next_task_id).task
    assert (answer.state, answer.due_at, answer.created_at) == ("open", None, clock.now())

    clock.advance(timedelta(days=1))
    done = complete_task(ctx, sanne, decided.next_task_id, {"verzonden_op": "2026-11-06"})
    assert done.instance_completed and done.next_task_id is None
    assert _open_tasks(ctx, sanne, instance_id) == [] and _open_tasks(ctx, daan, instance_id) == []

    view = view_instance(ctx, sanne, instance_id)
    assert (view.status, view.ended_at, view.next_due_at) == ("completed", clock.now(), None)
    assert [t.state for t in view.tasks] == ["completed"] * 3
    assert [(h.event, h.actor, h.detail, h.at) for h in view.history] == [
        ("Procedure gestart", "Sanne Hulpverlener", None, datetime(2026, 11, 2, 9, tzinfo=UTC)),
        ("Taak afgerond", "Sanne Hulpverlener", "Verzoek registreren", datetime(2026, 11, 2, 9, tzinfo=UTC)),
        (
            "Taak afgerond",
            "Daan Collega",
            "Identiteit controleren en beslissen",
            datetime(2026, 11, 5, 9, tzinfo=UTC),
        ),
        ("Taak afgerond", "Sanne Hulpverlener", "Antwoord versturen", datetime(2026, 11, 6, 9, tzinfo=UTC)),
    ]
    data = _final_data(ctx, instance_id)
    assert data["besluit"] == "toewijzen" and data["verzonden_op"] == "2026-11-06"
    assert "herinnering_verstuurd" not in data

    # The timers left with decide_request: long past the deadline nothing fires and no job is left.
    clock.advance(timedelta(days=60))
    assert fire_due_timers(ctx) == 0
    with ctx.db.read() as session:
        assert session.scalars(select(Job).where(Job.instance_id == instance_id)).all() == []


def test_partial_grant_needs_a_motivation_and_goes_to_the_answer(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    _, decide_id = _register(ctx, sanne)
    partial = {"identiteit_vastgesteld": True, "besluit": "gedeeltelijk"}
    with pytest.raises(FormInvalid) as missing:
        complete_task(ctx, sanne, decide_id, partial)
    assert missing.value.errors == {"motivering": "Dit veld is verplicht."}
    with pytest.raises(FormInvalid) as empty:
        complete_task(ctx, sanne, decide_id, {**partial, "motivering": ""})
    assert empty.value.errors == {"motivering": "Gebruik minstens 1 teken."}

    result = complete_task(ctx, sanne, decide_id, {**partial, "motivering": "Art. 15 lid 4 AVG"})
    assert result.next_task_id is not None
    assert open_task(ctx, sanne, result.next_task_id).task.name == "Antwoord versturen"
    assert complete_task(ctx, sanne, result.next_task_id, {"verzonden_op": "2026-11-20"}).instance_completed


def test_refusal_letter_must_name_the_ap_and_the_court(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = _register(ctx, sanne)
    refuse = {"identiteit_vastgesteld": True, "besluit": "weigeren", "motivering": "Art. 12 lid 5 AVG"}
    refusal_id = complete_task(ctx, sanne, decide_id, refuse).next_task_id
    assert refusal_id is not None
    assert open_task(ctx, sanne, refusal_id).task.name == "Gemotiveerde weigering versturen"
    version = _version(ctx, instance_id)

    letter = {"verzonden_op": "2026-11-20", "wijst_op_ap_en_rechter": False}
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, refusal_id, letter)
    assert refused.value.errors == {"wijst_op_ap_en_rechter": "Vink dit aan om verder te gaan."}
    assert open_task(ctx, sanne, refusal_id).task.state == "open"
    assert _version(ctx, instance_id) == version

    result = complete_task(ctx, sanne, refusal_id, {**letter, "wijst_op_ap_en_rechter": True})
    assert result.instance_completed
    data = _final_data(ctx, instance_id)
    assert (data["besluit"], data["wijst_op_ap_en_rechter"]) == ("weigeren", True)
    assert "Antwoord versturen" not in [t.name for t in view_instance(ctx, sanne, instance_id).tasks]


@pytest.mark.parametrize(
    ("received", "due", "rule"),
    [
        ("2026-11-02", DEADLINE, "4 weken vanaf 02-11-2026"),
        # Day 28 is Saturday 26 December (Second Christmas Day); Sunday 27 follows: Monday 28 December.
        ("2026-11-28", datetime(2026, 12, 28, 22, 59, 59, tzinfo=UTC), "4 weken vanaf 28-11-2026" + MOVED),
        # Day 28 is Tuesday 27 April 2027 (King's Day), summer time: Wednesday 28 April, 23:59:59 CEST.
        ("2027-03-30", datetime(2027, 4, 28, 21, 59, 59, tzinfo=UTC), "4 weken vanaf 30-03-2027" + MOVED),
    ],
)
def test_due_date_shown_on_the_decision_matches_the_timers(
    ctx: ServiceContext, clock: ManualClock, received: str, due: datetime, rule: str
) -> None:
    clock.set(datetime.fromisoformat(received).replace(hour=11, tzinfo=AMSTERDAM))
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = _register(ctx, sanne, ontvangen_op=received)

    task = open_task(ctx, sanne, decide_id).task
    assert (task.due_at, task.due_rule) == (due, rule)
    assert task.due_at.astimezone(AMSTERDAM).time().isoformat() == "23:59:59"
    assert [t.due_at for t in list_inbox(ctx, sanne) if t.id == decide_id] == [due]
    # The reminder is 7 local days earlier; once it has run, the escalation is due at the date shown.
    reminder = (due.astimezone(AMSTERDAM) - timedelta(days=7)).astimezone(UTC)
    assert _next_due(ctx, instance_id) == reminder
    clock.set(reminder + SECOND)
    assert fire_due_timers(ctx) == 1
    assert _next_due(ctx, instance_id) == due


def test_reminder_fires_seven_days_before_the_deadline(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = _register(ctx, sanne)

    clock.set(REMINDER - SECOND)
    assert fire_due_timers(ctx) == 0
    assert _timer_lines(ctx, sanne, instance_id) == []
    assert _next_due(ctx, instance_id) == REMINDER

    clock.set(REMINDER + SECOND)
    assert fire_due_timers(ctx) == 1
    assert _timer_lines(ctx, sanne, instance_id) == [REMINDER + SECOND]
    inbox = [t for t in list_inbox(ctx, sanne) if t.instance_id == instance_id]
    assert [(t.id, t.state, t.due_at) for t in inbox] == [(decide_id, "open", DEADLINE)]
    assert _next_due(ctx, instance_id) == DEADLINE
    assert fire_due_timers(ctx) == 0  # a non-interrupting timeDate fires once

    # The decision can still be taken; the process ends normally and records that the reminder ran.
    answer_id = complete_task(ctx, sanne, decide_id, ALLOW).next_task_id
    assert answer_id is not None
    assert complete_task(ctx, sanne, answer_id, {"verzonden_op": "2026-11-27"}).instance_completed
    assert _final_data(ctx, instance_id)["herinnering_verstuurd"] is True


def test_timer_at_its_exact_instant_is_not_reported_as_fired_without_firing(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, _ = _register(ctx, sanne)
    clock.set(REMINDER)  # the engine fires a timer strictly after its instant, and so does the worker
    assert fire_due_timers(ctx) == 0
    assert (_next_due(ctx, instance_id), _timer_lines(ctx, sanne, instance_id)) == (REMINDER, [])
    clock.set(REMINDER + SECOND)
    assert fire_due_timers(ctx) == 1
    assert _next_due(ctx, instance_id) == DEADLINE
    assert len(_timer_lines(ctx, sanne, instance_id)) == 1


def test_escalation_at_the_deadline_goes_to_the_fg(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id, decide_id = _register(ctx, sanne)
    clock.set(REMINDER + SECOND)
    assert fire_due_timers(ctx) == 1

    clock.set(DEADLINE - SECOND)
    assert fire_due_timers(ctx) == 0
    assert open_task(ctx, sanne, decide_id).task.state == "open"
    assert _open_tasks(ctx, fg, instance_id) == []

    clock.set(DEADLINE + SECOND)
    assert fire_due_timers(ctx) == 1
    form = open_task(ctx, sanne, decide_id)
    assert (form.task.state, form.task.completed_at, form.data) == ("cancelled", DEADLINE + SECOND, {})
    version = _version(ctx, instance_id)
    with pytest.raises(TaskNotReady, match=r"^Deze taak is vervallen: .*termijn verstreek") as late:
        complete_task(ctx, sanne, decide_id, ALLOW)
    assert late.value.completed_by is None
    assert _version(ctx, instance_id) == version

    assert _open_tasks(ctx, sanne, instance_id) == []
    assert _open_tasks(ctx, fg, instance_id) == [("Termijnoverschrijding afhandelen", "fg")]
    escalation = next(t for t in list_inbox(ctx, fg) if t.instance_id == instance_id)
    assert (escalation.organisation, escalation.created_at) == ("Gemeente Weert", DEADLINE + SECOND)
    with pytest.raises(AccessDenied):
        complete_task(ctx, sanne, escalation.id, {"maatregel": "x", "betrokkene_geinformeerd": True})
    assert _next_due(ctx, instance_id) is None

    clock.advance(timedelta(hours=2))
    measure = {"maatregel": "Teamleider handelt af voor 4 december", "betrokkene_geinformeerd": True}
    assert complete_task(ctx, fg, escalation.id, measure).instance_completed
    view = view_instance(ctx, fg, instance_id)
    assert (view.status, view.ended_at) == ("completed", clock.now())
    assert [(h.event, h.actor) for h in view.history][-1] == ("Taak afgerond", "Ingrid FG")
    assert _timer_lines(ctx, fg, instance_id) == [REMINDER + SECOND, DEADLINE + SECOND]


def test_jumping_past_both_timers_fires_both_in_one_call(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id, decide_id = _register(ctx, sanne)

    clock.set(datetime(2027, 1, 15, 12, tzinfo=UTC))
    assert fire_due_timers(ctx) == 1  # one job per instance; both boundary timers are due in it
    assert fire_due_timers(ctx) == 0
    assert open_task(ctx, sanne, decide_id).task.state == "cancelled"
    escalation = [t for t in list_inbox(ctx, fg) if t.instance_id == instance_id]
    assert [t.name for t in escalation] == ["Termijnoverschrijding afhandelen"]
    assert _next_due(ctx, instance_id) is None

    complete_task(
        ctx, fg, escalation[0].id, {"maatregel": "Alsnog beantwoorden", "betrokkene_geinformeerd": False}
    )
    data = _final_data(ctx, instance_id)
    assert data["herinnering_verstuurd"] is True  # the reminder path ran as well
    assert data["maatregel"] == "Alsnog beantwoorden"


@pytest.mark.parametrize(
    ("step", "data", "errors"),
    [
        ("register", {}, {"ontvangen_op": REQUIRED, "recht": REQUIRED, "omschrijving": REQUIRED}),
        (
            "register",
            {**INTAKE, "recht": "vergeten", "kanaal": "fax", "ontvangen_op": "2026-02-31"},
            {"recht": CHOICE, "kanaal": CHOICE, "ontvangen_op": "Vul een geldige datum in (dd-mm-jjjj)."},
        ),
        ("decide", {"besluit": "misschien"}, {"besluit": CHOICE, "identiteit_vastgesteld": REQUIRED}),
        (
            "decide",
            {"identiteit_vastgesteld": "ja", "besluit": "weigeren"},
            {"identiteit_vastgesteld": "Kies ja of nee.", "motivering": REQUIRED},
        ),
    ],
)
def test_invalid_forms_are_refused_and_nothing_is_stored(
    ctx: ServiceContext, step: str, data: dict[str, Any], errors: dict[str, str]
) -> None:
    sanne = login(ctx, "hulpverlener")
    if step == "register":
        started = start_process(ctx, sanne, PROCESS, home_organisation(sanne))
        instance_id, task_id = started.instance_id, started.next_task_id
        assert task_id is not None
    else:
        instance_id, task_id = _register(ctx, sanne)
    version, completions = _version(ctx, instance_id), _audit_count(ctx, event="task.completed")

    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, sanne, task_id, data)
    assert invalid.value.errors == errors
    assert str(invalid.value) == "Het formulier bevat fouten."
    form = open_task(ctx, sanne, task_id)
    assert form.task.state == "open" and form.task.completed_by is None
    assert form.data == {}  # nothing of the refused post reached the task
    assert _version(ctx, instance_id) == version
    assert _audit_count(ctx, event="task.completed") == completions


def test_other_organisation_cannot_see_or_complete_and_is_audited(ctx: ServiceContext) -> None:
    sanne, lotte = login(ctx, "hulpverlener"), login(ctx, "rubicon")
    instance_id, decide_id = _register(ctx, sanne)
    version = _version(ctx, instance_id)

    assert [t for t in list_inbox(ctx, lotte) if t.instance_id == instance_id] == []
    with pytest.raises(AccessDenied, match="rol of organisatie die u niet heeft"):
        open_task(ctx, lotte, decide_id)
    with pytest.raises(AccessDenied, match="rol of organisatie die u niet heeft"):
        complete_task(ctx, lotte, decide_id, ALLOW)
    with pytest.raises(AccessDenied, match="rol of organisatie die u niet heeft"):
        claim_task(ctx, lotte, decide_id)
    with pytest.raises(AccessDenied, match="geen toegang tot deze zaak"):
        view_instance(ctx, lotte, instance_id)
    with pytest.raises(AccessDenied, match="niet starten voor deze organisatie"):
        start_process(ctx, lotte, PROCESS, home_organisation(sanne))

    with ctx.db.read() as session:
        a = AuditEvent
        columns = (a.event, a.actor_id, a.object_type, a.object_id, a.task_id, a.reason)
        denied = session.execute(select(*columns).where(a.result == "denied").order_by(a.id)).all()
    task_ref = ("human_task", str(decide_id), decide_id)
    instance_ref = ("process_instance", str(instance_id), None)
    assert [tuple(e[:5]) for e in denied] == [
        ("task.read", lotte.user_id, *task_ref),
        ("task.completed", lotte.user_id, *task_ref),
        ("task.claimed", lotte.user_id, *task_ref),
        ("instance.read", lotte.user_id, *instance_ref),
        ("instance.started", lotte.user_id, "process_definition", PROCESS, None),
    ]
    assert [e.reason for e in denied] == [
        "Deze taak hoort bij een rol of organisatie die u niet heeft.",
        "Deze taak hoort bij een rol of organisatie die u niet heeft.",
        "Deze taak hoort bij een rol of organisatie die u niet heeft.",
        "U heeft geen toegang tot deze zaak.",
        "U mag deze procedure niet starten voor deze organisatie.",
    ]
    task = open_task(ctx, sanne, decide_id).task
    assert (task.state, task.assignee) == ("open", None)
    assert _version(ctx, instance_id) == version


def test_outsider_gets_access_denied_on_a_completed_task(ctx: ServiceContext) -> None:
    sanne, lotte = login(ctx, "hulpverlener"), login(ctx, "rubicon")
    _, decide_id = _register(ctx, sanne)
    complete_task(ctx, sanne, decide_id, ALLOW)
    with pytest.raises(AccessDenied):
        complete_task(ctx, lotte, decide_id, ALLOW)


def test_second_completion_names_the_colleague_and_changes_nothing(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan = login(ctx, "hulpverlener"), login(ctx, "collega")
    instance_id, decide_id = _register(ctx, sanne)
    clock.advance(timedelta(hours=5, minutes=30))
    answer_id = complete_task(ctx, daan, decide_id, ALLOW).next_task_id
    version, completions = _version(ctx, instance_id), _audit_count(ctx, event="task.completed")

    refuse = {"identiteit_vastgesteld": True, "besluit": "weigeren", "motivering": "Te laat"}
    with pytest.raises(TaskNotReady) as late:
        complete_task(ctx, sanne, decide_id, refuse)
    # 14:30 UTC is 15:30 in Amsterdam (CET).
    assert str(late.value) == "Deze taak is al afgerond door Daan Collega (02-11-2026 15:30)."
    assert late.value.completed_by == "Daan Collega"

    assert _version(ctx, instance_id) == version
    assert _audit_count(ctx, event="task.completed") == completions
    tasks = view_instance(ctx, sanne, instance_id).tasks
    assert [(t.name, t.state, t.completed_by) for t in tasks] == [
        ("Verzoek registreren", "completed", "Sanne Hulpverlener"),
        ("Identiteit controleren en beslissen", "completed", "Daan Collega"),
        ("Antwoord versturen", "open", None),
    ]
    assert tasks[2].id == answer_id
