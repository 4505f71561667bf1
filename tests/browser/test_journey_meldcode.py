"""The meldcode journey in a real Chromium: steps 1 to 5 and the afwegingskader end in a report.

Sanne (professional) maps the signals; Fatima (aandachtsfunctionaris) records the consultation; Sanne talks
with the client, weighs the violence and answers the afwegingskader: no effective help is possible (question
3), so 'alleen hulp' is refused with the meldnorm beside the field and she reports. The feedback of Veilig
Thuis is due 5 working days after the report; once recorded, the meldcode ends and the register of reports,
read by the aandachtsfunctionaris, shows the report and what Veilig Thuis does with it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import (
    choose,
    complete,
    expect_due,
    expect_in_inbox,
    expect_not_in_inbox,
    expect_task,
    field,
    go_to_inbox,
    group,
    open_from_inbox,
    refused,
    row,
    sign_in_as,
    start_procedure,
    switch_user,
    tick,
)
from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext

pytestmark = pytest.mark.browser

PROCESS = "Meldcode huiselijk geweld en kindermishandeling"
STAP1 = "Stap 1: Signalen in kaart brengen"
STAP2 = "Stap 2: Collegiale consultatie en zo nodig advies Veilig Thuis"
STAP3 = "Stap 3: Gesprek met de cliënt"
STAP4 = "Stap 4: Wegen van het geweld"
AFWEGING = "Afwegingsvragen beantwoorden"
STAP5 = "Stap 5: Beslissen over melden en hulp"
MELDING = "Melding doen bij Veilig Thuis"
TERUGKOPPELING = "Terugkoppeling van Veilig Thuis vastleggen"
REGISTER = "Register meldingen Veilig Thuis (meldcode, convenant art. 10)"

ONLY_HELP = "Alleen hulp bieden of organiseren, zonder melding"
MELDNORM = (
    "Meldnorm meldcode (stap 5) en Afwegingskader meldcode (Besluit verplichte meldcode, verplicht sinds "
    "1-1-2019): vraag 3 is 'nee': u kunt geen effectieve hulp bieden of organiseren, dus meldt u. Kies "
    "'Melden' of 'Melden en hulp'."
)
REPORTED = datetime(2026, 11, 4, 9, 45, tzinfo=UTC)  # Wednesday 4 November, 10:45 in Amsterdam
FEEDBACK = datetime(2026, 11, 10, 13, 0, tzinfo=UTC)


def _signals(page: Page) -> None:
    expect_task(page, STAP1)
    field(page, "Waargenomen feiten").fill("Blauwe plekken op beide bovenarmen, gezien bij het huisbezoek.")
    field(page, "Datum van de waarneming").fill("2026-10-30")
    choose(page, "Bron", "Eigen waarneming")
    choose(page, "Kindcheck: zijn er minderjarige kinderen die van de cliënt afhankelijk zijn?", "Ja")
    child = row(page, "Kinderen", 1)
    field(child, "Leeftijd").fill("4")
    choose(child, "Verzorgd door", "Beide ouders")
    complete(page, STAP1)


def _consultation(page: Page) -> None:
    field(page, "Datum consultatie").fill("2026-11-02")
    tick(page, "Ook geraadpleegd", "Gedragswetenschapper")
    field(page, "Vraag").fill("Zijn de signalen reden tot zorg?")
    field(page, "Advies").fill("Ga het gesprek aan met de ouders.")
    choose(page, "Advies gevraagd aan Veilig Thuis", "Nee")
    complete(page, STAP2)


def _conversation(page: Page) -> None:
    choose(page, "Gesprek gevoerd", "Ja")
    field(page, "Datum gesprek").fill("2026-11-03")
    tick(page, "Deelnemers", "Ouder(s) of verzorger(s)")
    field(page, "Reactie van de cliënt").fill("Moeder herkent de zorgen.")
    choose(page, "Zorgen gedeeld met de minderjarige of de ouders", "Ja")
    complete(page, STAP3)


def _weigh(page: Page) -> None:
    expect_task(page, STAP4)
    field(page, "Risico-inschatting").fill("Verhoogd risico")
    tick(page, "Aard van het (vermoedelijke) geweld", "Lichamelijk geweld")
    choose(page, "Ernst", "Ernstig")
    choose(page, "Veilig Thuis geraadpleegd bij het wegen", "Nee")
    complete(page, STAP4)


def _afwegingskader_no_effective_help(page: Page) -> None:
    expect_task(page, AFWEGING)
    for number, answer in ((1, "Ja"), (2, "Nee"), (3, "Nee")):
        question = page.get_by_role("group", name=re.compile(f"^Vraag {number}: "))
        question.get_by_role("radio", name=answer, exact=True).check()
        field(page, f"Toelichting op vraag {number}").fill(f"Afweging bij vraag {number}.")
    complete(page, AFWEGING)


def _decide_only_help_is_refused_then_report(page: Page) -> None:
    expect_task(page, STAP5)
    choose(page, "Besluit", ONLY_HELP)
    field(page, "Toelichting").fill("Het wijkteam kan het gezin ondersteunen.")
    refused(page)
    decision = group(page, "Besluit")
    expect(decision.get_by_text(MELDNORM)).to_be_visible()
    expect(decision.get_by_role("radio", name=ONLY_HELP)).to_be_checked()
    expect(field(page, "Toelichting")).to_have_value("Het wijkteam kan het gezin ondersteunen.")

    choose(page, "Besluit", "Melden bij Veilig Thuis")
    field(page, "Toelichting").fill("Vraag 3 is nee: geen effectieve hulp mogelijk, dus melden.")
    complete(page, STAP5)


def _report(page: Page) -> None:
    expect_task(page, MELDING)
    field(page, "Gemeld op").fill("2026-11-04T10:30")
    field(page, "Contactpersoon bij Veilig Thuis").fill("Triagist Veilig Thuis")
    field(page, "Gemelde feiten").fill("Blauwe plekken op beide bovenarmen (30-10-2026).")
    choose(row(page, "Bronnen", 1), "Soort bron", "Eigen waarneming")
    choose(page, "Cliënt vooraf geïnformeerd", "Ja")
    choose(page, "Naam van de melder buiten het gezin houden", "Nee")
    complete(page, MELDING)


@pytest.mark.browser
def test_a_meldcode_ends_in_a_report_to_veilig_thuis(
    page: Page, ctx: ServiceContext, clock: ManualClock, browser_problems: list[str]
) -> None:
    sign_in_as(page, "hulpverlener")
    start_procedure(page, PROCESS)
    _signals(page)
    # Step 2 is the aandachtsfunctionaris's: Sanne is back in her inbox, without the meldcode.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect_not_in_inbox(page, STAP1)
    expect_not_in_inbox(page, STAP2)

    switch_user(page, "aandacht")
    expect_in_inbox(page, STAP2)
    open_from_inbox(page, STAP2)
    _consultation(page)
    # Fatima is a professional too, so step 3 opens for her; the conversation is Sanne's to have.
    expect_task(page, STAP3)

    switch_user(page, "hulpverlener")
    expect_in_inbox(page, STAP3)
    open_from_inbox(page, STAP3)
    _conversation(page)
    _weigh(page)
    _afwegingskader_no_effective_help(page)

    clock.set(REPORTED)
    _decide_only_help_is_refused_then_report(page)
    _report(page)
    # The feedback of Veilig Thuis opens at once, due 5 working days after the report.
    expect_task(page, TERUGKOPPELING)
    expect_due(page, "11-11-2026 23:59", "5 werkdagen vanaf 04-11-2026")
    go_to_inbox(page)
    expect_in_inbox(page, TERUGKOPPELING, "11-11-2026", "5 werkdagen vanaf 04-11-2026")
    expect_not_in_inbox(page, MELDING)

    clock.set(FEEDBACK)
    open_from_inbox(page, TERUGKOPPELING)
    field(page, "Terugkoppeling ontvangen op").fill("2026-11-10")
    field(page, "Referentie Veilig Thuis").fill("VT-2026-0042")
    choose(page, "Vervolg door Veilig Thuis", "Onderzoek door Veilig Thuis")
    complete(page, TERUGKOPPELING)
    # The meldcode has ended: nothing is left in the inbox.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect(page.get_by_text("U heeft geen open taken.")).to_be_visible()

    # The aandachtsfunctionaris reads the report in the register of reports.
    switch_user(page, "aandacht")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Registers").click()
    page.get_by_role("link", name=REGISTER).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REGISTER)
    entries = page.get_by_role("row").filter(has_text="Gemeente Weert")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("Vraag 3: geen effectieve hulp mogelijk")
    expect(entries).to_contain_text("onderzoek")
    expect(entries).to_contain_text("10-11-2026")
    assert browser_problems == []
