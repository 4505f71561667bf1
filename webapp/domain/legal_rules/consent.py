"""Legal rules of the consent procedure (processes/consent.bpmn).

Who must consent comes from the decision table who_must_consent (convenant art. 8; art. 7:447, 7:450 and
7:465 BW), whose outputs are in the case data: ``toestemming_regel``, ``toestemming_betrokkene_vereist`` and
``toestemming_vertegenwoordigers_vereist``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapp.domain.legal_rules.registry import CONTEXT_NOW, rule
from webapp.domain.legal_rules.values import AND, as_date, dutch_date, joined
from webapp.domain.messages import N_, Message

SUBJECT = "betrokkene"
REPRESENTATIVES = frozenset({"ouder_met_gezag", "voogd", "curator_mentor", "gemachtigde"})

_SOURCES = {
    "ouders": N_("Convenant art. 8 en art. 7:465 lid 1 BW (jonger dan 12 jaar)"),
    "dubbel": N_("Dubbele toestemming (convenant art. 8; art. 7:450 lid 2 BW)"),
    "betrokkene": N_("Zelfstandige toestemming (convenant art. 8; art. 7:447 BW)"),
    "vertegenwoordigers": N_("Vertegenwoordiging van een wilsonbekwame betrokkene (art. 7:465 BW)"),
}
_WHO = {
    "ouders": N_("onder 12 jaar geven de ouder(s) met gezag toestemming, bij gezamenlijk gezag beide ouders"),
    "dubbel": N_(
        "van 12 tot 16 jaar geven de jeugdige én de ouder(s) met gezag toestemming, bij gezamenlijk "
        "gezag beide ouders"
    ),
    "betrokkene": N_("vanaf 16 jaar geeft de betrokkene zelf toestemming"),
    "vertegenwoordigers": N_(
        "voor een betrokkene die niet wilsbekwaam is, geven de wettelijk "
        "vertegenwoordiger(s) toestemming, bij gezamenlijk gezag beide ouders"
    ),
}
_GIVEN = "gegeven"


def _representatives(people: list[Mapping[str, Any]]) -> int:
    """Distinct representatives among the people who consented (two rows with one name count once)."""
    names = {str(p.get("naam", "")).strip().lower() for p in people if p.get("rol") in REPRESENTATIVES}
    return len(names)


@rule("consent.age_matches_birth_date")
def age_matches_birth_date(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """The age decides who must consent, so it must agree with the birth date the case already holds."""
    born, today = as_date(case.get("client_geboortedatum")), as_date(case.get(CONTEXT_NOW))
    typed = answers.get("leeftijd")
    if born is None or today is None or not isinstance(typed, int):
        return {}
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if typed == age:
        return {}
    return {
        "leeftijd": Message(
            "Convenant art. 8 (wie toestemming geeft hangt af van de leeftijd): volgens de "
            "geboortedatum in de casus ({born}) is de betrokkene vandaag {age} jaar, niet {typed}.",
            born=dutch_date(born),
            age=age,
            typed=typed,
        )
    }


@rule("consent.signatories")
def signatories(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Everyone the decision table names must have consented before the consent counts as valid."""
    if answers.get("toestemming_antwoord") != _GIVEN:
        return {}
    people = [p for p in answers.get("gegeven_door") or [] if isinstance(p, Mapping)]
    kind = str(case.get("toestemming_regel", "dubbel"))
    missing: list[str] = []
    if case.get("toestemming_betrokkene_vereist", True) and not any(p.get("rol") == SUBJECT for p in people):
        missing.append(N_("de jeugdige zelf") if kind == "dubbel" else N_("de betrokkene zelf"))
    needed = int(case.get("toestemming_vertegenwoordigers_vereist", 2) or 0)
    present = _representatives(people)
    if present < needed:
        if needed == 2 and present == 1:
            missing.append(N_("de tweede ouder met gezag (er is gezamenlijk gezag)"))
        elif needed == 2:
            missing.append(N_("beide ouders met gezag"))
        else:
            missing.append(N_("de ouder met gezag of de wettelijk vertegenwoordiger"))
    if not missing:
        return {}
    source = _SOURCES.get(kind, _SOURCES["dubbel"])
    who = _WHO.get(kind, _WHO["dubbel"])
    return {
        "gegeven_door": Message(
            "{source}: {who}. Nog niet vastgelegd: {missing}.",
            source=source,
            who=who,
            missing=joined(missing, AND),
        )
    }


@rule("consent.specificity")
def specificity(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Eis der gerichtheid: a valid consent names one purpose, the data and the recipients."""
    if answers.get("toestemming_antwoord") != _GIVEN:
        return {}
    rule_name = N_("Eis der gerichtheid (convenant art. 7 lid 5; AVG art. 4 lid 11)")
    errors: dict[str, str] = {}
    if not answers.get("doel"):
        errors["doel"] = Message(
            "{rule}: een geldige toestemming noemt het doel waarvoor zij is gegeven.", rule=rule_name
        )
    if not answers.get("gegevenscategorieen"):
        errors["gegevenscategorieen"] = Message(
            "{rule}: een geldige toestemming noemt de gegevens waarvoor zij geldt; geen algemene "
            "toestemming.",
            rule=rule_name,
        )
    if not answers.get("ontvangers"):
        errors["ontvangers"] = Message(
            "{rule}: een geldige toestemming noemt de partners die de gegevens mogen ontvangen.",
            rule=rule_name,
        )
    return errors


@rule("consent.validity")
def validity(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """The answer cannot predate the request, and a consent cannot end before it was given."""
    errors: dict[str, str] = {}
    answered, asked = as_date(answers.get("beantwoord_op")), as_date(case.get("gevraagd_op"))
    if answered and asked and answered < asked:
        errors["beantwoord_op"] = Message(
            "Bewijs van toestemming (AVG art. 7 lid 1): het antwoord kan niet vóór het verzoek van "
            "{asked} liggen.",
            asked=dutch_date(asked),
        )
    until = as_date(answers.get("geldig_tot"))
    if answers.get("toestemming_antwoord") == _GIVEN and answered and until and until < answered:
        errors["geldig_tot"] = Message(
            "Geldigheid van de toestemming (AVG art. 7 lid 1; convenant art. 7): de einddatum ligt vóór de "
            "datum van de toestemming ({answered}).",
            answered=dutch_date(answered),
        )
    return errors


@rule("consent.withdrawal_dates")
def withdrawal_dates(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """A withdrawal follows the consent, and the partners are informed after the withdrawal."""
    errors: dict[str, str] = {}
    withdrawn, given = as_date(answers.get("ingetrokken_op")), as_date(case.get("beantwoord_op"))
    if withdrawn and given and withdrawn < given:
        errors["ingetrokken_op"] = Message(
            "Intrekking van de toestemming (AVG art. 7 lid 3): de intrekking kan niet vóór de toestemming "
            "van {given} liggen.",
            given=dutch_date(given),
        )
    informed, withdrawn_before = (
        as_date(answers.get("partners_geinformeerd_op")),
        as_date(case.get("ingetrokken_op")),
    )
    if informed and withdrawn_before and informed < withdrawn_before:
        errors["partners_geinformeerd_op"] = Message(
            "Ontvangers informeren over de intrekking (AVG art. 7 lid 3 en art. 19): de partners kunnen "
            "niet vóór de intrekking van {withdrawn} zijn geïnformeerd.",
            withdrawn=dutch_date(withdrawn_before),
        )
    return errors
