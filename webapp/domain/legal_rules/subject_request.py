"""Legal rules of the subject_request procedure (convenant art. 8, 14-16; AVG art. 12-21; Jeugdwet)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from webapp.domain.deadlines import DueRule, compute_deadline, local_date
from webapp.domain.legal_rules.registry import rule
from webapp.domain.legal_rules.values import COMMA, as_date, dutch_date, joined
from webapp.domain.messages import N_, Message

FIRST_TERM = "P4W"

# Who may exercise the rights of a data subject of this age (convenant art. 8 and art. 15 lid 3).
_WHO_MAY: dict[str, tuple[frozenset[str], str]] = {
    "jonger_dan_12": (
        frozenset({"vertegenwoordiger", "gemachtigde"}),
        N_(
            "Convenant art. 8: is de betrokkene jonger dan 12 jaar, dan oefent zijn wettelijk "
            "vertegenwoordiger (ouder met gezag of voogd) de rechten uit, of iemand met een schriftelijke "
            "machtiging van die vertegenwoordiger."
        ),
    ),
    "12_tot_16": (
        frozenset({"betrokkene_en_vertegenwoordiger"}),
        N_(
            "Convenant art. 8 en art. 15 lid 3: van 12 tot 16 jaar oefenen de jeugdige en zijn wettelijk "
            "vertegenwoordiger de rechten samen uit."
        ),
    ),
    "16_tot_18": (
        frozenset({"betrokkene", "gemachtigde"}),
        N_(
            "Convenant art. 8: vanaf 16 jaar oefent de betrokkene zijn rechten zelfstandig uit; een ander "
            "kan dat alleen met een schriftelijke machtiging van de jongere."
        ),
    ),
    "volwassen": (
        frozenset({"betrokkene", "curator_of_mentor", "gemachtigde"}),
        N_(
            "Convenant art. 8: een volwassene oefent zijn rechten zelf uit, of via een curator, mentor of "
            "schriftelijk gemachtigde; een ouder kan dat niet namens een volwassene."
        ),
    ),
}

# The proof of authority each kind of requester shows (convenant art. 8; AVG art. 12 lid 2 and 6).
_AUTHORITY: dict[str, tuple[str, str]] = {
    "vertegenwoordiger": (
        "gezagsregister",
        N_(
            "Convenant art. 8: controleer het gezag van een ouder of voogd in het gezagsregister; het woord "
            "van één ouder is niet genoeg."
        ),
    ),
    "betrokkene_en_vertegenwoordiger": (
        "gezagsregister",
        N_(
            "Convenant art. 8 en art. 15 lid 3: controleer het gezag van de vertegenwoordiger die samen met "
            "de jeugdige het verzoek doet in het gezagsregister; het woord van één ouder is niet genoeg."
        ),
    ),
    "curator_of_mentor": (
        "benoeming",
        N_("Convenant art. 8: een curator of mentor toont de benoeming door de kantonrechter."),
    ),
    "gemachtigde": (
        "machtiging",
        N_(
            "AVG art. 12 lid 2 en 6: een gemachtigde toont een schriftelijke machtiging van de betrokkene of "
            "van diens wettelijk vertegenwoordiger."
        ),
    ),
}

# A refusal ground that only fits some rights (AVG art. 17 lid 3, 20, 21 lid 1; convenant art. 15 lid 2 en 4).
_GROUND_FITS: dict[str, tuple[frozenset[str], str]] = {
    "dwingende_gronden": (
        frozenset({"verzet"}),
        N_(
            "AVG art. 21 lid 1 en convenant art. 15 lid 2: dwingende gerechtvaardigde gronden zijn alleen "
            "een grond om verzet af te wijzen, en de betrokkene heeft geen verzet aangetekend."
        ),
    ),
    "rechtsvordering": (
        frozenset({"verzet", "wissen"}),
        N_(
            "AVG art. 17 lid 3 sub e en art. 21 lid 1: een rechtsvordering is alleen een grond om wissen of "
            "verzet te weigeren."
        ),
    ),
    "wettelijke_bewaarplicht": (
        frozenset({"wissen"}),
        N_(
            "Convenant art. 15 lid 4 en AVG art. 17 lid 3: een wettelijke bewaarplicht is alleen een grond "
            "om wissen te weigeren."
        ),
    ),
    "overdraagbaarheid_niet_van_toepassing": (
        frozenset({"overdraagbaarheid"}),
        N_("AVG art. 20: deze grond past alleen bij een verzoek om overdraagbaarheid."),
    ),
}
_OBJECTION_GROUNDS = frozenset(
    {"dwingende_gronden", "rechtsvordering", "kennelijk_ongegrond", "identiteit_niet_vastgesteld"}
)

# What carrying out a granted right means (convenant art. 15 lid 6 and lid 7).
_MEASURE: dict[str, tuple[str, str]] = {
    "inzage": ("afschrift_verstrekt", N_("inzage")),
    "rectificatie": ("gegevens_gecorrigeerd", N_("rectificatie")),
    "wissen": ("gegevens_gewist", N_("wissen")),
    "beperking": ("verwerking_beperkt", N_("beperking")),
    "overdraagbaarheid": ("gegevens_overgedragen", N_("overdraagbaarheid")),
    "verzet": ("verwerking_gestaakt", N_("verzet")),
    "eigen_verklaring": ("verklaring_toegevoegd", N_("eigen verklaring")),
}

_LETTER: tuple[tuple[str, str], ...] = (
    ("redenen", N_("de redenen")),
    ("klacht_ap", N_("het recht op een klacht bij de Autoriteit Persoonsgegevens")),
    ("rechter", N_("het recht om naar de rechter te gaan")),
)


def first_term_end(received: date) -> date:
    """The last day of the first term: 4 weeks after receipt, moved past weekends and holidays."""
    return local_date(compute_deadline(received, FIRST_TERM, DueRule.CALENDAR).due_at)


@rule("subject_request.who_may_exercise")
def who_may_exercise(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    allowed = _WHO_MAY.get(str(answers.get("leeftijdsgroep")))
    if allowed is None or answers.get("verzoeker") in allowed[0]:
        return {}
    return {"verzoeker": allowed[1]}


@rule("subject_request.no_destruction_under_12")
def no_destruction_under_12(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if answers.get("leeftijdsgroep") == "jonger_dan_12" and "wissen" in (answers.get("rechten") or []):
        return {
            "rechten": N_(
                "Jeugdwet art. 7.3.9: vernietiging van het dossier kan niet door of namens een kind "
                "jonger dan 12 jaar worden gevraagd. Registreer het verzoek zonder 'Wissen'; rectificatie of "
                "beperking kan wel."
            )
        }
    return {}


@rule("subject_request.authority_checked")
def authority_checked(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if answers.get("identiteit_vastgesteld") is not True:
        return {}  # not established: the request is refused on that ground
    needed = _AUTHORITY.get(str(case.get("verzoeker")))
    if needed is None or answers.get("bevoegdheid_bron") == needed[0]:
        return {}
    return {"bevoegdheid_bron": needed[1]}


@rule("subject_request.id_copy_deleted")
def id_copy_deleted(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    copy = answers.get("identiteit_methode") == "kopie_afgeschermd"
    if copy and answers.get("kopie_vernietigd") is not True:
        return {
            "kopie_vernietigd": N_(
                "AVG art. 5 lid 1 sub c en e (Autoriteit Persoonsgegevens over kopieën van "
                "identiteitsbewijzen): een kopie, met afgeschermd BSN en pasfoto, wordt direct na de "
                "controle vernietigd."
            )
        }
    return {}


@rule("subject_request.refusal_ground_fits_right")
def refusal_ground_fits_right(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if answers.get("besluit") not in ("gedeeltelijk", "weigeren"):
        return {}
    ground, rights = str(answers.get("weigeringsgrond")), set(case.get("rechten") or [])
    fits = _GROUND_FITS.get(ground)
    if fits is not None and not rights & fits[0]:
        return {"weigeringsgrond": fits[1]}
    if rights == {"verzet"} and answers.get("besluit") == "weigeren" and ground not in _OBJECTION_GROUNDS:
        return {
            "weigeringsgrond": N_(
                "AVG art. 21 lid 1 en convenant art. 15 lid 2: verzet wordt alleen afgewezen "
                "als dwingende gerechtvaardigde gronden zwaarder wegen of de gegevens nodig zijn voor een "
                "rechtsvordering."
            )
        }
    return {}


@rule("subject_request.extension_notice")
def extension_notice(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if answers.get("verlenging_reden") not in ("complexiteit", "aantal_verzoeken"):
        errors["verlenging_reden"] = N_(
            "AVG art. 12 lid 3: verlengen mag alleen vanwege de complexiteit of het aantal verzoeken; kies "
            "de reden."
        )
    if not str(answers.get("verlenging_motivering") or "").strip():
        errors["verlenging_motivering"] = N_(
            "AVG art. 12 lid 3: de betrokkene krijgt de redenen van de vertraging; licht de verlenging toe."
        )
    received, noticed = as_date(case.get("ontvangen_op")), as_date(answers.get("verlenging_gemeld_op"))
    if received is None or noticed is None:
        return errors
    last = first_term_end(received)
    if noticed > last:
        errors["verlenging_gemeld_op"] = Message(
            "AVG art. 12 lid 3: een verlenging wordt binnen de eerste termijn van 4 weken met redenen gemeld "
            "(uiterlijk {last}); daarna kan de termijn niet meer worden verlengd.",
            last=dutch_date(last),
        )
    elif noticed < received:
        errors["verlenging_gemeld_op"] = Message(
            "AVG art. 12 lid 3: de melding kan niet vóór de ontvangst van het verzoek ({received}) liggen.",
            received=dutch_date(received),
        )
    return errors


@rule("subject_request.refusal_letter")
def refusal_letter(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if case.get("besluit") not in ("gedeeltelijk", "weigeren"):
        return {}
    named = set(answers.get("brief_vermeldt") or [])
    missing = [text for code, text in _LETTER if code not in named]
    if not missing:
        return {}
    return {
        "brief_vermeldt": Message(
            "AVG art. 12 lid 4, convenant art. 15 lid 5 en art. 16 lid 4: een (gedeeltelijke) weigering "
            "noemt de redenen, het recht op een klacht bij de Autoriteit Persoonsgegevens en het recht om "
            "naar de rechter te gaan. Ontbreekt: {missing}.",
            missing=joined(missing, COMMA),
        )
    }


@rule("subject_request.measures_executed")
def measures_executed(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    if case.get("besluit") != "toewijzen":
        return {}
    done = set(answers.get("uitgevoerde_maatregelen") or [])
    missing = [
        label
        for right, (measure, label) in _MEASURE.items()
        if right in (case.get("rechten") or []) and measure not in done
    ]
    if not missing:
        return {}
    return {
        "uitgevoerde_maatregelen": Message(
            "Convenant art. 15 lid 6: een toegewezen verzoek wordt uitgevoerd voordat "
            "het antwoord uitgaat. Nog niet uitgevoerd: {missing}.",
            missing=joined(missing, COMMA),
        )
    }


@rule("subject_request.partner_matches")
def partner_matches(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    assigned = case.get("partner")
    if assigned is None or answers.get("partner") == assigned:
        return {}
    return {
        "partner": N_(
            "AVG art. 19: deze taak is voor de vooraf ingevulde partner; elke andere ontvangende "
            "partner heeft een eigen taak."
        )
    }
