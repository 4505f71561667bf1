"""Scenario tests for the registration without consent (processes/no_consent_registration.bpmn, convenant
art. 9). Users drive the services; time moves only through the ManualClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import home_organisation, login
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.persistence.models import ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process, view_instance
from webapp.services.registers import list_register
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers

PROCESS = "no_consent_registration"
SECOND = timedelta(seconds=1)
WEIGHING: dict[str, Any] = {
    "grondslag": "conflict_van_plichten",
    "reden_geen_toestemming": "niet_verantwoord",
    "vraag_a_niet_mogelijk": True,
    "vraag_b_belang": "veiligheid_ander",
    "vraag_c_noodzakelijk": True,
    "vraag_d_minder_ingrijpend": False,
    "vraag_e_proportioneel": True,
    "vraag_f_gegevens": ["identificatie", "veiligheid"],
    "vraag_g_uitlegbaar": True,
    "vraag_h_kwetsbaar": True,
    **{f"vraag_{q}_toelichting": f"Toelichting bij vraag {q}." for q in "abcdefgh"},
}
DECISION: dict[str, Any] = {
    "besluit_aanmelden": "aanmelden",
    "besloten_door": "Sanne Hulpverlener",
    "besloten_op": "2026-11-02",
    "geraadpleegde_functionaris": "aandachtsfunctionaris",
    "geraadpleegd_op": "2026-11-02",
    "verstrekt_aan": ["rubicon"],
    "doel_verstrekking": "casusoverleg",
    "client_al_geinformeerd": False,
    "informeren_op": "2026-11-16",
    "reden_later_informeren": "veiligheid",
    "fg_advies_vragen": False,
}
APPROVE = {
    "toetsing": "goedgekeurd",
    "getoetst_door": "Fatima Aandachtsfunctionaris",
    "getoetst_op": "2026-11-03",
}
REVIEW, INFORM = "Afweging toetsen (vier ogen)", "Cliënt informeren over de aanmelding"
# 09:00 in Amsterdam on the chosen day (CET).
INFORM_AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def _tasks(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[str]:
    return [t.name for t in list_inbox(ctx, actor) if t.instance_id == instance_id]


def _task_id(ctx: ServiceContext, actor: Actor, instance_id: int, name: str) -> int:
    return next(t.id for t in list_inbox(ctx, actor) if t.instance_id == instance_id and t.name == name)


def _weighed(ctx: ServiceContext, actor: Actor, weighing: dict[str, Any] = WEIGHING) -> tuple[int, int]:
    """Start and record the weighing; returns (instance id, id of the next task)."""
    started = start_process(ctx, actor, PROCESS, home_organisation(actor))
    assert started.next_task_id is not None
    result = complete_task(ctx, actor, started.next_task_id, weighing)
    assert result.next_task_id is not None
    return started.instance_id, result.next_task_id


def _to_review(ctx: ServiceContext, decision: dict[str, Any] = DECISION) -> tuple[int, int]:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = _weighed(ctx, sanne)
    assert not complete_task(ctx, sanne, decide_id, decision).instance_completed
    return instance_id, _task_id(ctx, login(ctx, "aandacht"), instance_id, REVIEW)


def _entry(ctx: ServiceContext, instance_id: int) -> Any:
    entries = list_register(ctx, login(ctx, "fg"), "no_consent").entries
    return next(e for e in entries if e.instance_id == instance_id)


def _outcome(ctx: ServiceContext, instance_id: int) -> str:
    with ctx.db.read() as session:
        row = session.get_one(ProcessInstance, instance_id)
        data = ctx.runtime.final_data(ctx.runtime.load(row.serialization))
    return str(data["registratie_zonder_toestemming"])


def test_approved_by_the_reviewer_then_the_client_is_informed_on_the_chosen_day(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan, fatima, fg = (login(ctx, u) for u in ("hulpverlener", "collega", "aandacht", "fg"))
    instance_id, decide_id = _weighed(ctx, sanne)
    assert open_task(ctx, sanne, decide_id).task.name == "Besluit en dossier vastleggen"
    assert complete_task(ctx, sanne, decide_id, DECISION).next_task_id is None  # not the professional's
    assert _entry(ctx, instance_id).status == "ter_toetsing"
    assert _tasks(ctx, fatima, instance_id) == [REVIEW]
    assert _tasks(ctx, daan, instance_id) == [] and _tasks(ctx, fg, instance_id) == []
    review_id = _task_id(ctx, fatima, instance_id, REVIEW)
    with pytest.raises(AccessDenied):
        complete_task(ctx, daan, review_id, APPROVE)

    clock.advance(timedelta(days=1))
    assert complete_task(ctx, fatima, review_id, APPROVE).next_task_id is None
    entry = _entry(ctx, instance_id)
    assert (entry.status, entry.closed_at) == ("goedgekeurd", None)
    assert entry.due_at == datetime(2026, 11, 16, 22, 59, 59, tzinfo=UTC)  # inform the client that day
    assert {k: entry.fields[k] for k in ("grondslag", "besloten_door", "getoetst_door", "verstrekt_aan")} == {
        "grondslag": "conflict_van_plichten",
        "besloten_door": "Sanne Hulpverlener",
        "getoetst_door": "Fatima Aandachtsfunctionaris",
        "verstrekt_aan": ["rubicon"],
    }
    assert entry.fields["vraag_f_gegevens"] == ["identificatie", "veiligheid"]
    assert entry.fields["vraag_h_toelichting"] == "Toelichting bij vraag h."
    assert view_instance(ctx, sanne, instance_id).next_due_at == INFORM_AT

    clock.set(INFORM_AT - SECOND)
    assert fire_due_timers(ctx) == 0
    clock.set(INFORM_AT + SECOND)
    assert fire_due_timers(ctx) == 1
    assert _tasks(ctx, daan, instance_id) == [INFORM]
    not_yet = {
        "client_geinformeerd": False,
        "informeren_op": "2026-11-30",
        "reden_later_informeren": "veiligheid",
    }
    first = _task_id(ctx, sanne, instance_id, INFORM)
    form = open_task(ctx, sanne, first)
    assert form.data["informeren_op"] == "2026-11-16"  # the planned day, shown
    assert (form.task.due_at, form.task.due_rule) == (
        datetime(2026, 11, 16, 22, 59, 59, tzinfo=UTC),
        "de gekozen dag om de cliënt te informeren (convenant art. 9 lid 4)",
    )
    assert complete_task(ctx, sanne, first, not_yet).next_task_id is None
    later = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert (view_instance(ctx, sanne, instance_id).next_due_at, _entry(ctx, instance_id).due_at) == (
        later,
        datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC),
    )

    clock.set(later + SECOND)
    assert fire_due_timers(ctx) == 1
    second = _task_id(ctx, sanne, instance_id, INFORM)
    assert open_task(ctx, sanne, second).task.due_at == datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
    informed = {"client_geinformeerd": True, "client_geinformeerd_op": "2026-11-30"}
    assert complete_task(ctx, sanne, second, informed).instance_completed
    assert _outcome(ctx, instance_id) == "goedgekeurd"
    entry = _entry(ctx, instance_id)
    assert (entry.status, entry.closed_at, entry.fields["client_geinformeerd_op"]) == (
        "goedgekeurd",
        clock.now(),
        "2026-11-30",
    )


def test_client_already_informed_ends_at_the_approval(ctx: ServiceContext) -> None:
    informed = {**DECISION, "client_al_geinformeerd": True, "client_geinformeerd_op": "2026-11-02"}
    for field in ("informeren_op", "reden_later_informeren"):
        informed.pop(field)
    instance_id, review_id = _to_review(ctx, informed)
    assert complete_task(ctx, login(ctx, "aandacht"), review_id, APPROVE).instance_completed
    assert _outcome(ctx, instance_id) == "goedgekeurd"
    assert _entry(ctx, instance_id).due_at is None


def test_fg_advice_is_optional_and_a_refusal_needs_a_motivation(ctx: ServiceContext) -> None:
    fatima, fg = login(ctx, "aandacht"), login(ctx, "fg")
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = _weighed(ctx, sanne)
    complete_task(ctx, sanne, decide_id, {**DECISION, "fg_advies_vragen": True})
    assert _tasks(ctx, fg, instance_id) == ["FG-advies geven"]
    assert _tasks(ctx, fatima, instance_id) == [] and _tasks(ctx, login(ctx, "fg.rubicon"), instance_id) == []
    advice = {
        "fg_advies": "oneens",
        "fg_advies_toelichting": "Minder ontvangers.",
        "fg_advies_op": "2026-11-03",
    }
    complete_task(ctx, fg, _task_id(ctx, fg, instance_id, "FG-advies geven"), advice)
    review_id = _task_id(ctx, fatima, instance_id, REVIEW)

    refuse = {**APPROVE, "toetsing": "afgewezen"}
    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, fatima, review_id, refuse)
    assert invalid.value.errors == {"toetsing_motivering": "Dit veld is verplicht."}
    done = complete_task(ctx, fatima, review_id, {**refuse, "toetsing_motivering": "Volg het FG-advies."})
    assert done.instance_completed
    assert _outcome(ctx, instance_id) == "afgewezen"
    entry = _entry(ctx, instance_id)
    assert (entry.status, entry.fields["fg_advies"], entry.fields["toetsing"]) == (
        "afgewezen",
        "oneens",
        "afgewezen",
    )
    with pytest.raises(AccessDenied):
        list_register(ctx, sanne, "no_consent")


def test_the_one_who_decided_may_not_review(ctx: ServiceContext) -> None:
    fatima = login(ctx, "aandacht")  # aandachtsfunctionaris and professional: may decide and may review
    instance_id, decide_id = _weighed(ctx, fatima)
    complete_task(ctx, fatima, decide_id, {**DECISION, "besloten_door": "Fatima Aandachtsfunctionaris"})
    review_id = _task_id(ctx, fatima, instance_id, REVIEW)
    with pytest.raises(FormInvalid) as refused:
        complete_task(
            ctx, fatima, review_id, {**APPROVE, "getoetst_door": "  fatima  AANDACHTSFUNCTIONARIS "}
        )
    assert refused.value.errors == {
        "getoetst_door": "Vier-ogenprincipe bij aanmelding zonder toestemming (convenant art. 9; toetsing "
        "door een tweede professional): Fatima Aandachtsfunctionaris nam het besluit en mag het niet zelf "
        "toetsen. Laat een andere aandachtsfunctionaris of de teamleider toetsen."
    }
    assert open_task(ctx, fatima, review_id).task.state == "open"
    assert _entry(ctx, instance_id).status == "ter_toetsing"


def test_the_account_that_decided_may_not_review_under_another_name(ctx: ServiceContext) -> None:
    fatima = login(ctx, "aandacht")
    instance_id, decide_id = _weighed(ctx, fatima)
    complete_task(ctx, fatima, decide_id, {**DECISION, "besloten_door": "Fatima Aandachtsfunctionaris"})
    review_id = _task_id(ctx, fatima, instance_id, REVIEW)
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, fatima, review_id, {**APPROVE, "getoetst_door": "Iemand Anders"})
    assert "Vier-ogenprincipe" in refused.value.errors["getoetst_door"]
    assert open_task(ctx, fatima, review_id).task.state == "open"


def test_vital_interest_needs_its_heavier_motivation(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, vital_id = _weighed(ctx, sanne, {**WEIGHING, "grondslag": "vitaal_belang"})
    assert open_task(ctx, sanne, vital_id).task.name == "Vitaal belang zwaar motiveren"
    short = {"levensbedreigende_situatie": False, "vitaal_belang_motivering": "Ernstige zorgen."}
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, vital_id, short)
    source = "Vitaal belang (convenant art. 9 lid 2; AVG art. 6 lid 1 sub d en art. 9 lid 2 sub c): "
    assert refused.value.errors == {
        "levensbedreigende_situatie": source + "deze grondslag geldt alleen bij een zeer ernstige, "
        "levensbedreigende situatie. Kies anders de grondslag conflict van plichten.",
        "vitaal_belang_motivering": source + "voor deze grondslag geldt een extra zware motiveringseis. "
        "Beschrijf het dreigende gevaar, waarom het niet kan wachten en waarom toestemming niet wordt of kan "
        "worden verkregen (minstens 200 tekens, nu 16).",
    }
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, vital_id, {"levensbedreigende_situatie": True})
    assert list(refused.value.errors) == ["vitaal_belang_motivering"]
    assert open_task(ctx, sanne, vital_id).task.state == "open"

    motivation = "De cliënt dreigt vannacht zonder insuline te raken en is verward; " * 4
    result = complete_task(
        ctx, sanne, vital_id, {"levensbedreigende_situatie": True, "vitaal_belang_motivering": motivation}
    )
    assert result.next_task_id is not None
    assert open_task(ctx, sanne, result.next_task_id).task.name == "Besluit en dossier vastleggen"
    assert _entry(ctx, instance_id).fields["levensbedreigende_situatie"] is True


def test_the_weighing_must_carry_the_decision_or_the_professional_does_not_register(
    ctx: ServiceContext,
) -> None:
    sanne = login(ctx, "hulpverlener")
    weighing = {**WEIGHING, "vraag_d_minder_ingrijpend": True, "vraag_e_proportioneel": False}
    instance_id, decide_id = _weighed(ctx, sanne, weighing)
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, decide_id, DECISION)
    assert refused.value.errors == {
        "besluit_aanmelden": "Convenant art. 9 lid 3: de afweging draagt geen aanmelding zonder "
        "toestemming — subsidiariteit (vraag d): volgens uw afweging kan het belang ook zonder verstrekken "
        "worden behartigd; proportionaliteit (vraag e): volgens uw afweging weegt het belang bij "
        "geheimhouding zwaarder. Kies 'Niet aanmelden' of pas eerst de afweging aan."
    }
    assert open_task(ctx, sanne, decide_id).task.state == "open"

    not_registered = {
        "besluit_aanmelden": "niet_aanmelden",
        "besloten_door": "Sanne",
        "besloten_op": "2026-11-02",
    }
    assert complete_task(ctx, sanne, decide_id, not_registered).instance_completed
    assert _outcome(ctx, instance_id) == "afgewezen"
    assert _tasks(ctx, login(ctx, "aandacht"), instance_id) == []
    assert _entry(ctx, instance_id).status == "afgewezen"


def test_only_professionals_start_and_the_weighing_answers_every_question(ctx: ServiceContext) -> None:
    fg, sanne = login(ctx, "fg"), login(ctx, "hulpverlener")
    with pytest.raises(AccessDenied):
        start_process(ctx, fg, PROCESS, home_organisation(fg))
    started = start_process(ctx, sanne, PROCESS, home_organisation(sanne))
    assert started.next_task_id is not None
    without_h = {k: v for k, v in WEIGHING.items() if not k.startswith("vraag_h")}
    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, sanne, started.next_task_id, {**without_h, "vraag_c_toelichting": ""})
    assert invalid.value.errors == {
        "vraag_c_toelichting": "Gebruik minstens 1 teken.",
        "vraag_h_kwetsbaar": "Dit veld is verplicht.",
        "vraag_h_toelichting": "Dit veld is verplicht.",
    }
