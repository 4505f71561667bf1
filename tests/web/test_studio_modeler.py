"""The studio's modeler: its page, the diagram's XML, saving it, the forms its panel offers (issue 6 item 2).

Only process owners and administrators use the studio; everyone else is refused and the refusal is audited.
A refused or failed save leaves the stored diagram as it was and answers JSON with a Dutch message.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from tests.web.conftest import Site, error_page, page, text_of
from tests.web.conftest import select as css
from webapp import create_app
from webapp.config import PROJECT_ROOT
from webapp.persistence.models import AuditEvent
from webapp.services.context import ServiceContext
from webapp.services.studio_sources import read_source, save_source

DIAGRAM = "demo_subject_request.bpmn"
ORIGINAL = (PROJECT_ROOT / "processes" / DIAGRAM).read_text(encoding="utf-8")
EDITED = ORIGINAL.replace('name="Verzoek registreren"', 'name="Verzoek vastleggen"')


def _stored(site: Site) -> str:
    return read_source(site.ctx, site.actor("procesbeheer"), DIAGRAM)


def _denials(ctx: ServiceContext, event: str) -> int:
    with ctx.db.read() as session:
        query = select(func.count()).where(AuditEvent.event == event, AuditEvent.result == "denied")
        return int(session.execute(query.select_from(AuditEvent)).scalar_one())


def _saved_events(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        query = select(func.count()).where(AuditEvent.event == "studio.saved")
        return int(session.execute(query.select_from(AuditEvent)).scalar_one())


def test_the_process_owner_opens_the_modeler_of_a_diagram(site: Site) -> None:
    response = site.client("procesbeheer").get(f"/studio/diagrams/{DIAGRAM}")
    assert response.status_code == 200
    doc = page(response)
    assert text_of(doc, "h1") == f"Diagram bewerken: {DIAGRAM}"
    (canvas,) = css(doc, "div#kf-modeler")
    assert canvas.get("data-xml-url") == f"/studio/diagrams/{DIAGRAM}/xml"
    assert canvas.get("data-save-url") == f"/studio/diagrams/{DIAGRAM}"
    assert canvas.get("data-check-url") == f"/studio/diagrams/{DIAGRAM}/check"
    assert canvas.get("data-forms-url") == "/studio/forms.json"
    assert "consent" in json.loads(canvas.get("data-process-ids"))
    assert "consent.validity" in json.loads(canvas.get("data-legal-rules"))
    roles = {r["role"]: r for r in json.loads(canvas.get("data-roles"))}
    assert set(roles) == {
        "professional",
        "aandachtsfunctionaris",
        "voorzitter",
        "fg",
        "process_owner",
        "manager",
        "admin",
    }
    assert "FG" in roles["fg"]["names"]
    # every field of the properties panel has a label
    for field in css(doc, "form#kf-prop-form input") + css(doc, "form#kf-prop-form select"):
        assert css(doc, f"label[for={field.get('id')}]"), field.get("id")
    for field in css(doc, "form#kf-prop-form textarea"):
        assert css(doc, f"label[for={field.get('id')}]"), field.get("id")
    # the scripts come from static files (the CSP allows no inline script)
    scripts = [s.get("src") for s in css(doc, "script")]
    assert all(scripts) and "/static/vendor/bpmn-js/bpmn-modeler.production.min.js" in scripts
    assert css(doc, "meta[name=csrf-token]")
    assert text_of(doc, "nav") and css(doc, "nav a[href=/studio]")


def test_the_xml_is_the_studios_current_text(site: Site) -> None:
    client = site.client("beheerder")
    response = client.get(f"/studio/diagrams/{DIAGRAM}/xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True) == ORIGINAL
    save_source(site.ctx, site.actor("procesbeheer"), DIAGRAM, EDITED)
    assert client.get(f"/studio/diagrams/{DIAGRAM}/xml").get_data(as_text=True) == EDITED


def test_saving_stores_the_diagram_in_the_studio_and_audits_it(site: Site) -> None:
    client = site.client("procesbeheer")
    before = _saved_events(site.ctx)
    response = client.put(f"/studio/diagrams/{DIAGRAM}", json={"xml": EDITED})
    assert response.status_code == 200
    assert response.json == {
        "ok": True,
        "message": "Het diagram is opgeslagen in de studio. Het draait pas na uitrollen.",
    }
    assert _stored(site) == EDITED
    assert _saved_events(site.ctx) == before + 1
    # a POST does the same (for forms and tools without PUT); so does a plain XML body
    again = EDITED.replace("Verzoek vastleggen", "Verzoek noteren")
    assert client.post(f"/studio/diagrams/{DIAGRAM}", json={"xml": again}).status_code == 200
    assert _stored(site) == again
    plain = client.put(f"/studio/diagrams/{DIAGRAM}", data=ORIGINAL, content_type="application/xml")
    assert plain.status_code == 200 and _stored(site) == ORIGINAL


def test_a_new_diagram_can_be_saved_under_a_new_name(site: Site) -> None:
    client = site.client("procesbeheer")
    assert client.get("/studio/diagrams/nieuw_proces.bpmn").status_code == 404
    assert client.put("/studio/diagrams/nieuw_proces.bpmn", json={"xml": ORIGINAL}).status_code == 200
    assert client.get("/studio/diagrams/nieuw_proces.bpmn").status_code == 200


BAD_SAVES: list[tuple[str, Any, int, str]] = [
    (DIAGRAM, {"xml": "<bpmn:definitions"}, 422, "geen goed gevormde XML"),
    (DIAGRAM, {"xml": "   "}, 422, "Het diagram is leeg"),
    (
        DIAGRAM,
        {"xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x/>'},
        422,
        "DOCTYPE of ENTITY",
    ),
    (
        DIAGRAM,
        {"xml": "<definitions xmlns='https://www.omg.org/spec/DMN/20191111/MODEL/'/>"},
        422,
        "geen BPMN",
    ),
    (DIAGRAM, {"xml": "<html/>"}, 422, "geen BPMN- of DMN-diagram"),
    (DIAGRAM, {"geen": "xml"}, 422, "Er kwam geen diagram mee"),
    (DIAGRAM, {"xml": 12}, 422, "Er kwam geen diagram mee"),
    (DIAGRAM, "not json", 422, "Er kwam geen diagram mee"),
    ("who_must_consent.dmn", {"xml": ORIGINAL}, 422, "Alleen .bpmn-diagrammen"),
    ("bad name.bpmn", {"xml": ORIGINAL}, 422, "Gebruik een bestandsnaam"),
    ("..bpmn", {"xml": ORIGINAL}, 422, "Gebruik een bestandsnaam"),
]


def test_a_bad_save_changes_nothing_and_says_why_in_dutch(site: Site) -> None:
    client = site.client("procesbeheer")
    for name, body, status, message in BAD_SAVES:
        if isinstance(body, str):
            response = client.put(f"/studio/diagrams/{name}", data=body, content_type="application/json")
        else:
            response = client.put(f"/studio/diagrams/{name}", json=body)
        assert response.status_code == status, (name, body, response.get_data(as_text=True))
        assert response.json is not None and response.json["ok"] is False
        assert message in response.json["message"], (message, response.json)
        assert _stored(site) == ORIGINAL


def test_a_save_beyond_the_request_limit_is_refused_and_nothing_changes(site: Site) -> None:
    huge = ORIGINAL.replace("<bpmn:process ", "<!--" + "x" * (6 * 1024 * 1024) + "--><bpmn:process ", 1)
    response = site.client("procesbeheer").put(f"/studio/diagrams/{DIAGRAM}", json={"xml": huge})
    assert response.status_code == 413
    assert _stored(site) == ORIGINAL


def test_other_roles_are_refused_and_the_refusal_is_audited(site: Site) -> None:
    for username in ("hulpverlener", "aandacht", "voorzitter", "fg", "manager"):
        client = site.client(username)
        before = _denials(site.ctx, "studio.read")
        status, title, text = error_page(client.get(f"/studio/diagrams/{DIAGRAM}"))
        assert (status, title) == (403, "Geen toegang")
        assert text == "Alleen een procesbeheerder mag processen uitrollen."
        assert client.get(f"/studio/diagrams/{DIAGRAM}/xml").status_code == 403
        forms = client.get("/studio/forms.json")
        assert forms.status_code == 403 and forms.json is not None and forms.json["ok"] is False
        assert _denials(site.ctx, "studio.read") == before + 3
        save = client.put(f"/studio/diagrams/{DIAGRAM}", json={"xml": EDITED})
        assert save.status_code == 403
        assert save.json == {"ok": False, "message": "Alleen een procesbeheerder mag processen uitrollen."}
        # no Studio item in their menu
        assert not css(page(client.get("/inbox")), "nav a[href=/studio]")
    assert _stored(site) == ORIGINAL
    assert _denials(site.ctx, "studio.save") == 5


def test_a_visitor_is_sent_to_the_login_page(site: Site) -> None:
    client = site.client()
    for method, url in (
        ("GET", f"/studio/diagrams/{DIAGRAM}"),
        ("GET", f"/studio/diagrams/{DIAGRAM}/xml"),
        ("PUT", f"/studio/diagrams/{DIAGRAM}"),
        ("GET", "/studio/forms.json"),
    ):
        response = client.open(url, method=method, json={"xml": EDITED} if method == "PUT" else None)
        assert response.status_code == 302 and "/login" in response.location, url
    assert _stored(site) == ORIGINAL


def test_an_unknown_or_other_kind_of_file_is_not_found(site: Site) -> None:
    client = site.client("procesbeheer")
    for name in (
        "onbekend.bpmn",
        "who_must_consent.dmn",
        "demo_request_intake.schema.json",
        "x.txt",
        "a b.bpmn",
    ):
        assert error_page(client.get(f"/studio/diagrams/{name}"))[0] == 404, name
        assert client.get(f"/studio/diagrams/{name}/xml").status_code == 404, name


def test_the_forms_list_holds_the_studios_schemas_with_their_layout_files(site: Site) -> None:
    save_source(site.ctx, site.actor("procesbeheer"), "nieuw.schema.json", '{"title": "Nieuw formulier"}')
    response = site.client("procesbeheer").get("/studio/forms.json")
    assert response.status_code == 200 and response.json is not None
    forms = {f["schema"]: f for f in response.json["forms"]}
    assert forms["demo_request_intake.schema.json"]["uiSchema"] == "demo_request_intake.uischema.json"
    assert forms["consent_expiry.schema.json"]["uiSchema"] is None
    assert forms["nieuw.schema.json"] == {
        "schema": "nieuw.schema.json",
        "uiSchema": None,
        "title": "Nieuw formulier",
    }
    assert not any(name.endswith(".uischema.json") for name in forms)


def test_saving_needs_the_csrf_token_of_the_page(ctx: ServiceContext) -> None:
    app = create_app({"env": "test", "WTF_CSRF_ENABLED": True, "totp_required_roles": ""}, context=ctx)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login", data={"username": "procesbeheer", "password": "ketenflow-demo", "csrf_token": token}
    )
    modeler = page(client.get(f"/studio/diagrams/{DIAGRAM}"))
    (meta,) = css(modeler, "meta[name=csrf-token]")
    refused = client.put(f"/studio/diagrams/{DIAGRAM}", json={"xml": EDITED})
    assert refused.status_code == 400
    saved = client.put(
        f"/studio/diagrams/{DIAGRAM}", json={"xml": EDITED}, headers={"X-CSRFToken": meta.get("content")}
    )
    assert saved.status_code == 200
