"""templates/_macros/form.html rendered with a bare Jinja environment and checked as parsed HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from webapp.engine.forms import Field

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"
PAGE = (
    '{% from "_macros/form.html" import render_form_fields, error_summary %}'
    "<form>{{ error_summary(errors, fields) }}{{ render_form_fields(fields, data, errors) }}</form>"
)

NAME = Field(
    name="name", path="name", label="Naam cliënt", kind="text", required=True, help="Voor- en achternaam"
)
HOURS = Field(name="hours", path="hours", label="Uren", kind="number")
CONSENT = Field(
    name="consent",
    path="consent",
    label="Toestemming?",
    kind="radio",
    required=True,
    options=(("true", "Ja"), ("false", "Nee")),
)
DOMAINS = Field(
    name="domains",
    path="domains",
    label="Leefgebieden",
    kind="checkboxes",
    options=(("wonen", "Wonen"), ("werk", "Werk")),
)
ROUTE = Field(
    name="route",
    path="route",
    label="Route",
    kind="select",
    options=(("zt", "Zorgteam"), ("vt", "Veilig Thuis")),
)
URGENT = Field(name="urgent", path="urgent", label="Spoed", kind="boolean")
NOTES = Field(name="notes", path="notes", label="Notities", kind="textarea")
PARTNERS = Field(
    name="partners",
    path="partners",
    label="Partners",
    kind="rows",
    required=True,
    fields=(
        Field(name="organisation", path="organisation", label="Organisatie", kind="text", required=True),
        Field(name="notified_on", path="notified_on", label="Geïnformeerd op", kind="date"),
    ),
    max_items=3,
)


def render(
    fields: list[Field], data: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> str:
    # StrictUndefined: the macros must not lean on silently undefined names (an app may turn it on).
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # the Dutch source text
    env.filters["tr"] = str  # the app translates rule messages for the reader; here they stay Dutch
    return env.from_string(PAGE).render(fields=fields, data=data or {}, errors=errors or {})


def parse(html: str) -> Any:
    return lxml.html.fragment_fromstring(html)


def test_a_text_field_has_a_label_a_required_mark_and_a_described_hint() -> None:
    form = parse(render([NAME], {"name": "Jansen"}))
    [field] = form.xpath("//input[@name='name']")
    assert field.get("id") == "f-name"
    assert field.get("value") == "Jansen"
    assert field.get("aria-describedby") == "f-name-hint"
    assert field.get("aria-invalid") is None
    [label] = form.xpath("//label[@for='f-name']")
    assert label.text_content() == "Naam cliënt (verplicht)"
    assert form.get_element_by_id("f-name-hint").text_content() == "Voor- en achternaam"


def test_an_error_is_linked_to_its_field() -> None:
    form = parse(render([NAME], {}, {"name": "Dit veld is verplicht."}))
    field = form.get_element_by_id("f-name")
    assert field.get("aria-invalid") == "true"
    assert field.get("aria-describedby") == "f-name-hint f-name-error"
    assert form.get_element_by_id("f-name-error").text_content() == "Fout: Dit veld is verplicht."
    assert "kf-field--error" in field.getparent().get("class")


def test_invalid_raw_values_are_shown_again_and_numbers_with_a_decimal_comma() -> None:
    form = parse(render([HOURS, NOTES], {"hours": "12,5 uur", "notes": "regel 1\nregel 2"}))
    assert form.get_element_by_id("f-hours").get("value") == "12,5 uur"
    assert form.get_element_by_id("f-hours").get("inputmode") == "decimal"
    assert form.get_element_by_id("f-hours").get("type") == "text"
    assert form.get_element_by_id("f-notes").text_content() == "regel 1\nregel 2"
    assert parse(render([HOURS], {"hours": 12.5})).get_element_by_id("f-hours").get("value") == "12,5"


def test_user_data_labels_and_messages_are_escaped() -> None:
    evil = '"><script>alert(1)</script>'
    label = Field(name="x", path="x", label="<b>Label</b>", kind="textarea", help="<i>hulp</i>")
    html = render([NAME, label], {"name": evil, "x": "</textarea><script>"}, {"name": "<em>fout</em>"})
    assert "<script" not in html
    assert "<b>" not in html and "<i>" not in html and "<em>" not in html
    form = parse(html)
    assert form.get_element_by_id("f-name").get("value") == evil
    assert form.get_element_by_id("f-x").text_content() == "</textarea><script>"
    assert form.xpath("//label[@for='f-x']")[0].text_content() == "<b>Label</b>"


def test_radios_are_a_fieldset_with_the_chosen_option_checked() -> None:
    form = parse(render([CONSENT], {"consent": False}, {"consent": "Kies ja of nee."}))
    [fieldset] = form.xpath("//fieldset")
    assert fieldset.xpath("legend")[0].text_content() == "Toestemming? (verplicht)"
    assert fieldset.get("aria-describedby") == "f-consent-error"
    radios = fieldset.xpath(".//input[@type='radio']")
    assert [(r.get("id"), r.get("value"), r.get("checked")) for r in radios] == [
        ("f-consent", "true", None),
        ("f-consent-1", "false", "checked"),
    ]
    assert [r.get("aria-invalid") for r in radios] == ["true", "true"]
    assert [label.text_content() for label in fieldset.xpath(".//label")] == ["Ja", "Nee"]


def test_checkboxes_select_and_single_checkbox_keep_choices() -> None:
    form = parse(render([DOMAINS, ROUTE, URGENT], {"domains": ["werk"], "route": "vt", "urgent": True}))
    boxes = form.xpath("//input[@name='domains']")
    assert [(b.get("value"), b.get("checked")) for b in boxes] == [("wonen", None), ("werk", "checked")]
    assert form.xpath("//fieldset/legend")[0].text_content() == "Leefgebieden"
    options = form.get_element_by_id("f-route").xpath("option")
    assert [(o.get("value"), o.get("selected")) for o in options] == [
        ("", None),
        ("zt", None),
        ("vt", "selected"),
    ]
    assert options[0].text_content() == "Maak een keuze"
    urgent = form.get_element_by_id("f-urgent")
    assert (urgent.get("type"), urgent.get("value"), urgent.get("checked")) == ("checkbox", "true", "checked")
    assert form.xpath("//label[@for='f-urgent']")[0].text_content() == "Spoed"


def test_rows_keep_values_and_have_remove_and_add_buttons() -> None:
    data = {
        "partners": [{"organisation": "GGD"}, {"organisation": "Veilig Thuis", "notified_on": "2024-03-08"}]
    }
    errors = {"partners.1.notified_on": "Vul een geldige datum in (dd-mm-jjjj)."}
    form = parse(render([PARTNERS], data, errors))
    assert form.get_element_by_id("f-partners-0-organisation").get("value") == "GGD"
    second = form.get_element_by_id("f-partners-1-notified_on")
    assert (second.get("name"), second.get("value")) == ("partners.1.notified_on", "2024-03-08")
    assert second.get("aria-invalid") == "true"
    assert form.get_element_by_id("f-partners-1-notified_on-error") is not None
    buttons = form.xpath("//button[@name='_rows']")
    assert [(b.get("value"), b.text_content()) for b in buttons] == [
        ("remove:partners:0", "Verwijder rij 1"),
        ("remove:partners:1", "Verwijder rij 2"),
        ("add:partners", "Rij toevoegen"),
    ]
    assert all(b.get("type") == "submit" and b.get("formnovalidate") is not None for b in buttons)
    legends = [legend.text_content() for legend in form.xpath("//fieldset[@class='kf-row']/legend")]
    assert legends == ["Partners: rij 1", "Partners: rij 2"]


@pytest.mark.parametrize(
    ("data", "rows"),
    [({}, 1), ({"partners": []}, 0), ({"partners": [{}, {}, {}]}, 3)],
)
def test_how_many_rows_are_shown(data: dict[str, Any], rows: int) -> None:
    form = parse(render([PARTNERS], data))
    assert len(form.xpath("//fieldset[@class='kf-row']")) == rows
    add = form.xpath("//button[@value='add:partners']")
    assert len(add) == (0 if rows == 3 else 1)  # max_items is 3


def test_a_hidden_plain_submit_comes_first_when_there_are_rows() -> None:
    # Enter in a text box presses the first submit button; it must not be "Verwijder rij".
    first = parse(render([NAME, PARTNERS])).xpath("//button")[0]
    assert first.get("name") is None
    assert (first.get("tabindex"), first.get("aria-hidden")) == ("-1", "true")
    assert parse(render([NAME])).xpath("//button") == []


def test_the_error_summary_links_every_error_to_a_field_in_form_order() -> None:
    errors = {
        "partners.0.organisation": "Dit veld is verplicht.",
        "name": "Dit veld is verplicht.",
        "consent": "Kies ja of nee.",
        "": "Dit formulier is verlopen.",
    }
    form = parse(render([NAME, CONSENT, PARTNERS], {}, errors))
    [summary] = form.find_class("kf-error-summary")
    assert summary.get("role") == "alert"
    assert summary.xpath("h2")[0].text_content() == "Er is een probleem"
    items = [(li.text_content(), li.xpath("a/@href")) for li in summary.xpath(".//li")]
    assert items == [
        ("Dit formulier is verlopen.", []),
        ("Naam cliënt: Dit veld is verplicht.", ["#f-name"]),
        ("Toestemming?: Kies ja of nee.", ["#f-consent"]),
        ("Partners, rij 1, Organisatie: Dit veld is verplicht.", ["#f-partners-0-organisation"]),
    ]
    for href in summary.xpath(".//a/@href"):
        assert form.get_element_by_id(href[1:]) is not None


def test_no_summary_without_errors() -> None:
    assert parse(render([NAME], {"name": "x"})).find_class("kf-error-summary") == []


def test_no_inline_script_or_style() -> None:
    html = render([NAME, HOURS, CONSENT, DOMAINS, ROUTE, URGENT, NOTES, PARTNERS], {}, {"name": "Fout"})
    for element in parse(html).iter():
        assert element.tag not in ("script", "style")
        assert not [name for name in element.attrib if name == "style" or name.startswith("on")]
