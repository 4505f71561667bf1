"""The test-run pages of the studio: the start form, a run with its diagram marks, the task forms rendered by
the professionals' macros, the clock jumps, starting again, and bad input answered in Dutch."""

from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import Site, error_page, local_path, page, select, text_of
from webapp.config import PROJECT_ROOT
from webapp.services.studio_sources import save_source

START_FORM = "/studio/diagrams/demo_subject_request/test-run"
INTAKE = {
    "ontvangen_op": "2026-10-31",
    "recht": "inzage",
    "kanaal": "brief",
    "omschrijving": "Inzage in het dossier.",
}
UNKNOWN = "Deze testrun bestaat niet (meer)."


def _start(client: FlaskClient, moment: str = "2026-11-02T09:00") -> str:
    """Start a run through the page; returns the run page's path."""
    response = client.post(START_FORM, data={"start_at": moment})
    path = local_path(response)
    assert re.fullmatch(r"/studio/test-runs/[\w-]+", path), path
    return path


def _texts(doc: Any, css: str) -> list[str]:
    return [" ".join(" ".join(n.itertext()).split()) for n in select(doc, css)]


def _follow(client: FlaskClient, response: TestResponse) -> Any:
    assert response.status_code == 302, response.status_code
    return page(client.get(local_path(response)))


def test_the_start_form_asks_the_simulated_moment_and_refuses_a_bad_one(site: Site) -> None:
    client = site.client("procesbeheer")
    doc = page(client.get(START_FORM))
    assert text_of(doc, "h1") == "Testrun: Verzoek van betrokkene (demo)"
    field = select(doc, "input#f-start_at")[0]
    assert field.get("type") == "datetime-local" and field.get("value") == "2026-11-02T10:00"  # Amsterdam

    # The studio's process page links here by file name: the same page.
    assert text_of(page(client.get("/studio/diagrams/demo_subject_request.bpmn/test-run")), "h1") == text_of(
        doc, "h1"
    )

    response = client.post(START_FORM, data={"start_at": "gisteren"})
    assert response.status_code == 422
    doc = page(response)
    assert "Vul een geldige datum en tijd in" in text_of(doc, ".kf-error-summary")
    assert select(doc, "input#f-start_at")[0].get("value") == "gisteren"  # what was typed stays


def test_a_run_shows_the_diagram_the_task_form_and_completes_it(site: Site) -> None:
    client = site.client("procesbeheer")
    run = _start(client, "31-10-2026 10:00")
    doc = page(client.get(run))
    assert text_of(doc, "#testrun-nu") == "31-10-2026 10:00"
    diagram = select(doc, "div.kf-diagram")[0]
    assert diagram.get("data-xml-url") == f"{run}/diagram.bpmn"
    assert diagram.get("data-marks-url") == f"{run}/marks.json"
    assert client.get(f"{run}/diagram.bpmn").get_data(as_text=True).startswith("<?xml")
    marks = client.get(f"{run}/marks.json").get_json()
    assert marks == {
        "markers": {
            "start_request_received": ["kf-done"],
            "flow_start_to_register": ["kf-done"],
            "register_request": ["kf-current"],
        },
        "overlays": [],
    }
    # The intake form, rendered by the task macros.
    assert text_of(doc, "#taak-formulier") == "Invullen: Verzoek registreren"
    assert {"f-ontvangen_op", "f-recht", "f-kanaal", "f-omschrijving"} <= {
        n.get("id") for n in select(doc, "form [id]")
    }

    # Invalid: 422 with the Dutch messages beside the fields and the typed values kept.
    action = select(doc, "#taak-formulier")[0].getparent().xpath(".//form")[0].get("action")
    response = client.post(action, data={"recht": "inzage", "omschrijving": "Getypt blijft staan."})
    assert response.status_code == 422
    doc = page(response)
    assert text_of(doc, "#f-ontvangen_op-error") == "Fout: Dit veld is verplicht."
    assert select(doc, "#f-omschrijving")[0].text_content() == "Getypt blijft staan."
    assert [n.get("value") for n in select(doc, "#f-recht option[selected]")] == ["inzage"]

    doc = _follow(client, client.post(action, data=INTAKE))
    assert "Taak ‘Verzoek registreren’ is afgerond in de testrun." in _texts(doc, ".notice")
    row = _texts(doc, "section table.list tbody tr")[0]
    assert row.startswith("Identiteit controleren en beslissen Professional")
    assert "30-11-2026 23:59 (4 weken vanaf 31-10-2026, verlengd tot de eerstvolgende werkdag)" in row
    marks = client.get(f"{run}/marks.json").get_json()
    assert marks["markers"]["decide_request"] == ["kf-current"]
    assert (
        marks["markers"]["flow_start_to_register"]
        == marks["markers"]["flow_register_to_decide"]
        == ["kf-done"]
    )
    assert marks["markers"]["timer_reminder"] == ["kf-waiting"]
    assert {"element": "timer_deadline_expired", "text": "30-11-2026 23:59", "kind": "timer"} in marks[
        "overlays"
    ]


def test_the_clock_jumps_to_each_timer_and_starting_again_drops_the_run(site: Site) -> None:
    client = site.client("beheerder")
    run = _start(client)
    intake = page(client.get(run))
    action = select(intake, "#taak-formulier")[0].getparent().xpath(".//form")[0].get("action")
    client.post(action, data={**INTAKE, "ontvangen_op": "2026-11-02"})

    doc = _follow(client, client.post(f"{run}/advance"))
    assert "De gesimuleerde klok staat nu op 24-11-2026 00:00." in _texts(doc, ".notice")
    assert "Herinnering vastleggen (log_reminder)" in " ".join(_texts(doc, "#testrun-pad li"))
    doc = _follow(client, client.post(f"{run}/advance"))
    assert text_of(doc, "#taak-formulier") == "Invullen: Termijnoverschrijding afhandelen"
    log = " ".join(_texts(doc, "#testrun-log li"))
    assert "Tijdgebeurtenis ‘Termijn verstreken’ is afgegaan." in log
    assert not select(doc, "#volgende-termijn")  # no timer left to jump to
    doc = _follow(client, client.post(f"{run}/advance"))
    assert "Er wacht geen termijn: de klok kan niet verder." in _texts(doc, ".notice")

    response = client.post(f"{run}/restart")
    again = local_path(response)
    assert again != run
    doc = page(client.get(again))
    assert text_of(doc, "#taak-formulier") == "Invullen: Verzoek registreren"
    status, title, text = error_page(client.get(run))
    assert (status, title) == (404, "Testrun niet gevonden") and text.startswith(UNKNOWN)


def test_unknown_runs_tasks_and_outsiders_get_a_dutch_answer(site: Site) -> None:
    owner = site.client("procesbeheer")
    for address in ("/studio/test-runs/bestaat-niet", "/studio/test-runs/bestaat-niet/diagram.bpmn"):
        status, title, text = error_page(owner.get(address))
        assert (status, title) == (404, "Testrun niet gevonden") and text.startswith(UNKNOWN)
    response = owner.get("/studio/test-runs/bestaat-niet/marks.json")
    assert response.status_code == 404 and response.get_json()["message"].startswith(UNKNOWN)
    status, _, _ = error_page(owner.post("/studio/test-runs/bestaat-niet/advance"))
    assert status == 404

    run = _start(owner)
    doc = _follow(owner, owner.post(f"{run}/tasks/geen-taak", data=INTAKE))
    assert "Deze taak staat in deze testrun niet (meer) open." in _texts(doc, ".notice")
    status, _, _ = error_page(owner.get("/studio/diagrams/bestaat_niet/test-run"))
    assert status == 404

    professional = site.client("hulpverlener")
    for address in (START_FORM, run):
        status, title, text = error_page(professional.get(address))
        assert (status, title, text) == (
            403,
            "Geen toegang",
            "Alleen een procesbeheerder mag processen uitrollen.",
        )
    # Another process owner's run is not there for the administrator.
    status, _, _ = error_page(site.client("beheerder").get(run))
    assert status == 404


def test_a_diagram_with_problems_lists_them_and_is_not_started(site: Site) -> None:
    owner = site.actor("procesbeheer")
    xml = (PROJECT_ROOT / "processes" / "demo_subject_request.bpmn").read_text(encoding="utf-8")
    save_source(
        site.ctx, owner, "demo_subject_request.bpmn", xml.replace("demo_request_intake.schema", "weg.schema")
    )
    client = site.client("procesbeheer")
    doc = page(client.get(START_FORM))
    problems = _texts(doc, "#testrun-problemen li")
    assert len(problems) == 1 and problems[0].startswith("demo_subject_request.bpmn · register_request")
    assert "'weg.schema.json' bestaat niet" in problems[0]
    response = client.post(START_FORM, data={"start_at": "2026-11-02T09:00"})
    assert response.status_code == 422
    assert "Dit diagram heeft problemen" in text_of(page(response), "#testrun-problemen h2")


def test_examples_from_the_schema_are_prefilled_and_rows_can_be_added(site: Site) -> None:
    owner = site.actor("procesbeheer")
    name = "demo_request_intake.schema.json"
    schema = json.loads((PROJECT_ROOT / "forms" / name).read_text(encoding="utf-8"))
    schema["properties"]["omschrijving"]["examples"] = ["Voorbeeld: inzage in het dossier."]
    schema["properties"]["ontvangen_op"]["default"] = "2026-10-30"
    save_source(site.ctx, owner, name, json.dumps(schema))
    client = site.client("procesbeheer")
    run = _start(client)
    doc = page(client.get(run))
    assert select(doc, "#f-omschrijving")[0].text_content() == "Voorbeeld: inzage in het dossier."
    assert select(doc, "#f-ontvangen_op")[0].get("value") == "2026-10-30"

    action = select(doc, "#taak-formulier")[0].getparent().xpath(".//form")[0].get("action")
    doc = _follow(client, client.post(action, data={**INTAKE, "omschrijving": "Eigen tekst."}))
    decision = select(doc, "#taak-formulier")[0].getparent().xpath(".//form")[0].get("action")
    response = client.post(decision, data={"partners.0.organisatie": "", "_rows": "add:partners"})
    assert response.status_code == 200
    assert len(select(page(response), "fieldset.kf-row")) == 2
