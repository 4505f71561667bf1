"""Legal rules of the case intake (casusoverleg): anonymity, need to know, and who receives the minutes.

Each rule gets this task's answers and the data the case held before it, and returns Dutch messages that name
the rule they enforce (convenant = samenwerkingsconvenant ketenpartners, privacyreglement).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from webapp.domain.legal_rules.registry import rule
from webapp.domain.legal_rules.values import AND, COMMA, joined
from webapp.domain.messages import N_, Message

PURPOSES: dict[str, str] = {
    "eigen_taak": N_("Uitvoering van de eigen (wettelijke) taak"),
    "afstemming_hulp": N_("Afstemming van hulpverlening bij (complexe) zorgvragen"),
    "integraal_aanbod": N_("Domeinoverstijgend integraal aanbod van gemeente en hulpverlening"),
    "intervisie": N_("Intervisie: kennis en kunde uitwisselen"),
}

# How many partners a purpose normally needs (design default, DOMAIN §10 style: a setting per organisation).
# More is allowed only with a reason: convenant art. 7 lid 2 and art. 12 lid 3 (need to know).
PARTNERS_NEEDED: dict[str, int] = {"eigen_taak": 2, "afstemming_hulp": 4, "integraal_aanbod": 5}

PARTNER_NAMES: dict[str, str] = {
    "leudal": "Gemeente Leudal",
    "nederweert": "Gemeente Nederweert",
    "weert": "Gemeente Weert",
    "bjz-limburg": "Bureau Jeugdzorg Limburg",
    "cjg-midden-limburg": "Centrum voor Jeugd en Gezin Midden-Limburg",
    "met-ggz": "MET ggz",
    "mutsaersstichting": "Mutsaersstichting",
    "psw": "Pedagogisch Sociaal Werk (PSW)",
    "rubicon": "Rubicon Jeugdzorg",
    "koraal": "Stichting Koraal",
    "vincent-van-gogh": "Vincent van Gogh",
    "william-schrikker": "William Schrikkergroep",
    "pgz": "Zorgverlening PGZ",
}
INITIATOR = "initiatiefnemer"

_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
# What makes a text traceable to a person, in the order the message names them. A text can still identify
# someone without any of these; the form's confirmation (niet_herleidbaar) covers the rest.
IDENTIFIERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (N_("een e-mailadres"), re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")),
    (N_("een telefoonnummer"), re.compile(r"(?<![\w.])(\+31|0031|0)[\s-]?[1-9]([\s-]?\d){8}(?!\d)")),
    (N_("een BSN"), re.compile(r"(?<![\w.])\d{4}\.?\d{2}\.?\d{3}(?![\w.]*\d)")),
    (
        N_("een geboortedatum"),
        re.compile(
            rf"(?i:\b(geboren|geboortedatum|geb\.))\D{{0,15}}"
            rf"(\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|\d{{1,2}}\s+(?i:{_MONTHS})|\d{{4}}-\d{{2}}-\d{{2}})"
        ),
    ),
    (N_("een postcode"), re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b")),
    (
        N_("een adres"),
        re.compile(
            r"\b[A-Z][a-zà-ÿ]+(straat|laan|weg|plein|singel|gracht|dijk|kade|hof|steeg|dreef|markt)\s+\d+"
        ),
    ),
    (
        N_("een naam met aanspreekvorm"),
        re.compile(r"(?i:\b(mevrouw|meneer|mevr\.|mw\.|dhr\.|de heer))\s+[A-Z]"),
    ),
)
# The free-text fields of the anonymous path: (field, row field) — row field None for a plain text field.
FREE_TEXT: tuple[tuple[str, str | None], ...] = (
    ("vraag_aan_overleg", None),
    ("verslag_overleg", None),
    ("acties_overleg", "actie"),
)


def is_bsn(candidate: str) -> bool:
    """The elfproef of a burgerservicenummer: 9 digits weighted 9..2 and -1 add up to a multiple of 11."""
    digits = [int(d) for d in candidate if d.isdigit()]
    if len(digits) != 9:
        return False
    total = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


def identifiers_in(text: str) -> list[str]:
    """The kinds of identifying data found in a text, e.g. ["een BSN", "een postcode"]."""
    found = []
    for label, pattern in IDENTIFIERS:
        matches = [m.group(0) for m in pattern.finditer(text)]
        if label == "een BSN":
            matches = [m for m in matches if is_bsn(m)]
        if matches:
            found.append(label)
    return found


def _texts(answers: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for field, row_field in FREE_TEXT:
        value = answers.get(field)
        if row_field is None:
            if isinstance(value, str):
                yield field, value
        elif isinstance(value, list):
            for index, row in enumerate(value):
                if isinstance(row, Mapping) and isinstance(row.get(row_field), str):
                    yield f"{field}.{index}.{row_field}", row[row_field]


def _joined(items: list[str]) -> str:
    """ "a, b en c" (translatable: see values.joined)."""
    return joined(items, COMMA, last=AND)


@rule("case.anonymous_no_personal_data")
def anonymous_no_personal_data(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Convenant art. 5 lid 4: an anonymous case is not traceable for anyone present; no personal data."""
    if case.get("bespreekwijze") != "anoniem":
        return {}
    errors: dict[str, str] = {}
    for path, text in _texts(answers):
        found = identifiers_in(text)
        if found:
            errors[path] = Message(
                "Convenant art. 5 lid 4: bij anoniem bespreken (casuïstiekoverleg) mag de casus voor geen "
                "van de aanwezigen herleidbaar zijn en worden geen persoonsgegevens vastgelegd. Deze tekst "
                "bevat {found}; haal dat weg, of meld de casus op naam aan.",
                found=_joined(found),
            )
    return errors


@rule("case.need_to_know")
def need_to_know(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Convenant art. 2, 4, 7 lid 2 and 12 lid 3: partners only for a stated purpose, and only as many as it
    needs unless there is a reason."""
    partners = list(answers.get("partners_overleg") or [])
    purpose = answers.get("doel_overleg")
    if partners and not purpose:
        return {
            "doel_overleg": N_(
                "Convenant art. 2, art. 4 en art. 7 lid 2: partners worden alleen betrokken voor een vooraf "
                "bepaald doel. Kies het doel van het overleg; het doel bepaalt welke partners nodig zijn."
            )
        }
    needed = PARTNERS_NEEDED.get(str(purpose))
    if needed is not None and len(partners) > needed and not answers.get("reden_meer_partners"):
        return {
            "reden_meer_partners": Message(
                "Convenant art. 7 lid 2 en art. 12 lid 3 (need to know): voor het doel "
                "'{purpose}' zijn gewoonlijk hoogstens {needed} partners nodig en u noemt "
                "er {count}. Noem alleen de partners die rechtstreeks bijdragen aan het doel, of "
                "geef de reden waarom meer partners nodig zijn.",
                purpose=PURPOSES[str(purpose)],
                needed=needed,
                count=len(partners),
            )
        }
    return {}


@rule("case.minutes_only_participants")
def minutes_only_participants(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Convenant art. 6 lid 5 and art. 12 lid 3: minutes and the action list go only to partners that took
    part and contribute; an action lies with the initiator or with a partner that took part."""
    took_part = set(answers.get("deelnemende_partners") or [])
    errors: dict[str, str] = {}
    outsiders = [p for p in answers.get("verslag_gedeeld_met") or [] if p not in took_part]
    if outsiders:
        names = _joined([PARTNER_NAMES.get(p, p) for p in outsiders])
        errors["verslag_gedeeld_met"] = Message(
            "Convenant art. 6 lid 5 en art. 12 lid 3: verslag en actielijst gaan alleen naar partners die "
            "aan het overleg deelnamen en bijdragen aan het doel. Niet deelgenomen: {names}.",
            names=names,
        )
    for index, action in enumerate(answers.get("acties_overleg") or []):
        owner = action.get("uitvoerder") if isinstance(action, Mapping) else None
        if owner and owner != INITIATOR and owner not in took_part:
            errors[f"acties_overleg.{index}.uitvoerder"] = Message(
                "Convenant art. 6 lid 5: een actie ligt bij de initiatiefnemer of bij een partner die aan "
                "het overleg deelnam; {partner} nam niet deel.",
                partner=PARTNER_NAMES.get(owner, owner),
            )
    return errors


@rule("case.consent_covers")
def consent_covers(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Convenant art. 7 lid 1 and 5 (eis der gerichtheid): "yes, it covers" must agree with the consent the
    consent procedure reported with its signal (``toestemming_melding``), when it reported one."""
    reported = case.get("toestemming_melding")
    if answers.get("toestemming_dekt") != "ja" or not isinstance(reported, Mapping):
        return {}
    problems: list[str] = []
    purpose = reported.get("doel")
    if purpose not in ("casusoverleg", case.get("doel_overleg")):
        problems.append(Message("het doel ({purpose})", purpose=purpose or N_("geen")))
    recipients = set(reported.get("ontvangers") or [])
    missing = [PARTNER_NAMES.get(p, p) for p in case.get("partners_overleg") or [] if p not in recipients]
    if missing:
        problems.append(Message("de ontvangers ({missing} ontbreken)", missing=_joined(missing)))
    if not problems:
        return {}
    return {
        "toestemming_dekt": Message(
            "Eis der gerichtheid (convenant art. 7 lid 1 en 5): de vastgelegde toestemming dekt dit overleg "
            "niet: {problems}. Kies 'nee' en pas het doel of de partners aan, of vraag opnieuw "
            "toestemming.",
            problems=joined(problems, AND),
        )
    }
