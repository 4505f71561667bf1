"""The intake journey in a real Chromium: a 14-year-old is brought to the casusoverleg on double consent.

Sanne (professional, Gemeente Weert) registers the case by name and names purpose, partners and client; the
consent procedure asks her for age and authority, and the decision table who_must_consent sends a 14-year-old
to the double-consent request: the minor and the parents with authority. Recording the answer with only the
minor is refused beside the field, naming convenant art. 8 and art. 7:450 lid 2 BW, and nothing typed is lost;
with both parents added the consent is valid. Sanne checks it covers the purpose and the partners; Peter (the
chair) plans the overleg; an hour after it starts, the minutes are Sanne's task.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

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
from webapp.services.timers import fire_due_timers

pytestmark = pytest.mark.browser

PROCESS = "Aanmelding casusoverleg"
REGISTRATION = "Casus aanmelden"
PARTICIPANTS = "Doel, deelnemers en cliënt vastleggen"
AUTHORITY = "Leeftijd, gezag en wilsbekwaamheid vastleggen"
ASK_DOUBLE = "Toestemming vragen aan de jeugdige én de ouder(s) met gezag"
ANSWER = "Antwoord op het toestemmingsverzoek vastleggen"
CHECK = "Toestemming toetsen aan doel en partners"
PLAN = "Overleg plannen"
MINUTES = "Verslag en actielijst vastleggen en delen"

PEOPLE = "Wie gaf (of weigerde) de toestemming"
MINOR_ROLE, PARENT_ROLE = "De betrokkene zelf (de jeugdige of de cliënt)", "Ouder met gezag"
DOUBLE_RULE = (
    "Dubbele toestemming (convenant art. 8; art. 7:450 lid 2 BW): van 12 tot 16 jaar geven de jeugdige én "
    "de ouder(s) met gezag toestemming, bij gezamenlijk gezag beide ouders. "
    "Nog niet vastgelegd: beide ouders met gezag."
)
# The overleg on Tuesday 10 November 2026 at 14:00 in Amsterdam; the minutes open an hour after it starts.
OVERLEG = "2026-11-10T14:00"
HELD = datetime(2026, 11, 10, 14, 0, 1, tzinfo=UTC)


def _register_by_name(page: Page) -> None:
    expect_task(page, REGISTRATION)
    field(page, "Wettelijke taak").select_option(label="Jeugdwet: jeugdhulp of jeugdbescherming")
    choose(page, "Bespreekwijze", "Op naam (casusoverleg): met persoonsgegevens")
    choose(page, "Waarom niet anoniem?", "De partners moeten de cliënt kennen om hun hulp af te stemmen")
    choose(page, "Signalen van huiselijk geweld of kindermishandeling", "Nee")
    complete(page, REGISTRATION)


def _name_purpose_partners_and_client(page: Page) -> None:
    expect_task(page, PARTICIPANTS)
    choose(page, "Doel van het overleg", "Afstemming van hulpverlening bij (complexe) zorgvragen")
    tick(page, "Partners die nodig zijn voor het doel", "Rubicon Jeugdzorg", "MET ggz")
    field(page, "Naam van de cliënt").fill("Noah de Vries")
    field(page, "Geboortedatum van de cliënt").fill("2012-03-15")  # 14 on Monday 2 November 2026
    complete(page, PARTICIPANTS)


def _record_age_and_authority(page: Page) -> None:
    expect_task(page, AUTHORITY)
    field(page, "Leeftijd van de betrokkene").fill("14")
    choose(page, "Wilsbekwaam voor deze beslissing", "Ja")
    choose(page, "Gezag of vertegenwoordiging", "Twee ouders met gezamenlijk gezag")
    choose(page, "Gezag gecontroleerd in", "Gezagsregister")
    field(page, "Gezag gecontroleerd op").fill("2026-11-02")
    complete(page, AUTHORITY)


def _ask_minor_and_parents(page: Page) -> None:
    expect_task(page, ASK_DOUBLE)
    instruction = page.get_by_role("region", name="Instructie")
    expect(instruction).to_contain_text("er geldt een dubbel toestemmingsvereiste")
    expect(instruction).to_contain_text("Vraag de jeugdige zelf én de ouder(s) met gezag")
    field(page, "Toestemming gevraagd op").fill("2026-11-02")
    field(page, "Versie van de informatietekst").fill("2026-01")
    page.get_by_role("checkbox", name=re.compile("^Gewezen op het recht om in te trekken")).check()
    complete(page, ASK_DOUBLE)


def _answer_consent_given_by_the_minor_only(page: Page) -> None:
    expect_task(page, ANSWER)
    # Purpose and recipients come filled in from the case (eis der gerichtheid).
    purpose = group(page, "Doel van de toestemming")
    expect(purpose.get_by_role("radio", name=re.compile("^Bespreking in het casusoverleg"))).to_be_checked()
    recipients = group(page, "Ontvangende partners")
    expect(recipients.get_by_role("checkbox", name="Rubicon Jeugdzorg", exact=True)).to_be_checked()
    expect(recipients.get_by_role("checkbox", name="MET ggz", exact=True)).to_be_checked()
    expect(recipients.get_by_role("checkbox", name="Vincent van Gogh", exact=True)).not_to_be_checked()

    choose(page, "Antwoord", "Toestemming gegeven")
    field(page, "Datum van het antwoord").fill("2026-11-02")
    tick(page, "Gegevens waarvoor toestemming is gegeven", "Naam, adres en geboortedatum")
    tick(page, "Gegevens waarvoor toestemming is gegeven", "Gezinssituatie en gezinssamenstelling")
    field(page, "Geldig tot en met").fill("2027-05-31")
    choose(page, "Wijze van toestemming", "Schriftelijk, ondertekend")
    minor = row(page, PEOPLE, 1)
    field(minor, "Rol").select_option(label=MINOR_ROLE)
    field(minor, "Naam").fill("Noah de Vries")


def _the_refusal_names_the_rule_and_keeps_the_answers(page: Page) -> None:
    people = group(page, PEOPLE)
    # Beside the field, and read out with it; the summary above the form links to it.
    expect(people.get_by_text(DOUBLE_RULE)).to_be_visible()
    expect(people).to_have_accessible_description(re.compile(re.escape(DOUBLE_RULE)))
    expect(page.get_by_role("link", name=f"{PEOPLE}: {DOUBLE_RULE}")).to_be_visible()
    # Nothing typed is lost.
    expect(group(page, "Antwoord").get_by_role("radio", name="Toestemming gegeven")).to_be_checked()
    expect(field(page, "Datum van het antwoord")).to_have_value("2026-11-02")
    data = group(page, "Gegevens waarvoor toestemming is gegeven")
    expect(data.get_by_role("checkbox", name="Naam, adres en geboortedatum")).to_be_checked()
    expect(data.get_by_role("checkbox", name="Gezinssituatie en gezinssamenstelling")).to_be_checked()
    expect(data.get_by_role("checkbox", name="Contactgegevens")).not_to_be_checked()
    expect(field(page, "Geldig tot en met")).to_have_value("2027-05-31")
    method = group(page, "Wijze van toestemming")
    expect(method.get_by_role("radio", name="Schriftelijk, ondertekend")).to_be_checked()
    expect(group(page, "Ontvangende partners").get_by_role("checkbox", name="MET ggz")).to_be_checked()
    expect(page.get_by_role("group", name=re.compile(f"^{re.escape(PEOPLE)}: rij"))).to_have_count(1)
    expect(field(row(page, PEOPLE, 1), "Naam")).to_have_value("Noah de Vries")
    expect(field(row(page, PEOPLE, 1), "Rol")).to_have_value("betrokkene")


def _add_both_parents(page: Page) -> None:
    for number, name in ((2, "Eva de Vries"), (3, "Bas de Vries")):
        group(page, PEOPLE).get_by_role("button", name="Rij toevoegen").click()
        parent = row(page, PEOPLE, number)
        field(parent, "Rol").select_option(label=PARENT_ROLE)
        field(parent, "Naam").fill(name)
    field(row(page, PEOPLE, 3), "Naam").blur()


@pytest.mark.browser
def test_a_fourteen_year_old_reaches_the_casusoverleg_on_double_consent(
    page: Page, ctx: ServiceContext, clock: ManualClock, artifacts: Path, browser_problems: list[str]
) -> None:
    sign_in_as(page, "hulpverlener")
    start_procedure(page, PROCESS)
    _register_by_name(page)
    _name_purpose_partners_and_client(page)  # the consent procedure starts: its first task opens
    _record_age_and_authority(page)  # who_must_consent: 12 to 16 years -> the minor and the parents
    _ask_minor_and_parents(page)

    _answer_consent_given_by_the_minor_only(page)
    refused(page)
    _the_refusal_names_the_rule_and_keeps_the_answers(page)
    _add_both_parents(page)
    page.screenshot(path=artifacts / "journey-double-consent-form.png", full_page=True)
    complete(page, ANSWER)

    # The consent is valid: the case goes on to the check of purpose and partners.
    expect_task(page, CHECK)
    choose(page, "Dekt de toestemming dit overleg?", "Ja: het doel en alle genoemde partners")
    complete(page, CHECK)
    # Planning is the chair's: Sanne is back in her inbox, with nothing left to do on this case.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect_not_in_inbox(page, CHECK)
    expect_not_in_inbox(page, PLAN)

    switch_user(page, "voorzitter")
    expect_in_inbox(page, PLAN, "16-11-2026", "10 werkdagen vanaf het ontstaan van de taak")
    open_from_inbox(page, PLAN)
    expect_due(page, "16-11-2026 23:59", "10 werkdagen vanaf het ontstaan van de taak")
    field(page, "Datum en tijd van het overleg").fill(OVERLEG)
    page.get_by_role("checkbox", name=re.compile("^Alleen de genoemde partners uitgenodigd")).check()
    complete(page, PLAN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect_not_in_inbox(page, PLAN)

    # An hour after the overleg starts, the minutes are the initiator's task, due 5 working days later.
    clock.set(HELD)
    assert fire_due_timers(ctx) == 1
    switch_user(page, "hulpverlener")
    expect_in_inbox(page, MINUTES, "17-11-2026", "5 werkdagen vanaf 10-11-2026")
    expect_not_in_inbox(page, ANSWER)
    assert (artifacts / "journey-double-consent-form.png").stat().st_size > 10_000
    assert browser_problems == []
