"""Scenario tests for the case intake (processes/case_intake.bpmn): the happy paths and the register.

Shared helpers for the other test_case_intake_*.py modules live here. Users drive the services; time moves
only through the ManualClock and timers fire through fire_due_timers. The called processes (consent,
no_consent_registration, meldcode, retention) are walked through as their users would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

import webapp.domain.legal_rules.case  # noqa: F401 - registers the case.* legal rules
from tests.factories import home_organisation, login
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied
from webapp.persistence.models import HumanTask, ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.events import trigger_event
from webapp.services.instances import start_process, view_instance
from webapp.services.registers import list_register, view_register_entry
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers

PROCESS = "case_intake"
SECOND = timedelta(seconds=1)
NAMED = {
    "wettelijke_taak": "jeugdwet",
    "bespreekwijze": "op_naam",
    "reden_op_naam": "herkenning_nodig",
    "signalen_geweld": False,
}
ANONYMOUS = {"wettelijke_taak": "wmo", "bespreekwijze": "anoniem", "signalen_geweld": False}
PARTNERS = ["rubicon", "met-ggz"]
PARTICIPANTS = {
    "doel_overleg": "afstemming_hulp",
    "partners_overleg": PARTNERS,
    "client_naam": "Sam Jansen",
    "client_geboortedatum": "2009-05-01",
}
QUESTION = {
    "doel_overleg": "afstemming_hulp",
    "partners_overleg": PARTNERS,
    "leeftijdscategorie": "12-15",
    "vraag_aan_overleg": "Jongere verzuimt al maanden; welke partner kan het gezin het best ondersteunen?",
    "niet_herleidbaar": True,
}
# The overleg on Tuesday 10 November 2026, 14:00 in Amsterdam (CET): 13:00 UTC; the minutes may be recorded
# from 15:00 Amsterdam (14:00 UTC) and are due 5 working days later: Tuesday 17 November, end of day.
PLANNING = {"overleg_op": "2026-11-10T14:00", "alleen_genoemde_partners": True}
HELD = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
MINUTES_DUE = datetime(2026, 11, 17, 22, 59, 59, tzinfo=UTC)
MINUTES = {
    "deelnemende_partners": PARTNERS,
    "verslag_overleg": "Gezinscoach van Rubicon start; MET ggz sluit aan bij het eerstvolgende gesprek.",
    "acties_overleg": [
        {"actie": "Gezinscoach inzetten", "uitvoerder": "rubicon", "gereed_op": "2026-11-24"},
        {"actie": "School informeren over de aanpak", "uitvoerder": "initiatiefnemer"},
    ],
    "verslag_gedeeld_met": PARTNERS,
    "vervolg_overleg": "afsluiten",
}
CLOSING = {"afgesloten_op": "2026-11-12", "reden_afsluiting": "doel_bereikt"}
# Closed on Thursday 12 November 2026: kept 2 years, to Sunday 12 November 2028 -> Monday 13 November.
KEEP_UNTIL = datetime(2028, 11, 13, 22, 59, 59, tzinfo=UTC)
# The retention review is due 61 days earlier: Wednesday 13 September 2028, 23:59:59 in Amsterdam (CEST).
REVIEW_DUE = datetime(2028, 9, 13, 21, 59, 59, tzinfo=UTC)

REGISTRATION = "Casus aanmelden"
ANONYMOUS_TASK = "Casus anoniem inbrengen"
PARTICIPANTS_TASK = "Doel, deelnemers en cliënt vastleggen"
CHECK = "Toestemming toetsen aan doel en partners"
NO_BASIS = "Geen grondslag: vervolg bepalen"
PLAN = "Overleg plannen"
MINUTES_TASK = "Verslag en actielijst vastleggen en delen"
CHASE = "Verslag te laat: initiatiefnemer aanspreken"
CLOSE = "Casus afsluiten"
CLIENT_FIELDS = {"client_naam", "client_geboortedatum"}

# --- the called processes, walked through as their users would -------------------------------------------
AUTHORITY = "Leeftijd, gezag en wilsbekwaamheid vastleggen"
ASK = "Toestemming vragen aan de betrokkene"
ANSWER = "Antwoord op het toestemmingsverzoek vastleggen"
WITHDRAWAL = "Intrekking vastleggen"
INFORM_PARTNERS = "Ontvangende partners informeren over de intrekking"
CONSENT_GIVEN = {
    "toestemming_antwoord": "gegeven",
    "beantwoord_op": "2026-11-02",
    "gegevenscategorieen": ["identificatie", "hulpverlening"],
    "geldig_tot": "2027-05-31",
    "methode": "schriftelijk",
    "gegeven_door": [{"rol": "betrokkene", "naam": "Sam Jansen"}],
}
WEIGHING = "Afweging vastleggen (vragen a tot en met h)"
DECISION = "Besluit en dossier vastleggen"
REVIEW = "Afweging toetsen (vier ogen)"
WEIGHING_ANSWERS: dict[str, Any] = {
    "grondslag": "conflict_van_plichten",
    "reden_geen_toestemming": "geweigerd",
    "vraag_a_niet_mogelijk": True,
    "vraag_b_belang": "veiligheid_client",
    "vraag_c_noodzakelijk": True,
    "vraag_d_minder_ingrijpend": False,
    "vraag_e_proportioneel": True,
    "vraag_f_gegevens": ["identificatie", "hulpverlening"],
    "vraag_g_uitlegbaar": True,
    "vraag_h_kwetsbaar": True,
    **{f"vraag_{q}_toelichting": f"Toelichting bij vraag {q}." for q in "abcdefgh"},
}
DECISION_ANSWERS: dict[str, Any] = {
    "besluit_aanmelden": "aanmelden",
    "besloten_door": "Sanne Hulpverlener",
    "besloten_op": "2026-11-02",
    "geraadpleegde_functionaris": "aandachtsfunctionaris",
    "geraadpleegd_op": "2026-11-02",
    "client_al_geinformeerd": False,
    "informeren_op": "2026-11-16",
    "reden_later_informeren": "veiligheid",
    "fg_advies_vragen": False,
}
MELDCODE_TASK = "Stap 1: Signalen in kaart brengen"
RETENTION_TASK = "Bewaartermijn vastleggen"


def give_consent(ctx: ServiceContext, actor: Actor, instance_id: int, **answers: Any) -> None:
    """The client (17) consents for the purpose and partners the case filled in; the consent keeps running."""
    do(ctx, actor, instance_id, AUTHORITY, {"leeftijd": 17, "wilsbekwaam": True})
    request = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
    do(ctx, actor, instance_id, ASK, request)
    do(ctx, actor, instance_id, ANSWER, {**CONSENT_GIVEN, **answers})


def refuse_consent(ctx: ServiceContext, actor: Actor, instance_id: int, status: str = "geweigerd") -> None:
    do(ctx, actor, instance_id, AUTHORITY, {"leeftijd": 17, "wilsbekwaam": True})
    request = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
    do(ctx, actor, instance_id, ASK, request)
    answer = {"toestemming_antwoord": "geweigerd", "beantwoord_op": "2026-11-02"}
    if status == "onmogelijk":
        answer = {"toestemming_antwoord": "onmogelijk", "reden_onmogelijk": "niet_bereikbaar"}
    do(ctx, actor, instance_id, ANSWER, answer)


def withdraw_consent(ctx: ServiceContext, actor: Actor, instance_id: int) -> None:
    """The client withdraws the running consent: an event on the case, its record, the partners told."""
    trigger_event(ctx, actor, instance_id, "toestemming_ingetrokken")
    withdrawal = {
        "ingetrokken_op": "2026-11-05",
        "intrekking_kanaal": "telefoon",
        "ingetrokken_door": "betrokkene",
        "delen_gestopt": True,
    }
    do(ctx, actor, instance_id, WITHDRAWAL, withdrawal)
    informed = {"partners_geinformeerd_op": "2026-11-05", "partners_geinformeerd": True}
    do(ctx, actor, instance_id, INFORM_PARTNERS, informed)


def weigh_without_consent(ctx: ServiceContext, actor: Actor, instance_id: int, outcome: str) -> None:
    """The registration without consent (convenant art. 9): weighed by the initiator, reviewed by the
    aandachtsfunctionaris (four eyes); approved or rejected."""
    do(ctx, actor, instance_id, WEIGHING, WEIGHING_ANSWERS)
    do(ctx, actor, instance_id, DECISION, DECISION_ANSWERS)
    review = {
        "toetsing": outcome,
        "getoetst_door": "Fatima Aandachtsfunctionaris",
        "getoetst_op": "2026-11-03",
    }
    if outcome == "afgewezen":
        review["toetsing_motivering"] = "Een minder ingrijpende weg is mogelijk."
    do(ctx, login(ctx, "aandacht"), instance_id, REVIEW, review)


# --- helpers ---------------------------------------------------------------------------------------------


def open_names(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[str]:
    return [t.name for t in list_inbox(ctx, actor) if t.instance_id == instance_id]


def task_id(ctx: ServiceContext, actor: Actor, instance_id: int, name: str) -> int:
    found = [t.id for t in list_inbox(ctx, actor) if t.instance_id == instance_id and t.name == name]
    assert found, f"{name!r} is not open for {actor.username}: {open_names(ctx, actor, instance_id)}"
    return found[0]


def do(ctx: ServiceContext, actor: Actor, instance_id: int, name: str, data: dict[str, Any]) -> None:
    """Submit a task's form as the browser does: the values it showed (filled in by the case) plus the
    answers typed."""
    form = open_task(ctx, actor, task_id(ctx, actor, instance_id, name))
    complete_task(ctx, actor, form.task.id, {**form.data, **data})


def register(ctx: ServiceContext, actor: Actor, registration: dict[str, Any] | None = None) -> int:
    """Start a case and complete the registration; returns the instance id."""
    started = start_process(ctx, actor, PROCESS, home_organisation(actor))
    assert started.next_task_id is not None
    complete_task(ctx, actor, started.next_task_id, registration or NAMED)
    return started.instance_id


def named_case_in_planning(ctx: ServiceContext, actor: Actor) -> int:
    """A named case with a valid consent that covers the purpose and the partners: the chair plans."""
    instance_id = register(ctx, actor)
    do(ctx, actor, instance_id, PARTICIPANTS_TASK, PARTICIPANTS)
    give_consent(ctx, actor, instance_id)
    do(ctx, actor, instance_id, CHECK, {"toestemming_dekt": "ja"})
    return instance_id


def hold_overleg(ctx: ServiceContext, clock: ManualClock, instance_id: int) -> None:
    """The chair plans the overleg; the clock moves past the hour after its start."""
    do(ctx, login(ctx, "voorzitter"), instance_id, PLAN, PLANNING)
    clock.set(HELD + SECOND)
    assert fire_due_timers(ctx) == 1


def case_data(ctx: ServiceContext, instance_id: int) -> dict[str, Any]:
    """What the case holds: the data of every human task of the instance, called processes included."""
    with ctx.db.read() as session:
        row = session.scalars(select(ProcessInstance).where(ProcessInstance.id == instance_id)).one()
        query = select(HumanTask.spiff_task_id).where(HumanTask.instance_id == instance_id)
        task_ids = list(session.scalars(query))
        loaded = ctx.runtime.load(row.serialization)
    data: dict[str, Any] = {}
    for spiff_task_id in task_ids:
        data.update(ctx.runtime.task_data(loaded, spiff_task_id))
    return data


def next_due(ctx: ServiceContext, instance_id: int) -> datetime | None:
    with ctx.db.read() as session:
        query = select(ProcessInstance.next_due_at).where(ProcessInstance.id == instance_id)
        return session.scalars(query).one()


def entry_of(ctx: ServiceContext, instance_id: int, reader: str = "fg") -> Any:
    entries = list_register(ctx, login(ctx, reader), "case").entries
    return next(e for e in entries if e.instance_id == instance_id)


# --- scenarios --------------------------------------------------------------------------------------------


def test_named_case_with_consent_is_planned_discussed_and_closed_into_retention(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan, peter = login(ctx, "hulpverlener"), login(ctx, "collega"), login(ctx, "voorzitter")
    lotte = login(ctx, "rubicon")
    instance_id = register(ctx, sanne)
    assert open_names(ctx, daan, instance_id) == [PARTICIPANTS_TASK]  # any professional of Weert
    assert open_names(ctx, peter, instance_id) == [] and open_names(ctx, lotte, instance_id) == []
    assert (entry_of(ctx, instance_id).status, entry_of(ctx, instance_id).fields) == ("Aangemeld", NAMED)

    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, PARTICIPANTS)
    assert open_names(ctx, sanne, instance_id) == [AUTHORITY]  # the consent procedure starts
    do(ctx, sanne, instance_id, AUTHORITY, {"leeftijd": 17, "wilsbekwaam": True})
    request = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
    do(ctx, sanne, instance_id, ASK, request)
    answer = open_task(ctx, sanne, task_id(ctx, sanne, instance_id, ANSWER))
    assert answer.data == {"doel": "casusoverleg", "ontvangers": PARTNERS}  # filled in from the case
    complete_task(ctx, sanne, answer.task.id, {**answer.data, **CONSENT_GIVEN})  # as the browser posts it
    assert open_names(ctx, sanne, instance_id) == [
        CHECK
    ]  # the consent itself keeps running in the background
    assert open_names(ctx, peter, instance_id) == []
    do(ctx, sanne, instance_id, CHECK, {"toestemming_dekt": "ja"})

    clock.advance(timedelta(hours=1))
    (plan,) = [t for t in list_inbox(ctx, peter) if t.instance_id == instance_id]
    # Created Monday 2 November 10:00 UTC: 10 working days later is Monday 16 November, end of day.
    assert (plan.name, plan.role, plan.organisation) == (PLAN, "voorzitter", "Gemeente Weert")
    assert (plan.due_at, plan.due_rule) == (
        datetime(2026, 11, 16, 22, 59, 59, tzinfo=UTC),
        "10 werkdagen vanaf het ontstaan van de taak",
    )
    assert open_names(ctx, sanne, instance_id) == []  # only the chair plans
    with pytest.raises(AccessDenied):
        complete_task(ctx, sanne, plan.id, PLANNING)
    hold_overleg(ctx, clock, instance_id)

    (minutes,) = [t for t in list_inbox(ctx, sanne) if t.instance_id == instance_id]
    assert (minutes.name, minutes.due_at, minutes.due_rule) == (
        MINUTES_TASK,
        MINUTES_DUE,
        "5 werkdagen vanaf 10-11-2026",
    )
    assert open_names(ctx, lotte, instance_id) == []  # partners get the minutes, not tasks in our file
    do(ctx, sanne, instance_id, MINUTES_TASK, MINUTES)
    assert open_names(ctx, sanne, instance_id) == [CLOSE]
    do(ctx, sanne, instance_id, CLOSE, CLOSING)

    retention = open_task(ctx, sanne, task_id(ctx, sanne, instance_id, RETENTION_TASK))
    assert retention.task.name == RETENTION_TASK
    data = case_data(ctx, instance_id)
    assert (data["bewaargrond"], data["bewaartermijn"], data["laatste_wijziging_op"]) == (
        "casusoverleg",
        "P2Y",
        "2026-11-12",
    )
    entry = entry_of(ctx, instance_id)
    assert (entry.status, entry.due_at, entry.closed_at) == ("Afgesloten", KEEP_UNTIL, None)
    assert entry.fields == {
        **NAMED,
        **PARTICIPANTS,
        "grondslag_overleg": "toestemming",
        "toestemming_status": "geldig",
        "overleg_op": "2026-11-10T14:00",
        "deelnemende_partners": PARTNERS,
        "verslag_gedeeld_met": PARTNERS,
        **CLOSING,
        "bewaren_tot": KEEP_UNTIL.isoformat(),
    }
    assert "verslag_overleg" not in entry.fields and "acties_overleg" not in entry.fields  # no free text
    assert view_instance(ctx, sanne, instance_id).status == "running"  # retention and consent keep running


def test_the_register_is_read_by_the_fg_and_the_chair_of_the_organisation_only(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = named_case_in_planning(ctx, sanne)
    view = list_register(ctx, login(ctx, "voorzitter"), "case")
    assert view.title == "Casusregister (convenant art. 12)"
    assert view.columns == [
        ("wettelijke_taak", "Wettelijke taak"),
        ("bespreekwijze", "Bespreekwijze"),
        ("grondslag_overleg", "Grondslag voor het overleg"),
        ("doel_overleg", "Doel van het overleg"),
        ("overleg_op", "Overleg op"),
        ("afgesloten_op", "Afgesloten op"),
    ]
    (entry,) = view.entries
    assert (entry.instance_id, entry.organisation, entry.status) == (
        instance_id,
        "Gemeente Weert",
        "Wacht op grondslag",
    )
    assert entry.fields["toestemming_status"] == "geldig"
    assert view_register_entry(ctx, login(ctx, "fg"), "case", entry.id).fields["client_naam"] == "Sam Jansen"
    for outsider in ("hulpverlener", "aandacht", "rubicon"):
        with pytest.raises(AccessDenied):
            list_register(ctx, login(ctx, outsider), "case")
    with pytest.raises(AccessDenied):
        view_register_entry(ctx, login(ctx, "fg.rubicon"), "case", entry.id)


def test_anonymous_case_skips_consent_and_keeps_no_personal_data(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne, ANONYMOUS)
    assert open_names(ctx, sanne, instance_id) == [ANONYMOUS_TASK]
    do(ctx, sanne, instance_id, ANONYMOUS_TASK, QUESTION)
    assert open_names(ctx, login(ctx, "voorzitter"), instance_id) == [PLAN]  # no consent on this path
    hold_overleg(ctx, clock, instance_id)
    do(ctx, sanne, instance_id, MINUTES_TASK, {**MINUTES, "verslag_overleg": "Advies: gezinscoach inzetten."})
    do(ctx, sanne, instance_id, CLOSE, CLOSING)
    reference = view_instance(ctx, sanne, instance_id).case_reference
    do(ctx, sanne, instance_id, RETENTION_TASK, {"dossier_kenmerk": reference})
    assert next_due(ctx, instance_id) == REVIEW_DUE  # the retention review, 60 days before expiry

    by_role = {"professional": sanne, "voorzitter": login(ctx, "voorzitter")}
    forms = [open_task(ctx, by_role[t.role], t.id) for t in view_instance(ctx, sanne, instance_id).tasks]
    assert [f.task.name for f in forms] == [
        REGISTRATION,
        ANONYMOUS_TASK,
        PLAN,
        MINUTES_TASK,
        CLOSE,
        RETENTION_TASK,
    ]
    for form in forms:  # no form on this path asks for the client
        assert CLIENT_FIELDS.isdisjoint((form.schema or {}).get("properties", {})), form.task.name
    data = case_data(ctx, instance_id)
    assert CLIENT_FIELDS.isdisjoint(data) and "toestemming_status" not in data
    entry = entry_of(ctx, instance_id)
    assert entry.status == "Afgesloten"
    assert CLIENT_FIELDS.isdisjoint(entry.fields) and "vraag_aan_overleg" not in entry.fields
    assert (entry.fields["bespreekwijze"], entry.fields["leeftijdscategorie"]) == ("anoniem", "12-15")


def test_a_follow_up_overleg_is_planned_again_by_the_chair(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = named_case_in_planning(ctx, sanne)
    hold_overleg(ctx, clock, instance_id)
    do(ctx, sanne, instance_id, MINUTES_TASK, {**MINUTES, "vervolg_overleg": "vervolgoverleg"})
    assert open_names(ctx, peter, instance_id) == [PLAN] and open_names(ctx, sanne, instance_id) == []
    assert entry_of(ctx, instance_id).status == "Besproken"

    do(ctx, peter, instance_id, PLAN, {**PLANNING, "overleg_op": "2026-11-24T09:30"})
    clock.set(datetime(2026, 11, 24, 9, 30, 1, tzinfo=UTC))  # just after 10:30 in Amsterdam: start + 1 hour
    assert fire_due_timers(ctx) == 1
    (minutes,) = [t for t in list_inbox(ctx, sanne) if t.instance_id == instance_id]
    assert (minutes.name, minutes.due_rule) == (MINUTES_TASK, "5 werkdagen vanaf 24-11-2026")
    do(ctx, sanne, instance_id, MINUTES_TASK, MINUTES)
    assert open_names(ctx, sanne, instance_id) == [CLOSE]
    assert entry_of(ctx, instance_id).fields["overleg_op"] == "2026-11-24T09:30"
