"""Deadlines of the data-subject request: the reminder 7 days before the 4 weeks, the escalation to the FG at
the deadline, and the extension by 2 months that moves the due date, the timers and the register's deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tests.factories import login
from tests.processes.test_subject_request import (
    ANSWER,
    CLOSE,
    CLOSING,
    DEADLINE,
    DECIDE,
    ESCALATION,
    EXTENSION,
    IDENTITY,
    REMINDER,
    SCOPE_NONE,
    SECOND,
    VERIFY,
    entry,
    next_due,
    open_tasks,
    register_request,
    task_id,
    to_decision,
)
from webapp.domain.clock import ManualClock
from webapp.persistence.models import Job
from webapp.services.context import ServiceContext
from webapp.services.instances import view_instance
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers

TIMER_LINE = "Termijn of herinnering verwerkt"
# Extended: 2 November 2026 + 2 months + 4 weeks = Saturday 30 January 2027, so Monday 1 February (CET).
EXT_DEADLINE = datetime(2027, 2, 1, 22, 59, 59, tzinfo=UTC)
EXT_REMINDER = datetime(2027, 1, 25, 22, 59, 59, tzinfo=UTC)
EXT_RULE = "2 maanden en 4 weken vanaf 02-11-2026, verlengd tot de eerstvolgende werkdag"
DECIDE_EXT, ANSWER_EXT = "Beslissen binnen de verlengde termijn", "Uitvoeren en antwoord versturen (verlengd)"
ESCALATION_EXT = "Termijnoverschrijding bewaken (verlengd)"
NOTICE: dict[str, Any] = {
    "verlenging_reden": "complexiteit",
    "verlenging_motivering": "Het verzoek raakt de dossiers van vier partners.",
    "verlenging_gemeld_op": "2026-11-22",
}
MEASURE = {"escalatie_maatregel": "voorrang", "betrokkene_geinformeerd": True}
GRANTED = {"uitgevoerde_maatregelen": ["afschrift_verstrekt"], "antwoord_verzonden_op": "2026-12-02"}


def _timer_lines(ctx: ServiceContext, instance_id: int) -> list[datetime]:
    history = view_instance(ctx, login(ctx, "hulpverlener"), instance_id).history
    return [line.at for line in history if line.event == TIMER_LINE]


def test_reminder_then_escalation_to_the_fg_while_the_professional_carries_on(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id, verify_id = register_request(ctx, sanne)
    assert next_due(ctx, instance_id) == REMINDER

    clock.set(REMINDER - SECOND)
    assert fire_due_timers(ctx) == 0
    clock.set(REMINDER + SECOND)
    assert fire_due_timers(ctx) == 1
    assert _timer_lines(ctx, instance_id) == [REMINDER + SECOND]
    assert open_tasks(ctx, sanne, instance_id) == [(VERIFY, "professional")]
    assert open_tasks(ctx, fg, instance_id) == []
    assert next_due(ctx, instance_id) == DEADLINE

    clock.set(DEADLINE - SECOND)
    assert fire_due_timers(ctx) == 0
    clock.set(DEADLINE + SECOND)
    assert fire_due_timers(ctx) == 1
    # The escalation runs beside the request: the professional's task stays open, the FG gets a task.
    assert open_tasks(ctx, fg, instance_id) == [(ESCALATION, "fg")]
    assert open_tasks(ctx, sanne, instance_id) == [(VERIFY, "professional")]
    assert open_task(ctx, sanne, verify_id).task.due_at == DEADLINE
    assert next_due(ctx, instance_id) is None

    scope_id = complete_task(ctx, sanne, verify_id, IDENTITY).next_task_id
    assert scope_id is not None
    decide_id = complete_task(ctx, sanne, scope_id, SCOPE_NONE).next_task_id
    assert decide_id is not None
    answer_id = complete_task(ctx, sanne, decide_id, {"besluit": "toewijzen"}).next_task_id
    assert answer_id is not None
    close_id = complete_task(ctx, sanne, answer_id, GRANTED).next_task_id
    assert close_id is not None
    assert not complete_task(ctx, sanne, close_id, CLOSING).instance_completed  # the FG's task is open
    assert entry(ctx, instance_id).closed_at is None

    escalation_id = task_id(ctx, fg, instance_id, ESCALATION)
    assert complete_task(ctx, fg, escalation_id, MEASURE).instance_completed
    row = entry(ctx, instance_id)
    assert (row.status, row.closed_at) == ("Afgesloten", clock.now())
    assert _timer_lines(ctx, instance_id) == [REMINDER + SECOND, DEADLINE + SECOND]


def test_extension_moves_the_due_date_the_timers_and_the_register(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id, decide_id = to_decision(ctx, sanne)
    clock.set(datetime(2026, 11, 22, 10, tzinfo=UTC))  # day 20: still inside the first term
    extension_id = complete_task(ctx, sanne, decide_id, {"besluit": "verlengen"}).next_task_id
    assert extension_id is not None
    notice_task = open_task(ctx, sanne, extension_id).task
    assert (notice_task.name, notice_task.due_at) == (EXTENSION, DEADLINE)

    decide_ext = complete_task(ctx, sanne, extension_id, NOTICE).next_task_id
    assert decide_ext is not None
    task = open_task(ctx, sanne, decide_ext).task
    assert (task.name, task.due_at, task.due_rule) == (DECIDE_EXT, EXT_DEADLINE, EXT_RULE)
    assert [(t.due_at, t.due_rule) for t in list_inbox(ctx, sanne) if t.id == decide_ext] == [
        (EXT_DEADLINE, EXT_RULE)
    ]
    row = entry(ctx, instance_id)
    assert (row.status, row.due_at) == ("Verlengd", EXT_DEADLINE)
    assert row.fields["antwoord_uiterlijk"] == EXT_DEADLINE.isoformat()
    assert (row.fields["verlengd"], row.fields["verlenging_reden"]) == (True, "complexiteit")
    assert row.fields["verlenging_gemeld_op"] == "2026-11-22"
    assert next_due(ctx, instance_id) == EXT_REMINDER

    # The old deadline passes without a reminder or an escalation.
    clock.set(DEADLINE + SECOND)
    assert fire_due_timers(ctx) == 0
    assert open_tasks(ctx, fg, instance_id) == []
    clock.set(EXT_REMINDER + SECOND)
    assert fire_due_timers(ctx) == 1
    assert next_due(ctx, instance_id) == EXT_DEADLINE
    assert open_tasks(ctx, fg, instance_id) == []
    clock.set(EXT_DEADLINE + SECOND)
    assert fire_due_timers(ctx) == 1
    assert open_tasks(ctx, fg, instance_id) == [(ESCALATION_EXT, "fg")]
    assert open_tasks(ctx, sanne, instance_id) == [(DECIDE_EXT, "professional")]
    assert _timer_lines(ctx, instance_id) == [EXT_REMINDER + SECOND, EXT_DEADLINE + SECOND]

    answer_id = complete_task(ctx, sanne, decide_ext, {"besluit": "toewijzen"}).next_task_id
    assert answer_id is not None
    answer = open_task(ctx, sanne, answer_id).task
    assert (answer.name, answer.due_at, answer.due_rule) == (ANSWER_EXT, EXT_DEADLINE, EXT_RULE)
    close_id = complete_task(ctx, sanne, answer_id, GRANTED).next_task_id
    assert close_id is not None
    complete_task(ctx, sanne, close_id, CLOSING)
    escalation_id = task_id(ctx, fg, instance_id, ESCALATION_EXT)
    assert complete_task(ctx, fg, escalation_id, MEASURE).instance_completed
    names = [t.name for t in view_instance(ctx, sanne, instance_id).tasks]
    assert DECIDE in names and ANSWER not in names  # the first term's answer task never opened


def test_answered_in_time_after_an_extension_leaves_no_timer(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = to_decision(ctx, sanne)
    extension_id = complete_task(ctx, sanne, decide_id, {"besluit": "verlengen"}).next_task_id
    assert extension_id is not None
    decide_ext = complete_task(ctx, sanne, extension_id, NOTICE).next_task_id
    assert decide_ext is not None
    refuse = {"besluit": "weigeren", "weigeringsgrond": "rechten_anderen", "motivering": "Identiteit melder"}
    refusal_id = complete_task(ctx, sanne, decide_ext, refuse).next_task_id
    assert refusal_id is not None
    assert open_task(ctx, sanne, refusal_id).task.due_at == EXT_DEADLINE
    letter = {"antwoord_verzonden_op": "2027-01-10", "brief_vermeldt": ["redenen", "klacht_ap", "rechter"]}
    close_id = complete_task(ctx, sanne, refusal_id, letter).next_task_id
    assert close_id is not None and open_task(ctx, sanne, close_id).task.name == CLOSE
    assert next_due(ctx, instance_id) is None
    assert complete_task(ctx, sanne, close_id, CLOSING).instance_completed

    clock.set(datetime(2027, 6, 1, tzinfo=UTC))
    assert fire_due_timers(ctx) == 0
    with ctx.db.read() as session:
        assert session.scalars(select(Job).where(Job.instance_id == instance_id)).all() == []
    row = entry(ctx, instance_id)
    assert (row.fields["besluit"], row.fields["weigeringsgrond"], row.due_at) == (
        "weigeren",
        "rechten_anderen",
        EXT_DEADLINE,
    )
