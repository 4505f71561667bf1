"""The diff page in a browser: both versions' diagrams render, coloured by what changed (issue 6 item 4)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.journeys import sign_in_as
from tests.factories import login
from webapp.config import PROJECT_ROOT
from webapp.services.context import ServiceContext
from webapp.services.studio_deploy import deploy_process
from webapp.services.studio_sources import save_source

DEMO = "demo_subject_request"


def test_the_diff_colours_the_changed_and_added_elements_on_the_new_diagram(
    page: Page, ctx: ServiceContext, browser_problems: list[str], artifacts: Path
) -> None:
    owner = login(ctx, "procesbeheer")
    xml = (PROJECT_ROOT / "processes" / f"{DEMO}.bpmn").read_text(encoding="utf-8")
    save_source(ctx, owner, f"{DEMO}.bpmn", xml.replace("Verzoek registreren", "Verzoek vastleggen"))
    assert deploy_process(ctx, owner, DEMO).version == 2

    sign_in_as(page, "procesbeheer")
    page.goto(f"/studio/processes/{DEMO}/diff")
    expect(page.locator("#diff-samenvatting")).to_contain_text("0 toegevoegd, 0 verwijderd, 1 gewijzigd")
    new, old = page.locator("div.kf-diagram").all()
    for diagram in (new, old):
        expect(diagram).to_have_attribute("data-state", "ready")
    for diagram in (new, old):
        expect(diagram.locator('g.djs-element.kf-changed[data-element-id="register_request"]')).to_have_count(
            1
        )
        expect(diagram.locator("g.kf-added, g.kf-removed")).to_have_count(0)
    expect(new.locator("text", has_text="vastleggen")).not_to_have_count(0)
    expect(old.locator("text", has_text="registreren")).not_to_have_count(0)
    page.screenshot(path=artifacts / "studio-diff.png", full_page=True)
    assert browser_problems == []
