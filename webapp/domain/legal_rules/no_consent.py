"""Legal rules of the registration without consent (processes/no_consent_registration.bpmn, convenant art. 9).

The weighing (questions a–h of art. 9 lid 3) must carry the decision; the vital-interest ground needs its
heavier motivation (art. 9 lid 2); and a second professional reviews, never the one who decided
(DOMAIN.md 10.3). The app does not yet hand the acting user to legal rules, so the four-eyes rule compares
the names recorded in the decision and the review.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapp.domain.legal_rules.registry import CONTEXT_ACTOR, CONTEXT_COMPLETED_BY, rule
from webapp.domain.legal_rules.values import SEMICOLON, joined
from webapp.domain.messages import N_, Message

# The heavier motivation of art. 9 lid 2: a real argument (danger, urgency, why no consent), not a phrase.
MIN_VITAL_MOTIVATION = 200


@rule("no_consent.vital_interest")
def vital_interest(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    source = N_("Vitaal belang (convenant art. 9 lid 2; AVG art. 6 lid 1 sub d en art. 9 lid 2 sub c)")
    errors: dict[str, str] = {}
    if answers.get("levensbedreigende_situatie") is not True:
        errors["levensbedreigende_situatie"] = Message(
            "{source}: deze grondslag geldt alleen bij een zeer ernstige, levensbedreigende situatie. Kies "
            "anders de grondslag conflict van plichten.",
            source=source,
        )
    motivation = " ".join(str(answers.get("vitaal_belang_motivering") or "").split())
    if len(motivation) < MIN_VITAL_MOTIVATION:
        errors["vitaal_belang_motivering"] = Message(
            "{source}: voor deze grondslag geldt een extra zware motiveringseis. Beschrijf het dreigende "
            "gevaar, waarom het niet kan wachten en waarom toestemming niet wordt of kan worden verkregen "
            "(minstens {minimum} tekens, nu {length}).",
            source=source,
            minimum=MIN_VITAL_MOTIVATION,
            length=len(motivation),
        )
    return errors


@rule("no_consent.weighing_supports_decision")
def weighing_supports_decision(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Registering without consent is allowed only when the weighing shows necessity, subsidiarity and
    proportionality (convenant art. 9 lid 3 sub c, d and e)."""
    if answers.get("besluit_aanmelden") != "aanmelden":
        return {}
    reasons: list[str] = []
    if case.get("vraag_c_noodzakelijk") is False:
        reasons.append(N_("noodzaak (vraag c): volgens uw afweging is verstrekken niet echt noodzakelijk"))
    if case.get("vraag_d_minder_ingrijpend") is True:
        reasons.append(
            N_(
                "subsidiariteit (vraag d): volgens uw afweging kan het belang ook zonder verstrekken worden "
                "behartigd"
            )
        )
    if case.get("vraag_e_proportioneel") is False:
        reasons.append(
            N_("proportionaliteit (vraag e): volgens uw afweging weegt het belang bij geheimhouding zwaarder")
        )
    if not reasons:
        return {}
    return {
        "besluit_aanmelden": Message(
            "Convenant art. 9 lid 3: de afweging draagt geen aanmelding zonder "
            "toestemming — {reasons}. Kies 'Niet aanmelden' of pas eerst de afweging aan.",
            reasons=joined(reasons, SEMICOLON),
        )
    }


def _person(value: Any) -> str:
    return " ".join(str(value or "").lower().split())


@rule("no_consent.four_eyes")
def four_eyes(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    # Who really decided comes from the case's own record of completions (CONTEXT_COMPLETED_BY); the typed
    # names are compared too, so the rule also holds for a decision recorded on paper.
    decider_id = case.get(CONTEXT_COMPLETED_BY, {}).get("decide_no_consent")
    same_account = decider_id is not None and decider_id == case.get(CONTEXT_ACTOR)
    decided_by = _person(case.get("besloten_door"))
    same_name = bool(decided_by) and _person(answers.get("getoetst_door")) == decided_by
    if not (same_account or same_name):
        return {}
    return {
        "getoetst_door": Message(
            "Vier-ogenprincipe bij aanmelding zonder toestemming (convenant art. 9; toetsing "
            "door een tweede professional): {decider} nam het besluit en mag het niet zelf "
            "toetsen. Laat een andere aandachtsfunctionaris of de teamleider toetsen.",
            decider=case.get("besloten_door"),
        )
    }
