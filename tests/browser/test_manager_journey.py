"""The manager's journey in a real Chromium: the dashboard, a number followed to the list behind it, the CSV
of that list, deadline compliance, lead times and the policy statistics — accessible, and without case data.

Sanne (professional, Gemeente Weert) registers three data-subject requests received on Monday 2 November
2026; their decisions are due four weeks later, on Monday 30 November. Five weeks on, Mila (manager of
Weert) sees three overdue tasks, follows the number to the list and downloads it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import sign_in_as
from tests.browser.test_accessibility import serious_violations
from tests.factories import home_organisation, login
from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.tasks import complete_task

pytestmark = pytest.mark.browser

INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}
PROCESS = "Verzoek van betrokkene (demo)"


def _three_overdue_requests(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    for _ in range(3):
        started = start_process(ctx, sanne, "demo_subject_request", home_organisation(sanne))
        assert started.next_task_id is not None
        complete_task(ctx, sanne, started.next_task_id, INTAKE)
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(weeks=5))


def test_a_manager_follows_an_overdue_number_to_its_list_and_downloads_it(
    page: Page, ctx: ServiceContext, artifacts: Path
) -> None:
    _three_overdue_requests(ctx)
    sign_in_as(page, "manager")
    page.get_by_role("link", name="Overzichten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overzicht openstaand werk")
    overdue = page.locator("#kaart-overdue")
    expect(overdue).to_contain_text("3")
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "manager-dashboard.png"), full_page=True)

    overdue.get_by_role("link").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(PROCESS)
    expect(page.locator("main")).not_to_contain_text("Graag inzage")  # no case contents in the list
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "manager-overdue-list.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.count(PROCESS) == 3

    page.goto("/rapportages/")
    page.get_by_role("link", name="Naar de termijnen").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert serious_violations(page) == []
    page.goto("/rapportages/doorlooptijden")
    expect(page.locator("main")).to_contain_text("Verzoek registreren")  # the completed intake step
    assert serious_violations(page) == []
    page.goto("/rapportages/beleid")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "manager-policy.png"), full_page=True)
