"""The meldcode's clocks and events: the 5 working days for Veilig Thuis's feedback and its escalation to the
aandachtsfunctionaris, the evaluation date that reopens the weighing (question 5), a second report when the
help falls short, and new signals that reopen the weighing early (processes/meldcode.bpmn).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import login
from tests.processes.test_meldcode import (
    AFWEGING,
    EVALUATION,
    EVENT,
    HULP,
    HULP_MOGELIJK,
    HULPPLAN,
    MELDING,
    MELDPLAN,
    NAVRAAG,
    NIEUWE_SIGNALEN,
    ONVEILIG,
    REGISTER,
    SECOND,
    STAP5,
    TERUGKOPPELING,
    VT_ANTWOORD,
    Case,
    decide,
    report,
    vragen,
)
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid, TaskNotReady
from webapp.services import events, registers
from webapp.services.context import ServiceContext
from webapp.services.instances import view_instance
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers

NAVRAAG_DATA = {"vt_navraag_op": "2026-11-12", "vt_navraag_uitkomst": "toegezegd"}


@pytest.mark.parametrize(
    ("reported", "due", "rule"),
    [
        # Wednesday 4 November: Thu, Fri, Mon, Tue, Wed 11 November, end of day in Amsterdam (CET).
        ("2026-11-04T10:30", datetime(2026, 11, 11, 22, 59, 59, tzinfo=UTC), "5 werkdagen vanaf 04-11-2026"),
        # Wednesday 23 December: Christmas Day and the weekend do not count; Thursday 31 December.
        ("2026-12-23T16:00", datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC), "5 werkdagen vanaf 23-12-2026"),
    ],
)
def test_feedback_from_veilig_thuis_is_due_in_5_working_days_and_then_goes_to_the_aandachtsfunctionaris(
    ctx: ServiceContext, clock: ManualClock, reported: str, due: datetime, rule: str
) -> None:
    sanne, fatima, fg = login(ctx, "hulpverlener"), login(ctx, "aandacht"), login(ctx, "fg")
    case = decide(ctx, ONVEILIG)
    case.complete(sanne, STAP5, {"meldcode_besluit": "melden", "meldcode_besluit_toelichting": "Vraag 2"})
    case.complete(sanne, MELDING, {**MELDPLAN, "vt_gemeld_op": reported})
    feedback = case.task(sanne, TERUGKOPPELING)
    assert (feedback.due_at, feedback.due_rule) == (due, rule)
    assert [t.due_at for t in list_inbox(ctx, sanne) if t.id == feedback.id] == [due]
    assert case.next_due() == due

    clock.set(due - SECOND)
    assert fire_due_timers(ctx) == 0
    assert case.open_tasks(fatima) == [(TERUGKOPPELING, "professional")]
    clock.set(due + SECOND)
    assert fire_due_timers(ctx) == 1
    assert case.open_tasks(fatima) == [(TERUGKOPPELING, "professional"), (NAVRAAG, "aandachtsfunctionaris")]
    assert case.open_tasks(sanne) == [(TERUGKOPPELING, "professional")] and case.open_tasks(fg) == []
    escalation = case.task(fatima, NAVRAAG)
    assert (escalation.organisation, escalation.created_at, escalation.due_at) == (
        "Gemeente Weert",
        due + SECOND,
        None,
    )
    with pytest.raises(AccessDenied):
        complete_task(ctx, sanne, escalation.id, NAVRAAG_DATA)
    still_open = open_task(ctx, sanne, feedback.id).task
    assert (still_open.state, still_open.due_at) == ("open", due)  # the reminder does not interrupt
    assert case.next_due() is None and fire_due_timers(ctx) == 0

    assert not case.complete(fatima, NAVRAAG, NAVRAAG_DATA).instance_completed
    assert case.complete(sanne, TERUGKOPPELING, VT_ANTWOORD).instance_completed
    data = case.final_data()
    assert (data["vt_navraag_uitkomst"], data["meldcode_uitkomst"]) == ("toegezegd", "gemeld")


def test_feedback_in_time_cancels_the_escalation(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne = login(ctx, "hulpverlener")
    case = report(ctx, ONVEILIG, "melden")
    clock.set(datetime(2026, 11, 10, 12, tzinfo=UTC))
    assert case.complete(sanne, TERUGKOPPELING, VT_ANTWOORD).instance_completed
    clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    assert fire_due_timers(ctx) == 0
    assert NAVRAAG not in case.task_names(sanne)


@pytest.mark.parametrize(
    ("evaluation", "fires_at"),
    [
        ("2027-01-04", EVALUATION),  # 09:00 CET
        ("2027-04-06", datetime(2027, 4, 6, 7, tzinfo=UTC)),  # 09:00 CEST
    ],
)
def test_the_evaluation_date_reopens_the_weighing_at_nine_in_amsterdam(
    ctx: ServiceContext, clock: ManualClock, evaluation: str, fires_at: datetime
) -> None:
    sanne = login(ctx, "hulpverlener")
    case = decide(ctx, HULP_MOGELIJK)
    case.complete(sanne, STAP5, {"meldcode_besluit": "hulp", "meldcode_besluit_toelichting": "Hulp"})
    case.complete(sanne, HULP, {**HULPPLAN, "hulp_evaluatiedatum": evaluation})
    assert case.next_due() == fires_at
    clock.set(fires_at)  # a timer fires strictly after its instant
    assert fire_due_timers(ctx) == 0 and case.open_tasks(sanne) == []
    clock.set(fires_at + SECOND)
    assert fire_due_timers(ctx) == 1
    assert case.open_tasks(sanne) == [(AFWEGING, "professional")]
    assert case.next_due() is None
    clock.advance(timedelta(days=90))
    assert fire_due_timers(ctx) == 0  # it fires once


def _evaluated(ctx: ServiceContext, clock: ManualClock, case: Case) -> None:
    case.complete(login(ctx, "hulpverlener"), HULP, HULPPLAN)
    clock.set(EVALUATION + SECOND)
    assert fire_due_timers(ctx) == 1


def _falls_short(ctx: ServiceContext, clock: ManualClock) -> Case:
    """Reported with help on top; at the evaluation question 5 is 'nee': step 5 is open again."""
    case = report(ctx, ONVEILIG, "melden_en_hulp")
    case.complete(login(ctx, "hulpverlener"), TERUGKOPPELING, VT_ANTWOORD)
    _evaluated(ctx, clock, case)
    case.complete(login(ctx, "hulpverlener"), AFWEGING, vragen("ja", "nee", "ja", "ja", "nee"))
    return case


def test_help_that_falls_short_at_question_5_leads_to_a_second_report(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, fatima = login(ctx, "hulpverlener"), login(ctx, "aandacht")
    case = _falls_short(ctx, clock)
    help_only = {"meldcode_besluit": "hulp", "meldcode_besluit_toelichting": "Nog even aankijken"}
    with pytest.raises(FormInvalid) as refused:
        case.complete(sanne, STAP5, help_only)
    assert "vraag 5 is 'nee'" in refused.value.errors["meldcode_besluit"]
    case.complete(sanne, STAP5, {**help_only, "meldcode_besluit": "melden"})
    assert case.open_tasks(sanne) == [(MELDING, "professional")]

    case.complete(sanne, MELDING, {**MELDPLAN, "vt_gemeld_op": "2027-01-04T14:00"})
    (entry,) = registers.list_register(ctx, fatima, REGISTER).entries  # one entry per case, updated
    assert (entry.status, entry.closed_at) == ("terugkoppeling afwachten", None)
    assert {
        k: entry.fields[k] for k in ("vt_gemeld_op", "melding_grond", "melding_besluit", "meldcode_meldingen")
    } == {
        "vt_gemeld_op": "2027-01-04T14:00",
        "melding_grond": "Vraag 5: hulp leidt niet tot veiligheid",
        "melding_besluit": "melden",
        "meldcode_meldingen": 2,
    }
    second = case.task(sanne, TERUGKOPPELING)
    assert second.due_rule == "5 werkdagen vanaf 04-01-2027"
    assert case.complete(
        sanne, TERUGKOPPELING, {**VT_ANTWOORD, "vt_vervolg": "overdracht"}
    ).instance_completed
    assert case.final_data()["meldcode_uitkomst"] == "gemeld_en_hulp"
    (entry,) = registers.list_register(ctx, fatima, REGISTER).entries
    assert (entry.status, entry.closed_at) == ("overdracht", clock.now())


def test_a_second_report_replaces_the_sources_in_the_register(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    case = _falls_short(ctx, clock)
    case.complete(sanne, STAP5, {"meldcode_besluit": "melden", "meldcode_besluit_toelichting": "Vraag 5"})
    sources = [{"soort": "derde", "naam_of_rol": "Leerkracht"}]
    case.complete(
        sanne, MELDING, {**MELDPLAN, "vt_melding_feiten": "Nieuw feit", "vt_melding_bronnen": sources}
    )
    (entry,) = registers.list_register(ctx, login(ctx, "fg"), REGISTER).entries
    assert entry.fields["vt_melding_feiten"] == "Nieuw feit"
    assert entry.fields["vt_melding_bronnen"] == sources


def test_new_signals_reopen_the_weighing_before_the_evaluation_date(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan, fatima = login(ctx, "hulpverlener"), login(ctx, "collega"), login(ctx, "aandacht")
    fg, lotte = login(ctx, "fg"), login(ctx, "rubicon")
    case = decide(ctx, HULP_MOGELIJK)
    case.complete(sanne, STAP5, {"meldcode_besluit": "hulp", "meldcode_besluit_toelichting": "Hulp"})
    case.complete(sanne, HULP, HULPPLAN)
    for professional in (sanne, daan, fatima):
        assert events.list_instance_actions(ctx, professional, case.instance_id) == [EVENT]
    for outsider in (fg, lotte):
        assert events.list_instance_actions(ctx, outsider, case.instance_id) == []
        with pytest.raises(AccessDenied):
            events.trigger_event(ctx, outsider, case.instance_id, EVENT.message_name)
    assert case.next_due() == EVALUATION

    clock.advance(timedelta(days=20))
    raised = events.trigger_event(ctx, daan, case.instance_id, EVENT.message_name)
    assert not raised.instance_completed
    assert open_task(ctx, daan, raised.next_task_id or 0).task.name == NIEUWE_SIGNALEN
    assert case.open_tasks(sanne) == [(NIEUWE_SIGNALEN, "professional")]
    assert case.next_due() is None  # the evaluation timer left with the help
    assert events.list_instance_actions(ctx, sanne, case.instance_id) == []
    with pytest.raises(TaskNotReady):
        events.trigger_event(ctx, sanne, case.instance_id, EVENT.message_name)

    signals = {"nieuwe_signalen_op": "2026-11-21", "nieuwe_signalen": "Kind vertelt over slaan (disclosure)"}
    weighing = case.complete(daan, NIEUWE_SIGNALEN, signals)
    form = open_task(ctx, daan, weighing.next_task_id or 0)
    assert form.task.name == AFWEGING and set(form.data.values()) == {None}
    case.complete(daan, AFWEGING, ONVEILIG)
    assert case.open_tasks(daan) == [(STAP5, "professional")]
    clock.set(EVALUATION + SECOND)
    assert fire_due_timers(ctx) == 0
    assert view_instance(ctx, daan, case.instance_id).status == "running"
