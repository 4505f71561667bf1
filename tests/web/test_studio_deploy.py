"""The studio's process list, versions, check endpoint, deploy and diff pages (issue 6 items 1, 3 and 4).

Only process owners and administrators; bad input (an unknown process, nonsense versions, broken XML) gets a
Dutch answer, never a 500, and deploys nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.web.conftest import Site, csrf_token, error_page, local_path, page, text_of
from tests.web.conftest import select as css
from webapp.config import PROJECT_ROOT
from webapp.persistence.models import AuditEvent, ProcessDefinition
from webapp.services.context import ServiceContext
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.studio_sources import save_source

DEMO = "demo_subject_request"
FILE = f"{DEMO}.bpmn"


def demo_xml() -> str:
    return (PROJECT_ROOT / "processes" / FILE).read_text(encoding="utf-8")


def deployed_versions(ctx: ServiceContext, process_id: str = DEMO) -> list[int]:
    with ctx.db.read() as session:
        query = select(ProcessDefinition.version).where(ProcessDefinition.process_id == process_id)
        return sorted(session.scalars(query))


def edit_demo(site: Site, xml: str) -> None:
    save_source(site.ctx, site.actor("procesbeheer"), FILE, xml)


def renamed_demo() -> str:
    return demo_xml().replace("Verzoek registreren", "Verzoek vastleggen")


def denials(ctx: ServiceContext) -> list[tuple[str, int | None]]:
    with ctx.db.read() as session:
        query = select(AuditEvent.event, AuditEvent.actor_id).where(AuditEvent.result == "denied")
        return [(event, actor) for event, actor in session.execute(query) if event.startswith("studio.")]


def test_the_process_list_shows_versions_instances_forms_and_links(site: Site) -> None:
    site.start_demo()
    edit_demo(site, renamed_demo())
    response = site.client("procesbeheer").get("/studio")
    assert response.status_code == 200
    doc = page(response)
    demo = css(doc, f"section#{DEMO}")[0]
    assert text_of(demo, "h2") == "Verzoek van betrokkene (demo)"
    row = [" ".join(cell.text_content().split()) for cell in css(demo, "tbody tr")[0]]
    assert row[0] == "1 (actief)" and row[3:7] == ["1", "0", "0", "1"]  # one instance runs, on its task
    assert "demo_request_intake.schema.json" in row[7] and "uischema" not in row[7]
    assert "Wijzigingen in de studio die nog niet zijn uitgerold: demo_subject_request.bpmn" in text_of(
        demo, ".kf-edit-state"
    )
    links = {a.get("href") for a in css(demo, "a")}
    assert {
        f"/studio/diagrams/{FILE}",
        f"/studio/diagrams/{FILE}/test-run",
        f"/studio/processes/{DEMO}",
    } <= links
    intake = css(doc, "section#case_intake")[0]
    assert "De studio is gelijk aan de actieve versie." in intake.text_content()


@pytest.mark.parametrize("username", ["hulpverlener", "fg", "manager"])
def test_others_are_refused_and_the_refusal_is_audited(site: Site, username: str) -> None:
    client = site.client(username)
    for address in (
        "/studio",
        "/studio/check",
        f"/studio/processes/{DEMO}",
        f"/studio/processes/{DEMO}/diff",
    ):
        status, heading, _ = error_page(client.get(address))
        assert (status, heading) == (403, "Geen toegang"), address
    answer = client.post(f"/studio/diagrams/{DEMO}/check", json={"xml": demo_xml()})
    assert (
        answer.status_code == 403
        and answer.json["message"] == "Alleen een procesbeheerder mag processen uitrollen."
    )
    assert client.post(f"/studio/diagrams/{DEMO}/deploy").status_code == 403
    assert {actor for _, actor in denials(site.ctx)} == {site.actor(username).user_id}
    assert len(denials(site.ctx)) == 6


def test_the_check_endpoint_answers_in_dutch_json(site: Site) -> None:
    client = site.client("procesbeheer")
    good = client.post(f"/studio/diagrams/{FILE}/check", json={"xml": demo_xml()})
    assert good.status_code == 200 and good.json == {"ok": True, "problems": []}

    broken = demo_xml().replace('before="P7D"', 'before="P7D" +')
    answer = client.post(f"/studio/diagrams/{DEMO}/check", json={"xml": broken}).json
    assert answer["ok"] is False
    (problem,) = answer["problems"]
    assert (problem["file"], problem["element"]) == (FILE, "timer_reminder")
    assert "geen geldige expressie" in problem["message"]

    answer = client.post(f"/studio/diagrams/{DEMO}/check", json={"xml": "<bpmn:definitions><"}).json
    assert answer["ok"] is False and "geen geldige of veilige XML" in answer["problems"][0]["message"]
    assert deployed_versions(site.ctx) == [1]


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        (DEMO, None, 400),
        (DEMO, {"xml": ""}, 400),
        (DEMO, {"xml": 7}, 400),
        (DEMO, ["<xml/>"], 400),
        ("..geheim", {"xml": "<x/>"}, 404),
        ("naam met spaties", {"xml": "<x/>"}, 404),
    ],
)
def test_the_check_endpoint_refuses_bad_input_with_a_dutch_message(
    site: Site, name: str, body: Any, status: int
) -> None:
    response = site.client("procesbeheer").post(f"/studio/diagrams/{name}/check", json=body)
    assert response.status_code == status
    assert response.json["ok"] is False and response.json["message"]
    assert response.json["message"] in (
        "Stuur het diagram mee als XML-tekst.",
        "Deze procedure bestaat niet in de studio.",
    )


def test_deploying_from_the_versions_page(site: Site) -> None:
    client = site.client("procesbeheer")
    versions_page = page(client.get(f"/studio/processes/{DEMO}"))
    (form,) = css(versions_page, "form.kf-deploy")
    assert form.get("action") == f"/studio/diagrams/{FILE}/deploy"

    unchanged = client.post(form.get("action"))
    assert local_path(unchanged) == f"/studio/processes/{DEMO}"
    notice = text_of(page(client.get(f"/studio/processes/{DEMO}")), ".notice")
    assert notice == "Er is niets veranderd: versie 1 blijft de actieve versie."

    edit_demo(site, renamed_demo())
    assert local_path(client.post(form.get("action"))) == f"/studio/processes/{DEMO}"
    doc = page(client.get(f"/studio/processes/{DEMO}"))
    assert text_of(doc, ".notice-success").startswith("Versie 2 is uitgerold.")
    assert deployed_versions(site.ctx) == [1, 2]
    first_row = [" ".join(c.text_content().split()) for c in css(doc, "tbody tr")[0]]
    assert first_row[:3][0] == "2 (actief)" and first_row[2] == "Omar Procesbeheerder"
    assert "De studio is gelijk aan de actieve versie." in doc.text_content()


def test_a_diagram_with_problems_deploys_nothing_and_the_page_lists_them(site: Site) -> None:
    edit_demo(site, demo_xml().replace('before="P7D"', 'before="P7D" +'))
    response = site.client("beheerder").post(f"/studio/diagrams/{DEMO}/deploy")
    assert response.status_code == 422
    doc = page(response)
    assert text_of(doc, ".kf-error-summary h2") == "Niet uitgerold: het diagram heeft problemen"
    item = text_of(doc, ".kf-error-summary li")
    assert item.startswith(f"{FILE} – timer_reminder") and "geen geldige expressie" in item
    assert deployed_versions(site.ctx) == [1]


def test_deploying_needs_the_csrf_token(csrf_app: Flask, ctx: ServiceContext) -> None:
    site = Site(csrf_app, ctx)
    edit_demo(site, renamed_demo())
    client = csrf_app.test_client()
    credentials = {"username": "procesbeheer", "password": DEMO_PASSWORD}
    client.post("/login", data={**credentials, "csrf_token": csrf_token(client.get("/login"))})
    status, _, message = error_page(client.post(f"/studio/diagrams/{DEMO}/deploy"))
    assert status == 400 and "verlopen" in message
    assert deployed_versions(ctx) == [1]
    token = csrf_token(client.get(f"/studio/processes/{DEMO}"))
    check = client.post(
        f"/studio/diagrams/{DEMO}/check", json={"xml": demo_xml()}, headers={"X-CSRFToken": token}
    )
    assert check.json == {"ok": True, "problems": []}
    assert client.post(f"/studio/diagrams/{DEMO}/deploy", data={"csrf_token": token}).status_code == 302
    assert deployed_versions(ctx) == [1, 2]


@pytest.mark.parametrize("name", ["bestaat_niet", "..", "a b"])
def test_deploying_an_unknown_diagram_is_a_dutch_404(site: Site, name: str) -> None:
    status, heading, _ = error_page(site.client("procesbeheer").post(f"/studio/diagrams/{name}/deploy"))
    assert (status, heading) == (404, "Niet gevonden")


def test_the_diff_page_lists_the_changes_and_colours_both_diagrams(site: Site) -> None:
    edit_demo(site, renamed_demo().replace('name="Besluit?"', 'name="Welk besluit?"'))
    client = site.client("procesbeheer")
    client.post(f"/studio/diagrams/{DEMO}/deploy")

    response = client.get(f"/studio/processes/{DEMO}/diff")
    assert response.status_code == 200
    doc = page(response)
    assert text_of(doc, "#diff-samenvatting") == (
        "Van versie 1 naar versie 2: 0 toegevoegd, 0 verwijderd, 2 gewijzigd."
    )
    changed = {li.get("data-element"): li for li in css(doc, "#diff-gewijzigd li")}
    assert set(changed) == {"register_request", "gateway_decision"}
    cells = [" ".join(c.text_content().split()) for c in css(changed["register_request"], "tbody tr")[0]]
    assert cells == ["Naam", "Verzoek registreren", "Verzoek vastleggen"]
    new, old = css(doc, "div.kf-diagram")
    assert new.get("data-xml-url") == f"/studio/processes/{DEMO}/versions/2.bpmn"
    assert old.get("data-xml-url") == f"/studio/processes/{DEMO}/versions/1.bpmn"

    marks = client.get(new.get("data-marks-url")).json
    assert marks == {
        "markers": {"register_request": ["kf-changed"], "gateway_decision": ["kf-changed"]},
        "overlays": [],
    }
    assert client.get(old.get("data-marks-url")).json["markers"] == marks["markers"]
    assert client.get(f"/studio/processes/{DEMO}/versions/2.bpmn").get_data(
        as_text=True
    ) == renamed_demo().replace('name="Besluit?"', 'name="Welk besluit?"')


def test_the_version_diagram_downloads_as_an_attachment(site: Site) -> None:
    client = site.client("procesbeheer")
    shown = client.get(f"/studio/processes/{DEMO}/versions/1.bpmn")
    assert shown.mimetype == "application/xml" and "Content-Disposition" not in shown.headers
    assert shown.get_data(as_text=True) == demo_xml()
    download = client.get(f"/studio/processes/{DEMO}/versions/1.bpmn?download=1")
    assert download.headers["Content-Disposition"] == f"attachment; filename={DEMO}.v1.bpmn"
    for address in (f"/studio/processes/{DEMO}/versions/9.bpmn", "/studio/processes/niets/versions/1.bpmn"):
        assert error_page(client.get(address))[0] == 404


def test_with_one_version_there_is_nothing_to_compare(site: Site) -> None:
    response = site.client("procesbeheer").get(f"/studio/processes/{DEMO}/diff")
    assert response.status_code == 200
    assert "er is niets om mee te vergelijken" in text_of(page(response), "main [role=status]")


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("from=abc", 400, "‘abc’ is geen versienummer. Kies een versie uit de lijst."),
        ("to=-1", 400, "‘-1’ is geen versienummer. Kies een versie uit de lijst."),
        ("from=1&to=99999999999999999999", 400, "‘99999999999999999999’ is geen versienummer."),
        ("from=0", 400, "‘0’ is geen versienummer."),
        ("from=١", 400, "‘١’ is geen versienummer."),
        ("from=7", 404, "Versie 7 van deze procedure bestaat niet."),
        ("from=1&to=3", 404, "Versie 3 van deze procedure bestaat niet."),
    ],
)
def test_nonsense_versions_get_a_dutch_message_and_the_choice_again(
    site: Site, query: str, status: int, message: str
) -> None:
    client = site.client("procesbeheer")
    edit_demo(site, renamed_demo())
    client.post(f"/studio/diagrams/{DEMO}/deploy")
    response = client.get(f"/studio/processes/{DEMO}/diff?{query}")
    assert response.status_code == status
    doc = page(response)
    assert text_of(doc, ".kf-error-summary li").startswith(message)
    assert [o.text for o in css(doc, "select#versie-van option")] == ["1", "2"]
    assert not css(doc, "div.kf-diagram")
    marks = client.get(f"/studio/processes/{DEMO}/diff/marks.json?{query}")
    assert marks.status_code == status and marks.json["message"].startswith(message)


def test_an_unknown_process_has_no_diff_nor_versions_page(site: Site) -> None:
    client = site.client("procesbeheer")
    for address in ("/studio/processes/bestaat_niet/diff", "/studio/processes/bestaat_niet"):
        assert error_page(client.get(address))[:2] == (404, "Niet gevonden")
    assert client.get("/studio/processes/bestaat_niet/diff/marks.json").status_code == 404


def test_the_check_page_lists_the_problems_of_all_studio_sources(site: Site) -> None:
    client = site.client("procesbeheer")
    clean = page(client.get("/studio/check"))
    assert text_of(clean, "main [role=status]").startswith("Geen problemen")
    edit_demo(site, demo_xml().replace('before="P7D"', 'before="P7D" +'))
    doc = page(client.get("/studio/check"))
    assert text_of(doc, "main section h2") == FILE
    assert text_of(doc, "main section li").startswith("timer_reminder : de timer-expressie")
