"""Scenario tests for the data breach (processes/data_breach.bpmn): the happy path, who sees what, the due
dates users see, the breach register, and an incident that is no breach.

The helpers here are shared with test_data_breach_deadlines.py and test_data_breach_rules.py. Users drive the
services; time only moves through the ManualClock, and timers fire through fire_due_timers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.persistence.models import Job, ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.events import list_instance_actions
from webapp.services.instances import start_process, view_instance
from webapp.services.registers import list_register, view_register_entry
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers
from webapp.services.views import RegisterEntryView

PROCESS = "data_breach"
SECOND = timedelta(seconds=1)
# Discovered Monday 2 November 2026, 10:00 in Amsterdam (CET) = 09:00 UTC, the clock's start.
FOUND = "2026-11-02T10:00"
T24 = datetime(2026, 11, 3, 9, tzinfo=UTC)  # partners informed (convenant art. 13 lid 5, DOMAIN §10.2)
T48 = datetime(2026, 11, 4, 9, tzinfo=UTC)  # warning, 24 hours before the end; FG advice due
T72 = datetime(2026, 11, 5, 9, tzinfo=UTC)  # AVG art. 33 lid 1

REPORT_TASK, TRIAGE_TASK = "Datalek melden", "Datalek beoordelen en inperken"
ADVICE_TASK, DECIDE_TASK = "FG-advies geven", "Besluiten over melding aan de AP"
NOTIFY_TASK, PARTNERS_TASK = "Datalek melden bij de AP", "Samenwerkingspartners informeren"
SUBJECTS_TASK, NOTICE_TASK = "Besluiten over informeren betrokkenen", "Betrokkenen informeren"
CLOSE_TASK, WARNING_TASK = "Datalek afsluiten", "Waarschuwing: nog 24 uur voor de AP-melding"
DEADLINE_ESCALATION = "Escalatie: meldtermijn AP verstreken"
PARTNER_ESCALATION = "Escalatie: partners niet geïnformeerd"

REPORT = {
    "ontdekt_op": FOUND,
    "omschrijving_datalek": "Rapportage per e-mail naar een verkeerde ontvanger gestuurd.",
    "oorzaak": "verkeerde_ontvanger",
    "aard_inbreuk": ["gelezen"],
    "soorten_gegevens": ["naw", "gezondheid"],
    "aantal_betrokkenen": 3,
}
TRIAGE = {
    "is_datalek": True,
    "herstelmaatregelen": "Ontvanger heeft de e-mail verwijderd en dat bevestigd.",
    "categorieen_betrokkenen": ["clienten", "minderjarigen"],
    "convenantgegevens": True,
}
ADVICE = {
    "fg_advies_risico": "hoog",
    "fg_advies_melden": "melden",
    "fg_advies": "Gezondheidsgegevens van minderjarigen: melden en betrokkenen informeren.",
    "fg_advies_op": "2026-11-03",
}
DECISION = {
    "risico": "hoog",
    "besluit_ap": "melden",
    "gevolgen": "Ouders en kinderen kunnen zich geschaad voelen.",
}
NOTIFICATION = {
    "ap_meldnummer": "M-2026-0412",
    "gemeld_bij_ap_op": "2026-11-03T16:30",
    "fg_als_contactpunt": True,
}
PARTNERS = {"partners_geinformeerd": ["rubicon", "met-ggz"], "partners_geinformeerd_op": "2026-11-02T15:00"}
INFORM = {"besluit_betrokkenen": "informeren"}
NOTICE = {
    "wijze_informeren": "individueel",
    "betrokkenen_geinformeerd_op": "2026-11-04",
    "bericht_volledig": True,
}
CLOSE = {"lessen": "Automatisch aanvullen van adressen uitgezet."}


# --- helpers shared by the breach test modules -----------------------------------------------------------


def tasks(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[str]:
    return sorted(t.name for t in list_inbox(ctx, actor) if t.instance_id == instance_id)


def task_id(ctx: ServiceContext, actor: Actor, instance_id: int, name: str) -> int:
    return next(t.id for t in list_inbox(ctx, actor) if t.instance_id == instance_id and t.name == name)


def do(ctx: ServiceContext, actor: Actor, instance_id: int, name: str, data: dict[str, Any]) -> bool:
    """Complete the open task ``name``; returns whether the instance completed."""
    return complete_task(ctx, actor, task_id(ctx, actor, instance_id, name), data).instance_completed


def report(ctx: ServiceContext, actor: Actor, **changes: Any) -> int:
    started = start_process(ctx, actor, PROCESS, home_organisation(actor))
    assert started.next_task_id is not None
    complete_task(ctx, actor, started.next_task_id, {**REPORT, **changes})
    return started.instance_id


def to_decision(ctx: ServiceContext, found: str = FOUND, **triage: Any) -> int:
    """Reported by Sanne, triaged by Mila (the manager), advised by Ingrid (the FG); the decision is open."""
    sanne, mila, fg = login(ctx, "hulpverlener"), login(ctx, "manager"), login(ctx, "fg")
    instance_id = report(ctx, sanne, ontdekt_op=found)
    do(ctx, mila, instance_id, TRIAGE_TASK, {**TRIAGE, **triage})
    do(ctx, fg, instance_id, ADVICE_TASK, ADVICE)
    return instance_id


def version(ctx: ServiceContext, instance_id: int) -> int:
    with ctx.db.read() as session:
        return int(
            session.scalars(select(ProcessInstance.version).where(ProcessInstance.id == instance_id)).one()
        )


def refused(
    ctx: ServiceContext, actor: Actor, instance_id: int, name: str, data: dict[str, Any]
) -> dict[str, str]:
    """Post ``data`` to the open task ``name``, expect a refusal, and check the task stayed open untouched."""
    task, before = task_id(ctx, actor, instance_id, name), version(ctx, instance_id)
    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, actor, task, data)
    assert open_task(ctx, actor, task).task.state == "open"
    assert version(ctx, instance_id) == before
    return invalid.value.errors


def entry(ctx: ServiceContext, instance_id: int) -> RegisterEntryView:
    fg = login(ctx, "fg")
    return next(e for e in list_register(ctx, fg, "breach").entries if e.instance_id == instance_id)


def jobs(ctx: ServiceContext, instance_id: int) -> list[Job]:
    with ctx.db.read() as session:
        return list(session.scalars(select(Job).where(Job.instance_id == instance_id)))


# --- tests -------------------------------------------------------------------------------------------------


def test_notified_in_time_informed_and_closed_with_a_full_register_entry(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan, mila, fg = (login(ctx, u) for u in ("hulpverlener", "collega", "manager", "fg"))
    lotte, fg_rubicon = login(ctx, "rubicon"), login(ctx, "fg.rubicon")
    instance_id = report(ctx, sanne)

    # Triage is the controller's (lane Manager): not the reporter's, nor the FG's, nor another organisation's.
    assert tasks(ctx, mila, instance_id) == [TRIAGE_TASK]
    for other in (sanne, daan, fg, lotte, fg_rubicon):
        assert tasks(ctx, other, instance_id) == []
    assert entry(ctx, instance_id).status == "In beoordeling"

    clock.advance(timedelta(hours=2))
    do(ctx, mila, instance_id, TRIAGE_TASK, TRIAGE)
    assert tasks(ctx, mila, instance_id) == [PARTNERS_TASK]
    assert tasks(ctx, fg, instance_id) == [ADVICE_TASK]
    # The 72-hour watch waits for an internal signal, not for a message: nobody can raise it by hand.
    assert list_instance_actions(ctx, fg, instance_id) == []
    do(ctx, mila, instance_id, PARTNERS_TASK, PARTNERS)
    clock.advance(timedelta(hours=20))
    do(ctx, fg, instance_id, ADVICE_TASK, ADVICE)
    assert tasks(ctx, fg, instance_id) == []  # the FG advises; the decision is the controller's
    assert tasks(ctx, mila, instance_id) == [DECIDE_TASK]
    do(ctx, mila, instance_id, DECIDE_TASK, DECISION)
    assert tasks(ctx, mila, instance_id) == [NOTIFY_TASK]
    do(ctx, mila, instance_id, NOTIFY_TASK, NOTIFICATION)
    # Notified: the 72-hour watch has stopped, and no timer is left.
    assert view_instance(ctx, fg, instance_id).next_due_at is None
    assert jobs(ctx, instance_id) == []
    assert entry(ctx, instance_id).status == "Gemeld bij de AP"

    do(ctx, mila, instance_id, SUBJECTS_TASK, INFORM)
    do(ctx, mila, instance_id, NOTICE_TASK, NOTICE)
    assert tasks(ctx, mila, instance_id) == [CLOSE_TASK]
    close = open_task(ctx, mila, task_id(ctx, mila, instance_id, CLOSE_TASK))
    # The closing form shows what the register will keep, filled in from the case.
    assert close.data == {
        "omschrijving_datalek": REPORT["omschrijving_datalek"],
        "gevolgen": DECISION["gevolgen"],
        "herstelmaatregelen": TRIAGE["herstelmaatregelen"],
    }
    clock.advance(timedelta(days=10))
    assert do(ctx, mila, instance_id, CLOSE_TASK, CLOSE)

    view = view_instance(ctx, fg, instance_id)
    assert (view.status, view.ended_at) == ("completed", clock.now())
    assert [(t.name, t.state) for t in view.tasks if t.state != "completed"] == []
    row = entry(ctx, instance_id)
    assert (row.status, row.due_at, row.closed_at, row.organisation) == (
        "Afgesloten",
        T72,
        clock.now(),
        "Gemeente Weert",
    )
    assert row.fields == {
        **REPORT,
        **{k: v for k, v in TRIAGE.items()},
        **ADVICE,
        **DECISION,
        "ap_meldnummer": "M-2026-0412",
        "gemeld_bij_ap_op": "2026-11-03T16:30",
        "besluit_betrokkenen": "informeren",
        "wijze_informeren": "individueel",
        "betrokkenen_geinformeerd_op": "2026-11-04",
        **PARTNERS,
        "lessen": CLOSE["lessen"],
    }


def test_the_register_is_for_the_fg_of_the_organisation_only(ctx: ServiceContext) -> None:
    sanne, mila, fg, fg_rubicon = (login(ctx, u) for u in ("hulpverlener", "manager", "fg", "fg.rubicon"))
    instance_id = report(ctx, sanne)
    row = entry(ctx, instance_id)
    listed = list_register(ctx, fg, "breach")
    assert listed.title == "Datalekkenregister (art. 33 lid 5 AVG)"
    assert [name for name, _ in listed.columns] == [
        "ontdekt_op",
        "oorzaak",
        "risico",
        "besluit_ap",
        "ap_meldnummer",
        "gemeld_bij_ap_op",
    ]
    assert view_register_entry(ctx, fg, "breach", row.id).fields["oorzaak"] == "verkeerde_ontvanger"
    assert list_register(ctx, fg_rubicon, "breach").entries == []
    with pytest.raises(AccessDenied):
        view_register_entry(ctx, fg_rubicon, "breach", row.id)
    for outsider in (sanne, mila):
        with pytest.raises(AccessDenied, match="geen toegang tot dit register"):
            list_register(ctx, outsider, "breach")


@pytest.mark.parametrize(
    ("found", "due", "rule"),
    [
        (FOUND, T72, "72 uur vanaf 02-11-2026 10:00"),
        # Friday night before the clocks go back (25 October 2026, 03:00 CEST -> 02:00 CET): 72 real hours,
        # through the weekend, end on Monday 26 October at 22:30 CET.
        ("2026-10-23T23:30", datetime(2026, 10, 26, 21, 30, tzinfo=UTC), "72 uur vanaf 23-10-2026 23:30"),
        # Across the start of summer time (28 March 2027): 72 real hours end at 11:00 CEST, not 10:00.
        ("2027-03-26T10:00", datetime(2027, 3, 29, 9, tzinfo=UTC), "72 uur vanaf 26-03-2027 10:00"),
    ],
)
def test_due_dates_users_see_run_72_hours_from_the_discovery(
    ctx: ServiceContext, clock: ManualClock, found: str, due: datetime, rule: str
) -> None:
    clock.set(datetime.fromisoformat(found).replace(tzinfo=AMSTERDAM) + timedelta(hours=1))
    instance_id = to_decision(ctx, found, convenantgegevens=False)
    mila = login(ctx, "manager")
    decision = open_task(ctx, mila, task_id(ctx, mila, instance_id, DECIDE_TASK)).task
    assert (decision.due_at, decision.due_rule) == (due, rule)
    do(ctx, mila, instance_id, DECIDE_TASK, DECISION)
    notify = [t for t in list_inbox(ctx, mila) if t.instance_id == instance_id]
    assert [(t.name, t.due_at, t.due_rule) for t in notify] == [(NOTIFY_TASK, due, rule)]
    assert entry(ctx, instance_id).due_at == due


def test_partners_and_fg_advice_show_their_own_due_dates(ctx: ServiceContext) -> None:
    sanne, mila, fg = login(ctx, "hulpverlener"), login(ctx, "manager"), login(ctx, "fg")
    instance_id = report(ctx, sanne)
    do(ctx, mila, instance_id, TRIAGE_TASK, TRIAGE)
    partners = next(t for t in list_inbox(ctx, mila) if t.instance_id == instance_id)
    advice = next(t for t in list_inbox(ctx, fg) if t.instance_id == instance_id)
    assert (partners.name, partners.due_at, partners.due_rule) == (
        PARTNERS_TASK,
        T24,
        "24 uur vanaf 02-11-2026 10:00",
    )
    assert (advice.name, advice.due_at, advice.due_rule) == (
        ADVICE_TASK,
        T48,
        "48 uur vanaf 02-11-2026 10:00",
    )
    # The first timer is the partners' 24 hours; the 72-hour watch waits behind it.
    assert view_instance(ctx, fg, instance_id).next_due_at == T24


def test_no_breach_is_registered_with_its_reasons_and_stops_the_clock(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, mila, fg = login(ctx, "hulpverlener"), login(ctx, "manager"), login(ctx, "fg")
    instance_id = report(ctx, sanne, soorten_gegevens=[], aard_inbreuk=[])
    no_breach = {"is_datalek": False, "herstelmaatregelen": "Geen nodig.", "convenantgegevens": False}
    assert refused(ctx, mila, instance_id, TRIAGE_TASK, no_breach) == {
        "motivering_geen_datalek": "Dit veld is verplicht."
    }
    reasons = "De e-mail bevatte alleen de openingstijden; geen persoonsgegevens."
    assert do(ctx, mila, instance_id, TRIAGE_TASK, {**no_breach, "motivering_geen_datalek": reasons})

    assert tasks(ctx, mila, instance_id) == [] and tasks(ctx, fg, instance_id) == []
    assert jobs(ctx, instance_id) == []
    clock.advance(timedelta(days=5))
    assert fire_due_timers(ctx) == 0
    row = entry(ctx, instance_id)
    assert (row.status, row.closed_at) == ("Geen datalek", datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert (row.fields["is_datalek"], row.fields["motivering_geen_datalek"]) == (False, reasons)
    assert "besluit_ap" not in row.fields


def test_only_professionals_report_and_the_other_organisation_sees_nothing(ctx: ServiceContext) -> None:
    mila, fg, lotte = login(ctx, "manager"), login(ctx, "fg"), login(ctx, "rubicon")
    for not_a_reporter in (mila, fg):
        with pytest.raises(AccessDenied, match="niet starten"):
            start_process(ctx, not_a_reporter, PROCESS, home_organisation(not_a_reporter))
    instance_id = report(ctx, lotte)  # a partner reports its own breach, in its own organisation
    assert tasks(ctx, mila, instance_id) == []
    with pytest.raises(AccessDenied):
        view_instance(ctx, fg, instance_id)
    assert entry_count(ctx, login(ctx, "fg.rubicon")) == 1


def entry_count(ctx: ServiceContext, actor: Actor) -> int:
    return len(list_register(ctx, actor, "breach").entries)
