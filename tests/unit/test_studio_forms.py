"""The studio's form service: previews answer with the catalogue's own problems (in Dutch, JSON errors with
their place), saving stores only what the catalogue accepts, and only process owners and admins use it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import login
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.engine.forms import check_form_schema
from webapp.persistence.models import AuditEvent
from webapp.services import studio_forms
from webapp.services.context import ServiceContext
from webapp.services.studio_sources import read_source

FORM = "case_registration.schema.json"
SIMPLE = {"type": "object", "required": ["naam"], "properties": {"naam": {"type": "string", "title": "Naam"}}}


def _problems(schema_text: str, ui_text: str = "") -> list[str]:
    return [problem.message for problem in studio_forms.build_preview(schema_text, ui_text).problems]


def test_a_good_schema_previews_as_the_fields_the_task_page_renders() -> None:
    preview = studio_forms.build_preview(json.dumps(SIMPLE), json.dumps({"naam": {"ui:widget": "textarea"}}))
    assert preview.ok
    assert [(f.name, f.kind, f.required) for f in preview.fields] == [("naam", "textarea", True)]
    assert studio_forms.check_input(preview, {}) == {"naam": "Dit veld is verplicht."}
    assert studio_forms.check_input(preview, {"naam": "Jansen"}) == {}


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('{"type": "object",\n  "properties": {,}}', 2, 18, "naam tussen dubbele aanhalingstekens"),
        ('{"a": 1 "b": 2}', 1, 9, "ontbreekt een komma"),
        ('{"a" 1}', 1, 6, "ontbreekt een dubbele punt"),
        ('{"a": "open', 1, 7, "wordt niet afgesloten"),
        ("{} {}", 1, 4, "na het einde"),
        ("", 1, 1, "waarde verwacht"),
    ],
)
def test_invalid_json_is_placed_by_line_and_column(text: str, line: int, column: int, words: str) -> None:
    (problem,) = studio_forms.build_preview(text).problems
    assert (problem.part, problem.line, problem.column) == ("schema", line, column)
    assert problem.message.startswith(f"Geen geldige JSON op regel {line}, kolom {column}: ")
    assert words in problem.message


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "null"}}},
        {"type": "object", "properties": {"a": {"type": "string", "format": "uri"}}},
        {"type": "object", "properties": {"a": {"type": 5}}},
        {"type": "object"},
        [],
    ],
)
def test_the_problems_are_the_catalogues_own(schema: Any) -> None:
    expected = check_form_schema(schema)
    assert expected
    assert _problems(json.dumps(schema)) == expected


def test_the_studio_refuses_what_would_break_a_page() -> None:
    nested = '{"a": ' * 50 + "1" + "}" * 50
    assert "te diep genest" in _problems(nested)[0]
    assert "te diep genest" in _problems("[" * 3000)[0]
    remote = {**SIMPLE, "$ref": "https://example.org/elders.json"}
    assert "Verwijzingen ($ref)" in _problems(json.dumps(remote))[0]
    rows = {"type": "array", "minItems": 10**6, "items": {"type": "object", "properties": {}}}
    many_rows = _problems(json.dumps({"type": "object", "properties": {"r": rows}}))
    assert "Een lijst vraagt hoogstens 50 rijen (minItems is 1000000)." in many_rows
    assert "losse surrogaat" in _problems('{"type": "object", "title": "\\udfff", "properties": {}}')[0]


def test_a_ui_schema_must_be_a_json_object_and_may_be_left_empty() -> None:
    assert studio_forms.build_preview(json.dumps(SIMPLE), "  ").ok
    (problem,) = studio_forms.build_preview(json.dumps(SIMPLE), '["ui:order"]').problems
    assert problem.part == "uischema"
    (problem,) = studio_forms.build_preview(json.dumps(SIMPLE), '{"x": }').problems
    assert (problem.part, problem.line, problem.column) == ("uischema", 1, 7)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("intake", "intake.schema.json"),
        (" intake.schema.json ", "intake.schema.json"),
        ("a-b_c.d", "a-b_c.d.schema.json"),
    ],
)
def test_a_new_forms_name(typed: str, name: str) -> None:
    assert studio_forms.form_name(typed) == name


@pytest.mark.parametrize("typed", ["", ".schema.json", "../x", "a/b", "met spatie", "é"])
def test_a_new_forms_name_must_be_plain(typed: str) -> None:
    with pytest.raises(FormInvalid) as raised:
        studio_forms.form_name(typed)
    assert set(raised.value.errors) == {"name"}


# --- with a database ----------------------------------------------------------------------------------------


def _saves(ctx: ServiceContext) -> list[tuple[str | None, str]]:
    with ctx.db.read() as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.event == "studio.saved")).scalars()
        return [(row.object_id, row.result) for row in rows]


def test_listing_opening_and_saving_a_form(ctx: ServiceContext) -> None:
    owner = login(ctx, "procesbeheer")
    entries = {entry.name: entry for entry in studio_forms.list_forms(ctx, owner)}
    entry = entries[FORM]
    assert entry.uischema == "case_registration.uischema.json"
    assert "Aanmelding casusoverleg" in entry.used_by
    assert entry.edited_at is None
    assert not any(name.endswith(".uischema.json") for name in entries)

    source = studio_forms.open_form(ctx, owner, FORM)
    assert json.loads(source.schema_text)["title"] and source.uischema_text and not source.edited
    refused = studio_forms.save_form(ctx, owner, FORM, '{"type": "object"}', source.uischema_text)
    assert not refused.ok and _saves(ctx) == []
    assert read_source(ctx, owner, FORM) == source.schema_text

    changed = json.dumps({**json.loads(source.schema_text), "title": "Nieuwe titel"})
    assert studio_forms.save_form(ctx, owner, FORM, changed, source.uischema_text).ok
    assert read_source(ctx, owner, FORM) == changed
    assert _saves(ctx) == [(FORM, "success")]
    assert studio_forms.open_form(ctx, owner, FORM).edited
    assert studio_forms.list_forms(ctx, owner)[0].name  # still lists
    assert {e.name: e for e in studio_forms.list_forms(ctx, owner)}[FORM].edited_at is not None


def test_creating_a_form(ctx: ServiceContext) -> None:
    admin = login(ctx, "beheerder")
    name = studio_forms.create_form(ctx, admin, "huisbezoek")
    assert name == "huisbezoek.schema.json"
    assert studio_forms.build_preview(read_source(ctx, admin, name)).ok
    with pytest.raises(FormInvalid):
        studio_forms.create_form(ctx, admin, "huisbezoek")
    with pytest.raises(FormInvalid):
        studio_forms.create_form(ctx, admin, "case_registration")
    assert _saves(ctx) == [(name, "success")]


@pytest.mark.parametrize(
    "name", ["bestaat_niet.schema.json", "case_registration.uischema.json", "x/../y.json"]
)
def test_an_unknown_form_is_not_found(ctx: ServiceContext, name: str) -> None:
    with pytest.raises(NotFound):
        studio_forms.open_form(ctx, login(ctx, "procesbeheer"), name)


def test_only_process_owners_and_admins_use_the_form_service(ctx: ServiceContext) -> None:
    professional = login(ctx, "hulpverlener")
    for call in (
        lambda: studio_forms.list_forms(ctx, professional),
        lambda: studio_forms.open_form(ctx, professional, FORM),
        lambda: studio_forms.preview_form(ctx, professional, json.dumps(SIMPLE)),
        lambda: studio_forms.save_form(ctx, professional, FORM, json.dumps(SIMPLE)),
        lambda: studio_forms.create_form(ctx, professional, "nieuw"),
    ):
        with pytest.raises(AccessDenied):
            call()
    with ctx.db.read() as session:
        denied = session.execute(select(AuditEvent).where(AuditEvent.result == "denied")).scalars().all()
    assert len(denied) >= 5
    assert _saves(ctx) == []
