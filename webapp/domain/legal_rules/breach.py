"""Legal rules of the breach procedure (processes/data_breach.bpmn; DOMAIN.md section 2).

Each rule reads this task's answers and the data the case held before it, and names the rule it enforces in
a Dutch message shown beside the field (translatable: constants marked ``N_``, texts with values a
``Message``). The conditional requirements live here rather than in the forms' JSON Schema, so that the
person sees which article asks for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from webapp.domain.legal_rules.registry import rule
from webapp.domain.legal_rules.values import as_moment, dutch_moment
from webapp.domain.messages import N_, Message

AP_PERIOD = timedelta(hours=72)
EXCEPTIONS_ART34 = ("a_onbegrijpelijk", "b_risico_weggenomen", "c_onevenredige_inspanning")
PUBLIC_NOTICE_EXCEPTION = "c_onevenredige_inspanning"

LATE_WITHOUT_REASON = N_(
    "AVG art. 33 lid 1: de melding is later gedaan dan 72 uur na de ontdekking ({due}); vermeld de redenen "
    "voor de vertraging."
)
NOTIFIED_BEFORE_DISCOVERY = N_(
    "AVG art. 33 lid 1: de termijn loopt vanaf de ontdekking ({found}); de melding kan niet eerder zijn "
    "gedaan."
)
NOT_NOTIFIED_WITHOUT_REASONS = N_(
    "AVG art. 33 lid 5: leg bij een besluit om niet te melden vast waarom het datalek waarschijnlijk geen "
    "risico oplevert voor de betrokkenen."
)
NOT_NOTIFIED_DESPITE_RISK = N_(
    "AVG art. 33 lid 1: niet melden mag alleen als het datalek waarschijnlijk geen risico oplevert; u "
    "beoordeelt het risico als '{risk}'."
)
DEVIATES_FROM_FG = N_(
    "AVG art. 38 lid 1 en art. 5 lid 2 (verantwoordingsplicht): motiveer waarom u afwijkt van het advies van "
    "de FG."
)
HIGH_RISK_WITHOUT_EXCEPTION = N_(
    "AVG art. 34 lid 1 en 3: bij een hoog risico worden de betrokkenen geïnformeerd, tenzij een uitzondering "
    "van art. 34 lid 3 (a, b of c) geldt; kies de uitzondering."
)
EXCEPTION_WITHOUT_REASONS = N_(
    "AVG art. 34 lid 3 en art. 33 lid 5: onderbouw waarom de uitzondering geldt; de motivering komt in het "
    "datalekkenregister."
)
PUBLIC_NOTICE_REQUIRED = N_(
    "AVG art. 34 lid 3 onder c: wie betrokkenen niet individueel informeert wegens onevenredige inspanning, "
    "doet een openbare mededeling."
)
REGISTER_FIELDS = {
    "omschrijving_datalek": N_("de feiten"),
    "gevolgen": N_("de gevolgen"),
    "herstelmaatregelen": N_("de genomen corrigerende maatregelen"),
}
REGISTER_INCOMPLETE = N_(
    "AVG art. 33 lid 5: het datalekkenregister vermeldt {what} van het datalek; vul dit in."
)


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


@rule("breach.late_notification")
def late_notification(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """A notification after the 72 hours of art. 33(1) states the reasons for the delay."""
    found, notified = as_moment(case.get("ontdekt_op")), as_moment(answers.get("gemeld_bij_ap_op"))
    if found is None or notified is None:
        return {}
    if notified < found:
        return {"gemeld_bij_ap_op": Message(NOTIFIED_BEFORE_DISCOVERY, found=dutch_moment(found))}
    due = found + AP_PERIOD
    if notified > due and not _filled(answers.get("reden_vertraging")):
        return {"reden_vertraging": Message(LATE_WITHOUT_REASON, due=dutch_moment(due))}
    return {}


@rule("breach.ap_decision")
def ap_decision(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Not notifying needs no risk and reasons (art. 33(1), 33(5)); so does deviating from the FG's advice."""
    decision, reasons = answers.get("besluit_ap"), answers.get("motivering_besluit_ap")
    errors: dict[str, str] = {}
    if decision == "niet_melden" and answers.get("risico") not in (None, "geen"):
        errors["besluit_ap"] = Message(NOT_NOTIFIED_DESPITE_RISK, risk=_risk_title(answers.get("risico")))
    if not _filled(reasons):
        if decision == "niet_melden":
            errors["motivering_besluit_ap"] = NOT_NOTIFIED_WITHOUT_REASONS
        elif case.get("fg_advies_melden") not in (None, decision):
            errors["motivering_besluit_ap"] = DEVIATES_FROM_FG
    return errors


def _risk_title(value: Any) -> str:
    return {"risico": N_("risico"), "hoog": N_("hoog risico")}.get(str(value), str(value))


@rule("breach.data_subjects")
def data_subjects(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """On a high risk the data subjects are informed, unless an exception of art. 34(3) applies (reasoned)."""
    if answers.get("besluit_betrokkenen") != "niet_informeren" or case.get("risico") != "hoog":
        return {}
    if answers.get("uitzondering_art34") not in EXCEPTIONS_ART34:
        return {"uitzondering_art34": HIGH_RISK_WITHOUT_EXCEPTION}
    if not _filled(answers.get("motivering_betrokkenen")):
        return {"motivering_betrokkenen": EXCEPTION_WITHOUT_REASONS}
    return {}


@rule("breach.public_notice")
def public_notice(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """The exception of art. 34(3)(c) replaces individual messages by a public communication."""
    exception = case.get("besluit_betrokkenen") == "niet_informeren" and (
        case.get("uitzondering_art34") == PUBLIC_NOTICE_EXCEPTION
    )
    if exception and answers.get("wijze_informeren") != "openbare_mededeling":
        return {"wijze_informeren": PUBLIC_NOTICE_REQUIRED}
    return {}


@rule("breach.register_complete")
def register_complete(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """The register of art. 33(5) holds the facts, the effects and the remedial action of every breach.

    A field left out of the answers keeps the value the case already holds, so that value counts.
    """
    errors: dict[str, str] = {}
    for name, what in REGISTER_FIELDS.items():
        value = answers[name] if name in answers else case.get(name)
        if not _filled(value):
            errors[name] = Message(REGISTER_INCOMPLETE, what=what)
    return errors
