"""Legal rules of the consent procedure (processes/consent.bpmn).

Who must consent comes from the decision table who_must_consent (convenant art. 8; art. 7:447, 7:450 and
7:465 BW), whose outputs are in the case data: ``toestemming_regel``, ``toestemming_betrokkene_vereist`` and
``toestemming_vertegenwoordigers_vereist``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapp.domain.legal_rules.registry import CONTEXT_NOW, rule
from webapp.domain.legal_rules.values import as_date, dutch_date

SUBJECT = "betrokkene"
REPRESENTATIVES = frozenset({"ouder_met_gezag", "voogd", "curator_mentor", "gemachtigde"})

_SOURCES = {
    "ouders": "Convenant art. 8 en art. 7:465 lid 1 BW (jonger dan 12 jaar)",
    "dubbel": "Dubbele toestemming (convenant art. 8; art. 7:450 lid 2 BW)",
    "betrokkene": "Zelfstandige toestemming (convenant art. 8; art. 7:447 BW)",
    "vertegenwoordigers": "Vertegenwoordiging van een wilsonbekwame betrokkene (art. 7:465 BW)",
}
_WHO = {
    "ouders": "onder 12 jaar geven de ouder(s) met gezag toestemming, bij gezamenlijk gezag beide ouders",
    "dubbel": "van 12 tot 16 jaar geven de jeugdige én de ouder(s) met gezag toestemming, bij gezamenlijk "
    "gezag beide ouders",
    "betrokkene": "vanaf 16 jaar geeft de betrokkene zelf toestemming",
    "vertegenwoordigers": "voor een betrokkene die niet wilsbekwaam is, geven de wettelijk "
    "vertegenwoordiger(s) toestemming, bij gezamenlijk gezag beide ouders",
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
        "leeftijd": "Convenant art. 8 (wie toestemming geeft hangt af van de leeftijd): volgens de "
        f"geboortedatum in de casus ({dutch_date(born)}) is de betrokkene vandaag {age} jaar, niet {typed}."
    }


@rule("consent.signatories")
def signatories(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Everyone the decision table names must have consented before the consent counts as valid."""
    if answers.get("toestemming_antwoord") != _GIVEN:
        return {}
    people = [p for p in answers.get("gegeven_door") or [] if isinstance(p, Mapping)]
    kind = str(case.get("toestemming_regel", "dubbel"))
    missing = []
    if case.get("toestemming_betrokkene_vereist", True) and not any(p.get("rol") == SUBJECT for p in people):
        missing.append("de jeugdige zelf" if kind == "dubbel" else "de betrokkene zelf")
    needed = int(case.get("toestemming_vertegenwoordigers_vereist", 2) or 0)
    present = _representatives(people)
    if present < needed:
        if needed == 2 and present == 1:
            missing.append("de tweede ouder met gezag (er is gezamenlijk gezag)")
        elif needed == 2:
            missing.append("beide ouders met gezag")
        else:
            missing.append("de ouder met gezag of de wettelijk vertegenwoordiger")
    if not missing:
        return {}
    source = _SOURCES.get(kind, _SOURCES["dubbel"])
    who = _WHO.get(kind, _WHO["dubbel"])
    return {"gegeven_door": f"{source}: {who}. Nog niet vastgelegd: {' en '.join(missing)}."}


@rule("consent.specificity")
def specificity(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Eis der gerichtheid: a valid consent names one purpose, the data and the recipients."""
    if answers.get("toestemming_antwoord") != _GIVEN:
        return {}
    rule_name = "Eis der gerichtheid (convenant art. 7 lid 5; AVG art. 4 lid 11)"
    errors = {}
    if not answers.get("doel"):
        errors["doel"] = f"{rule_name}: een geldige toestemming noemt het doel waarvoor zij is gegeven."
    if not answers.get("gegevenscategorieen"):
        errors["gegevenscategorieen"] = (
            f"{rule_name}: een geldige toestemming noemt de gegevens waarvoor zij geldt; "
            "geen algemene toestemming."
        )
    if not answers.get("ontvangers"):
        errors["ontvangers"] = (
            f"{rule_name}: een geldige toestemming noemt de partners die de gegevens mogen ontvangen."
        )
    return errors


@rule("consent.validity")
def validity(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """The answer cannot predate the request, and a consent cannot end before it was given."""
    errors = {}
    answered, asked = as_date(answers.get("beantwoord_op")), as_date(case.get("gevraagd_op"))
    if answered and asked and answered < asked:
        errors["beantwoord_op"] = (
            f"Bewijs van toestemming (AVG art. 7 lid 1): het antwoord kan niet vóór het verzoek van "
            f"{dutch_date(asked)} liggen."
        )
    until = as_date(answers.get("geldig_tot"))
    if answers.get("toestemming_antwoord") == _GIVEN and answered and until and until < answered:
        errors["geldig_tot"] = (
            f"Geldigheid van de toestemming (AVG art. 7 lid 1; convenant art. 7): de einddatum ligt vóór de "
            f"datum van de toestemming ({dutch_date(answered)})."
        )
    return errors


@rule("consent.withdrawal_dates")
def withdrawal_dates(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """A withdrawal follows the consent, and the partners are informed after the withdrawal."""
    errors = {}
    withdrawn, given = as_date(answers.get("ingetrokken_op")), as_date(case.get("beantwoord_op"))
    if withdrawn and given and withdrawn < given:
        errors["ingetrokken_op"] = (
            "Intrekking van de toestemming (AVG art. 7 lid 3): de intrekking kan niet vóór de toestemming "
            f"van {dutch_date(given)} liggen."
        )
    informed, withdrawn_before = (
        as_date(answers.get("partners_geinformeerd_op")),
        as_date(case.get("ingetrokken_op")),
    )
    if informed and withdrawn_before and informed < withdrawn_before:
        errors["partners_geinformeerd_op"] = (
            "Ontvangers informeren over de intrekking (AVG art. 7 lid 3 en art. 19): de partners kunnen "
            f"niet vóór de intrekking van {dutch_date(withdrawn_before)} zijn geïnformeerd."
        )
    return errors
