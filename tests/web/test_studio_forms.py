"""The studio's form editor (issue 6 item 6): the list, a new form, the editor with its live preview rendered
by the professionals' own form macros, checking typed input, saving (audited), and who may do any of it.

Stored state is read through the studio service, never through the page under test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.web.conftest import Site, csrf_token, local_path, page, text_of
from tests.web.conftest import select as css
from webapp.persistence.models import AuditEvent
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.studio_sources import read_source

FORM = "case_registration.schema.json"
EDITOR = f"/studio/forms/{FORM}"
PREVIEW = f"{EDITOR}/preview"
OWNER = "procesbeheer"

EVERY_KIND = {
    "type": "object",
    "title": "Alle soorten velden",
    "required": ["naam"],
    "properties": {
        "naam": {"type": "string", "title": "Naam"},
        "toelichting": {"type": "string", "title": "Toelichting", "maxLength": 2000},
        "datum": {"type": "string", "format": "date", "title": "Datum"},
        "moment": {"type": "string", "format": "date-time", "title": "Moment"},
        "aantal": {"type": "integer", "title": "Aantal", "minimum": 0},
        "bedrag": {"type": "number", "title": "Bedrag"},
        "akkoord": {"type": "boolean", "title": "Akkoord"},
        "kanaal": {"type": "string", "title": "Kanaal", "enum": ["post", "e-mail"]},
        "gemeente": {"type": "string", "title": "Gemeente", "enum": ["a", "b", "c", "d", "e"]},
        "partners": {
            "type": "array",
            "title": "Partners",
            "items": {"type": "string", "enum": ["ggd", "veilig_thuis"]},
            "uniqueItems": True,
        },
        "contacten": {
            "type": "array",
            "title": "Contacten",
            "items": {
                "type": "object",
                "required": ["wie"],
                "properties": {"wie": {"type": "string", "title": "Wie"}},
            },
        },
    },
}


def _typed(doc: Any, element_id: str) -> str:
    """A textarea's text as a browser shows it: HTML drops one newline right after the opening tag."""
    found = css(doc, f"textarea#{element_id}")
    assert found, element_id
    text = found[0].text or ""
    return text[1:] if text.startswith("\n") else text


def _preview(client: Any, schema: Any, ui: str = "", **fields: Any) -> TestResponse:
    text = schema if isinstance(schema, str) else json.dumps(schema)
    return client.post(PREVIEW, data={"_schema": text, "_uischema": ui, **fields})


def _problems(response: TestResponse) -> list[str]:
    doc = page(response)
    return [" ".join("".join(li.itertext()).split()) for li in css(doc, ".kf-preview__problems li")]


# --- the list and a new form --------------------------------------------------------------------------------


def test_the_list_shows_every_form_with_the_processes_that_use_it(site: Site) -> None:
    response = site.client(OWNER).get("/studio/forms")
    assert response.status_code == 200
    doc = page(response)
    links = {a.get("href"): a for a in css(doc, "table a")}
    row = links[EDITOR].getparent().getparent()
    assert "Aanmelding casusoverleg" in " ".join(row.itertext())
    assert "Zoals in forms/" in " ".join(row.itertext())
    assert not any(href.endswith(".uischema.json") for href in links)  # a ui schema belongs to its form
    assert css(doc, "form[action=/studio/forms] input#f-name")


def test_a_new_form_starts_with_an_example_field_and_opens_in_the_editor(site: Site) -> None:
    client = site.client(OWNER)
    response = client.post("/studio/forms", data={"name": "intake_gesprek"})
    assert local_path(response) == "/studio/forms/intake_gesprek.schema.json"
    stored = json.loads(read_source(site.ctx, site.actor(OWNER), "intake_gesprek.schema.json"))
    assert stored["properties"]["toelichting"]["type"] == "string"
    doc = page(client.get(response.location))
    assert "intake_gesprek.schema.json" in text_of(doc, "h1")
    assert css(doc, "#form-preview textarea#f-toelichting")
    listed = page(client.get("/studio/forms"))
    assert css(listed, "a[href=/studio/forms/intake_gesprek.schema.json]")
    assert "Bewerkt in de studio" in " ".join(listed.itertext())


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Vul een naam in"),
        ("../geheim", "Gebruik een bestandsnaam van letters"),
        ("met spatie", "Gebruik een bestandsnaam van letters"),
        ("case_registration", "Er is al een formulier met deze naam"),
        ("case_registration.schema.json", "Er is al een formulier met deze naam"),
    ],
)
def test_a_new_form_needs_a_free_plain_name(site: Site, typed: str, message: str) -> None:
    response = site.client(OWNER).post("/studio/forms", data={"name": typed})
    assert response.status_code == 422
    doc = page(response)
    assert message in text_of(doc, "#f-name-error")
    assert css(doc, "input#f-name")[0].get("value", "") == typed
    assert css(doc, ".kf-error-summary a[href=#f-name]")


# --- the editor and its preview -----------------------------------------------------------------------------


def test_the_editor_shows_the_schema_and_ui_schema_beside_the_preview(site: Site) -> None:
    response = site.client(OWNER).get(EDITOR)
    assert response.status_code == 200
    doc = page(response)
    assert css(doc, "label[for=schema-text]") and css(doc, "label[for=uischema-text]")
    assert json.loads(_typed(doc, "schema-text"))["title"] == "Casus aanmelden voor een casusoverleg"
    assert "ui:order" in _typed(doc, "uischema-text") or _typed(doc, "uischema-text").startswith("{")
    assert "kf-code" in css(doc, "textarea#schema-text")[0].get("class")
    # The preview is the professionals' form: their field ids, their radio buttons, their labels.
    assert css(doc, "#form-preview select#f-wettelijke_taak")
    assert css(doc, "#form-preview input#f-bespreekwijze[type=radio]")
    assert "Aanmelding casusoverleg" in text_of(doc, "dl.facts")
    assert "volgende uitrol" in text_of(doc, "#uitrol-uitleg")
    assert css(doc, "script[src=/static/js/studio-forms.js]")


def test_the_preview_fragment_renders_every_field_kind_with_the_task_macros(site: Site) -> None:
    response = _preview(site.client(OWNER), EVERY_KIND)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body  # a fragment, not a page
    doc = page(response)
    assert text_of(doc, "h3") == "Alle soorten velden"
    assert css(doc, "input#f-naam[type=text]")
    assert "(verplicht)" in text_of(doc, "label[for=f-naam]")
    assert css(doc, "textarea#f-toelichting")
    assert css(doc, "input#f-datum[type=date]")
    assert css(doc, "input#f-moment[type=datetime-local]")
    assert css(doc, "input#f-aantal[inputmode=numeric]")
    assert css(doc, "input#f-bedrag[inputmode=decimal]")
    assert css(doc, "input#f-akkoord[type=checkbox]")
    assert len(css(doc, "input[name=kanaal][type=radio]")) == 2
    assert len(css(doc, "select#f-gemeente option")) == 6  # "Maak een keuze" and five
    assert len(css(doc, "input[name=partners][type=checkbox]")) == 2
    assert css(doc, "fieldset#f-contacten input#f-contacten-0-wie")
    assert css(doc, "button[value=check]")


def test_the_ui_schema_changes_the_preview(site: Site) -> None:
    ui = json.dumps({"ui:order": ["kanaal", "*"], "kanaal": {"ui:widget": "select"}})
    doc = page(_preview(site.client(OWNER), EVERY_KIND, ui))
    assert css(doc, "select#f-kanaal")
    first = css(doc, ".kf-field")[0]
    assert css(first, "select#f-kanaal")


def test_invalid_json_is_answered_with_its_line_and_column(site: Site) -> None:
    text = '{"type": "object",\n "properties": {"a": {"type" "string"}}}'
    response = _preview(site.client(OWNER), text)
    assert response.status_code == 422
    assert _problems(response) == ["Geen geldige JSON op regel 2, kolom 30: hier ontbreekt een dubbele punt."]
    link = css(page(response), ".kf-preview__problems a")[0]
    assert (link.get("data-line"), link.get("data-column"), link.get("href")) == ("2", "30", "#schema-text")


def test_without_javascript_the_preview_button_answers_with_the_page_and_keeps_the_text(site: Site) -> None:
    text = '{"type": "object",\r\n "properties": {\r\n  "a": {"type": "string",}}}'
    response = _preview(site.client(OWNER), text, _page="1", _action="preview")
    assert response.status_code == 422
    doc = page(response)
    assert _typed(doc, "schema-text") == text.replace("\r\n", "\n")
    assert "regel 3, kolom 26" in text_of(doc, "#form-preview")


@pytest.mark.parametrize(
    ("schema", "ui", "expected"),
    [
        ({"type": "object", "properties": {"a": {"type": "strin"}}}, "", "Geen geldig JSON Schema"),
        ({"type": "object", "properties": {"a": {"type": "null"}}}, "", "type 'null' wordt niet ondersteund"),
        (
            {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}},
            "",
            "format 'email'",
        ),
        ({"type": "object", "properties": {}, "required": ["weg"]}, "", "Verplicht veld 'weg'"),
        ({"type": "array"}, "", "'type: object' met 'properties'"),
        ([1, 2], "", "JSON-object"),
        ({"type": "object", "properties": {}}, "[]", "Weergave (uischema): De weergave (uischema) moet"),
        ({"type": "object", "properties": {}}, "{", "Weergave (uischema): Geen geldige JSON op regel 1"),
    ],
)
def test_a_schema_the_catalogue_would_refuse_shows_its_problems(
    site: Site, schema: Any, ui: str, expected: str
) -> None:
    response = _preview(site.client(OWNER), schema, ui)
    assert response.status_code == 422
    assert any(expected in problem for problem in _problems(response)), _problems(response)


def test_controleer_invoer_shows_the_messages_a_professional_would_get(site: Site) -> None:
    client = site.client(OWNER)
    response = _preview(client, EVERY_KIND, _action="check", aantal="twee", bedrag="12,5", kanaal="post")
    assert response.status_code == 200
    doc = page(response)
    assert "Er is een probleem" in text_of(doc, ".kf-error-summary")
    assert text_of(doc, "#f-naam-error") == "Fout: Dit veld is verplicht."
    assert text_of(doc, "#f-aantal-error") == "Fout: Vul een geheel getal in, zonder komma of punt."
    assert css(doc, "input#f-aantal")[0].get("value") == "twee"  # what was typed stays
    assert css(doc, "input#f-bedrag")[0].get("value") == "12,5"
    assert css(doc, "input#f-kanaal[checked]")
    good = page(_preview(client, EVERY_KIND, _action="check", naam="Jansen", aantal="2"))
    assert "De invoer is in orde" in text_of(good, ".notice-success")
    assert not css(good, ".kf-error-message")


def test_typed_values_survive_a_preview_update_and_rows_work_without_javascript(site: Site) -> None:
    client = site.client(OWNER)
    doc = page(_preview(client, EVERY_KIND, naam="Jansen", **{"contacten.0.wie": "GGD"}))
    assert css(doc, "input#f-naam")[0].get("value") == "Jansen"
    added = page(_preview(client, EVERY_KIND, _page="1", _rows="add:contacten", **{"contacten.0.wie": "GGD"}))
    assert css(added, "input#f-contacten-0-wie")[0].get("value") == "GGD"
    assert css(added, "input#f-contacten-1-wie")
    assert css(added, "textarea#schema-text")  # the whole page


# --- saving -------------------------------------------------------------------------------------------------


def _audited_saves(site: Site) -> list[str | None]:
    with site.ctx.db.read() as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.event == "studio.saved")).scalars()
        return [row.object_id for row in rows]


def test_saving_stores_the_schema_audited_and_says_when_it_takes_effect(site: Site) -> None:
    client = site.client(OWNER)
    schema = json.loads(read_source(site.ctx, site.actor(OWNER), FORM))
    schema["properties"]["signalen_geweld"]["title"] = "Signalen van geweld"
    text = json.dumps(schema, indent=2, ensure_ascii=False)
    ui = read_source(site.ctx, site.actor(OWNER), "case_registration.uischema.json")
    response = client.post(EDITOR, data={"_schema": text, "_uischema": ui, "_action": "save"})
    assert local_path(response) == EDITOR
    assert read_source(site.ctx, site.actor(OWNER), FORM) == text
    assert _audited_saves(site) == [FORM]  # the unchanged ui schema is not stored again
    doc = page(client.get(EDITOR))
    assert "volgende uitrol" in text_of(doc, ".notice-success")
    assert "Bewerkt in de studio" in text_of(doc, "dl.facts")
    assert "Signalen van geweld" in text_of(doc, "#form-preview")


def test_saving_a_schema_the_catalogue_would_refuse_keeps_the_text_and_stores_nothing(site: Site) -> None:
    before = read_source(site.ctx, site.actor(OWNER), FORM)
    text = '{"type": "object", "properties": {"a": {"type": "null"}}}'
    response = site.client(OWNER).post(EDITOR, data={"_schema": text, "_uischema": "", "_action": "save"})
    assert response.status_code == 422
    doc = page(response)
    assert "Niet opgeslagen" in text_of(doc, ".kf-error-summary")
    assert "type 'null' wordt niet ondersteund" in text_of(doc, ".kf-error-summary")
    assert _typed(doc, "schema-text") == text
    assert read_source(site.ctx, site.actor(OWNER), FORM) == before
    assert _audited_saves(site) == []


def test_the_csrf_token_is_required_and_the_script_header_carries_it(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    login_page = client.get("/login")
    client.post(
        "/login", data={"username": OWNER, "password": DEMO_PASSWORD, "csrf_token": csrf_token(login_page)}
    )
    editor = page(client.get(EDITOR))
    token = css(editor, "meta[name=csrf-token]")[0].get("content")
    refused = client.post(EDITOR, data={"_schema": "{}", "_action": "save"})
    assert refused.status_code == 400
    answered = client.post(PREVIEW, data={"_schema": json.dumps(EVERY_KIND)}, headers={"X-CSRFToken": token})
    assert answered.status_code == 200


# --- access and nonsense ------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["hulpverlener", "fg", "manager"])
def test_only_process_owners_and_administrators_use_the_form_editor(site: Site, username: str) -> None:
    client = site.client(username)
    before = read_source(site.ctx, site.actor(OWNER), FORM)
    for response in (
        client.get("/studio/forms"),
        client.get(EDITOR),
        client.post("/studio/forms", data={"name": "nieuw"}),
        client.post(EDITOR, data={"_schema": '{"type": "object", "properties": {}}'}),
        _preview(client, EVERY_KIND),
    ):
        assert response.status_code == 403
        assert "Alleen een procesbeheerder" in response.get_data(as_text=True)
    assert read_source(site.ctx, site.actor(OWNER), FORM) == before
    admin = site.client("beheerder")
    assert admin.get(EDITOR).status_code == 200
    assert site.app.test_client().get(EDITOR).status_code == 302  # to the login page


@pytest.mark.parametrize(
    "text",
    [
        "",
        "null",
        '"tekst"',
        "[" * 5000,
        '{"type": "object", "properties": ' * 60 + "{}" + "}" * 60,
        '{"type": "object", "properties": {}, "$ref": "http://127.0.0.1:9/x.json"}',
        '{"type": "object", "properties": {"r": {"type": "array", "minItems": 100000000,'
        ' "items": {"type": "object", "properties": {}}}}}',
        '{"type": "object", "properties": {"a": {"type": "string", "maxLength": 1e400}}}',
        '{"type": "object", "properties": {"a": {"type": "integer", "enum": [1, "x"]}}}',
        '{"type": "object", "properties": {"a": 5}}',
        '{"type": "object", "properties": {"a": {"type": "array", "items": {"type": "object", "properties":'
        ' {"b": {"type": "array", "items": {}}}}}}}',
        '{"$schema": "https://example.org/unknown", "type": "object", "properties": {}}',
    ],
)
def test_nonsense_never_gives_a_500(site: Site, text: str) -> None:
    client = site.client(OWNER)
    for response in (
        _preview(client, text, _action="check", a="1"),
        _preview(client, text, _page="1"),
        client.post(EDITOR, data={"_schema": text, "_uischema": text}),
    ):
        assert response.status_code == 422, response.status_code
        assert _problems(response) or "Niet opgeslagen" in response.get_data(as_text=True)
    assert _audited_saves(site) == []


def test_a_lone_surrogate_is_refused_not_a_500(site: Site) -> None:
    """Valid JSON, but no page or database can hold it."""
    text = '{"type": "object", "title": "\\ud800", "properties": {"\\udc00": {"type": "string"}}}'
    for fields in ({}, {"_page": "1"}):
        response = _preview(site.client(OWNER), text, **fields)
        assert response.status_code == 422
        assert "losse surrogaat" in _problems(response)[0]


@pytest.mark.parametrize(
    "name", ["bestaat_niet.schema.json", "case_registration.uischema.json", "x.bpmn", "a b"]
)
def test_an_unknown_form_is_not_found(site: Site, name: str) -> None:
    client = site.client(OWNER)
    assert client.get(f"/studio/forms/{name}").status_code == 404
    assert client.post(f"/studio/forms/{name}", data={"_schema": "{}"}).status_code == 404
