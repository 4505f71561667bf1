"""WCAG 2.1 AA in a real browser: axe-core finds no serious or critical violations on the main pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.test_journey import sign_in
from tests.factories import home_organisation, login
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process, view_instance

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def serious_violations(page: Page) -> list[str]:
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not block it.
    page.evaluate(AXE)
    result: dict[str, Any] = page.evaluate("options => axe.run(document, options)", RULES)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_login_page(page: Page) -> None:
    page.goto("/login")
    assert serious_violations(page) == []


def test_inbox_task_form_with_errors_and_case_page(page: Page, ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, "demo_subject_request", home_organisation(sanne))
    page.goto("/login")
    sign_in(page)
    page.goto("/inbox")
    assert serious_violations(page) == []
    page.goto(f"/tasks/{started.next_task_id}")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Taak afronden").click()  # nothing filled in: the error state
    assert page.get_by_role("alert").first.is_visible()
    assert serious_violations(page) == []
    page.goto(f"/instances/{started.instance_id}")
    assert serious_violations(page) == []


def test_case_file_with_a_comment(page: Page, ctx: ServiceContext, artifacts: Path) -> None:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, "demo_subject_request", home_organisation(sanne))
    reference = view_instance(ctx, sanne, started.instance_id).case_reference
    page.goto("/login")
    sign_in(page)
    page.goto(f"/cases/{reference}")
    page.get_by_role("textbox", name="Opmerking").fill("Moeder belt morgen terug over de inzage.")
    page.get_by_role("button", name="Opmerking plaatsen").click()
    assert page.get_by_text("Moeder belt morgen terug over de inzage.").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "case-file.png"), full_page=True)


def test_registers_for_the_fg(page: Page) -> None:
    page.goto("/login")
    sign_in(page, "fg")
    page.goto("/registers")
    assert serious_violations(page) == []
    page.goto("/registers/breach")
    assert serious_violations(page) == []
