"""The studio's form editor in a real browser: typing in the schema changes the preview without a reload,
a JSON mistake is shown with its place, and "Controleer invoer" shows a professional's messages in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import sign_in_as
from tests.browser.test_accessibility import serious_violations

pytestmark = pytest.mark.browser

SCHEMA = {
    "type": "object",
    "title": "Huisbezoek",
    "required": ["aantal"],
    "properties": {
        "aantal": {"type": "integer", "title": "Aantal bezoeken"},
        "kanaal": {"type": "string", "title": "Hoe aangekondigd", "enum": ["brief", "telefoon"]},
    },
}


def test_typing_a_schema_changes_the_preview_without_a_reload(
    page: Page, browser_problems: list[str], artifacts: Path
) -> None:
    sign_in_as(page, "procesbeheer")
    page.goto("/studio/forms/case_registration.schema.json")
    preview = page.locator("#form-preview")
    expect(preview.get_by_role("group", name="Bespreekwijze (verplicht)")).to_be_visible()
    page.evaluate("window.kfSamePage = true")  # gone after any reload

    schema_text = page.get_by_label("Schema (case_registration.schema.json)")
    schema_text.fill(json.dumps(SCHEMA, indent=2))
    expect(preview.get_by_role("heading", name="Huisbezoek")).to_be_visible()
    expect(preview.get_by_label("Aantal bezoeken (verplicht)")).to_be_visible()
    expect(preview.get_by_role("radio", name="telefoon")).to_be_visible()

    schema_text.press("End")
    schema_text.press("Backspace")  # the closing brace
    expect(preview).to_contain_text("Geen geldige JSON op regel")
    schema_text.press("End")
    schema_text.type("}")
    expect(preview.get_by_label("Aantal bezoeken (verplicht)")).to_be_visible()

    preview.get_by_label("Aantal bezoeken (verplicht)").fill("twee")
    preview.get_by_role("button", name="Controleer invoer").click()
    expect(preview.locator("#f-aantal-error")).to_have_text(
        "Fout: Vul een geheel getal in, zonder komma of punt."
    )
    expect(preview.get_by_label("Aantal bezoeken (verplicht)")).to_have_value("twee")
    assert page.evaluate("window.kfSamePage") is True
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "studio-forms.png"), full_page=True)
    assert browser_problems == []
