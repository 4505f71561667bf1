"""The legal rules of the case intake: each refusal names its rule in Dutch and leaves the task open, with
nothing of the refused answers stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login
from tests.processes.test_case_intake import (
    ANONYMOUS,
    ANONYMOUS_TASK,
    CLOSE,
    MINUTES,
    MINUTES_TASK,
    PARTICIPANTS,
    PARTICIPANTS_TASK,
    QUESTION,
    do,
    hold_overleg,
    named_case_in_planning,
    open_names,
    register,
    task_id,
)
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import FormInvalid
from webapp.domain.legal_rules.case import consent_covers, identifiers_in
from webapp.persistence.models import ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.tasks import complete_task, open_task

ANONYMITY = (
    "Convenant art. 5 lid 4: bij anoniem bespreken (casuïstiekoverleg) mag de casus voor geen van de "
    "aanwezigen herleidbaar zijn en worden geen persoonsgegevens vastgelegd. Deze tekst bevat {found}; "
    "haal dat weg, of meld de casus op naam aan."
)


def _version(ctx: ServiceContext, instance_id: int) -> int:
    with ctx.db.read() as session:
        query = select(ProcessInstance.version).where(ProcessInstance.id == instance_id)
        return int(session.scalars(query).one())


def _refused(
    ctx: ServiceContext, actor: Actor, instance_id: int, name: str, data: dict[str, Any]
) -> dict[str, str]:
    """Post a form that must be refused; check the task stays open and nothing was stored."""
    task = task_id(ctx, actor, instance_id, name)
    before, version = open_task(ctx, actor, task).data, _version(ctx, instance_id)
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, actor, task, data)
    form = open_task(ctx, actor, task)
    assert (form.task.state, form.data, _version(ctx, instance_id)) == ("open", before, version)
    return refused.value.errors


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Meisje (BSN 123456782) verzuimt al maanden.", "een BSN"),
        ("Moeder (06-12345678) vraagt om hulp bij de opvoeding.", "een telefoonnummer"),
        ("Jongen, geboren op 3 maart 2012, woont bij zijn oma.", "een geboortedatum"),
        ("Gezin woont op de Wilhelminasingel 101 in 6001 GS Weert.", "een postcode en een adres"),
        (
            "Mevrouw Jansen (j.jansen@example.org) is overbelast.",
            "een e-mailadres en een naam met aanspreekvorm",
        ),
    ],
)
def test_identifying_data_in_an_anonymous_question_is_refused(
    ctx: ServiceContext, text: str, found: str
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne, ANONYMOUS)
    errors = _refused(ctx, sanne, instance_id, ANONYMOUS_TASK, {**QUESTION, "vraag_aan_overleg": text})
    assert errors == {"vraag_aan_overleg": ANONYMITY.format(found=found)}


def test_client_fields_cannot_be_posted_on_the_anonymous_path(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne, ANONYMOUS)
    errors = _refused(ctx, sanne, instance_id, ANONYMOUS_TASK, {**QUESTION, "client_naam": "Sam Jansen"})
    assert errors == {"client_naam": "Dit veld hoort niet bij dit formulier."}
    unconfirmed = {k: v for k, v in QUESTION.items() if k != "niet_herleidbaar"}
    errors = _refused(ctx, sanne, instance_id, ANONYMOUS_TASK, {**unconfirmed, "niet_herleidbaar": False})
    assert errors == {"niet_herleidbaar": "Vink dit aan om verder te gaan."}


def test_identifying_data_in_the_minutes_of_an_anonymous_case_is_refused(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne, ANONYMOUS)
    do(ctx, sanne, instance_id, ANONYMOUS_TASK, QUESTION)
    hold_overleg(ctx, clock, instance_id)
    actions = [
        MINUTES["acties_overleg"][0],
        {"actie": "Moeder bellen op 0495-123456", "uitvoerder": "rubicon"},
    ]
    minutes = {**MINUTES, "verslag_overleg": "Besproken met dhr. De Vries.", "acties_overleg": actions}
    errors = _refused(ctx, sanne, instance_id, MINUTES_TASK, minutes)
    assert errors == {
        "verslag_overleg": ANONYMITY.format(found="een naam met aanspreekvorm"),
        "acties_overleg.1.actie": ANONYMITY.format(found="een telefoonnummer"),
    }
    do(ctx, sanne, instance_id, MINUTES_TASK, MINUTES)
    assert open_names(ctx, sanne, instance_id) == [CLOSE]


def test_names_in_the_minutes_of_a_named_case_are_allowed(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = named_case_in_planning(ctx, sanne)
    hold_overleg(ctx, clock, instance_id)
    do(ctx, sanne, instance_id, MINUTES_TASK, {**MINUTES, "verslag_overleg": "Mevrouw Jansen krijgt hulp."})
    assert open_names(ctx, sanne, instance_id) == [CLOSE]


def test_partners_need_a_purpose_and_no_more_of_them_than_it_needs_without_a_reason(
    ctx: ServiceContext,
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne)
    without_purpose = {k: v for k, v in PARTICIPANTS.items() if k != "doel_overleg"}
    assert _refused(ctx, sanne, instance_id, PARTICIPANTS_TASK, without_purpose) == {
        "doel_overleg": "Convenant art. 2, art. 4 en art. 7 lid 2: partners worden alleen betrokken voor een "
        "vooraf bepaald doel. Kies het doel van het overleg; het doel bepaalt welke partners nodig zijn."
    }
    three = {**PARTICIPANTS, "doel_overleg": "eigen_taak", "partners_overleg": ["rubicon", "met-ggz", "psw"]}
    assert _refused(ctx, sanne, instance_id, PARTICIPANTS_TASK, three) == {
        "reden_meer_partners": "Convenant art. 7 lid 2 en art. 12 lid 3 (need to know): voor het doel "
        "'Uitvoering van de eigen (wettelijke) taak' zijn gewoonlijk hoogstens 2 partners nodig en u "
        "noemt er 3. Noem alleen de partners die rechtstreeks bijdragen aan het doel, of geef de reden "
        "waarom meer partners nodig zijn."
    }
    assert _refused(ctx, sanne, instance_id, PARTICIPANTS_TASK, {**PARTICIPANTS, "partners_overleg": []}) == {
        "partners_overleg": "Kies er minstens 1."
    }
    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, {**three, "reden_meer_partners": "meerdere_hulpverleners"})
    assert PARTICIPANTS_TASK not in open_names(ctx, sanne, instance_id)


def test_minutes_go_only_to_partners_that_took_part(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = named_case_in_planning(ctx, sanne)
    hold_overleg(ctx, clock, instance_id)
    actions = [*MINUTES["acties_overleg"], {"actie": "Huisbezoek", "uitvoerder": "met-ggz"}]
    minutes = {**MINUTES, "deelnemende_partners": ["rubicon"], "acties_overleg": actions}
    assert _refused(ctx, sanne, instance_id, MINUTES_TASK, minutes) == {
        "verslag_gedeeld_met": "Convenant art. 6 lid 5 en art. 12 lid 3: verslag en actielijst gaan "
        "alleen naar partners die aan het overleg deelnamen en bijdragen aan het doel. Niet "
        "deelgenomen: MET ggz.",
        "acties_overleg.2.uitvoerder": "Convenant art. 6 lid 5: een actie ligt bij de initiatiefnemer "
        "of bij een partner die aan het overleg deelnam; MET ggz nam niet deel.",
    }
    do(
        ctx,
        sanne,
        instance_id,
        MINUTES_TASK,
        {**MINUTES, "deelnemende_partners": ["rubicon"], "verslag_gedeeld_met": ["rubicon"]},
    )
    assert open_names(ctx, sanne, instance_id) == [CLOSE]


def test_the_registration_asks_why_a_case_is_not_discussed_anonymously(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, "case_intake", home_organisation(sanne))
    assert started.next_task_id is not None
    named = {"wettelijke_taak": "jeugdwet", "bespreekwijze": "op_naam", "signalen_geweld": False}
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, started.next_task_id, named)
    assert refused.value.errors == {"reden_op_naam": "Dit veld is verplicht."}


def test_identifier_detection_leaves_ordinary_case_text_alone() -> None:
    for text in (
        "Jongen van 14, verzuimt sinds september, 3 gezinsleden.",
        "Volgend overleg op 12-12-2026 om 14:00.",
        "Moeder en vader gescheiden; 2 kinderen (8 en 11 jaar).",
        "Geboren in een groot gezin.",
        "Zaaknummer 123456789 bij de gemeente.",  # nine digits, but no BSN: the elfproef fails
    ):
        assert identifiers_in(text) == [], text
    assert identifiers_in("geb. 03-03-2015, BSN 1234.56.782") == ["een BSN", "een geboortedatum"]


def test_the_consent_check_follows_what_the_consent_procedure_reported() -> None:
    case = {"doel_overleg": "afstemming_hulp", "partners_overleg": ["rubicon", "met-ggz"]}
    reported = {"toestemming_status": "geldig", "doel": "monitoring", "ontvangers": ["rubicon", "met-ggz"]}
    assert consent_covers({"toestemming_dekt": "ja"}, {**case, "toestemming_melding": reported}) == {
        "toestemming_dekt": "Eis der gerichtheid (convenant art. 7 lid 1 en 5): de vastgelegde "
        "toestemming dekt dit overleg niet: het doel (monitoring). Kies 'nee' en pas het doel of de "
        "partners aan, of vraag opnieuw toestemming."
    }
    assert consent_covers({"toestemming_dekt": "nee"}, {**case, "toestemming_melding": reported}) == {}
    assert (
        consent_covers({"toestemming_dekt": "ja"}, case) == {}
    )  # nothing reported: the person's check counts
    same_purpose = {**reported, "doel": "afstemming_hulp"}
    assert consent_covers({"toestemming_dekt": "ja"}, {**case, "toestemming_melding": same_purpose}) == {}
