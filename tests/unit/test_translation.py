"""Messages made outside a request keep their template, so the reader's language can be chosen late."""

from __future__ import annotations

import copy

import pytest

from webapp.domain.deadlines import compute_deadline
from webapp.domain.messages import N_, Message
from webapp.engine.forms import validate_form_data
from webapp.services.translation import translate, translate_due_rule


def test_a_message_is_its_dutch_text_and_remembers_its_template() -> None:
    message = Message("Deze taak is al afgerond door {by} ({when}).", by="Sanne", when="30-11-2026 14:00")
    assert message == "Deze taak is al afgerond door Sanne (30-11-2026 14:00)."
    assert message.template == "Deze taak is al afgerond door {by} ({when})."
    duplicate = copy.deepcopy(message)  # e.g. when an error travels in copied task data
    assert isinstance(duplicate, Message) and duplicate.params == message.params


def test_dutch_readers_get_the_text_as_it_is_and_english_readers_the_catalogue() -> None:
    assert translate(N_("Dit veld is verplicht."), "nl") == "Dit veld is verplicht."
    assert translate(N_("Dit veld is verplicht."), "en") == "This field is required."
    message = Message("Deze taak is al afgerond door {by} ({when}).", by="Sanne", when="30-11-2026 14:00")
    assert translate(message, "en") == "This task has already been completed by Sanne (30-11-2026 14:00)."


def test_parameters_that_are_messages_are_translated_too() -> None:
    message = Message("Deze taak is al afgerond door {by} ({when}).", by=N_("de procedure zelf"), when="")
    assert translate(message, "en").startswith("This task has already been completed by the procedure itself")


def test_a_text_without_a_translation_is_shown_in_dutch() -> None:
    assert translate("Een tekst die de catalogus niet kent.", "en") == "Een tekst die de catalogus niet kent."


def test_form_validation_messages_translate_with_their_numbers() -> None:
    schema = {"type": "object", "properties": {"naam": {"type": "string", "minLength": 3}}}
    errors = validate_form_data(schema, {"naam": "J"})
    assert errors == {"naam": "Gebruik minstens 3 tekens."}
    assert translate(errors["naam"], "en") == "Use at least 3 characters."


@pytest.mark.parametrize(
    ("period", "rule", "english"),
    [
        ("PT72H", "hours", "72 hours"),
        ("P4W", "calendar", "4 weeks"),
        ("P5D", "working_days", "5 working days"),
        ("P1Y2M", "calendar", "1 year and 2 months"),
        ("P2Y", "calendar", "2 years"),
        ("PT1H", "hours", "1 hour"),
    ],
)
def test_due_rules_composed_by_the_deadline_rules_read_back_in_english(
    period: str, rule: str, english: str
) -> None:
    from datetime import date

    # Tuesday 2 March 2027: none of these periods ends on a weekend or holiday, so none is extended.
    text = compute_deadline(date(2027, 3, 2), period, rule).rule_text
    assert translate_due_rule(text, "nl") == text
    assert translate_due_rule(text, "en") == english
    since = f"{text} vanaf 02-03-2027"
    assert translate_due_rule(since, "en") == f"{english} from 02-03-2027"


def test_an_extended_due_rule_says_so_in_english() -> None:
    from datetime import date

    # Four weeks from 4 April 2026 end on Saturday 2 May: extended to Monday 4 May (5 May is a holiday later).
    text = compute_deadline(date(2026, 4, 4), "P4W", "calendar").rule_text
    assert text == "4 weken, verlengd tot de eerstvolgende werkdag"
    assert translate_due_rule("4 weken vanaf 04-04-2026, verlengd tot de eerstvolgende werkdag", "en") == (
        "4 weeks from 04-04-2026, extended to the next working day"
    )
    assert translate_due_rule("termijn zoals vastgelegd in de zaak", "en") == "the term recorded in the case"
