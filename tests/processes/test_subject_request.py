"""Scenario tests for the data-subject request (processes/subject_request.bpmn): grant with objection and
art. 19 notices, refusals, who sees which task, the due dates users see and the request register.

The helpers here are shared with test_subject_request_deadlines.py and test_subject_request_rules.py. Users
drive the services; time only moves through the ManualClock, and timers fire through fire_due_timers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login
from tests.processes.scenario import next_due, open_tasks, task_id
from webapp.domain.access import Actor
from webapp.domain.errors import AccessDenied
from webapp.persistence.models import StepDuration
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process, view_instance
from webapp.services.registers import list_register, view_register_entry
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.views import RegisterEntryView

PROCESS = "subject_request"
SECOND = timedelta(seconds=1)
# Received Monday 2 November 2026: day 28 is Monday 30 November, end of day in Amsterdam (CET, UTC+1).
DEADLINE = datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
REMINDER = datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC)
FIRST_RULE = "4 weken vanaf 02-11-2026"

VERIFY, SCOPE, OBJECTION = (
    "Identiteit en bevoegdheid controleren",
    "Reikwijdte en partners bepalen",
    ("Verzet wegen (advies FG)"),
)
DECIDE, EXTENSION = "Beslissen op het verzoek", "Verlenging melden"
ANSWER, REFUSAL = "Uitvoeren en antwoord versturen", "Gemotiveerde weigering versturen"
PARTNER, CLOSE = "Partner informeren over de wijziging", "Verzoek afsluiten"
ESCALATION = "Termijnoverschrijding bewaken"

INTAKE: dict[str, Any] = {
    "ontvangen_op": "2026-11-02",
    "kanaal": "brief",
    "rechten": ["inzage"],
    "betrokkene_naam": "Jan Jansen",
    "leeftijdsgroep": "volwassen",
    "verzoeker": "betrokkene",
}
IDENTITY: dict[str, Any] = {
    "identiteit_methode": "legitimatie_ingezien",
    "bevoegdheid_bron": "niet_van_toepassing",
    "identiteit_vastgesteld": True,
    "identiteit_gecontroleerd_op": "2026-11-03",
}
SCOPE_NONE: dict[str, Any] = {
    "gegevens_in_scope": ["verslagen"],
    "partners_ontvingen": False,
    "eigen_dossier_partner": False,
}
SCOPE_TWO = {**SCOPE_NONE, "partners_ontvingen": True, "ontvangende_partners": ["rubicon", "met-ggz"]}
FULL_LETTER = ["redenen", "klacht_ap", "rechter"]
CLOSING = {"afgesloten_op": "2026-11-20", "klacht_of_bezwaar": False}


def register_request(ctx: ServiceContext, actor: Actor, **intake: Any) -> tuple[int, int]:
    """Start a request and register it; returns (instance id, id of the open identity check)."""
    started = start_process(ctx, actor, PROCESS, home_organisation(actor))
    assert started.next_task_id is not None
    result = complete_task(ctx, actor, started.next_task_id, {**INTAKE, **intake})
    assert result.next_task_id is not None and not result.instance_completed
    return started.instance_id, result.next_task_id


def to_decision(
    ctx: ServiceContext, actor: Actor, scope: dict[str, Any] | None = None, **intake: Any
) -> tuple[int, int]:
    """Register, check identity and set the scope; returns (instance id, id of the open decision)."""
    instance_id, verify_id = register_request(ctx, actor, **intake)
    scope_id = complete_task(ctx, actor, verify_id, IDENTITY).next_task_id
    assert scope_id is not None
    decide_id = complete_task(ctx, actor, scope_id, scope or SCOPE_NONE).next_task_id
    assert decide_id is not None
    return instance_id, decide_id


def entry(ctx: ServiceContext, instance_id: int) -> RegisterEntryView:
    fg = login(ctx, "fg")
    (found,) = [e for e in list_register(ctx, fg, "subject_request").entries if e.instance_id == instance_id]
    return found


def test_grant_with_objection_informs_every_partner_and_fills_the_register(ctx: ServiceContext) -> None:
    sanne, fg, lotte = login(ctx, "hulpverlener"), login(ctx, "fg"), login(ctx, "rubicon")
    rights = ["rectificatie", "verzet"]
    instance_id, verify_id = register_request(ctx, sanne, rechten=rights)
    scope_id = complete_task(ctx, sanne, verify_id, IDENTITY).next_task_id
    assert scope_id is not None
    assert complete_task(ctx, sanne, scope_id, SCOPE_TWO).next_task_id is None  # the next task is the FG's

    # Objection: the FG weighs it first; the decision waits and nobody else sees the FG's task.
    assert open_tasks(ctx, sanne, instance_id) == []
    assert open_tasks(ctx, fg, instance_id) == [(OBJECTION, "fg")]
    assert open_tasks(ctx, lotte, instance_id) == []
    advice_id = task_id(ctx, fg, instance_id, OBJECTION)
    assert open_task(ctx, fg, advice_id).task.due_at == DEADLINE
    with pytest.raises(AccessDenied):
        open_task(ctx, sanne, advice_id)
    advice = {"fg_advies": "verzet_gerechtvaardigd", "fg_motivering": "Geen zwaarder belang"}
    advice["fg_advies_op"] = "2026-11-05"
    assert complete_task(ctx, fg, advice_id, advice).next_task_id is None  # the decision is not the FG's

    decision = task_id(ctx, sanne, instance_id, DECIDE)
    assert [(t.due_at, t.due_rule) for t in list_inbox(ctx, sanne) if t.id == decision] == [
        (DEADLINE, FIRST_RULE)
    ]
    answer_id = complete_task(ctx, sanne, decision, {"besluit": "toewijzen"}).next_task_id
    assert answer_id is not None and open_task(ctx, sanne, answer_id).task.name == ANSWER
    done = ["gegevens_gecorrigeerd", "verwerking_gestaakt"]
    complete_task(
        ctx, sanne, answer_id, {"uitgevoerde_maatregelen": done, "antwoord_verzonden_op": "2026-11-12"}
    )

    # AVG art. 19: one parallel task per partner that received the data, each with its partner filled in.
    partner_tasks = [t for t in list_inbox(ctx, sanne) if t.instance_id == instance_id]
    assert sorted((t.name, t.role, t.due_at) for t in partner_tasks) == [
        (f"{PARTNER} – met-ggz", "professional", None),  # each names its partner in the inbox
        (f"{PARTNER} – rubicon", "professional", None),
    ]
    prefilled = sorted(open_task(ctx, sanne, t.id).data["partner"] for t in partner_tasks)
    assert prefilled == ["met-ggz", "rubicon"]
    assert open_tasks(ctx, lotte, instance_id) == []  # the partner itself gets no task in Weert's case
    for task in partner_tasks:
        partner = open_task(ctx, sanne, task.id).data["partner"]
        notice = {
            "partner": partner,
            "partner_geinformeerd_op": "2026-11-13",
            "partner_kanaal": "beveiligde_mail",
        }
        complete_task(ctx, sanne, task.id, notice)
    assert open_tasks(ctx, sanne, instance_id) == [(CLOSE, "professional")]
    closed = complete_task(ctx, sanne, task_id(ctx, sanne, instance_id, CLOSE), CLOSING)
    assert closed.instance_completed

    row = entry(ctx, instance_id)
    assert (row.status, row.due_at, row.organisation) == ("Afgesloten", DEADLINE, "Gemeente Weert")
    assert row.closed_at is not None
    assert row.fields == {
        "ontvangen_op": "2026-11-02",
        "kanaal": "brief",
        "rechten": rights,
        "betrokkene_naam": "Jan Jansen",
        "leeftijdsgroep": "volwassen",
        "verzoeker": "betrokkene",
        "identiteit_methode": "legitimatie_ingezien",
        "bevoegdheid_bron": "niet_van_toepassing",
        "identiteit_vastgesteld": True,
        "identiteit_gecontroleerd_op": "2026-11-03",
        "gegevens_in_scope": ["verslagen"],
        "ontvangende_partners": ["rubicon", "met-ggz"],
        "antwoord_uiterlijk": DEADLINE.isoformat(),
        "verlengd": False,
        "fg_advies": "verzet_gerechtvaardigd",
        "fg_advies_op": "2026-11-05",
        "besluit": "toewijzen",
        "antwoord_verzonden_op": "2026-11-12",
        "partnermeldingen": [
            {
                "partner": "rubicon",
                "partner_geinformeerd_op": "2026-11-13",
                "partner_kanaal": "beveiligde_mail",
            },
            {
                "partner": "met-ggz",
                "partner_geinformeerd_op": "2026-11-13",
                "partner_kanaal": "beveiligde_mail",
            },
        ],
        "afgesloten_op": "2026-11-20",
        "klacht_of_bezwaar": False,
    }
    assert "omschrijving" not in row.fields and "fg_motivering" not in row.fields  # only the listed fields
    view = list_register(ctx, fg, "subject_request")
    assert [name for name, _ in view.columns] == [
        "ontvangen_op",
        "rechten",
        "verlengd",
        "besluit",
        "antwoord_verzonden_op",
        "afgesloten_op",
    ]
    assert view_register_entry(ctx, fg, "subject_request", row.id).fields == row.fields
    # The lead-time statistics name a step as its diagram does: the partner of each task is case data.
    with ctx.db.read() as session:
        counted = set(
            session.scalars(select(StepDuration.step_name).where(StepDuration.bpmn_id == "notify_partners"))
        )
    assert counted == {PARTNER}


def test_the_register_is_read_by_the_fg_of_the_own_organisation_only(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, _ = register_request(ctx, sanne)
    row = entry(ctx, instance_id)
    assert (row.status, row.due_at, row.closed_at) == ("In behandeling", DEADLINE, None)
    assert row.fields["antwoord_uiterlijk"] == DEADLINE.isoformat()
    for outsider in ("hulpverlener", "manager"):
        with pytest.raises(AccessDenied):
            list_register(ctx, login(ctx, outsider), "subject_request")
    other_fg = login(ctx, "fg.rubicon")
    assert list_register(ctx, other_fg, "subject_request").entries == []
    with pytest.raises(AccessDenied):
        view_register_entry(ctx, other_fg, "subject_request", row.id)


def test_every_step_of_the_first_term_shows_the_four_week_due_date(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, verify_id = register_request(ctx, sanne)
    seen = []
    task = verify_id
    for data in (IDENTITY, SCOPE_NONE, {"besluit": "toewijzen"}):
        view = open_task(ctx, sanne, task).task
        seen.append((view.name, view.due_at, view.due_rule))
        task = complete_task(ctx, sanne, task, data).next_task_id  # type: ignore[assignment]
    view = open_task(ctx, sanne, task).task
    seen.append((view.name, view.due_at, view.due_rule))
    assert seen == [(name, DEADLINE, FIRST_RULE) for name in (VERIFY, SCOPE, DECIDE, ANSWER)]
    assert next_due(ctx, instance_id) == REMINDER


def test_unverified_identity_leads_straight_to_a_reasoned_refusal(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, verify_id = register_request(ctx, sanne, rechten=["wissen"])
    unknown = {**IDENTITY, "identiteit_vastgesteld": False}
    refusal_id = complete_task(ctx, sanne, verify_id, unknown).next_task_id
    assert refusal_id is not None
    assert open_task(ctx, sanne, refusal_id).task.name == REFUSAL
    letter = {"antwoord_verzonden_op": "2026-11-06", "brief_vermeldt": FULL_LETTER}
    close_id = complete_task(ctx, sanne, refusal_id, letter).next_task_id
    assert close_id is not None and open_task(ctx, sanne, close_id).task.name == CLOSE
    assert complete_task(ctx, sanne, close_id, CLOSING).instance_completed

    names = [t.name for t in view_instance(ctx, sanne, instance_id).tasks]
    assert names == ["Verzoek registreren", VERIFY, REFUSAL, CLOSE]  # no scope, decision or partner tasks
    fields = entry(ctx, instance_id).fields
    assert (fields["besluit"], fields["weigeringsgrond"]) == ("weigeren", "identiteit_niet_vastgesteld")
    assert fields["brief_vermeldt"] == FULL_LETTER


@pytest.mark.parametrize(
    ("rights", "decision", "expected"),
    [
        # A refusal informs no partner: nothing changed.
        (
            ["rectificatie"],
            {"besluit": "weigeren", "weigeringsgrond": "kennelijk_ongegrond", "motivering": "x"},
            [REFUSAL, CLOSE],
        ),
        # Inspection changes nothing either, even when partners received the data.
        (["inzage"], {"besluit": "toewijzen"}, [ANSWER, CLOSE]),
    ],
)
def test_no_partner_notices_without_a_change(
    ctx: ServiceContext, rights: list[str], decision: dict[str, str], expected: list[str]
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = to_decision(ctx, sanne, SCOPE_TWO, rechten=rights)
    letter_id = complete_task(ctx, sanne, decide_id, decision).next_task_id
    assert letter_id is not None
    letter: dict[str, Any] = {"antwoord_verzonden_op": "2026-11-10", "brief_vermeldt": FULL_LETTER}
    if decision["besluit"] == "toewijzen":
        letter = {"antwoord_verzonden_op": "2026-11-10", "uitgevoerde_maatregelen": ["afschrift_verstrekt"]}
    seen = [open_task(ctx, sanne, letter_id).task.name]
    close_id = complete_task(ctx, sanne, letter_id, letter).next_task_id
    assert close_id is not None
    seen.append(open_task(ctx, sanne, close_id).task.name)
    assert seen == expected
    assert complete_task(ctx, sanne, close_id, CLOSING).instance_completed
    assert "partnermeldingen" not in entry(ctx, instance_id).fields
    assert entry(ctx, instance_id).status == "Afgesloten"


def test_a_minor_of_12_to_16_and_the_parent_together_with_authority_from_the_register(
    ctx: ServiceContext,
) -> None:
    sanne = login(ctx, "hulpverlener")
    together = {"leeftijdsgroep": "12_tot_16", "verzoeker": "betrokkene_en_vertegenwoordiger"}
    instance_id, verify_id = register_request(ctx, sanne, verzoeker_naam="Els Jansen (moeder)", **together)
    checked = {**IDENTITY, "bevoegdheid_bron": "gezagsregister"}
    scope_id = complete_task(ctx, sanne, verify_id, checked).next_task_id
    assert scope_id is not None and open_task(ctx, sanne, scope_id).task.name == SCOPE
    row = entry(ctx, instance_id)
    assert (row.fields["verzoeker_naam"], row.fields["bevoegdheid_bron"]) == (
        "Els Jansen (moeder)",
        "gezagsregister",
    )


def test_another_organisation_cannot_start_see_or_work_on_the_request(ctx: ServiceContext) -> None:
    sanne, lotte, fg_rubicon = login(ctx, "hulpverlener"), login(ctx, "rubicon"), login(ctx, "fg.rubicon")
    instance_id, verify_id = register_request(ctx, sanne)
    assert open_tasks(ctx, lotte, instance_id) == [] and open_tasks(ctx, fg_rubicon, instance_id) == []
    for outsider in (lotte, fg_rubicon):
        with pytest.raises(AccessDenied):
            complete_task(ctx, outsider, verify_id, IDENTITY)
    with pytest.raises(AccessDenied):
        start_process(ctx, login(ctx, "fg"), PROCESS, home_organisation(sanne))  # the FG lane does not start
    assert open_task(ctx, sanne, verify_id).task.state == "open"
