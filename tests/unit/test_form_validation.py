"""webapp.engine.forms: checking form schemas, Dutch validation messages and field descriptions."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from webapp.engine.forms import Field, check_form_schema, form_fields, validate_form_data

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def intake_schema() -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "type": "object",
        "required": ["client_name", "received_on", "partners"],
        "properties": {
            "client_name": {"type": "string", "title": "Naam cliënt", "minLength": 2, "maxLength": 40},
            "received_on": {"type": "string", "format": "date", "title": "Ontvangen op"},
            "meeting_at": {"type": "string", "format": "date-time"},
            "children": {"type": "integer", "minimum": 0, "maximum": 12},
            "hours": {"type": "number", "minimum": 0.5, "exclusiveMaximum": 40},
            "urgent": {"type": "boolean"},
            "postcode": {"type": "string", "pattern": "^[1-9][0-9]{3} ?[A-Z]{2}$"},
            "domains": {
                "type": "array",
                "items": {"type": "string", "enum": ["wonen", "werk", "zorg"]},
                "minItems": 1,
                "maxItems": 2,
            },
            "partners": {
                "type": "array",
                "minItems": 1,
                "maxItems": 3,
                "items": {
                    "type": "object",
                    "required": ["organisation"],
                    "properties": {
                        "organisation": {"type": "string", "title": "Organisatie"},
                        "notified_on": {"type": "string", "format": "date"},
                    },
                },
            },
        },
    }


VALID = {
    "client_name": "Jansen",
    "received_on": "2024-03-07",
    "partners": [{"organisation": "GGD", "notified_on": "2024-03-08"}],
}


# --- check_form_schema ---


def test_a_supported_schema_has_no_problems() -> None:
    assert check_form_schema(intake_schema()) == []


def test_an_invalid_json_schema_is_reported_with_its_location() -> None:
    schema = {"type": "object", "properties": {"age": {"type": "getal"}}}
    [problem] = check_form_schema(schema)
    assert problem.startswith("Geen geldig JSON Schema (properties.age.type)")


def test_an_unknown_dollar_schema_is_reported() -> None:
    schema = {"$schema": "https://example.org/my-schema", "type": "object", "properties": {}}
    assert check_form_schema(schema) == ["Onbekende $schema: 'https://example.org/my-schema'."]


@pytest.mark.parametrize("schema", [{"type": "array"}, {"type": "object"}, {"properties": {}}])
def test_the_top_level_must_be_an_object_with_properties(schema: dict[str, Any]) -> None:
    assert check_form_schema(schema) == ["Het formulier moet 'type: object' met 'properties' zijn."]


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"type": "object", "properties": {}}, "Veld 'x': type 'object' wordt niet ondersteund."),
        ({"title": "Zonder type"}, "Veld 'x': een veld zonder 'type' wordt niet ondersteund."),
        ({"type": "string", "format": "email"}, "Veld 'x': format 'email' wordt niet ondersteund"),
        ({"type": "integer", "format": "date"}, "Veld 'x': format 'date' wordt niet ondersteund"),
        ({"type": "array", "items": {"type": "string"}}, "Veld 'x': alleen lijsten van keuzes"),
        ({"type": "array"}, "Veld 'x': een lijst heeft 'items' nodig."),
        ({"type": "integer", "enum": [1, "twee"]}, "Veld 'x': de waarden in enum passen niet bij type"),
    ],
)
def test_unsupported_field_shapes_are_reported_by_name(prop: dict[str, Any], expected: str) -> None:
    [problem] = check_form_schema({"type": "object", "properties": {"x": prop}})
    assert problem.startswith(expected)


def test_row_fields_must_be_simple() -> None:
    rows = {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}
    schema = {"type": "object", "properties": {"partners": {"type": "array", "items": rows}}}
    assert check_form_schema(schema) == [
        "Veld 'partners.tags': type 'array' wordt binnen rijen niet ondersteund."
    ]


def test_required_names_must_exist_also_in_rows() -> None:
    rows = {"type": "object", "required": ["organistion"], "properties": {"organisation": {"type": "string"}}}
    schema = {
        "type": "object",
        "required": ["nmae"],
        "properties": {"name": {"type": "string"}, "partners": {"type": "array", "items": rows}},
    }
    assert check_form_schema(schema) == [
        "Verplicht veld 'nmae' staat niet in properties.",
        "Verplicht veld 'partners.organistion' staat niet in properties.",
    ]


def test_choices_from_one_of_with_const_are_supported() -> None:
    choice = {"type": "string", "oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]}
    schema = {"type": "object", "properties": {"one": choice, "many": {"type": "array", "items": choice}}}
    assert check_form_schema(schema) == []


# --- validate_form_data ---


def test_valid_data_has_no_errors() -> None:
    assert validate_form_data(intake_schema(), VALID) == {}


def test_a_missing_required_field_is_reported_at_its_own_path() -> None:
    data = {"partners": [{"notified_on": "2024-03-08"}]}
    assert validate_form_data(intake_schema(), data) == {
        "client_name": "Dit veld is verplicht.",
        "received_on": "Dit veld is verplicht.",
        "partners.0.organisation": "Dit veld is verplicht.",
    }


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"client_name": "J"}, "client_name", "Gebruik minstens 2 tekens."),
        ({"client_name": "J" * 41}, "client_name", "Gebruik hoogstens 40 tekens."),
        ({"received_on": "2024-02-30"}, "received_on", "Vul een geldige datum in (dd-mm-jjjj)."),
        ({"received_on": "7-3-2024"}, "received_on", "Vul een geldige datum in (dd-mm-jjjj)."),
        ({"meeting_at": "morgen"}, "meeting_at", "Vul een geldige datum en tijd in."),
        ({"children": "twee"}, "children", "Vul een geheel getal in, zonder komma of punt."),
        ({"children": 13}, "children", "Vul een getal in van 12 of minder."),
        ({"children": -1}, "children", "Vul een getal in van 0 of meer."),
        ({"hours": 0.25}, "hours", "Vul een getal in van 0,5 of meer."),
        ({"hours": 40}, "hours", "Vul een getal in kleiner dan 40."),
        ({"hours": "1.000"}, "hours", "Vul een getal in, zoals 12 of 12,5."),
        ({"urgent": "misschien"}, "urgent", "Kies ja of nee."),
        ({"postcode": "1234"}, "postcode", "Deze invoer heeft niet de juiste vorm."),
        ({"domains": []}, "domains", "Kies er minstens 1."),
        ({"domains": ["wonen", "werk", "zorg"]}, "domains", "Kies er hoogstens 2."),
        ({"domains": ["sport"]}, "domains", "Kies een van de mogelijkheden."),
        ({"partners": []}, "partners", "Vul minstens 1 rij in."),
        ({"partners": [{"organisation": "GGD"}] * 4}, "partners", "Vul hoogstens 3 rijen in."),
        ({"partners": [{"organisation": "GGD", "notified_on": "gisteren"}]}, "partners.0.notified_on", None),
    ],
)
def test_dutch_messages_per_keyword(changes: dict[str, Any], path: str, message: str | None) -> None:
    errors = validate_form_data(intake_schema(), {**VALID, **changes})
    assert errors == {path: message or "Vul een geldige datum in (dd-mm-jjjj)."}


def test_the_local_form_of_datetime_local_inputs_is_accepted() -> None:
    for value in (
        "2024-05-01T09:30",
        "2024-05-01T09:30:15",
        "2024-05-01T09:30:00+02:00",
        "2024-05-01T07:30Z",
    ):
        assert validate_form_data(intake_schema(), {**VALID, "meeting_at": value}) == {}
    assert "meeting_at" in validate_form_data(intake_schema(), {**VALID, "meeting_at": "2024-05-01T25:00"})


def test_const_true_asks_to_tick_the_box_and_other_keywords_fall_back() -> None:
    schema = {
        "type": "object",
        "properties": {
            "agreed": {"type": "boolean", "const": True},
            "kind": {"type": "string", "const": "intake"},
            "step": {"type": "integer", "multipleOf": 5},
            "choice": {"type": "string", "oneOf": [{"const": "a"}, {"const": "b"}]},
        },
    }
    data = {"agreed": False, "kind": "other", "step": 7, "choice": "c"}
    assert validate_form_data(schema, data) == {
        "agreed": "Vink dit aan om verder te gaan.",
        "kind": "Dit mag niet.",
        "step": "Deze invoer is ongeldig.",
        "choice": "Kies een van de mogelijkheden.",
    }


def test_only_the_first_message_per_field_and_never_the_title() -> None:
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string", "title": "Code", "minLength": 3, "pattern": "^[0-9]+$"}},
    }
    errors = validate_form_data(schema, {"code": "a"})
    assert errors == {"code": "Gebruik minstens 3 tekens."}
    assert "Code" not in errors["code"]


def test_a_single_character_is_singular() -> None:
    schema = {"type": "object", "properties": {"initial": {"type": "string", "maxLength": 1}}}
    assert validate_form_data(schema, {"initial": "AB"}) == {"initial": "Gebruik hoogstens 1 teken."}


# --- form_fields ---


def by_name(fields: list[Field]) -> dict[str, Field]:
    return {field.name: field for field in fields}


def test_kinds_labels_and_limits() -> None:
    fields = by_name(form_fields(intake_schema(), None))
    kinds = {name: field.kind for name, field in fields.items()}
    assert kinds == {
        "client_name": "text",
        "received_on": "date",
        "meeting_at": "datetime",
        "children": "integer",
        "hours": "number",
        "urgent": "boolean",
        "postcode": "text",
        "domains": "checkboxes",
        "partners": "rows",
    }
    name = fields["client_name"]
    assert (name.label, name.path, name.required, name.max_length) == ("Naam cliënt", "client_name", True, 40)
    assert fields["postcode"].label == "postcode"
    assert (fields["children"].minimum, fields["children"].maximum) == (0, 12)
    assert fields["domains"].options == (("wonen", "wonen"), ("werk", "werk"), ("zorg", "zorg"))


def test_rows_describe_their_sub_fields() -> None:
    partners = by_name(form_fields(intake_schema(), None))["partners"]
    assert (partners.min_items, partners.max_items, partners.required) == (1, 3, True)
    organisation, notified_on = partners.fields
    assert (organisation.name, organisation.path, organisation.label) == (
        "organisation",
        "organisation",
        "Organisatie",
    )
    assert organisation.required and not notified_on.required
    assert notified_on.kind == "date"


def test_a_required_yes_no_question_is_a_radio_unless_it_must_be_ticked() -> None:
    schema = {
        "type": "object",
        "required": ["consent", "agreed"],
        "properties": {
            "consent": {"type": "boolean", "title": "Toestemming gegeven?"},
            "agreed": {"type": "boolean", "const": True},
            "optional": {"type": "boolean"},
        },
    }
    fields = by_name(form_fields(schema, {"optional": {"ui:widget": "radio"}}))
    assert fields["consent"].kind == "radio"
    assert fields["consent"].options == (("true", "Ja"), ("false", "Nee"))
    assert fields["agreed"].kind == "boolean"
    assert fields["optional"].kind == "radio"


def test_widgets_for_choices_and_long_text() -> None:
    schema = {
        "type": "object",
        "properties": {
            "few": {"type": "string", "enum": ["a", "b", "c", "d"]},
            "many": {"type": "string", "enum": ["a", "b", "c", "d", "e"]},
            "forced": {"type": "string", "enum": ["a", "b"]},
            "long": {"type": "string", "maxLength": 201},
            "notes": {"type": "string"},
        },
    }
    ui = {"forced": {"ui:widget": "select"}, "notes": {"ui:widget": "textarea"}}
    kinds = {field.name: field.kind for field in form_fields(schema, ui)}
    assert kinds == {
        "few": "radio",
        "many": "select",
        "forced": "select",
        "long": "textarea",
        "notes": "textarea",
    }


def test_option_labels_and_help() -> None:
    schema = {
        "type": "object",
        "properties": {
            "level": {"type": "integer", "enum": [1, 2], "description": "Volgens de meldcode"},
            "route": {"type": "string", "oneOf": [{"const": "zt", "title": "Zorgteam"}, {"const": "vt"}]},
        },
    }
    ui = {
        "level": {"ui:enumNames": ["Laag", "Hoog"], "ui:help": "niet getoond"},
        "route": {"ui:help": "Kies één"},
    }
    fields = by_name(form_fields(schema, ui))
    assert fields["level"].options == (("1", "Laag"), ("2", "Hoog"))
    assert fields["level"].help == "Volgens de meldcode"
    assert fields["route"].options == (("zt", "Zorgteam"), ("vt", "vt"))
    assert fields["route"].help == "Kies één"


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (None, ["a", "b", "c", "d"]),
        (["c", "a"], ["c", "a", "b", "d"]),
        (["d", "*", "a"], ["d", "b", "c", "a"]),
        (["x", "b"], ["b", "a", "c", "d"]),
    ],
)
def test_field_order(order: list[str] | None, expected: list[str]) -> None:
    schema = {"type": "object", "properties": {name: {"type": "string"} for name in "abcd"}}
    uischema = {"ui:order": order} if order else None
    assert [field.name for field in form_fields(schema, uischema)] == expected


def test_row_sub_fields_follow_the_items_uischema() -> None:
    uischema = {
        "partners": {"items": {"ui:order": ["notified_on", "*"], "organisation": {"ui:help": "Naam"}}}
    }
    partners = by_name(form_fields(intake_schema(), uischema))["partners"]
    assert [sub.name for sub in partners.fields] == ["notified_on", "organisation"]
    assert partners.fields[1].help == "Naam"


def test_fields_are_frozen() -> None:
    field = form_fields(intake_schema(), None)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        field.label = "anders"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        (
            {"type": "object", "properties": {"a": {"$ref": "https://example.invalid/x.json"}}},
            "Verwijzingen ($ref) worden niet ondersteund; schrijf het veld uit.",
        ),
        (
            {
                "type": "object",
                "properties": {
                    "rows": {
                        "type": "array",
                        "minItems": 100000,
                        "items": {"type": "object", "properties": {"a": {"type": "string"}}},
                    }
                },
            },
            "Een lijst vraagt hoogstens 50 rijen (minItems is 100000).",
        ),
    ],
)
def test_schemas_that_would_break_a_task_page_are_refused(schema: dict[str, Any], problem: str) -> None:
    assert problem in check_form_schema(schema)
