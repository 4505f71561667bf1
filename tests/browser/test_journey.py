"""A professional's journey in a real Chromium: sign in, start the demo procedure, complete the first task."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import chromium_problem
from tests.factories import home_organisation, login
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.tasks import complete_task, list_inbox

pytestmark = pytest.mark.browser

PROCESS = "Verzoek van betrokkene (demo)"
FIRST_TASK = "Verzoek registreren"
NEXT_TASK = "Identiteit controleren en beslissen"


def sign_in(page: Page, username: str = "hulpverlener", password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()


def test_chromium_is_installed() -> None:
    """Fails (never skips) with a clear message when the browser tier cannot run."""
    problem = chromium_problem()
    assert problem is None, problem


def test_journey_start_and_complete_first_task(
    page: Page, ctx: ServiceContext, artifacts: Path, browser_problems: list[str]
) -> None:
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)inbox$"))
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect(page.get_by_text("U heeft geen open taken.")).to_be_visible()

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Procedure starten").click()
    expect(page.get_by_role("heading", level=2, name=PROCESS)).to_be_visible()
    page.get_by_role("button", name=f"Start ‘{PROCESS}’").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_TASK)
    expect(page.get_by_role("status")).to_have_text("De procedure is gestart.")
    expect(page.get_by_role("region", name="Instructie")).to_contain_text("Registreer het verzoek")
    task_url = page.url

    page.get_by_label("Ontvangen op").fill("2026-10-30")
    page.get_by_label("Ingeroepen recht").select_option("inzage")
    page.get_by_label("E-mail").check()
    page.get_by_label("Omschrijving van het verzoek").fill("Betrokkene wil inzage in het eigen dossier.")
    page.get_by_label("Omschrijving van het verzoek").blur()
    page.screenshot(path=artifacts / "task-form.png", full_page=True)
    page.get_by_role("button", name="Taak afronden").click()

    # The confirmation, and the next task opens straight away.
    expect(page.get_by_role("status")).to_have_text(f"Taak ‘{FIRST_TASK}’ is afgerond.")
    expect(page.get_by_role("heading", level=1)).to_have_text(NEXT_TASK)
    expect(page.locator("dl.facts")).to_contain_text("27-11-2026 23:59")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn taken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    tasks = page.locator("table.list tbody tr")
    expect(tasks).to_have_count(1)
    expect(tasks.first.get_by_role("link", name=NEXT_TASK)).to_be_visible()
    expect(page.get_by_role("link", name=FIRST_TASK)).to_have_count(0)
    page.screenshot(path=artifacts / "inbox.png", full_page=True)

    # The completed task shows who completed it and offers no form any more.
    page.goto(task_url)
    expect(page.locator("dl.facts")).to_contain_text("Afgerond door Sanne Hulpverlener")
    expect(page.get_by_role("button", name="Taak afronden")).to_have_count(0)

    inbox = list_inbox(ctx, login(ctx, "hulpverlener"))
    assert [t.name for t in inbox] == [NEXT_TASK]
    assert (artifacts / "task-form.png").stat().st_size > 10_000
    assert (artifacts / "inbox.png").stat().st_size > 10_000
    assert browser_problems == []


def _started_task(ctx: ServiceContext) -> int:
    actor = login(ctx, "hulpverlener")
    started = start_process(ctx, actor, "demo_subject_request", home_organisation(actor))
    assert started.next_task_id is not None
    return started.next_task_id


def test_form_errors_keep_what_was_filled_in(
    page: Page, ctx: ServiceContext, browser_problems: list[str]
) -> None:
    task = _started_task(ctx)
    page.goto(f"/tasks/{task}")
    sign_in(page)
    page.get_by_role("button", name="Taak afronden").click()
    expect(page.get_by_role("heading", name="Er is een probleem")).to_be_visible()
    expect(page.locator(".kf-error-summary li")).to_have_count(3)
    expect(page.locator("#f-omschrijving-error")).to_have_text("Fout: Dit veld is verplicht.")

    page.get_by_label("Ontvangen op").fill("2026-10-30")
    page.get_by_label("Ingeroepen recht").select_option("rectificatie")
    page.get_by_label("Balie").check()
    page.get_by_label("Namens een minderjarige").check()
    page.get_by_role("button", name="Taak afronden").click()
    # Only the description is still missing; everything filled in is still there in the browser.
    expect(page.locator(".kf-error-summary li")).to_have_text(
        ["Omschrijving van het verzoek: Dit veld is verplicht."]
    )
    expect(page.get_by_label("Ontvangen op")).to_have_value("2026-10-30")
    expect(page.get_by_label("Ingeroepen recht")).to_have_value("rectificatie")
    expect(page.get_by_label("Balie")).to_be_checked()
    expect(page.get_by_label("Namens een minderjarige")).to_be_checked()
    # The summary links to the field.
    page.get_by_role("link", name="Omschrijving van het verzoek: Dit veld is verplicht.").click()
    expect(page).to_have_url(re.compile(r"#f-omschrijving$"))
    assert [t.id for t in list_inbox(ctx, login(ctx, "hulpverlener"))] == [task]
    assert browser_problems == []


def test_wrong_password_in_browser(page: Page, browser_problems: list[str]) -> None:
    page.goto("/login")
    sign_in(page, password="niet-goed")
    expect(page.get_by_role("alert")).to_have_text("Gebruikersnaam of wachtwoord klopt niet.")
    expect(page.get_by_label("Gebruikersnaam")).to_have_value("hulpverlener")
    expect(page.get_by_label("Wachtwoord")).to_have_value("")
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert browser_problems == []


def test_rows_and_enter_key_without_javascript(
    page: Page, ctx: ServiceContext, browser_problems: list[str]
) -> None:
    actor = login(ctx, "hulpverlener")
    intake = {"ontvangen_op": "2026-10-30", "recht": "wissen", "omschrijving": "Wissen van oude notities."}
    decision = complete_task(ctx, actor, _started_task(ctx), intake).next_task_id

    page.goto(f"/tasks/{decision}")
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(NEXT_TASK)
    rows = page.locator("fieldset.kf-row")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Rij toevoegen").click()
    expect(rows).to_have_count(2)
    page.locator("#f-partners-1-organisatie").fill("Rubicon Jeugdzorg")
    page.get_by_role("button", name="Verwijder rij 1").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#f-partners-0-organisatie")).to_have_value("Rubicon Jeugdzorg")

    # Enter in a row's text box submits the form (a hidden default button comes first), it does not
    # press "Verwijder rij": the form is validated and the row is still there.
    page.locator("#f-partners-0-organisatie").press("Enter")
    expect(page.get_by_role("heading", name="Er is een probleem")).to_be_visible()
    expect(page.locator("#f-partners-0-organisatie")).to_have_value("Rubicon Jeugdzorg")
    assert [t.id for t in list_inbox(ctx, actor)] == [decision]
    assert browser_problems == []
