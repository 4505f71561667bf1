"""Imported diagrams render in Chromium: every BPMN MIWG reference diagram opens in the studio's modeler
(S1's page, ``#kf-modeler`` reaches data-state "ready", not "error"), and the import report page shows the
diagram with the elements that still need something marked. The upload itself goes through the page once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.journeys import sign_in_as
from tests.browser.test_accessibility import serious_violations
from tests.factories import login
from webapp.config import PROJECT_ROOT
from webapp.services.context import ServiceContext
from webapp.services.studio_import import import_diagram

pytestmark = pytest.mark.browser

MIWG = PROJECT_ROOT / "tests" / "fixtures" / "interop" / "miwg-reference"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "interop"


def _rendered(page: Page, name: str) -> tuple[str, int]:
    """Open the modeler on ``name``; its final state and how many shapes bpmn-js drew."""
    page.goto(f"/studio/diagrams/{name}")
    modeler = page.locator("#kf-modeler")
    expect(modeler).to_have_attribute("data-state", re.compile("^(ready|error)$"), timeout=30_000)
    shapes = page.evaluate(
        "() => window.kfModeler"
        " ? window.kfModeler.get('elementRegistry').filter(e => !e.waypoints).length : 0"
    )
    return str(modeler.get_attribute("data-state")), int(shapes)


def test_every_imported_miwg_diagram_renders_in_the_modeler(
    page: Page, ctx: ServiceContext, browser_problems: list[str]
) -> None:
    files = sorted(MIWG.glob("*.bpmn"))
    assert len(files) >= 20, f"the MIWG reference diagrams are missing in {MIWG}"
    owner = login(ctx, "procesbeheer")
    for path in files:
        import_diagram(ctx, owner, path.name, path.read_bytes())
    sign_in_as(page, "procesbeheer")
    results = {path.name: _rendered(page, path.name) for path in files}
    failed = {name: result for name, result in results.items() if result[0] != "ready" or result[1] < 3}
    assert not failed, failed
    assert not [p for p in browser_problems if "Content Security Policy" in p or "external request" in p]


def test_an_upload_through_the_page_shows_its_report_beside_the_marked_diagram(
    page: Page, browser_problems: list[str]
) -> None:
    sign_in_as(page, "procesbeheer")
    page.goto("/studio/import")
    assert serious_violations(page) == []
    page.get_by_label("Bestand").set_input_files(str(FIXTURES / "camunda_verzoek.bpmn"))
    page.get_by_role("button", name="Importeren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat camunda_verzoek.bpmn nodig heeft")
    diagram = page.locator(".kf-diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(page.locator(".djs-element.kf-problem").first).to_be_visible()
    expect(page.locator(".kf-overlay-problem").first).to_be_visible()
    expect(
        page.get_by_role("heading", name="gebruikerstaak ‘Verzoek registreren’ Activity_registreren")
    ).to_be_visible()
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "studio-import-report.png"), full_page=True)
    assert browser_problems == []
