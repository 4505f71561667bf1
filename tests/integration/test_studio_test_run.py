"""The studio's test-run (issue 6 item 5): a diagram run on a simulated clock, from the studio's sources,
without touching a real case. A run has its own simulated clock; the context clock only ages stored runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, or_, select

from tests.factories import login
from webapp.config import PROJECT_ROOT
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.persistence.models import (
    AuditEvent,
    HumanTask,
    Job,
    Notification,
    Outbox,
    ProcessInstance,
    RegisterEntry,
)
from webapp.services import test_run as runs
from webapp.services.context import ServiceContext
from webapp.services.studio_sources import save_source
from webapp.services.test_run_store import IDLE, TestRunRefused, TestRunView

DEMO = "demo_subject_request"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # Monday 2 November 2026, 09:00 in Amsterdam
# Received on Saturday 31 October: day 28 is Saturday 28 November, moved to Monday 30 November (Algemene
# termijnenwet); end of that day in Amsterdam is 22:59:59 UTC. The reminder is 7 days before, on Monday 23rd.
RECEIVED_ON_SATURDAY = {
    "ontvangen_op": "2026-10-31",
    "recht": "inzage",
    "kanaal": "brief",
    "omschrijving": "Inzage in het dossier.",
}
DEADLINE = datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
REMINDER = datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC)


def _counts(ctx: ServiceContext) -> dict[str, int]:
    """What a real case leaves: its rows, timer jobs, notices, mails, registers and case audit lines."""
    case_audit = or_(
        AuditEvent.process_instance_id.is_not(None),
        AuditEvent.task_id.is_not(None),
        AuditEvent.client_key.is_not(None),
        AuditEvent.object_type.in_(("process_instance", "human_task", "case")),
    )
    with ctx.db.read() as session:
        found = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (ProcessInstance, HumanTask, Notification, Outbox, Job, RegisterEntry)
        }
        found["case audit"] = (
            session.scalar(select(func.count()).select_from(AuditEvent).where(case_audit)) or 0
        )
        return found


def _only_task(view: TestRunView) -> tuple[str, str]:
    assert len(view.tasks) == 1, [t.name for t in view.tasks]
    return view.tasks[0].task_id, view.tasks[0].bpmn_id


def test_the_demo_runs_through_its_reminder_and_escalation_without_touching_real_cases(
    any_ctx: ServiceContext,
) -> None:
    ctx = any_ctx
    owner = login(ctx, "procesbeheer")
    before = _counts(ctx)
    run = runs.start_test_run(ctx, owner, DEMO, START)
    view = runs.view(ctx, owner, run.run_id)
    assert (view.now, view.ended) == (START, False)
    assert [step.bpmn_id for step in view.path] == ["start_request_received"]
    intake = view.tasks[0]
    assert (intake.bpmn_id, intake.role, intake.due_at) == ("register_request", "professional", None)

    # A wrong intake is refused with the messages of a real task; the run does not move.
    with pytest.raises(FormInvalid) as refused:
        runs.complete(ctx, owner, run.run_id, intake.task_id, {"recht": "alles", "extra": "x"})
    assert refused.value.errors == {
        "ontvangen_op": "Dit veld is verplicht.",
        "omschrijving": "Dit veld is verplicht.",
        "recht": "Kies een van de mogelijkheden.",
        "extra": "Dit veld hoort niet bij dit formulier.",
    }
    assert _only_task(runs.view(ctx, owner, run.run_id))[1] == "register_request"

    runs.complete(ctx, owner, run.run_id, intake.task_id, RECEIVED_ON_SATURDAY)
    view = runs.view(ctx, owner, run.run_id)
    decision = view.tasks[0]
    assert decision.bpmn_id == "decide_request" and decision.due_at == DEADLINE
    assert decision.due_rule == "4 weken vanaf 31-10-2026, verlengd tot de eerstvolgende werkdag"
    assert [(t.bpmn_id, t.due_at) for t in view.timers] == [
        ("timer_reminder", REMINDER),
        ("timer_deadline_expired", DEADLINE),
    ]
    assert [step.bpmn_id for step in view.path] == ["start_request_received", "register_request"]

    # Jump to the reminder: it fires, the decision stays open with the same due date.
    assert runs.advance_to_next_timer(ctx, owner, run.run_id) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    view = runs.view(ctx, owner, run.run_id)
    assert [step.bpmn_id for step in view.path][2:] == ["timer_reminder", "log_reminder", "end_reminder_sent"]
    assert all(step.at == view.now for step in view.path[2:])
    assert _only_task(view)[1] == "decide_request" and view.tasks[0].due_at == DEADLINE
    assert [t.bpmn_id for t in view.timers] == ["timer_deadline_expired"]

    # Jump to the deadline: the decision lapses and the FG gets the escalation.
    runs.advance_to_next_timer(ctx, owner, run.run_id)
    view = runs.view(ctx, owner, run.run_id)
    assert view.now == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    task_id, bpmn_id = _only_task(view)
    assert (bpmn_id, view.tasks[0].role) == ("handle_escalation", "fg")
    assert view.path[-1].bpmn_id == "timer_deadline_expired" and view.timers == []
    texts = [line.text for line in view.log]
    assert (
        "Taak ‘Identiteit controleren en beslissen’ is vervallen: de procedure ging verder zonder haar."
        in texts
    )
    assert "Tijdgebeurtenis ‘Termijn verstreken’ is afgegaan." in texts

    runs.complete(
        ctx, owner, run.run_id, task_id, {"maatregel": "Zelf afhandelen.", "betrokkene_geinformeerd": True}
    )
    view = runs.view(ctx, owner, run.run_id)
    assert view.ended and view.tasks == [] and view.path[-1].bpmn_id == "end_escalated"
    with pytest.raises(TestRunRefused, match="Er wacht geen termijn"):
        runs.advance_to_next_timer(ctx, owner, run.run_id)

    # No case, task, timer job, notice, mail, register or case audit line came of it.
    assert _counts(ctx) == before


def test_a_due_date_without_a_weekend_is_not_extended_and_restarting_begins_again(
    ctx: ServiceContext,
) -> None:
    owner = login(ctx, "beheerder")  # administrators may test-run too
    run = runs.start_test_run(ctx, owner, f"{DEMO}.bpmn", START)  # the file name works as well
    intake, _ = _only_task(runs.view(ctx, owner, run.run_id))
    runs.complete(ctx, owner, run.run_id, intake, {**RECEIVED_ON_SATURDAY, "ontvangen_op": "2026-11-02"})
    decision = runs.view(ctx, owner, run.run_id).tasks[0]
    assert decision.due_rule == "4 weken vanaf 02-11-2026"
    assert decision.due_at == datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)

    again = runs.restart(ctx, owner, run.run_id)
    view = runs.view(ctx, owner, again.run_id)
    assert (view.started_at, [t.bpmn_id for t in view.tasks]) == (START, ["register_request"])
    with pytest.raises(NotFound):
        runs.view(ctx, owner, run.run_id)  # the old run is gone


def test_the_run_uses_the_studio_edits_and_prefills_the_examples(ctx: ServiceContext) -> None:
    owner = login(ctx, "procesbeheer")
    name = "demo_request_intake.schema.json"
    schema = json.loads((PROJECT_ROOT / "forms" / name).read_text(encoding="utf-8"))
    schema["properties"]["omschrijving"]["examples"] = ["Inzage in het eigen dossier."]
    schema["properties"]["kanaal"]["default"] = "balie"
    save_source(ctx, owner, name, json.dumps(schema))  # saved in the studio, not deployed

    run = runs.start_test_run(ctx, owner, DEMO, START)
    intake = runs.view(ctx, owner, run.run_id).tasks[0]
    assert intake.data == {"omschrijving": "Inzage in het eigen dossier.", "kanaal": "balie"}
    assert intake.schema is not None and intake.schema["properties"]["kanaal"]["default"] == "balie"


def test_a_diagram_with_a_problem_is_refused_with_the_check_problems(ctx: ServiceContext) -> None:
    owner = login(ctx, "procesbeheer")
    xml = (PROJECT_ROOT / "processes" / f"{DEMO}.bpmn").read_text(encoding="utf-8")
    broken = xml.replace('value="demo_request_intake.schema.json"', 'value="bestaat_niet.schema.json"')
    save_source(ctx, owner, f"{DEMO}.bpmn", broken)

    plan = runs.plan_test_run(ctx, owner, DEMO)
    assert [(p.file, p.element) for p in plan.problems] == [(f"{DEMO}.bpmn", "register_request")]
    with pytest.raises(TestRunRefused) as refused:
        runs.start_test_run(ctx, owner, DEMO, START)
    assert str(refused.value) == "Dit diagram heeft problemen; los ze op voordat u het test."
    assert [p.element for p in refused.value.problems] == ["register_request"]
    with pytest.raises(NotFound):
        runs.plan_test_run(ctx, owner, "bestaat_niet")


def test_legal_rules_refuse_an_answer_as_in_a_real_task(ctx: ServiceContext) -> None:
    owner = login(ctx, "procesbeheer")
    run = runs.start_test_run(ctx, owner, "meldcode", START)
    signals, _ = _only_task(runs.view(ctx, owner, run.run_id))
    runs.complete(
        ctx,
        owner,
        run.run_id,
        signals,
        {
            "signalen_feiten": "Blauwe plekken gezien.",
            "signalen_waargenomen_op": "2026-11-01",
            "signalen_bron": "eigen_waarneming",
            "kindcheck_kinderen": False,
        },
    )
    consultation, bpmn_id = _only_task(runs.view(ctx, owner, run.run_id))
    assert bpmn_id == "stap2_consultatie"
    answers = {
        "consultatie_op": "2026-11-02",
        "consultatie_vraag": "Wat nu?",
        "consultatie_advies": "Gesprek voeren.",
        "vt_advies_gevraagd": True,
        "vt_advies_op": "2026-11-02",
        "vt_advies_samenvatting": "Bespreek het met de ouders.",
    }
    with pytest.raises(FormInvalid) as refused:
        runs.complete(ctx, owner, run.run_id, consultation, answers)
    assert refused.value.errors["vt_geen_herleidbare_gegevens"].startswith("Convenant art. 10 lid 2")


def test_only_process_owners_and_admins_and_each_only_their_own_runs(ctx: ServiceContext) -> None:
    owner, admin, professional = (login(ctx, u) for u in ("procesbeheer", "beheerder", "hulpverlener"))
    run = runs.start_test_run(ctx, owner, DEMO, START)
    with pytest.raises(AccessDenied):
        runs.start_test_run(ctx, professional, DEMO, START)
    with pytest.raises(AccessDenied):
        runs.view(ctx, professional, run.run_id)
    with pytest.raises(NotFound, match="bestaat niet"):
        runs.view(ctx, admin, run.run_id)  # another person's run is not theirs to see
    with pytest.raises(NotFound):
        runs.view(ctx, owner, "onbekend")
    with ctx.db.read() as session:
        denied = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor_id == professional.user_id, AuditEvent.result == "denied")
        )
    assert denied == 2


def test_runs_expire_after_two_idle_hours(ctx: ServiceContext, clock: ManualClock) -> None:
    owner = login(ctx, "procesbeheer")
    run = runs.start_test_run(ctx, owner, DEMO, START)
    clock.advance(IDLE - timedelta(minutes=1))
    runs.view(ctx, owner, run.run_id)  # using it keeps it
    clock.advance(IDLE - timedelta(minutes=1))
    runs.view(ctx, owner, run.run_id)
    clock.advance(IDLE + timedelta(minutes=1))
    with pytest.raises(NotFound):
        runs.view(ctx, owner, run.run_id)
