"""Legal rules of the meldcode procedure (processes/meldcode.bpmn).

Sources: Wet verplichte meldcode (since 1 July 2013), Besluit verplichte meldcode (Stb. 2013, 324) with the
afwegingskader that is mandatory since 1 January 2019, and convenant art. 10 (DOMAIN.md section 1).
Each message names the rule it enforces, in Dutch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dateutil.relativedelta import relativedelta

from webapp.domain.legal_rules.registry import rule
from webapp.domain.legal_rules.values import as_date
from webapp.domain.messages import N_, Message

AFWEGINGSKADER = N_("Afwegingskader meldcode (Besluit verplichte meldcode, verplicht sinds 1-1-2019)")
MELDNORM = N_("Meldnorm meldcode (stap 5)")
EVALUATION_AT_MOST = relativedelta(months=6)  # Ketenflow setting; the meldcode names 6 to 12 weeks as usual

# The two pairs of "Veilig Thuis consulted" and "no identifying data shared": step 2 and step 4.
_VT_PAIRS = (
    ("vt_advies_gevraagd", "vt_geen_herleidbare_gegevens"),
    ("wegen_vt_geraadpleegd", "wegen_vt_geen_herleidbare_gegevens"),
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


@rule("meldcode.vt_advies_anoniem")
def vt_advies_anoniem(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Advice from Veilig Thuis is asked without a name or other identifying data (convenant 10.2)."""
    for asked, anonymous in _VT_PAIRS:
        if answers.get(asked) is True and answers.get(anonymous) is not True:
            return {
                anonymous: N_(
                    "Convenant art. 10 lid 2 en meldcode stap 2 (advies zonder herleidbare gegevens): "
                    "Veilig Thuis geeft alleen advies zolang niet herleidbaar is om wie het gaat. Bevestig "
                    "dat u geen naam of andere herleidbare gegevens hebt gedeeld."
                )
            }
    return {}


@rule("meldcode.stap3_reden")
def stap3_reden(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Step 3 is skipped, or concerns are not shared, only for a recorded reason."""
    errors: dict[str, str] = {}
    if answers.get("gesprek_gevoerd") is False:
        message = N_(
            "Meldcode stap 3 (gesprek met de cliënt overslaan): dat mag alleen bij concrete aanwijzingen "
            "dat de veiligheid van de cliënt, uzelf of anderen in gevaar komt, of als u goede redenen hebt "
            "om aan te nemen dat de cliënt het contact verbreekt. Leg de reden vast."
        )
        for field in ("reden_geen_gesprek", "toelichting_geen_gesprek"):
            if _blank(answers.get(field)):
                errors[field] = message
    if answers.get("gesprek_zorgen_gedeeld") == "nee" and _blank(answers.get("reden_zorgen_niet_gedeeld")):
        errors["reden_zorgen_niet_gedeeld"] = N_(
            "Meldcode stap 3 en convenant art. 10 lid 3 (open en transparant communiceren): u deelde de "
            "zorgen niet met de cliënt of de ouders. Leg vast waarom niet."
        )
    return errors


_QUESTIONS = {
    1: N_("Vermoedt u (een risico op) huiselijk geweld of kindermishandeling?"),
    2: N_("Is er sprake van acute en/of structurele onveiligheid?"),
    3: N_("Kunt u effectieve hulp bieden of organiseren?"),
    4: N_("Aanvaarden de betrokkenen de hulp en zetten zij zich ervoor in?"),
    5: N_("Leidt de hulp binnen de gewenste termijn tot de nodige veiligheid?"),
}


def _asked(answers: Mapping[str, Any], help_given: bool) -> list[int]:
    """The questions the afwegingskader asks, given the answers so far (it stops at the first 'melden')."""
    asked = [1]
    if answers.get("meldcode_vraag1") == "ja":
        asked.append(2)
        if answers.get("meldcode_vraag2") == "nee":
            asked.append(3)
            if answers.get("meldcode_vraag3") == "ja":
                asked.append(4)
                if answers.get("meldcode_vraag4") == "ja" and help_given:
                    asked.append(5)
    return asked


@rule("meldcode.afwegingskader")
def afwegingskader(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """The five questions in order, each ja/nee with a justification; question 5 at the evaluation."""
    help_given = case.get("meldcode_hulp_geboden") is True
    errors: dict[str, str] = {}
    for number in _asked(answers, help_given):
        question = f"meldcode_vraag{number}"
        for field in (question, f"{question}_toelichting"):
            if _blank(answers.get(field)):
                errors[field] = Message(
                    "{source}, vraag {number}: beantwoord de vraag '{question}' met ja of nee en een "
                    "toelichting.",
                    source=AFWEGINGSKADER,
                    number=number,
                    question=_QUESTIONS[number],
                )
    if not help_given and not _blank(answers.get("meldcode_vraag5")):
        errors["meldcode_vraag5"] = Message(
            "{source}, vraag 5: deze vraag beantwoordt u pas bij de evaluatie van de hulp, op de "
            "evaluatiedatum die u bij het organiseren van de hulp vastlegt.",
            source=AFWEGINGSKADER,
        )
    return errors


@rule("meldcode.melden_verplicht")
def melden_verplicht(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """'Alleen hulp' is impossible when the afwegingskader ends in a report."""
    if answers.get("meldcode_besluit") != "hulp":
        return {}
    reason = None
    if case.get("meldcode_vraag2") == "ja":
        reason = N_(
            "vraag 2 is 'ja': bij acute of structurele onveiligheid meldt u altijd bij Veilig Thuis, ook als "
            "hulp mogelijk is; hulp komt dan naast de melding, niet in plaats ervan"
        )
    elif case.get("meldcode_vraag3") == "nee":
        reason = N_("vraag 3 is 'nee': u kunt geen effectieve hulp bieden of organiseren, dus meldt u")
    elif case.get("meldcode_vraag4") == "nee":
        reason = N_("vraag 4 is 'nee': de betrokkenen aanvaarden de hulp niet, dus meldt u")
    elif case.get("meldcode_vraag5") == "nee":
        reason = N_("vraag 5 is 'nee': de hulp leidt niet tot de nodige veiligheid, dus meldt u (opnieuw)")
    if reason is None:
        return {}
    return {
        "meldcode_besluit": Message(
            "{norm} en {source}: {reason}. Kies 'Melden' of 'Melden en hulp'.",
            norm=MELDNORM,
            source=AFWEGINGSKADER,
            reason=reason,
        )
    }


@rule("meldcode.melding_feiten")
def melding_feiten(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """A report states the facts and the named source of each (third-party information names its source)."""
    errors: dict[str, str] = {}
    what = N_("Meldcode, melding aan Veilig Thuis (vastleggen van feiten en bronnen)")
    if _blank(answers.get("vt_melding_feiten")):
        errors["vt_melding_feiten"] = Message(
            "{rule}: leg de feiten vast die u meldt, gescheiden van uw interpretatie.", rule=what
        )
    sources = answers.get("vt_melding_bronnen") or []
    if not sources:
        errors["vt_melding_bronnen"] = Message("{rule}: noem de bron van elk gemeld feit.", rule=what)
    for index, source in enumerate(sources):
        if source.get("soort") == "derde" and _blank(source.get("naam_of_rol")):
            errors[f"vt_melding_bronnen.{index}.naam_of_rol"] = Message(
                "{rule}: informatie van een derde meldt u met de naam of rol van die bron.", rule=what
            )
    return errors


@rule("meldcode.melding_transparantie")
def melding_transparantie(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """The report is discussed with the client beforehand unless that is unsafe; the reason is recorded."""
    if answers.get("vt_client_vooraf_geinformeerd") is not False:
        return {}
    message = N_(
        "Convenant art. 10 lid 3 en meldcode stap 5 (transparantie): bespreek de melding vooraf met de "
        "cliënt, tenzij dat de veiligheid van de cliënt, uzelf of anderen in gevaar brengt of de cliënt "
        "dan het contact verbreekt. Leg vast waarom u de cliënt niet informeerde."
    )
    fields = ("vt_reden_client_niet_geinformeerd", "vt_toelichting_client_niet_geinformeerd")
    return {field: message for field in fields if _blank(answers.get(field))}


@rule("meldcode.melding_anoniem")
def melding_anoniem(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """A report is made under one's own name; keeping it from the family needs one of the accepted reasons."""
    if answers.get("vt_melder_anoniem") is True and _blank(answers.get("vt_reden_anoniem")):
        return {
            "vt_reden_anoniem": N_(
                "Meldcode, melding op eigen naam: uw naam blijft alleen buiten het gezin "
                "voor de veiligheid van de betrokkenen, voor uw veiligheid of die van collega's, of om de "
                "vertrouwensrelatie te beschermen. Kies de reden."
            )
        }
    return {}


@rule("meldcode.evaluatiedatum")
def evaluatiedatum(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    """Question 5's evaluation date lies after the start of the help, within six months (the timer's date)."""
    start, evaluation = as_date(answers.get("hulp_gestart_op")), as_date(answers.get("hulp_evaluatiedatum"))
    if start is None or evaluation is None:
        return {}
    if evaluation <= start or evaluation > start + EVALUATION_AT_MOST:
        return {
            "hulp_evaluatiedatum": Message(
                "{source}, vraag 5 (evaluatie binnen de gewenste termijn): kies een evaluatiedatum na de "
                "start van de hulp en hoogstens 6 maanden later; gebruikelijk is 6 tot 12 weken. Op die "
                "datum gaat de afweging opnieuw open.",
                source=AFWEGINGSKADER,
            )
        }
    return {}
