"""Time in the case intake: the minutes wait for the overleg, are due 5 working days later, and a late
record brings in the chair; signals of violence start the meldcode next to the case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import login
from tests.processes.test_case_intake import (
    ANONYMOUS,
    ANONYMOUS_TASK,
    AUTHORITY,
    CHASE,
    CLOSE,
    CLOSING,
    HELD,
    MELDCODE_TASK,
    MINUTES,
    MINUTES_DUE,
    MINUTES_TASK,
    NAMED,
    NO_BASIS,
    PARTICIPANTS,
    PARTICIPANTS_TASK,
    PLAN,
    PLANNING,
    QUESTION,
    RETENTION_TASK,
    SECOND,
    do,
    entry_of,
    named_case_in_planning,
    next_due,
    open_names,
    register,
)
from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext
from webapp.services.instances import view_instance
from webapp.services.tasks import list_inbox
from webapp.services.timers import fire_due_timers

EXPIRED = "Verlopen toestemming afhandelen"
# The consent is valid to 31 May 2027 and ends at the end of that day (CEST).
CONSENT_ENDS = datetime(2027, 5, 31, 22, 0, tzinfo=UTC)


def test_the_minutes_wait_for_the_overleg_and_are_due_five_working_days_later(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = named_case_in_planning(ctx, sanne)
    do(ctx, peter, instance_id, PLAN, PLANNING)
    assert open_names(ctx, sanne, instance_id) == [] and open_names(ctx, peter, instance_id) == []
    assert next_due(ctx, instance_id) == HELD  # 14:00 in Amsterdam plus one hour

    clock.set(HELD)
    assert fire_due_timers(ctx) == 0
    clock.set(HELD + SECOND)
    assert fire_due_timers(ctx) == 1
    (minutes,) = [t for t in list_inbox(ctx, sanne) if t.instance_id == instance_id]
    assert (minutes.name, minutes.created_at, minutes.due_at) == (MINUTES_TASK, HELD + SECOND, MINUTES_DUE)
    assert minutes.due_rule == "5 werkdagen vanaf 10-11-2026"
    assert next_due(ctx, instance_id) == MINUTES_DUE  # the chair's reminder, at the same moment


def test_late_minutes_bring_in_the_chair_and_the_task_stays_open(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = named_case_in_planning(ctx, sanne)
    do(ctx, peter, instance_id, PLAN, PLANNING)
    clock.set(HELD + SECOND)
    assert fire_due_timers(ctx) == 1

    clock.set(MINUTES_DUE)
    assert fire_due_timers(ctx) == 0
    assert open_names(ctx, peter, instance_id) == []
    clock.set(MINUTES_DUE + SECOND)
    assert fire_due_timers(ctx) == 1
    (chase,) = [t for t in list_inbox(ctx, peter) if t.instance_id == instance_id]
    assert (chase.name, chase.role, chase.created_at) == (CHASE, "voorzitter", MINUTES_DUE + SECOND)
    assert open_names(ctx, sanne, instance_id) == [MINUTES_TASK]  # not cancelled: still the initiator's
    assert next_due(ctx, instance_id) == CONSENT_ENDS  # only the consent's end date is left
    assert fire_due_timers(ctx) == 0  # the reminder fires once

    clock.advance(timedelta(hours=2))
    chased = {"initiatiefnemer_aangesproken_op": "2026-11-18", "verslag_verwacht_op": "2026-11-20"}
    do(ctx, peter, instance_id, CHASE, chased)
    do(ctx, sanne, instance_id, MINUTES_TASK, MINUTES)
    assert open_names(ctx, sanne, instance_id) == [CLOSE]
    history = [h.event for h in view_instance(ctx, sanne, instance_id).history]
    assert history.count("Termijn of herinnering verwerkt") == 2


def test_an_overleg_entered_afterwards_opens_the_minutes_at_once(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = named_case_in_planning(ctx, sanne)
    clock.set(datetime(2026, 11, 6, 9, tzinfo=UTC))
    do(ctx, peter, instance_id, PLAN, {**PLANNING, "overleg_op": "2026-11-04T10:00"})
    (minutes,) = [t for t in list_inbox(ctx, sanne) if t.instance_id == instance_id]
    # Wednesday 4 November + 5 working days: Wednesday 11 November, end of day.
    assert (minutes.name, minutes.due_at) == (MINUTES_TASK, datetime(2026, 11, 11, 22, 59, 59, tzinfo=UTC))


def test_signals_of_violence_start_the_meldcode_next_to_the_case(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne, {**NAMED, "signalen_geweld": True})
    assert sorted(open_names(ctx, sanne, instance_id)) == sorted([MELDCODE_TASK, PARTICIPANTS_TASK])
    assert entry_of(ctx, instance_id).fields["signalen_geweld"] is True

    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, PARTICIPANTS)
    assert sorted(open_names(ctx, sanne, instance_id)) == sorted([MELDCODE_TASK, AUTHORITY])


def test_an_anonymous_case_with_signals_closes_while_the_meldcode_runs(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = register(ctx, sanne, {**ANONYMOUS, "signalen_geweld": True})
    assert sorted(open_names(ctx, sanne, instance_id)) == sorted([ANONYMOUS_TASK, MELDCODE_TASK])
    do(ctx, sanne, instance_id, ANONYMOUS_TASK, QUESTION)
    do(ctx, peter, instance_id, PLAN, PLANNING)
    clock.set(HELD + SECOND)
    assert fire_due_timers(ctx) == 1
    do(ctx, sanne, instance_id, MINUTES_TASK, MINUTES)
    do(ctx, sanne, instance_id, CLOSE, CLOSING)
    assert sorted(open_names(ctx, sanne, instance_id)) == sorted([MELDCODE_TASK, RETENTION_TASK])
    assert entry_of(ctx, instance_id).status == "Afgesloten"


def test_an_expired_consent_stops_the_follow_up_overleg(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = named_case_in_planning(ctx, sanne)
    do(ctx, peter, instance_id, PLAN, PLANNING)
    clock.set(HELD + SECOND)
    assert fire_due_timers(ctx) == 1
    do(ctx, sanne, instance_id, MINUTES_TASK, {**MINUTES, "vervolg_overleg": "vervolgoverleg"})
    assert open_names(ctx, peter, instance_id) == [PLAN]  # the chair has not planned the next one yet

    clock.set(CONSENT_ENDS)
    assert fire_due_timers(ctx) == 0
    clock.set(CONSENT_ENDS + SECOND)
    assert fire_due_timers(ctx) == 1
    assert open_names(ctx, sanne, instance_id) == [EXPIRED]  # the consent procedure handles its end first
    do(ctx, sanne, instance_id, EXPIRED, {"delen_gestopt": True, "nieuwe_toestemming_nodig": True})
    assert open_names(ctx, peter, instance_id) == []
    assert open_names(ctx, sanne, instance_id) == [NO_BASIS]
    assert [t.state for t in view_instance(ctx, sanne, instance_id).tasks if t.name == PLAN] == [
        "completed",
        "cancelled",
    ]
    do(ctx, sanne, instance_id, NO_BASIS, {"vervolg_zonder_grondslag": "aanpassen"})
    assert open_names(ctx, sanne, instance_id) == [PARTICIPANTS_TASK]  # ask for a new consent
