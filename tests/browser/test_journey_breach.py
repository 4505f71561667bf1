"""The data breach journeys in a real Chromium: one notified in time, one escalated to the FG.

Sanne (professional) reports a breach discovered on Monday 2 November 2026 at 10:00; the 72 hours of AVG art.
33 lid 1 end on Thursday 5 November at 10:00. Mila (manager, for the controller) triages it and decides,
Ingrid (the FG) advises. Notified in time, the 72-hour watch ends: the case page shows no next deadline, and
time passing beyond the 72 hours fires nothing. Left undecided, the warning reaches Mila at 48 hours and the
escalation reaches the FG's inbox at 72; the late notification is refused until it gives the reasons for the
delay, and then the warning falls away by itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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
    go_to_inbox,
    open_from_inbox,
    refused,
    sign_in_as,
    start_procedure,
    switch_user,
    tick,
)
from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext
from webapp.services.timers import fire_due_timers

pytestmark = pytest.mark.browser

PROCESS = "Datalek afhandelen"
REPORT, TRIAGE = "Datalek melden", "Datalek beoordelen en inperken"
PARTNERS, ADVICE = "Samenwerkingspartners informeren", "FG-advies geven"
DECIDE, NOTIFY = "Besluiten over melding aan de AP", "Datalek melden bij de AP"
SUBJECTS, NOTICE = "Besluiten over informeren betrokkenen", "Betrokkenen informeren"
CLOSE = "Datalek afsluiten"
WARNING = "Waarschuwing: nog 24 uur voor de AP-melding"
ESCALATION = "Escalatie: meldtermijn AP verstreken"

FOUND = "2026-11-02T10:00"  # Monday, in Amsterdam (CET): 09:00 UTC, the clock's start
T48 = datetime(2026, 11, 4, 9, tzinfo=UTC)
T72 = datetime(2026, 11, 5, 9, tzinfo=UTC)
SECOND = timedelta(seconds=1)
AP_DUE, AP_RULE = "05-11-2026 10:00", "72 uur vanaf 02-11-2026 10:00"
FACTS = "Rapportage per e-mail naar een verkeerde ontvanger gestuurd."
MEASURES = "Ontvanger heeft de e-mail verwijderd en dat bevestigd."
CONSEQUENCES = "Ouders en kinderen kunnen zich geschaad voelen."
LATE = (
    "AVG art. 33 lid 1: de melding is later gedaan dan 72 uur na de ontdekking (05-11-2026 10:00); "
    "vermeld de redenen voor de vertraging."
)


def _report(page: Page) -> None:
    """Sanne reports; the triage is the manager's, so she is back in her inbox."""
    sign_in_as(page, "hulpverlener")
    start_procedure(page, PROCESS)
    expect_task(page, REPORT)
    field(page, "Ontdekt op").fill(FOUND)
    field(page, "Feiten van het datalek").fill(FACTS)
    field(page, "Oorzaak").select_option(label="Gegevens naar de verkeerde ontvanger")
    tick(page, "Aard van de inbreuk", "Ingezien (vertrouwelijkheid)")
    tick(page, "Soorten gegevens", "Naam, adres, woonplaats")
    tick(page, "Soorten gegevens", "Gezondheid of andere bijzondere persoonsgegevens")
    field(page, "Aantal betrokkenen (schatting)").fill("3")
    complete(page, REPORT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect_not_in_inbox(page, REPORT)
    expect_not_in_inbox(page, TRIAGE)


def _triage(page: Page, partner_data: bool) -> None:
    switch_user(page, "manager")
    expect_in_inbox(page, TRIAGE)
    open_from_inbox(page, TRIAGE)
    choose(page, "Is dit een datalek?", "Ja")
    field(page, "Maatregelen").fill(MEASURES)
    tick(page, "Categorieën betrokkenen", "Cliënten", "Minderjarigen")
    choose(page, "Gegevens uit het samenwerkingsverband", "Ja" if partner_data else "Nee")
    complete(page, TRIAGE)


def _advise(page: Page) -> None:
    switch_user(page, "fg")
    expect_in_inbox(page, ADVICE, "04-11-2026", "48 uur vanaf 02-11-2026 10:00")
    open_from_inbox(page, ADVICE)
    choose(page, "Risico volgens de FG", "Hoog risico")
    choose(page, "Advies over de melding aan de AP", "Melden")
    field(page, "Toelichting op het advies").fill("Gezondheidsgegevens van minderjarigen: melden.")
    field(page, "Advies gegeven op").fill("2026-11-03")
    complete(page, ADVICE)
    # The FG advises; deciding is the controller's.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect_not_in_inbox(page, ADVICE)
    expect_not_in_inbox(page, DECIDE)


def _decide_to_notify(page: Page) -> None:
    expect_task(page, DECIDE)
    expect_due(page, AP_DUE, AP_RULE)
    choose(page, "Risico voor de betrokkenen", "Hoog risico")
    choose(page, "Besluit", "Melden bij de Autoriteit Persoonsgegevens")
    field(page, "Gevolgen").fill(CONSEQUENCES)
    complete(page, DECIDE)
    expect_task(page, NOTIFY)
    expect_due(page, AP_DUE, AP_RULE)


def _notification(page: Page, notified_at: str) -> None:
    field(page, "Meldnummer AP").fill("M-2026-0412")
    field(page, "Gemeld op").fill(notified_at)
    page.get_by_role("checkbox", name=re.compile("^FG vermeld als contactpunt")).check()


def _expect_next_deadline(page: Page, when: str | None) -> None:
    """The case page ("Verloop van deze procedure") shows the case's next deadline, or none."""
    page.get_by_role("link", name="Verloop van deze procedure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROCESS)
    term = page.get_by_role("term").filter(has_text="Volgende termijn")
    if when is None:
        expect(term).to_have_count(0)
    else:
        expect(term).to_have_count(1)
        expect(page.get_by_role("definition").filter(has_text=when)).to_have_count(1)


@pytest.mark.browser
def test_a_breach_notified_in_time_ends_the_72_hour_watch(
    page: Page, ctx: ServiceContext, clock: ManualClock, browser_problems: list[str]
) -> None:
    _report(page)
    clock.set(datetime(2026, 11, 2, 14, 30, tzinfo=UTC))
    _triage(page, partner_data=True)
    # Data of the partnership: the partners are to be told within 24 hours (convenant art. 13 lid 5).
    expect_task(page, PARTNERS)
    expect_due(page, "03-11-2026 10:00", "24 uur vanaf 02-11-2026 10:00")
    tick(page, "Geïnformeerde partners", "Rubicon Jeugdzorg", "MET ggz")
    field(page, "Geïnformeerd op").fill("2026-11-02T15:00")
    complete(page, PARTNERS)

    clock.set(datetime(2026, 11, 3, 8, tzinfo=UTC))
    _advise(page)

    clock.set(datetime(2026, 11, 3, 15, 45, tzinfo=UTC))
    switch_user(page, "manager")
    expect_in_inbox(page, DECIDE, "05-11-2026", AP_RULE)
    open_from_inbox(page, DECIDE)
    _expect_next_deadline(page, "04-11-2026 10:00")  # the warning, 24 hours before the 72 hours end
    open_from_inbox(page, DECIDE)
    _decide_to_notify(page)
    _notification(page, "2026-11-03T16:30")
    complete(page, NOTIFY)

    # Notified in time: the watch has ended, the case has no deadline left.
    expect_task(page, SUBJECTS)
    _expect_next_deadline(page, None)
    open_from_inbox(page, SUBJECTS)
    choose(page, "Besluit", "Betrokkenen informeren")
    complete(page, SUBJECTS)
    expect_task(page, NOTICE)
    choose(page, "Hoe geïnformeerd", "Individueel (brief, e-mail of telefoon)")
    field(page, "Geïnformeerd op").fill("2026-11-03")
    page.get_by_role("checkbox", name=re.compile("^Bericht is volledig")).check()
    complete(page, NOTICE)
    # Closing shows what the register keeps, filled in from the case.
    expect_task(page, CLOSE)
    expect(field(page, "Feiten van het datalek")).to_have_value(FACTS)
    expect(field(page, "Gevolgen")).to_have_value(CONSEQUENCES)
    expect(field(page, "Maatregelen")).to_have_value(MEASURES)
    field(page, "Lessen en vervolgmaatregelen").fill("Automatisch aanvullen van adressen uitgezet.")
    complete(page, CLOSE)
    expect(page.get_by_text("U heeft geen open taken.")).to_be_visible()

    # Past the 48 and the 72 hours nothing fires: no warning for the manager, no escalation for the FG.
    clock.set(T72 + timedelta(days=1))
    assert fire_due_timers(ctx) == 0
    go_to_inbox(page)
    expect(page.get_by_text("U heeft geen open taken.")).to_be_visible()
    switch_user(page, "fg")
    expect(page.get_by_text("U heeft geen open taken.")).to_be_visible()
    assert browser_problems == []


@pytest.mark.browser
def test_a_breach_left_undecided_escalates_to_the_fg_after_72_hours(
    page: Page, ctx: ServiceContext, clock: ManualClock, artifacts: Path, browser_problems: list[str]
) -> None:
    _report(page)
    _triage(page, partner_data=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")  # the FG advises first
    _advise(page)

    # Nobody decides. 24 hours before the end the manager is warned.
    clock.set(T48 + SECOND)
    assert fire_due_timers(ctx) == 1
    switch_user(page, "manager")
    expect_in_inbox(page, WARNING, "05-11-2026", AP_RULE)
    expect_in_inbox(page, DECIDE, "05-11-2026", AP_RULE)

    # At 72 hours the escalation is the FG's.
    clock.set(T72 + SECOND)
    assert fire_due_timers(ctx) == 1
    go_to_inbox(page)
    expect_not_in_inbox(page, ESCALATION)
    switch_user(page, "fg")
    expect_in_inbox(page, ESCALATION)
    page.screenshot(path=artifacts / "journey-fg-escalation-inbox.png", full_page=True)
    open_from_inbox(page, ESCALATION)
    expect(page.get_by_role("region", name="Instructie")).to_contain_text("met de redenen voor de vertraging")
    field(page, "Actie van de FG").fill("Teamleider gesproken: vandaag alsnog melden, procedure herzien.")
    complete(page, ESCALATION)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect_not_in_inbox(page, ESCALATION)

    # The manager notifies late: refused until the reasons for the delay are given.
    clock.set(datetime(2026, 11, 5, 12, 30, tzinfo=UTC))
    switch_user(page, "manager")
    open_from_inbox(page, DECIDE)
    _decide_to_notify(page)
    _notification(page, "2026-11-05T13:15")
    refused(page)
    reasons = field(page, "Reden van de vertraging")
    # The rule, named in the summary above the form and beside the field, which it describes.
    expect(page.get_by_role("link", name=f"Reden van de vertraging: {LATE}")).to_be_visible()
    expect(page.get_by_text(LATE)).to_have_count(2)
    expect(reasons).to_have_accessible_description(re.compile(re.escape(LATE)))
    expect(field(page, "Meldnummer AP")).to_have_value("M-2026-0412")
    expect(field(page, "Gemeld op")).to_have_value("2026-11-05T13:15")
    expect(page.get_by_role("checkbox", name=re.compile("^FG vermeld als contactpunt"))).to_be_checked()
    reasons.fill("Omvang pas na onderzoek van de leverancier bekend.")
    complete(page, NOTIFY)
    # Notified: the warning falls away by itself.
    expect_task(page, SUBJECTS)
    go_to_inbox(page)
    expect_in_inbox(page, SUBJECTS)
    expect_not_in_inbox(page, WARNING)
    expect_not_in_inbox(page, NOTIFY)
    assert (artifacts / "journey-fg-escalation-inbox.png").stat().st_size > 10_000
    assert browser_problems == []
