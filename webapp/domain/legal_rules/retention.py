"""Legal rules of the retention procedure (convenant art. 17; BW 7:454; Jeugdwet; Archiefbesluit art. 8)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from webapp.domain.deadlines import compute_deadline, local_date
from webapp.domain.legal_rules.registry import rule
from webapp.domain.legal_rules.values import as_date, dutch_date
from webapp.domain.messages import N_, Message

_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")

# The retention table (DOMAIN.md sections 4.1 and 10.4): the term each legal ground sets.
TERMS: dict[str, tuple[str, str]] = {
    "wgbo": (
        "P20Y",
        N_(
            "BW art. 7:454 lid 3: een medisch dossier wordt 20 jaar na de laatste wijziging bewaard; langer "
            "alleen bij de beoordeling, als goed hulpverlenerschap dat vraagt."
        ),
    ),
    "jeugdwet": (
        "P20Y",
        N_(
            "Jeugdwet art. 7.3.8: een jeugdhulpdossier wordt 20 jaar na de laatste wijziging bewaard; langer "
            "alleen bij de beoordeling, als goed hulpverlenerschap dat vraagt."
        ),
    ),
    "wmo": (
        "P15Y",
        N_("Archiefwet 1995 en de selectielijst: een Wmo-dossier van de gemeente wordt 15 jaar bewaard."),
    ),
    "casusoverleg": (
        "P2Y",
        N_(
            "Convenant art. 17 lid 1 en de bewaartabel: verslagen en actielijsten van het casusoverleg "
            "worden 2 jaar bewaard, niet langer dan nodig (AVG art. 5 lid 1 sub e)."
        ),
    ),
}

# What a destruction record (verklaring van vernietiging) holds besides the case's kenmerk, ground and term.
DESTRUCTION_RECORD_FIELDS = frozenset(
    {
        "vernietigd_op",
        "vernietigingsmethode",
        "stukken_van",
        "stukken_tot",
        "uitgevoerd_door",
        "partners_geinformeerd",
    }
)
_NO_CONTENT = N_(
    "Archiefbesluit 1995 art. 8 en AVG art. 5 lid 1 sub c: een verklaring van vernietiging noemt wat, op "
    "welke grond, hoe en uit welke periode is vernietigd, maar bevat geen inhoud van de vernietigde "
    "gegevens; dit veld hoort er niet in."
)


def _blank(value: Any) -> bool:
    return not str(value or "").strip()


def current_expiry(case: Mapping[str, Any]) -> date | None:
    """The last day of retention as the timers count it (vervalt_vanaf + vervalt_na under vervalt_regel)."""
    start = as_date(case.get("vervalt_vanaf"))
    if start is None or not case.get("vervalt_na"):
        return None
    rule_name = str(case.get("vervalt_regel") or "calendar")
    due = compute_deadline(start, str(case["vervalt_na"]), rule_name).due_at
    return local_date(due - timedelta(seconds=1))  # an expiry at midnight belongs to the day before


@rule("retention.reference_not_content")
def reference_not_content(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if _REFERENCE.fullmatch(str(answers.get("dossier_kenmerk") or "")):
        return {}
    return {
        "dossier_kenmerk": N_(
            "AVG art. 5 lid 1 sub c: gebruik een kenmerk zoals KF-2026-0042, zonder spaties, "
            "namen of inhoud; het kenmerk komt in de verklaring van vernietiging."
        )
    }


@rule("retention.term_matches_ground")
def term_matches_ground(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    term = TERMS.get(str(answers.get("bewaargrond")))
    if term is None or answers.get("bewaartermijn") == term[0]:
        return {}
    return {"bewaartermijn": term[1]}


@rule("retention.change_not_earlier")
def change_not_earlier(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    new, old = as_date(answers.get("laatste_wijziging_op")), as_date(case.get("laatste_wijziging_op"))
    if new is None or old is None or new >= old:
        return {}
    return {
        "laatste_wijziging_op": Message(
            "BW art. 7:454 lid 3 en Jeugdwet art. 7.3.8: de termijn loopt vanaf de "
            "laatste wijziging, en deze datum ligt vóór de vorige laatste wijziging ({old}).",
            old=dutch_date(old),
        )
    }


@rule("retention.extension")
def extension(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if answers.get("beoordeling") != "verlengen":
        return {}
    errors: dict[str, str] = {}
    if answers.get("verlenging_reden") != "goed_hulpverlenerschap":
        errors["verlenging_reden"] = N_(
            "BW art. 7:454 lid 3 en Jeugdwet art. 7.3.8: langer bewaren mag alleen als dat redelijkerwijs "
            "nodig is voor goed hulpverlenerschap (goede zorg aan de cliënt), niet voor het belang van een "
            "ander."
        )
    if _blank(answers.get("verlenging_toelichting")):
        errors["verlenging_toelichting"] = N_(
            "AVG art. 5 lid 1 sub e en lid 2: licht toe waarom goede zorg aan de cliënt langer bewaren "
            "vraagt."
        )
    new, expiry = as_date(answers.get("nieuwe_vervaldatum")), current_expiry(case)
    if new is None:
        errors["nieuwe_vervaldatum"] = N_(
            "AVG art. 5 lid 1 sub e: een verlenging heeft een nieuwe vervaldatum."
        )
    elif expiry is not None and new <= expiry:
        errors["nieuwe_vervaldatum"] = Message(
            "AVG art. 5 lid 1 sub e: de nieuwe vervaldatum ligt na de huidige vervaldatum ({expiry}).",
            expiry=dutch_date(expiry),
        )
    if _blank(answers.get("verlenging_goedgekeurd_door")):
        errors["verlenging_goedgekeurd_door"] = N_(
            "Convenant art. 17 en AVG art. 5 lid 2: een verlenging wordt goedgekeurd; vul in wie de "
            "verlenging goedkeurde."
        )
    return errors


@rule("retention.legal_hold")
def legal_hold(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if answers.get("beoordeling") != "bewaarplicht":
        return {}
    errors: dict[str, str] = {}
    if not answers.get("bewaarplicht_reden"):
        errors["bewaarplicht_reden"] = N_(
            "AVG art. 17 lid 3 en art. 18: na de termijn bewaren mag alleen met een concrete bewaarplicht; "
            "kies de reden."
        )
    if as_date(answers.get("bewaarplicht_herzien_op")) is None:
        errors["bewaarplicht_herzien_op"] = N_(
            "AVG art. 5 lid 1 sub e: een bewaarplicht wordt opnieuw beoordeeld; vul de datum in."
        )
    return errors


@rule("retention.destruction_record")
def destruction_record(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    errors = {name: _NO_CONTENT for name in sorted(set(answers) - DESTRUCTION_RECORD_FIELDS)}
    first, last = as_date(answers.get("stukken_van")), as_date(answers.get("stukken_tot"))
    destroyed, changed = as_date(answers.get("vernietigd_op")), as_date(case.get("laatste_wijziging_op"))
    if first and last and first > last:
        errors["stukken_tot"] = N_(
            "Archiefbesluit 1995 art. 8: de periode loopt van het oudste naar het jongste vernietigde stuk."
        )
    elif last and changed and last > changed:
        errors["stukken_tot"] = Message(
            "Archiefbesluit 1995 art. 8: het jongste stuk kan niet na de laatste wijziging van het dossier "
            "({changed}) liggen.",
            changed=dutch_date(changed),
        )
    approved = as_date(case.get("goedgekeurd_op"))
    if destroyed and approved and destroyed < approved:
        errors["vernietigd_op"] = Message(
            "Archiefbesluit 1995 art. 8: vernietigen gebeurt na de goedkeuring ({approved}).",
            approved=dutch_date(approved),
        )
    elif destroyed and last and destroyed < last:
        errors["vernietigd_op"] = N_("Archiefbesluit 1995 art. 8: vernietigd kan niet vóór het jongste stuk.")
    return errors
