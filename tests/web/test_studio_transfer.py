"""The studio's download, upload and check-report pages (issue 6 item 8)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import Site, error_page, page, select, text_of
from webapp.services.context import ServiceContext
from webapp.services.studio_sources import read_source

FIXTURES = Path(__file__).parents[1] / "fixtures" / "interop"
DEMO = "demo_subject_request.bpmn"


def _upload(
    site: Site, data: bytes, filename: str, client: FlaskClient | None = None, **fields: str
) -> TestResponse:
    client = client or site.client("procesbeheer")
    form = {"file": (io.BytesIO(data), filename), **fields}
    return client.post("/studio/import", data=form, content_type="multipart/form-data")


def test_download_gives_the_studio_text_as_an_attachment(site: Site, ctx: ServiceContext) -> None:
    response = site.client("procesbeheer").get(f"/studio/diagrams/{DEMO}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename={DEMO}"
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True) == read_source(ctx, site.actor("procesbeheer"), DEMO)
    assert site.client("procesbeheer").get("/studio/diagrams/bestaat_niet.bpmn/download").status_code == 404
    assert site.client("procesbeheer").get("/studio/diagrams/..%2Fgeheim.bpmn/download").status_code == 404
    assert error_page(site.client("hulpverlener").get(f"/studio/diagrams/{DEMO}/download"))[0] == 403


def test_the_import_page_has_a_labelled_file_input_and_an_optional_name(site: Site) -> None:
    doc = page(site.client("procesbeheer").get("/studio/import"))
    assert text_of(doc, "h1") == "Diagram importeren"
    form = select(doc, "form[enctype=multipart/form-data]")[0]
    assert [i.get("id") for i in select(form, "input[type=file]")] == ["f-file"]
    assert select(form, "label[for=f-file]") and select(form, "label[for=f-name]")
    assert select(form, "input[name=replace]")


def test_an_upload_is_stored_then_its_check_report_shows_per_element(site: Site, ctx: ServiceContext) -> None:
    data = (FIXTURES / "camunda_verzoek.bpmn").read_bytes()
    owner = site.client("procesbeheer")
    response = _upload(site, data, "camunda_verzoek.bpmn", owner)
    assert response.status_code == 302
    assert response.location.endswith("/studio/import/camunda_verzoek.bpmn")
    assert read_source(ctx, site.actor("procesbeheer"), "camunda_verzoek.bpmn").encode() == data

    report = owner.get("/studio/import/camunda_verzoek.bpmn")
    doc = page(report)
    assert "niets uitgerold" in text_of(doc, ".notice-success")
    assert "Nog " in text_of(doc, "#import-samenvatting")
    headings = [" ".join(h.itertext()).split() for h in select(doc, "ol.kf-import-report h3")]
    assert headings[0] == ["Het", "bestand"]
    assert ["gebruikerstaak", "‘Verzoek", "registreren’", "Activity_registreren"] in headings
    body = report.get_data(as_text=True)
    assert "camunda:formKey" not in body or "formJsonSchemaFilename" in body
    assert "Zo wel:" in body and "toegewezen and not ingetrokken" in body
    diagram = select(doc, "div.kf-diagram")[0]
    assert diagram.get("data-xml-url") == "/studio/diagrams/camunda_verzoek.bpmn/download"
    marks = site.client("procesbeheer").get(diagram.get("data-marks-url")).get_json()
    assert marks["markers"]["Activity_registreren"] == ["kf-problem"]
    assert {o["element"] for o in marks["overlays"]} >= {"Event_termijn", "Flow_3ja", "Lane_intake"}


def test_a_doctype_is_refused_with_the_message_and_nothing_is_stored(site: Site, ctx: ServiceContext) -> None:
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><definitions/>'
    response = _upload(site, evil, "kwaad.bpmn")
    assert response.status_code == 422
    doc = page(response)
    assert "DOCTYPE of ENTITY" in text_of(doc, ".kf-error-summary")
    assert select(doc, "#f-file[aria-invalid=true]")
    assert site.client("procesbeheer").get("/studio/import/kwaad.bpmn").status_code == 404


def test_an_existing_name_needs_replace_and_a_ready_diagram_says_so(site: Site) -> None:
    original = (FIXTURES / "spiff_aanvraag.bpmn").read_text(encoding="utf-8")
    assert _upload(site, original.encode(), "spiff_aanvraag.bpmn").status_code == 302
    named = original.replace('name="Aanvragers"', 'name="Professional"').replace(
        'name="Privacyteam"', 'name="FG"'
    )
    refused = _upload(site, named.encode(), "spiff_aanvraag.bpmn")
    assert refused.status_code == 422 and "Vervangen" in text_of(page(refused), "#f-name-error")
    assert _upload(site, named.encode(), "spiff_aanvraag.bpmn", replace="ja").status_code == 302
    doc = page(site.client("procesbeheer").get("/studio/import/spiff_aanvraag.bpmn"))
    assert "Klaar" in text_of(doc, "#import-klaar")
    assert not select(doc, "ol.kf-import-report")


def test_other_roles_cannot_upload(app: Flask, site: Site) -> None:
    response = site.client("fg").post(
        "/studio/import",
        data={"file": (io.BytesIO(b"<x/>"), "a.bpmn")},
        content_type="multipart/form-data",
    )
    assert error_page(response)[0] == 403
    assert site.client("fg").get("/studio/import").status_code == 403
