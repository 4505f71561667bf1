"""The breach's deadlines (processes/data_breach.bpmn): the warning 24 hours before the 72 hours of AVG
art. 33 lid 1 end, the escalation to the FG when they have, a late notification with its reasons (T2), and
the 24 hours for informing the partners (convenant art. 13 lid 5, DOMAIN §10.2) with their escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import login
from tests.processes.test_data_breach import (
    ADVICE,
    ADVICE_TASK,
    CLOSE,
    CLOSE_TASK,
    DEADLINE_ESCALATION,
    DECIDE_TASK,
    DECISION,
    NOTIFICATION,
    NOTIFY_TASK,
    PARTNER_ESCALATION,
    PARTNERS,
    PARTNERS_TASK,
    SECOND,
    T24,
    T48,
    T72,
    TRIAGE,
    TRIAGE_TASK,
    WARNING_TASK,
    do,
    entry,
    jobs,
    refused,
    report,
    task_id,
    tasks,
    to_decision,
)
from webapp.domain.clock import ManualClock
from webapp.domain.deadlines import AMSTERDAM
from webapp.services.context import ServiceContext
from webapp.services.instances import view_instance
from webapp.services.tasks import list_inbox, open_task
from webapp.services.timers import fire_due_timers

TIMER_LINE = "Termijn of herinnering verwerkt"
LATE = {**NOTIFICATION, "gemeld_bij_ap_op": "2026-11-05T13:15"}
LATE_MESSAGE = (
    "AVG art. 33 lid 1: de melding is later gedaan dan 72 uur na de ontdekking (05-11-2026 10:00); "
    "vermeld de redenen voor de vertraging."
)


def test_warning_at_48_hours_escalation_at_72_and_a_late_notification_needs_its_reasons(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    mila, fg = login(ctx, "manager"), login(ctx, "fg")
    instance_id = to_decision(ctx, convenantgegevens=False)
    assert view_instance(ctx, fg, instance_id).next_due_at == T48

    clock.set(T48 - SECOND)
    assert fire_due_timers(ctx) == 0
    assert tasks(ctx, mila, instance_id) == [DECIDE_TASK]
    clock.set(T48 + SECOND)
    assert fire_due_timers(ctx) == 1
    assert tasks(ctx, mila, instance_id) == [DECIDE_TASK, WARNING_TASK]
    warning = next(t for t in list_inbox(ctx, mila) if t.name == WARNING_TASK)
    assert (warning.role, warning.due_at, warning.due_rule) == (
        "manager",
        T72,
        "72 uur vanaf 02-11-2026 10:00",
    )
    assert tasks(ctx, fg, instance_id) == []  # the warning is for the controller, not yet for the FG
    assert view_instance(ctx, fg, instance_id).next_due_at == T72

    clock.set(T72 - SECOND)
    assert fire_due_timers(ctx) == 0
    clock.set(T72 + SECOND)
    assert fire_due_timers(ctx) == 1
    assert tasks(ctx, fg, instance_id) == [DEADLINE_ESCALATION]
    # Notifying is still required after the 72 hours (T2): the decision stays open, and so does the warning.
    assert tasks(ctx, mila, instance_id) == [DECIDE_TASK, WARNING_TASK]
    timer_lines = [h.at for h in view_instance(ctx, fg, instance_id).history if h.event == TIMER_LINE]
    assert timer_lines == [T48 + SECOND, T72 + SECOND]

    clock.advance(timedelta(hours=3))
    do(ctx, mila, instance_id, DECIDE_TASK, DECISION)
    # Deciding to notify is not notifying: the warning stays until the notification is recorded.
    assert tasks(ctx, mila, instance_id) == [NOTIFY_TASK, WARNING_TASK]

    errors = refused(ctx, mila, instance_id, NOTIFY_TASK, LATE)
    assert errors == {"reden_vertraging": LATE_MESSAGE}
    reasons = "Omvang pas na onderzoek van de leverancier bekend."
    do(ctx, mila, instance_id, NOTIFY_TASK, {**LATE, "reden_vertraging": reasons})
    # Notified: the warning falls away by itself; the FG's escalation stays.
    assert open_task(ctx, mila, warning.id).task.state == "cancelled"
    assert tasks(ctx, fg, instance_id) == [DEADLINE_ESCALATION]
    do(
        ctx,
        fg,
        instance_id,
        DEADLINE_ESCALATION,
        {"fg_actie_termijn": "Teamleider gesproken; procedure herzien."},
    )
    row = entry(ctx, instance_id)
    assert (row.status, row.fields["gemeld_bij_ap_op"], row.fields["reden_vertraging"]) == (
        "Gemeld bij de AP",
        "2026-11-05T13:15",
        reasons,
    )
    assert "fg_actie_termijn" not in row.fields  # the escalation is in the case's history, not the register
    assert view_instance(ctx, fg, instance_id).next_due_at is None


def test_the_warning_acknowledged_does_not_stop_the_watch(ctx: ServiceContext, clock: ManualClock) -> None:
    mila, fg = login(ctx, "manager"), login(ctx, "fg")
    instance_id = to_decision(ctx, convenantgegevens=False)
    clock.set(T48 + SECOND)
    assert fire_due_timers(ctx) == 1
    assert not do(ctx, mila, instance_id, WARNING_TASK, {})
    assert tasks(ctx, mila, instance_id) == [DECIDE_TASK]
    clock.set(T72 + SECOND)
    assert fire_due_timers(ctx) == 1
    assert tasks(ctx, fg, instance_id) == [DEADLINE_ESCALATION]


def test_a_notification_at_the_72nd_hour_is_in_time(ctx: ServiceContext, clock: ManualClock) -> None:
    mila = login(ctx, "manager")
    instance_id = to_decision(ctx, convenantgegevens=False)
    do(ctx, mila, instance_id, DECIDE_TASK, DECISION)
    clock.set(T72 - SECOND)
    assert fire_due_timers(ctx) == 1  # only the warning
    do(ctx, mila, instance_id, NOTIFY_TASK, {**NOTIFICATION, "gemeld_bij_ap_op": "2026-11-05T10:00"})
    assert "reden_vertraging" not in entry(ctx, instance_id).fields
    assert jobs(ctx, instance_id) == []


def test_partners_not_informed_within_24_hours_escalate_to_the_fg_and_closing_waits_for_them(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, mila, fg = login(ctx, "hulpverlener"), login(ctx, "manager"), login(ctx, "fg")
    instance_id = report(ctx, sanne)
    do(ctx, mila, instance_id, TRIAGE_TASK, TRIAGE)
    partners_id = task_id(ctx, mila, instance_id, PARTNERS_TASK)

    clock.set(T24 - SECOND)
    assert fire_due_timers(ctx) == 0
    assert tasks(ctx, fg, instance_id) == [ADVICE_TASK]
    clock.set(T24 + SECOND)
    assert fire_due_timers(ctx) == 1
    assert tasks(ctx, fg, instance_id) == [PARTNER_ESCALATION, ADVICE_TASK]
    escalation = next(t for t in list_inbox(ctx, fg) if t.name == PARTNER_ESCALATION)
    assert (escalation.organisation, escalation.created_at, escalation.due_at) == (
        "Gemeente Weert",
        T24 + SECOND,
        None,
    )
    assert tasks(ctx, mila, instance_id) == [PARTNERS_TASK]  # the duty stays with the controller
    assert tasks(ctx, sanne, instance_id) == []
    assert refused(ctx, fg, instance_id, PARTNER_ESCALATION, {}) == {
        "fg_actie_partners": "Dit veld is verplicht."
    }
    do(ctx, fg, instance_id, PARTNER_ESCALATION, {"fg_actie_partners": "Teamleider gebeld."})

    do(ctx, fg, instance_id, ADVICE_TASK, ADVICE)
    do(ctx, mila, instance_id, DECIDE_TASK, {**DECISION, "risico": "risico"})
    do(ctx, mila, instance_id, NOTIFY_TASK, NOTIFICATION)
    # Not a high risk: no data-subject step. Closing waits until the partners have been informed.
    assert tasks(ctx, mila, instance_id) == [PARTNERS_TASK]
    assert open_task(ctx, mila, partners_id).task.state == "open"
    late = {**PARTNERS, "partners_geinformeerd_op": "2026-11-03T14:00"}
    do(ctx, mila, instance_id, PARTNERS_TASK, late)
    assert tasks(ctx, mila, instance_id) == [CLOSE_TASK]
    assert do(ctx, mila, instance_id, CLOSE_TASK, CLOSE)
    row = entry(ctx, instance_id)
    assert (row.fields["partners_geinformeerd"], row.fields["partners_geinformeerd_op"]) == (
        ["rubicon", "met-ggz"],
        "2026-11-03T14:00",
    )
    assert (row.status, row.fields["risico"], row.closed_at) == ("Afgesloten", "risico", clock.now())


def test_jumping_past_every_deadline_fires_them_all_in_one_go(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, mila, fg = login(ctx, "hulpverlener"), login(ctx, "manager"), login(ctx, "fg")
    instance_id = report(ctx, sanne)
    do(ctx, mila, instance_id, TRIAGE_TASK, TRIAGE)
    clock.set(T72 + timedelta(hours=1))
    assert fire_due_timers(ctx) == 1  # one job per instance, all three timers due in it
    assert fire_due_timers(ctx) == 0
    assert tasks(ctx, mila, instance_id) == [PARTNERS_TASK, WARNING_TASK]
    assert tasks(ctx, fg, instance_id) == [DEADLINE_ESCALATION, PARTNER_ESCALATION, ADVICE_TASK]
    assert view_instance(ctx, fg, instance_id).next_due_at is None


def test_the_warning_is_24_real_hours_before_the_deadline_across_summer_time(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    # Discovered Thursday 25 March 2027, 03:00 CET (02:00 UTC); summer time starts on Sunday 28 March.
    clock.set(datetime(2027, 3, 25, 3, tzinfo=AMSTERDAM))
    instance_id = to_decision(ctx, "2027-03-25T03:00", convenantgegevens=False)
    due = datetime(2027, 3, 28, 2, tzinfo=UTC)
    decision = open_task(
        ctx, login(ctx, "manager"), task_id(ctx, login(ctx, "manager"), instance_id, DECIDE_TASK)
    )
    assert decision.task.due_at == due
    assert view_instance(ctx, login(ctx, "fg"), instance_id).next_due_at == due - timedelta(hours=24)
