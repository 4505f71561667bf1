"""Every legal rule of the data-subject request refuses bad input with the rule named in Dutch; the task stays
open, the case does not move, and a corrected answer goes through.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import home_organisation, login
from tests.processes.scenario import refused
from tests.processes.test_subject_request import (
    ANSWER,
    IDENTITY,
    INTAKE,
    PARTNER,
    PROCESS,
    REFUSAL,
    SCOPE_NONE,
    SCOPE_TWO,
    register_request,
    task_id,
    to_decision,
)
from webapp.domain.access import Actor
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.views import TaskView

UNDER_12 = (
    "Convenant art. 8: is de betrokkene jonger dan 12 jaar, dan oefent zijn wettelijk vertegenwoordiger"
)
TOGETHER = "Convenant art. 8 en art. 15 lid 3: van 12 tot 16 jaar oefenen de jeugdige en zijn wettelijk"
FROM_16 = "Convenant art. 8: vanaf 16 jaar oefent de betrokkene zijn rechten zelfstandig uit"
ADULT = "Convenant art. 8: een volwassene oefent zijn rechten zelf uit"
JEUGDWET = "Jeugdwet art. 7.3.9: vernietiging van het dossier kan niet door of namens een kind jonger dan 12"
LETTER_RULE = (
    "AVG art. 12 lid 4, convenant art. 15 lid 5 en art. 16 lid 4: een (gedeeltelijke) weigering noemt de "
    "redenen, het recht op een klacht bij de Autoriteit Persoonsgegevens en het recht om naar de rechter te "
    "gaan. Ontbreekt: het recht op een klacht bij de Autoriteit Persoonsgegevens, het recht om naar de "
    "rechter "
    "te gaan."
)


@pytest.mark.parametrize(
    ("intake", "field", "start"),
    [
        ({"leeftijdsgroep": "jonger_dan_12", "verzoeker": "betrokkene"}, "verzoeker", UNDER_12),
        ({"leeftijdsgroep": "12_tot_16", "verzoeker": "vertegenwoordiger"}, "verzoeker", TOGETHER),
        ({"leeftijdsgroep": "12_tot_16", "verzoeker": "betrokkene"}, "verzoeker", TOGETHER),
        ({"leeftijdsgroep": "16_tot_18", "verzoeker": "vertegenwoordiger"}, "verzoeker", FROM_16),
        ({"leeftijdsgroep": "volwassen", "verzoeker": "vertegenwoordiger"}, "verzoeker", ADULT),
        (
            {
                "leeftijdsgroep": "jonger_dan_12",
                "verzoeker": "vertegenwoordiger",
                "rechten": ["inzage", "wissen"],
            },
            "rechten",
            JEUGDWET,
        ),
    ],
)
def test_intake_refuses_who_may_not_exercise_the_right(
    ctx: ServiceContext, intake: dict[str, Any], field: str, start: str
) -> None:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, PROCESS, home_organisation(sanne))
    assert started.next_task_id is not None
    data = {**INTAKE, "verzoeker_naam": "Els Jansen", **intake}
    errors = refused(ctx, sanne, started.next_task_id, started.instance_id, data)
    assert list(errors) == [field] and errors[field].startswith(start)
    assert open_task(ctx, sanne, started.next_task_id).data == {}  # nothing of the refused post was stored


def test_a_destruction_request_by_a_child_under_12_breaks_both_rules(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, PROCESS, home_organisation(sanne))
    assert started.next_task_id is not None
    data = {**INTAKE, "leeftijdsgroep": "jonger_dan_12", "rechten": ["wissen"]}
    errors = refused(ctx, sanne, started.next_task_id, started.instance_id, data)
    assert errors["verzoeker"].startswith(UNDER_12) and errors["rechten"].startswith(JEUGDWET)
    # Without 'wissen' and through the representative the request is registered.
    fixed = {
        **data,
        "verzoeker": "vertegenwoordiger",
        "verzoeker_naam": "Els Jansen",
        "rechten": ["beperking"],
    }
    assert complete_task(ctx, sanne, started.next_task_id, fixed).next_task_id is not None


@pytest.mark.parametrize(
    ("requester", "identity", "field", "start"),
    [
        (
            "vertegenwoordiger",
            {"bevoegdheid_bron": "verklaring_ouder"},
            "bevoegdheid_bron",
            "Convenant art. 8: controleer het gezag van een ouder of voogd in het gezagsregister",
        ),
        (
            "gemachtigde",
            {"bevoegdheid_bron": "niet_van_toepassing"},
            "bevoegdheid_bron",
            "AVG art. 12 lid 2 en 6: een gemachtigde toont een schriftelijke machtiging",
        ),
        (
            "betrokkene",
            {"identiteit_methode": "kopie_afgeschermd", "kopie_vernietigd": False},
            "kopie_vernietigd",
            "AVG art. 5 lid 1 sub c en e (Autoriteit Persoonsgegevens over kopieën van identiteitsbewijzen)",
        ),
    ],
)
def test_identity_check_refuses_missing_authority_and_kept_copies(
    ctx: ServiceContext, requester: str, identity: dict[str, Any], field: str, start: str
) -> None:
    sanne = login(ctx, "hulpverlener")
    age = "jonger_dan_12" if requester == "vertegenwoordiger" else "volwassen"
    instance_id, verify_id = register_request(
        ctx, sanne, verzoeker=requester, verzoeker_naam="Els Jansen", leeftijdsgroep=age
    )
    errors = refused(ctx, sanne, verify_id, instance_id, {**IDENTITY, **identity})
    assert list(errors) == [field] and errors[field].startswith(start)


@pytest.mark.parametrize(
    ("rights", "decision", "start"),
    [
        (
            ["rectificatie"],
            {"besluit": "weigeren", "weigeringsgrond": "dwingende_gronden"},
            "AVG art. 21 lid 1 en convenant art. 15 lid 2: dwingende gerechtvaardigde gronden zijn alleen",
        ),
        (
            ["verzet"],
            {"besluit": "weigeren", "weigeringsgrond": "rechten_anderen"},
            "AVG art. 21 lid 1 en convenant art. 15 lid 2: verzet wordt alleen afgewezen",
        ),
        (
            ["inzage"],
            {"besluit": "gedeeltelijk", "weigeringsgrond": "wettelijke_bewaarplicht"},
            "Convenant art. 15 lid 4 en AVG art. 17 lid 3: een wettelijke bewaarplicht is alleen een grond",
        ),
    ],
)
def test_decision_refuses_a_ground_that_does_not_fit_the_right(
    ctx: ServiceContext, rights: list[str], decision: dict[str, str], start: str
) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    if "verzet" in rights:  # the FG weighs an objection before the decision
        instance_id, verify_id = register_request(ctx, sanne, rechten=rights)
        scope_id = complete_task(ctx, sanne, verify_id, IDENTITY).next_task_id
        assert scope_id is not None
        complete_task(ctx, sanne, scope_id, SCOPE_NONE)
        advice = {
            "fg_advies": "dwingende_gronden",
            "fg_motivering": "Veiligheid",
            "fg_advies_op": "2026-11-04",
        }
        complete_task(ctx, fg, task_id(ctx, fg, instance_id, "Verzet wegen (advies FG)"), advice)
        decide_id = task_id(ctx, sanne, instance_id, "Beslissen op het verzoek")
    else:
        instance_id, decide_id = to_decision(ctx, sanne, rechten=rights)
    errors = refused(ctx, sanne, decide_id, instance_id, {**decision, "motivering": "Zie dossier"})
    assert list(errors) == ["weigeringsgrond"] and errors["weigeringsgrond"].startswith(start)


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        (
            {
                "verlenging_reden": "complexiteit",
                "verlenging_motivering": "Vier partners",
                "verlenging_gemeld_op": "2026-12-01",
            },
            {
                "verlenging_gemeld_op": "AVG art. 12 lid 3: een verlenging wordt binnen de eerste termijn "
                "van 4 weken "
                "met redenen gemeld (uiterlijk 30-11-2026); daarna kan de termijn niet meer worden verlengd."
            },
        ),
        (
            {"verlenging_motivering": "  ", "verlenging_gemeld_op": "2026-11-20"},
            {
                "verlenging_reden": "AVG art. 12 lid 3: verlengen mag alleen vanwege de complexiteit of het "
                "aantal "
                "verzoeken; kies de reden.",
                "verlenging_motivering": "AVG art. 12 lid 3: de betrokkene krijgt de redenen van de "
                "vertraging; "
                "licht de verlenging toe.",
            },
        ),
        (
            {
                "verlenging_reden": "aantal_verzoeken",
                "verlenging_motivering": "Veel",
                "verlenging_gemeld_op": "2026-11-01",
            },
            {
                "verlenging_gemeld_op": "AVG art. 12 lid 3: de melding kan niet vóór de ontvangst van het "
                "verzoek "
                "(02-11-2026) liggen."
            },
        ),
    ],
)
def test_extension_notice_late_or_without_reasons_is_refused(
    ctx: ServiceContext, notice: dict[str, str], expected: dict[str, str]
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = to_decision(ctx, sanne)
    extension_id = complete_task(ctx, sanne, decide_id, {"besluit": "verlengen"}).next_task_id
    assert extension_id is not None
    assert refused(ctx, sanne, extension_id, instance_id, notice) == expected
    fixed = {
        "verlenging_reden": "complexiteit",
        "verlenging_motivering": "Vier partners",
        "verlenging_gemeld_op": "2026-11-30",
    }
    assert (
        complete_task(ctx, sanne, extension_id, fixed).next_task_id is not None
    )  # the last day still counts


@pytest.mark.parametrize(
    ("decision", "letter_task"),
    [
        (
            {"besluit": "weigeren", "weigeringsgrond": "kennelijk_ongegrond", "motivering": "Herhaald"},
            REFUSAL,
        ),
        ({"besluit": "gedeeltelijk", "weigeringsgrond": "rechten_anderen", "motivering": "Melder"}, ANSWER),
    ],
)
def test_a_refusal_letter_must_name_the_ap_and_the_court(
    ctx: ServiceContext, decision: dict[str, str], letter_task: str
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = to_decision(ctx, sanne)
    letter_id = complete_task(ctx, sanne, decide_id, decision).next_task_id
    assert letter_id is not None and open_task(ctx, sanne, letter_id).task.name == letter_task
    letter: dict[str, Any] = {"antwoord_verzonden_op": "2026-11-20", "brief_vermeldt": ["redenen"]}
    if letter_task == ANSWER:
        letter["uitgevoerde_maatregelen"] = ["afschrift_verstrekt"]
    assert refused(ctx, sanne, letter_id, instance_id, letter) == {"brief_vermeldt": LETTER_RULE}
    fixed = {**letter, "brief_vermeldt": ["redenen", "klacht_ap", "rechter", "bezwaar_gemeente"]}
    assert complete_task(ctx, sanne, letter_id, fixed).next_task_id is not None


def test_a_granted_request_is_carried_out_before_the_answer(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = to_decision(ctx, sanne, rechten=["inzage", "rectificatie", "eigen_verklaring"])
    answer_id = complete_task(ctx, sanne, decide_id, {"besluit": "toewijzen"}).next_task_id
    assert answer_id is not None
    answer = {"uitgevoerde_maatregelen": ["afschrift_verstrekt"], "antwoord_verzonden_op": "2026-11-20"}
    assert refused(ctx, sanne, answer_id, instance_id, answer) == {
        "uitgevoerde_maatregelen": "Convenant art. 15 lid 6: een toegewezen verzoek wordt uitgevoerd voordat "
        "het "
        "antwoord uitgaat. Nog niet uitgevoerd: rectificatie, eigen verklaring."
    }


def test_each_partner_task_is_for_its_own_partner(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = to_decision(ctx, sanne, SCOPE_TWO, rechten=["wissen"])
    answer_id = complete_task(ctx, sanne, decide_id, {"besluit": "toewijzen"}).next_task_id
    assert answer_id is not None
    complete_task(
        ctx,
        sanne,
        answer_id,
        {"uitgevoerde_maatregelen": ["gegevens_gewist"], "antwoord_verzonden_op": "2026-11-20"},
    )
    partner_task = next(
        t.id
        for t in _inbox(ctx, sanne, instance_id)
        if open_task(ctx, sanne, t.id).data == {"partner": "rubicon"}
    )
    notice = {"partner": "met-ggz", "partner_geinformeerd_op": "2026-11-21", "partner_kanaal": "brief"}
    assert refused(ctx, sanne, partner_task, instance_id, notice) == {
        "partner": "AVG art. 19: deze taak is voor de vooraf ingevulde partner; elke andere ontvangende "
        "partner "
        "heeft een eigen taak."
    }
    assert complete_task(ctx, sanne, partner_task, {**notice, "partner": "rubicon"}).next_task_id is None
    assert [t.name for t in _inbox(ctx, sanne, instance_id)] == [f"{PARTNER} – met-ggz"]  # still open


def _inbox(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[TaskView]:
    return [t for t in list_inbox(ctx, actor) if t.instance_id == instance_id]
