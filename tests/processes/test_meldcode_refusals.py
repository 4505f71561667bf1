"""Every legal rule of the meldcode refuses bad input: the rule is named in Dutch, the task stays open and
nothing of the refused answers reaches the case (processes/meldcode.bpmn,
webapp/domain/legal_rules/meldcode.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import login
from tests.processes.test_meldcode import (
    AFWEGING,
    CONSULTATIE,
    GEEN_EFFECTIEVE_HULP,
    GESPREK,
    HULP,
    HULP_MOGELIJK,
    HULPPLAN,
    MELDING,
    MELDPLAN,
    ONVEILIG,
    REGISTER,
    SIGNALEN,
    STAP1,
    STAP2,
    STAP3,
    STAP4,
    STAP5,
    TERUGKOPPELING,
    WEGEN,
    Case,
    decide,
    start,
    vragen,
    weigh,
)
from webapp.domain.errors import FormInvalid
from webapp.persistence.models import AuditEvent
from webapp.services import registers
from webapp.services.context import ServiceContext
from webapp.services.tasks import open_task

VT_ANONIEM = "Convenant art. 10 lid 2 en meldcode stap 2 (advies zonder herleidbare gegevens)"
STAP3_OVERSLAAN = "Meldcode stap 3 (gesprek met de cliënt overslaan)"
AFWEGINGSKADER = "Afwegingskader meldcode (Besluit verplichte meldcode, verplicht sinds 1-1-2019)"
MELDNORM = "Meldnorm meldcode (stap 5)"
FEITEN = "Meldcode, melding aan Veilig Thuis (vastleggen van feiten en bronnen)"
TRANSPARANTIE = "Convenant art. 10 lid 3 en meldcode stap 5 (transparantie)"


def _completions(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        query = select(func.count()).select_from(AuditEvent).filter_by(event="task.completed")
        return session.scalar(query) or 0


def refuse(case: Case, username: str, name: str, data: dict[str, Any], rule: str, fields: set[str]) -> None:
    """Refused with ``rule`` on exactly ``fields``; the task and the case stay as they were."""
    actor = login(case.ctx, username)
    task = case.task(actor, name)
    before = open_task(case.ctx, actor, task.id).data
    version, completions = case.version(), _completions(case.ctx)
    with pytest.raises(FormInvalid) as refused:
        case.complete(actor, name, data)
    assert set(refused.value.errors) == fields
    assert all(message.startswith(rule) for message in refused.value.errors.values()), refused.value.errors
    after = open_task(case.ctx, actor, task.id)
    assert (after.task.state, after.task.completed_by, after.data) == ("open", None, before)
    assert (case.version(), _completions(case.ctx)) == (version, completions)


def to_step(ctx: ServiceContext, name: str) -> Case:
    """A new case driven up to the step called ``name`` (step 2, 3 or 4)."""
    case = start(ctx)
    sanne, fatima = login(ctx, "hulpverlener"), login(ctx, "aandacht")
    for step, actor, data in (
        (STAP1, sanne, SIGNALEN),
        (STAP2, fatima, CONSULTATIE),
        (STAP3, sanne, GESPREK),
    ):
        if step == name:
            return case
        case.complete(actor, step, data)
    return case


def test_advice_from_veilig_thuis_needs_the_no_identifying_data_confirmation(ctx: ServiceContext) -> None:
    case = to_step(ctx, STAP2)
    asked = {
        **CONSULTATIE,
        "vt_advies_gevraagd": True,
        "vt_advies_op": "2026-11-02",
        "vt_advies_samenvatting": "Melden",
    }
    refuse(case, "aandacht", STAP2, asked, VT_ANONIEM, {"vt_geen_herleidbare_gegevens"})
    refuse(
        case,
        "aandacht",
        STAP2,
        {**asked, "vt_geen_herleidbare_gegevens": False},
        VT_ANONIEM,
        {"vt_geen_herleidbare_gegevens"},
    )
    case.complete(login(ctx, "aandacht"), STAP2, {**asked, "vt_geen_herleidbare_gegevens": True})
    assert case.open_tasks(login(ctx, "hulpverlener")) == [(STAP3, "professional")]


def test_consulting_veilig_thuis_while_weighing_needs_the_same_confirmation(ctx: ServiceContext) -> None:
    case = to_step(ctx, STAP4)
    consulted = {**WEGEN, "wegen_vt_geraadpleegd": True}
    refuse(case, "hulpverlener", STAP4, consulted, VT_ANONIEM, {"wegen_vt_geen_herleidbare_gegevens"})
    case.complete(
        login(ctx, "hulpverlener"), STAP4, {**consulted, "wegen_vt_geen_herleidbare_gegevens": True}
    )
    assert case.open_tasks(login(ctx, "hulpverlener")) == [(AFWEGING, "professional")]


def test_skipping_the_conversation_needs_one_of_the_two_reasons(ctx: ServiceContext) -> None:
    case = to_step(ctx, STAP3)
    skipped: dict[str, Any] = {"gesprek_gevoerd": False}
    refuse(
        case,
        "hulpverlener",
        STAP3,
        skipped,
        STAP3_OVERSLAAN,
        {"reden_geen_gesprek", "toelichting_geen_gesprek"},
    )
    refuse(
        case,
        "hulpverlener",
        STAP3,
        {**skipped, "reden_geen_gesprek": "veiligheid"},
        STAP3_OVERSLAAN,
        {"toelichting_geen_gesprek"},
    )
    with pytest.raises(FormInvalid) as other_reason:  # only the two reasons of the meldcode exist
        case.complete(login(ctx, "hulpverlener"), STAP3, {**skipped, "reden_geen_gesprek": "geen_tijd"})
    assert other_reason.value.errors["reden_geen_gesprek"] == "Kies een van de mogelijkheden."
    reasoned = {**skipped, "reden_geen_gesprek": "veiligheid", "toelichting_geen_gesprek": "Vader dreigde"}
    case.complete(login(ctx, "hulpverlener"), STAP3, reasoned)
    assert case.open_tasks(login(ctx, "hulpverlener")) == [(STAP4, "professional")]


def test_concerns_not_shared_with_the_client_need_a_reason(ctx: ServiceContext) -> None:
    case = to_step(ctx, STAP3)
    unshared = {**GESPREK, "gesprek_zorgen_gedeeld": "nee"}
    refuse(
        case,
        "hulpverlener",
        STAP3,
        unshared,
        "Meldcode stap 3 en convenant art. 10 lid 3",
        {"reden_zorgen_niet_gedeeld"},
    )
    case.complete(
        login(ctx, "hulpverlener"), STAP3, {**unshared, "reden_zorgen_niet_gedeeld": "Kind te jong"}
    )


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        (vragen("ja"), {"meldcode_vraag2", "meldcode_vraag2_toelichting"}),
        (
            {**vragen("ja", "nee"), "meldcode_vraag3": "ja"},
            {"meldcode_vraag3_toelichting", "meldcode_vraag4", "meldcode_vraag4_toelichting"},
        ),
        (vragen("ja", "nee", "ja", "ja", "ja"), {"meldcode_vraag5"}),  # question 5 only at the evaluation
    ],
)
def test_the_afwegingskader_asks_its_questions_in_order(
    ctx: ServiceContext, answers: dict[str, str], fields: set[str]
) -> None:
    refuse(weigh(ctx), "hulpverlener", AFWEGING, answers, AFWEGINGSKADER, fields)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (ONVEILIG, "vraag 2 is 'ja': bij acute of structurele onveiligheid meldt u altijd bij Veilig Thuis"),
        (GEEN_EFFECTIEVE_HULP, "vraag 3 is 'nee'"),
        (vragen("ja", "nee", "ja", "nee"), "vraag 4 is 'nee'"),
    ],
)
def test_help_only_is_impossible_when_the_afwegingskader_requires_a_report(
    ctx: ServiceContext, answers: dict[str, str], reason: str
) -> None:
    case = decide(ctx, answers)
    help_only = {"meldcode_besluit": "hulp", "meldcode_besluit_toelichting": "Ik bied zelf hulp"}
    refuse(
        case,
        "hulpverlener",
        STAP5,
        help_only,
        f"{MELDNORM} en {AFWEGINGSKADER}: {reason}",
        {"meldcode_besluit"},
    )
    sanne = login(ctx, "hulpverlener")
    case.complete(sanne, STAP5, {**help_only, "meldcode_besluit": "melden_en_hulp"})
    assert case.open_tasks(sanne) == [(MELDING, "professional")]


def _at_report(ctx: ServiceContext) -> Case:
    case = decide(ctx, ONVEILIG)
    case.complete(
        login(ctx, "hulpverlener"), STAP5, {"meldcode_besluit": "melden", "meldcode_besluit_toelichting": "2"}
    )
    return case


def test_a_report_needs_its_facts_and_named_sources(ctx: ServiceContext) -> None:
    case = _at_report(ctx)
    bare = {k: v for k, v in MELDPLAN.items() if k not in ("vt_melding_feiten", "vt_melding_bronnen")}
    refuse(case, "hulpverlener", MELDING, bare, FEITEN, {"vt_melding_feiten", "vt_melding_bronnen"})
    refuse(
        case,
        "hulpverlener",
        MELDING,
        {**bare, "vt_melding_feiten": "  "},
        FEITEN,
        {"vt_melding_feiten", "vt_melding_bronnen"},
    )
    third = {**MELDPLAN, "vt_melding_bronnen": [{"soort": "eigen_waarneming"}, {"soort": "derde"}]}
    refuse(case, "hulpverlener", MELDING, third, FEITEN, {"vt_melding_bronnen.1.naam_of_rol"})
    named = {**MELDPLAN, "vt_melding_bronnen": [{"soort": "derde", "naam_or_rol": "x"}]}
    with pytest.raises(FormInvalid):  # a misspelt column is not a source
        case.complete(login(ctx, "hulpverlener"), MELDING, named)
    done = case.complete(
        login(ctx, "hulpverlener"),
        MELDING,
        {**MELDPLAN, "vt_melding_bronnen": [{"soort": "derde", "naam_of_rol": "Juf"}]},
    )
    assert open_task(ctx, login(ctx, "hulpverlener"), done.next_task_id or 0).task.name == TERUGKOPPELING


def test_a_client_not_informed_beforehand_needs_a_reason(ctx: ServiceContext) -> None:
    case = _at_report(ctx)
    uninformed = {**MELDPLAN, "vt_client_vooraf_geinformeerd": False}
    refuse(
        case,
        "hulpverlener",
        MELDING,
        uninformed,
        TRANSPARANTIE,
        {"vt_reden_client_niet_geinformeerd", "vt_toelichting_client_niet_geinformeerd"},
    )
    refuse(
        case,
        "hulpverlener",
        MELDING,
        {**uninformed, "vt_reden_client_niet_geinformeerd": "veiligheid_melder"},
        TRANSPARANTIE,
        {"vt_toelichting_client_niet_geinformeerd"},
    )
    reasoned = {
        **uninformed,
        "vt_reden_client_niet_geinformeerd": "veiligheid_melder",
        "vt_toelichting_client_niet_geinformeerd": "Vader bedreigde eerder een collega",
    }
    case.complete(login(ctx, "hulpverlener"), MELDING, reasoned)
    (entry,) = registers.list_register(ctx, login(ctx, "fg"), REGISTER).entries
    assert entry.fields["vt_reden_client_niet_geinformeerd"] == "veiligheid_melder"


def test_a_report_kept_from_the_family_under_the_reporters_name_needs_a_reason(ctx: ServiceContext) -> None:
    case = _at_report(ctx)
    anonymous = {**MELDPLAN, "vt_melder_anoniem": True}
    refuse(case, "hulpverlener", MELDING, anonymous, "Meldcode, melding op eigen naam", {"vt_reden_anoniem"})
    case.complete(
        login(ctx, "hulpverlener"), MELDING, {**anonymous, "vt_reden_anoniem": "vertrouwensrelatie"}
    )


@pytest.mark.parametrize("evaluation", ["2026-11-09", "2026-11-01", "2027-05-10"])
def test_the_evaluation_date_lies_after_the_start_of_the_help_and_within_six_months(
    ctx: ServiceContext, evaluation: str
) -> None:
    case = decide(ctx, HULP_MOGELIJK)
    sanne = login(ctx, "hulpverlener")
    case.complete(sanne, STAP5, {"meldcode_besluit": "hulp", "meldcode_besluit_toelichting": "Hulp"})
    refuse(
        case,
        "hulpverlener",
        HULP,
        {**HULPPLAN, "hulp_evaluatiedatum": evaluation},
        f"{AFWEGINGSKADER}, vraag 5 (evaluatie binnen de gewenste termijn)",
        {"hulp_evaluatiedatum"},
    )
    assert case.complete(sanne, HULP, {**HULPPLAN, "hulp_evaluatiedatum": "2027-05-09"}).next_task_id is None


def test_veilig_thuis_feedback_form_refuses_an_unknown_follow_up(ctx: ServiceContext) -> None:
    case = _at_report(ctx)
    sanne = login(ctx, "hulpverlener")
    case.complete(sanne, MELDING, MELDPLAN)
    with pytest.raises(FormInvalid) as invalid:
        case.complete(
            sanne,
            TERUGKOPPELING,
            {"vt_terugkoppeling_op": "2026-11-10", "vt_vervolg": "terugkoppeling afwachten"},
        )
    assert invalid.value.errors == {"vt_vervolg": "Kies een van de mogelijkheden."}
