"""What the journey tests share: signing in and out, the inbox, and filling task forms the way a person does.

Everything is found by role and accessible name (label, legend, button text), never by CSS structure: the task
page changes while these tests stand. A field's label may carry a "(verplicht)" marker, so labels and legends
are matched from their start.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.test_journey import sign_in

COMPLETE = "Taak afronden"


def _starts(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def sign_in_as(page: Page, username: str) -> None:
    """Sign in from the login page and land in "Mijn taken"."""
    page.goto("/login")
    sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Afmelden").click()
    expect(page.get_by_role("status").filter(has_text="U bent afgemeld.")).to_be_visible()
    expect(page.get_by_label("Gebruikersnaam")).to_be_visible()


def switch_user(page: Page, username: str) -> None:
    sign_out(page)
    sign_in_as(page, username)


def start_procedure(page: Page, process: str) -> None:
    """Start a procedure from "Procedure starten"; its first task opens."""
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name="Procedure starten").click()
    page.get_by_role("button", name=f"Start ‘{process}’").click()
    expect(page.get_by_role("status").filter(has_text="De procedure is gestart.")).to_be_visible()


def go_to_inbox(page: Page) -> None:
    """Open "Mijn taken" from the menu, and wait for it to load anew even when it was open already."""
    with page.expect_response(lambda response: response.request.is_navigation_request()):
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn taken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")


def inbox_row(page: Page, task: str) -> Locator:
    """The inbox row of a task, by the link with its name."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=task, exact=True))


def expect_in_inbox(page: Page, task: str, *due: str) -> None:
    """On "Mijn taken": the task is listed once, with its due date and rule if given."""
    listed = inbox_row(page, task)
    expect(listed).to_have_count(1)
    for text in due:
        expect(listed).to_contain_text(text)


def expect_not_in_inbox(page: Page, task: str) -> None:
    expect(page.get_by_role("link", name=task, exact=True)).to_have_count(0)


def open_from_inbox(page: Page, task: str) -> None:
    go_to_inbox(page)
    page.get_by_role("link", name=task, exact=True).click()
    expect_task(page, task)


def expect_task(page: Page, task: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(task)
    expect(page.get_by_role("button", name=COMPLETE)).to_be_visible()


def expect_due(page: Page, when: str, rule: str) -> None:
    """The task page's due date ("Uiterlijk") and the rule it comes from."""
    due = page.get_by_role("definition").filter(has_text=when)
    expect(due).to_have_count(1)
    expect(due).to_contain_text(rule)


def complete(page: Page, task: str) -> None:
    """Press "Taak afronden" and see the confirmation."""
    page.get_by_role("button", name=COMPLETE).click()
    expect(page.get_by_role("status").filter(has_text=f"Taak ‘{task}’ is afgerond.")).to_be_visible()


def refused(page: Page) -> None:
    """Press "Taak afronden" and see the form come back with its problems."""
    page.get_by_role("button", name=COMPLETE).click()
    expect(page.get_by_role("heading", name="Er is een probleem")).to_be_visible()


# --- filling in a form ------------------------------------------------------------------------------------


def field(scope: Page | Locator, label: str) -> Locator:
    """A text box, date, number, text area or select by its label."""
    return scope.get_by_label(_starts(label))


def group(scope: Page | Locator, legend: str) -> Locator:
    """Radio buttons, check boxes or a set of rows, by its legend (exactly, bar the "(verplicht)")."""
    return scope.get_by_role("group", name=re.compile("^" + re.escape(legend) + r"( \(verplicht\))?$"))


def choose(scope: Page | Locator, legend: str, option: str) -> None:
    group(scope, legend).get_by_role("radio", name=option, exact=True).check()


def tick(scope: Page | Locator, legend: str, *options: str) -> None:
    boxes = group(scope, legend)
    for option in options:
        boxes.get_by_role("checkbox", name=option, exact=True).check()


def row(scope: Page | Locator, legend: str, number: int) -> Locator:
    """Row ``number`` (from 1) of a set of rows."""
    return group(scope, f"{legend}: rij {number}")
