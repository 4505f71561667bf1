"""The instance view's pages (issue 6 item 7): the diagram page with its tables for screen readers, the BPMN
it draws and the marks on it; a manager of the owning organisation sees where the case stands but none of
its data, a manager of another organisation is refused, the process owner sees every organisation's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.factories import home_organisation
from tests.processes.test_case_intake import ASK, AUTHORITY, PARTICIPANTS, PARTICIPANTS_TASK, do, register
from tests.web.conftest import VALID_INTAKE, Site, page, text_of
from tests.web.conftest import select as css
from webapp.persistence.models import AuditEvent, HumanTask
from webapp.services.instances import start_process

DEMO = "demo_subject_request"
TYPED = VALID_INTAKE["omschrijving"]  # what the professional typed: case data


def _instance_after_intake(site: Site) -> int:
    decide = site.decision_task()
    with site.ctx.db.read() as session:
        return int(session.execute(select(HumanTask.instance_id).where(HumanTask.id == decide)).scalar_one())


def _rows(doc: Any, table_heading: str) -> list[list[str]]:
    table = css(doc, f"table[aria-labelledby={table_heading}]")
    assert table, f"no table for {table_heading}"
    return [[" ".join(" ".join(c.itertext()).split()) for c in row] for row in table[0].xpath(".//tbody/tr")]


def test_the_instance_page_links_to_the_diagram(site: Site) -> None:
    instance_id = _instance_after_intake(site)
    doc = page(site.client("hulpverlener").get(f"/instances/{instance_id}"))
    [link] = css(doc, "a#procesverloop")
    assert link.get("href") == f"/instances/{instance_id}/diagram"


def test_a_manager_of_the_owning_organisation_sees_where_it_stands_but_no_case_data(site: Site) -> None:
    instance_id = _instance_after_intake(site)
    response = site.client("manager").get(f"/instances/{instance_id}/diagram")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert TYPED not in body and "e-mail" not in body  # neither the typed text nor a chosen answer
    doc = page(response)
    assert text_of(doc, "h1") == "Procesverloop: Verzoek van betrokkene (demo)"
    [diagram] = css(doc, "div.kf-diagram")
    assert diagram.get("data-xml-url") == f"/instances/{instance_id}/diagram.bpmn"
    assert diagram.get("data-marks-url") == f"/instances/{instance_id}/diagram-marks.json"
    assert diagram.get("aria-label") and diagram.get("role") == "img"
    assert css(doc, "script[src=/static/js/diagram.js]")
    assert _rows(doc, "open-taken") == [
        [
            "Identiteit controleren en beslissen",
            "Professional",
            "27-11-2026 (4 weken vanaf 30-10-2026)",
            "Verzoek van betrokkene (demo)",
        ]
    ]
    assert _rows(doc, "termijnen") == [
        ["Herinnering 7 dagen voor de termijn", "20-11-2026 23:59", "Verzoek van betrokkene (demo)"],
        ["Termijn verstreken", "27-11-2026 23:59", "Verzoek van betrokkene (demo)"],
    ]
    assert [row[:3] for row in _rows(doc, "afgerond")] == [
        ["Verzoek ontvangen", "Start", "02-11-2026 10:00"],  # 09:00 UTC in Amsterdam
        ["Verzoek registreren", "Taak", "02-11-2026 10:00"],
    ]
    assert not css(doc, "a#procedure-link")  # the case itself stays closed to a manager
    assert site.client("manager").get(f"/instances/{instance_id}").status_code == 403


def test_the_bpmn_and_the_marks_follow_the_diagram_contract(site: Site) -> None:
    instance_id = _instance_after_intake(site)
    client = site.client("procesbeheer")

    xml = client.get(f"/instances/{instance_id}/diagram.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.get_data(as_text=True) == (Path(site.ctx.processes_dir) / f"{DEMO}.bpmn").read_text("utf-8")

    marks = client.get(f"/instances/{instance_id}/diagram-marks.json")
    assert marks.status_code == 200 and marks.mimetype == "application/json"
    data = marks.get_json()
    assert data["markers"]["register_request"] == ["kf-done"]
    assert data["markers"]["decide_request"] == ["kf-current"]
    assert data["markers"]["timer_reminder"] == data["markers"]["timer_deadline_expired"] == ["kf-waiting"]
    assert data["overlays"] == [
        {"element": "timer_reminder", "text": "20-11-2026 23:59", "kind": "timer"},
        {"element": "timer_deadline_expired", "text": "27-11-2026 23:59", "kind": "timer"},
        {"element": "decide_request", "text": "Uiterlijk 27-11-2026", "kind": "info"},
    ]
    assert TYPED not in marks.get_data(as_text=True)


def test_a_manager_of_another_organisation_is_refused_everywhere_and_audited(site: Site) -> None:
    instance_id = _instance_after_intake(site)
    client = site.client("manager.rubicon")
    for suffix in ("diagram", "diagram.bpmn", "diagram-marks.json"):
        response = client.get(f"/instances/{instance_id}/{suffix}")
        assert response.status_code == 403, suffix
        assert "Identiteit controleren" not in response.get_data(as_text=True)
    eva = site.actor("manager.rubicon")
    with site.ctx.db.read() as session:
        refusals = session.execute(
            select(AuditEvent.details).where(
                AuditEvent.actor_id == eva.user_id,
                AuditEvent.result == "denied",
                AuditEvent.object_id == str(instance_id),
            )
        ).scalars()
        assert [dict(d) for d in refusals] == [
            {"view": "diagram"},
            {"view": "diagram", "part": "bpmn"},
            {"view": "diagram", "part": "marks"},
        ]


def test_the_process_owner_is_allowed_and_the_read_audited(site: Site) -> None:
    instance_id = _instance_after_intake(site)
    assert site.client("procesbeheer").get(f"/instances/{instance_id}/diagram").status_code == 200
    omar = site.actor("procesbeheer")
    with site.ctx.db.read() as session:
        line = session.execute(
            select(AuditEvent).where(AuditEvent.actor_id == omar.user_id, AuditEvent.event == "instance.read")
        ).scalar_one()
        assert (line.action, line.result, line.object_type, line.details) == (
            "read",
            "success",
            "process_instance",
            {"view": "diagram"},
        )


def test_a_call_activity_draws_the_process_it_runs(site: Site) -> None:
    sanne = site.actor("hulpverlener")
    instance_id = register(site.ctx, sanne)
    do(site.ctx, sanne, instance_id, PARTICIPANTS_TASK, PARTICIPANTS)
    do(site.ctx, sanne, instance_id, AUTHORITY, {"leeftijd": 17, "wilsbekwaam": True})
    asked = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
    do(site.ctx, sanne, instance_id, ASK, asked)
    client = site.client("manager")

    doc = page(client.get(f"/instances/{instance_id}/diagram"))
    urls = [d.get("data-xml-url") for d in css(doc, "div.kf-diagram")]
    assert urls == [
        f"/instances/{instance_id}/diagram.bpmn",
        f"/instances/{instance_id}/diagram.bpmn?process=consent",
    ]
    assert _rows(doc, "deelprocedures") == [["Toestemming vragen", "Toestemming", "Aanmelding casusoverleg"]]
    assert text_of(doc, "h2#diagram-consent") == "Deelprocedure: Toestemming (loopt nu)"

    consent = client.get(f"/instances/{instance_id}/diagram-marks.json?process=consent").get_json()
    assert consent["markers"]["record_consent"] == ["kf-current"]
    assert consent["overlays"] == [
        {"element": "timer_consent_reminder", "text": "09-11-2026 23:59", "kind": "timer"}
    ]
    own = client.get(f"/instances/{instance_id}/diagram-marks.json").get_json()
    assert own["markers"]["call_consent"] == ["kf-current"]
    assert {"element": "call_consent", "text": "Voert uit: Toestemming", "kind": "info"} in own["overlays"]
    xml = client.get(f"/instances/{instance_id}/diagram.bpmn?process=consent").get_data(as_text=True)
    assert '<bpmn:process id="consent"' in xml
    for unknown in ("meldcode", "nope", "../case_intake"):
        assert client.get(f"/instances/{instance_id}/diagram.bpmn?process={unknown}").status_code == 404


def test_a_finished_instance_shows_no_open_tasks_or_timers(site: Site) -> None:
    sanne = site.actor("hulpverlener")
    started = start_process(site.ctx, sanne, DEMO, home_organisation(sanne))
    assert started.next_task_id is not None
    decide = site.complete(started.next_task_id, VALID_INTAKE)
    assert decide is not None
    answer = site.complete(decide, {"identiteit_vastgesteld": True, "besluit": "toewijzen"})
    assert answer is not None
    site.complete(answer, {"verzonden_op": "2026-11-06"})

    doc = page(site.client("manager").get(f"/instances/{started.instance_id}/diagram"))
    assert text_of(doc, "dd#status") == "Afgerond"
    assert not css(doc, "table[aria-labelledby=open-taken]")
    assert not css(doc, "table[aria-labelledby=termijnen]")
    assert [row[0] for row in _rows(doc, "afgerond")][-1] == "Verzoek afgehandeld"


def test_an_unknown_instance_is_not_found(site: Site) -> None:
    assert site.client("procesbeheer").get("/instances/999999/diagram").status_code == 404
    assert site.client("procesbeheer").get("/instances/999999/diagram-marks.json").status_code == 404
