"""Everything people type and see again is shown as text: script tags, attribute break-outs and template
syntax in answers, drafts, comments, display names, register values and data sent through the API never
become elements, attributes or evaluated expressions, and the text itself is shown intact."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from werkzeug.test import TestResponse

from tests.factories import login
from tests.web.conftest import VALID_INTAKE, Site, page
from webapp.config import PROJECT_ROOT
from webapp.persistence.models import User
from webapp.services import tasks as task_service
from webapp.services.registers import list_register
from webapp.services.tokens import create_token

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "{{7*7}}{% print 8*8 %}"]
ALL = " ".join(PAYLOADS)


def assert_escaped(response: TestResponse, *shown: str) -> Any:
    """No element or attribute came from the payloads, and each text in ``shown`` is on the page intact
    (as text, or as the value of a form field)."""
    assert response.status_code < 500
    doc = page(response)
    assert not doc.xpath("//script[not(@src)]"), "an inline script element"
    assert not doc.xpath("//img[@src='x']"), "an injected image"
    assert not doc.xpath("//@*[starts-with(name(), 'on')]"), "an event-handler attribute"
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    texts = " ".join(doc.itertext()) + " " + " ".join(doc.xpath("//@value"))
    for text in shown:
        assert text in texts, text  # also: "{{7*7}}" is shown as typed, not evaluated to 49
    return doc


def test_typed_answers_are_shown_escaped_when_the_form_comes_back_with_errors(site: Site) -> None:
    task = site.start_demo()
    response = site.client("hulpverlener").post(
        f"/tasks/{task}", data={"ontvangen_op": PAYLOADS[1], "recht": "inzage", "omschrijving": ALL}
    )
    assert response.status_code == 422
    doc = assert_escaped(response, ALL, PAYLOADS[1])
    assert doc.get_element_by_id("f-omschrijving").text_content() == ALL
    assert doc.get_element_by_id("f-ontvangen_op").get("value") == PAYLOADS[1]


def test_a_draft_is_shown_escaped(site: Site) -> None:
    task = site.start_demo()
    sanne = site.client("hulpverlener")
    saved = sanne.post(f"/tasks/{task}", data={"omschrijving": ALL, "_action": "draft"})
    assert saved.status_code == 302
    doc = assert_escaped(sanne.get(f"/tasks/{task}"), ALL)
    assert doc.get_element_by_id("f-omschrijving").text_content() == ALL


def test_comments_are_shown_escaped(site: Site) -> None:
    decide = site.decision_task()
    reference = task_service.open_task(site.ctx, site.actor("hulpverlener"), decide).task.case_reference
    sanne = site.client("hulpverlener")
    assert sanne.post(f"/cases/{reference}/comments", data={"body": ALL, "task_id": ""}).status_code == 302
    assert_escaped(site.client("fg").get(f"/cases/{reference}"), ALL)


def test_display_names_are_shown_escaped_wherever_they_appear(site: Site) -> None:
    name = "Daan " + ALL
    with site.ctx.db.write() as session:
        session.execute(update(User).where(User.username == "collega").values(display_name=name))
    task = site.start_demo()
    instance_id = task_service.open_task(site.ctx, site.actor("hulpverlener"), task).task.instance_id
    decide = site.complete(task, VALID_INTAKE, username="collega")
    assert decide is not None
    sanne = site.client("hulpverlener")
    assert_escaped(sanne.get(f"/instances/{instance_id}"), name)  # "door <name>"
    reference = task_service.open_task(site.ctx, site.actor("hulpverlener"), decide).task.case_reference
    assert_escaped(sanne.get(f"/cases/{reference}"), name)
    assert_escaped(site.client("collega").get("/inbox"), name)  # the header shows one's own name
    # A flash message that names the colleague a task went to.
    handed = sanne.post(
        f"/tasks/{site.start_demo()}/reassign", data={"colleague_id": str(colleague_id(site))}
    )
    assert handed.status_code == 302
    assert_escaped(sanne.get(handed.location), name)


def colleague_id(site: Site) -> int:
    return site.actor("collega").user_id


def test_data_sent_through_the_api_is_shown_escaped_in_the_register_and_on_the_task_page(site: Site) -> None:
    lotte = login(site.ctx, "rubicon")
    token = create_token(site.ctx, lotte, "escaping", date(2027, 1, 31)).secret
    api = site.app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    started = api.post("/api/v1/processes/data_breach/instances", json={}, headers=auth)
    assert started.status_code == 201, started.json
    task = started.json["volgende_taak_id"]  # type: ignore[index]
    report = {
        "ontdekt_op": "2026-11-02T10:00",
        "omschrijving_datalek": ALL,
        "oorzaak": "verkeerde_ontvanger",
        "aard_inbreuk": ["gelezen"],
        "soorten_gegevens": ["naw"],
        "aantal_betrokkenen": 3,
    }
    draft = api.put(f"/api/v1/tasks/{task}/draft", json={"gegevens": report}, headers=auth)
    assert draft.status_code == 200, draft.json
    assert_escaped(site.client("rubicon").get(f"/tasks/{task}"), ALL)
    done = api.post(f"/api/v1/tasks/{task}/complete", json={"gegevens": report}, headers=auth)
    assert done.status_code == 200, done.json

    fg = site.client("fg.rubicon")
    assert_escaped(fg.get("/registers/breach"))
    (entry,) = list_register(site.ctx, login(site.ctx, "fg.rubicon"), "breach").entries
    assert_escaped(fg.get(f"/registers/breach/{entry.id}"), ALL)


# --- nothing in the templates or the web code switches escaping off ---

_UNESCAPING = re.compile(r"\|\s*safe\b|\bMarkup\s*\(|autoescape\s+false|render_template_string|Markup\b")


@pytest.mark.parametrize("folder", ["webapp/templates", "webapp"])
def test_no_template_or_view_switches_escaping_off(folder: str) -> None:
    suffix = "*.html" if folder.endswith("templates") else "*.py"
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for path in sorted(Path(PROJECT_ROOT, folder).rglob(suffix))
        if "translations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _UNESCAPING.search(line)
    ]
    assert found == []


def test_the_template_engine_escapes_html_files(site: Site) -> None:
    assert site.app.select_jinja_autoescape("tasks/task.html")
    rendered = site.app.jinja_env.from_string("{{ value }}", globals={}).render(value=PAYLOADS[0])
    assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt;"
