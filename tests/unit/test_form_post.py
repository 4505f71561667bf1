"""webapp.web.form_post: posted strings to typed task data, and the no-JavaScript row buttons."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.web.form_post import apply_row_action, coerce_form_post, row_action

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["consent", "agreed"],
    "properties": {
        "name": {"type": "string"},
        "notes": {"type": "string"},
        "received_on": {"type": "string", "format": "date"},
        "meeting_at": {"type": "string", "format": "date-time"},
        "children": {"type": "integer"},
        "hours": {"type": "number"},
        "urgent": {"type": "boolean"},
        "consent": {"type": "boolean"},
        "agreed": {"type": "boolean", "const": True},
        "domains": {"type": "array", "items": {"type": "string", "enum": ["wonen", "werk", "zorg"]}},
        "partners": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["informed"],
                "properties": {
                    "organisation": {"type": "string"},
                    "notified_on": {"type": "string", "format": "date"},
                    "contacts": {"type": "integer"},
                    "informed": {"type": "boolean"},
                    "copy": {"type": "boolean"},
                },
            },
        },
    },
}


def coerce(**post: list[str]) -> dict[str, Any]:
    return coerce_form_post(SCHEMA, post)


def test_empty_and_blank_fields_are_left_out() -> None:
    data = coerce(name=[""], notes=["  \r\n "], children=[""], hours=[" "], received_on=[""])
    assert data == {}


def test_text_is_trimmed_and_line_breaks_normalised() -> None:
    assert coerce(name=["  Jansen "], notes=["regel 1\r\nregel 2\r\n"])["notes"] == "regel 1\nregel 2"
    assert coerce(name=["  Jansen "])["name"] == "Jansen"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" -3 ", -3),
        ("+4", 4),
        ("12.0", "12.0"),
        ("twaalf", "twaalf"),
        ("1e3", "1e3"),
        ("١٢", "١٢"),
    ],
)
def test_integers_parse_or_keep_what_was_typed(raw: str, expected: object) -> None:
    value = coerce(children=[raw])["children"]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        ("12,5", 12.5),
        ("12.5", 12.5),
        (",5", 0.5),
        ("-0,25", -0.25),
        ("1.000", "1.000"),  # a thousand to a Dutch reader, one to a browser: left for validation to reject
        ("1.000,50", "1.000,50"),
        ("nan", "nan"),
        ("inf", "inf"),
        ("12,5 uur", "12,5 uur"),
    ],
)
def test_numbers_accept_a_decimal_comma(raw: str, expected: object) -> None:
    value = coerce(hours=[raw])["hours"]
    assert value == expected
    assert type(value) is type(expected)


def test_checkbox_booleans() -> None:
    # A checkbox follows a hidden "false" with its name: ticked posts both values, unticked only "false".
    assert coerce(urgent=["false", "on"])["urgent"] is True
    assert coerce(urgent=["false", "true"])["urgent"] is True
    assert coerce(urgent=["false"])["urgent"] is False
    assert coerce(agreed=["false", "true"])["agreed"] is True
    assert coerce(agreed=["false"])["agreed"] is False  # must be ticked (const true): const reports it
    assert "urgent" not in coerce()  # not on the form at all: no answer, so nothing is stored


def test_a_required_yes_no_radio_stays_missing_until_answered() -> None:
    assert "consent" not in coerce()
    assert coerce(consent=["true"])["consent"] is True
    assert coerce(consent=["false"])["consent"] is False
    assert coerce(consent=["misschien"])["consent"] == "misschien"


def test_dates_stay_iso_and_typed_dutch_dates_become_iso() -> None:
    assert coerce(received_on=["2024-03-07"])["received_on"] == "2024-03-07"
    assert coerce(received_on=["7-3-2024"])["received_on"] == "2024-03-07"
    assert coerce(received_on=["07/03/2024"])["received_on"] == "2024-03-07"
    assert coerce(received_on=["31-02-2024"])["received_on"] == "31-02-2024"
    assert coerce(received_on=["gisteren"])["received_on"] == "gisteren"
    assert coerce(meeting_at=["2024-03-07T09:30"])["meeting_at"] == "2024-03-07T09:30"


def test_multiple_choices_come_from_repeated_fields() -> None:
    assert coerce(domains=["wonen", "zorg"])["domains"] == ["wonen", "zorg"]
    assert coerce(domains=["", "werk"])["domains"] == ["werk"]
    assert "domains" not in coerce(domains=[""])
    assert "domains" not in coerce()


def test_rows_are_typed_ordered_and_empty_rows_dropped() -> None:
    post = {
        "partners.10.organisation": ["Veilig Thuis"],
        "partners.2.organisation": ["GGD"],
        "partners.2.contacts": ["3"],
        "partners.2.informed": ["false"],
        "partners.2.copy": ["false", "on"],
        "partners.10.copy": ["false"],
        "partners.5.organisation": [" "],
        "partners.5.notified_on": [""],
        "partners.5.copy": ["false"],  # an unticked box alone does not make a row
        "partners.x.organisation": ["niet een rij"],
        "partners.3": ["geen veld"],
    }
    assert coerce_form_post(SCHEMA, post)["partners"] == [
        {"organisation": "GGD", "contacts": 3, "informed": False, "copy": True},
        {"organisation": "Veilig Thuis", "copy": False},
    ]


def test_keep_empty_rows_keeps_the_posted_positions() -> None:
    post = {"partners.0.organisation": [""], "partners.1.organisation": ["GGD"]}
    rows = coerce_form_post(SCHEMA, post, keep_empty_rows=True)["partners"]
    assert rows == [{}, {"organisation": "GGD"}]


def test_no_rows_means_the_key_is_left_out() -> None:
    assert "partners" not in coerce_form_post(SCHEMA, {"partners.0.organisation": [""]})


def test_names_outside_the_schema_are_ignored() -> None:
    post = {"csrf_token": ["abc"], "_rows": ["add:partners"], "is_admin": ["true"], "name": ["Jansen"]}
    assert coerce_form_post(SCHEMA, post) == {"name": "Jansen"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("add:partners", ("add", "partners", None)),
        ("remove:partners:1", ("remove", "partners", 1)),
        ("remove:partners:0", ("remove", "partners", 0)),
        ("remove:partners", None),
        ("remove:partners:-1", None),
        ("remove:partners:x", None),
        ("remove:partners:١", None),
        ("add:", None),
        ("add:a:b", None),
        ("add:<script>", None),
        ("delete:partners:1", None),
        ("", None),
    ],
)
def test_row_action(value: str, expected: tuple[str, str, int | None] | None) -> None:
    assert row_action({"_rows": [value], "name": ["x"]}) == expected


def test_no_row_button_pressed() -> None:
    assert row_action({"name": ["x"]}) is None
    assert row_action({"_rows": []}) is None


def test_apply_row_action_adds_and_removes_without_touching_the_input() -> None:
    data = {"name": "Jansen", "partners": [{"organisation": "GGD"}, {}, {"organisation": "Veilig Thuis"}]}
    removed = apply_row_action(SCHEMA, data, ("remove", "partners", 1))
    assert removed["partners"] == [{"organisation": "GGD"}, {"organisation": "Veilig Thuis"}]
    assert len(data["partners"]) == 3
    added = apply_row_action(SCHEMA, {"name": "Jansen"}, ("add", "partners", None))
    assert added == {"name": "Jansen", "partners": [{}]}


def test_apply_row_action_ignores_unknown_names_and_indexes() -> None:
    data = {"partners": [{"organisation": "GGD"}]}
    assert apply_row_action(SCHEMA, data, ("remove", "partners", 5)) == data
    assert apply_row_action(SCHEMA, data, ("add", "domains", None)) == data
    assert apply_row_action(SCHEMA, data, ("add", "unknown", None)) == data


def test_remove_points_at_the_row_the_user_saw() -> None:
    # Row 0 is still empty; removing row 1 must remove GGD, not the row after it.
    post = {
        "partners.0.organisation": [""],
        "partners.1.organisation": ["GGD"],
        "partners.2.organisation": ["Veilig Thuis"],
        "_rows": ["remove:partners:1"],
    }
    action = row_action(post)
    assert action is not None
    data = apply_row_action(SCHEMA, coerce_form_post(SCHEMA, post, keep_empty_rows=True), action)
    assert [row.get("organisation") for row in data["partners"]] == [None, "Veilig Thuis"]
