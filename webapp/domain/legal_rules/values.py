"""Reading answers and case data as the rules need them: dates, moments, their display, and joined lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import N_, Message

# Separators of a list in a message; each is its own template so that "en" is translated like any other text.
AND = N_("{first} en {second}")
COMMA = N_("{first}, {second}")
SEMICOLON = N_("{first}; {second}")


def as_date(value: Any) -> date | None:
    """A calendar day from an ISO date or the date part of an ISO moment; None when it is no date."""
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def as_moment(value: Any) -> datetime | None:
    """A moment from ISO text, in Amsterdam time unless it carries an offset; None when it is no moment."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=AMSTERDAM)


def joined(items: Sequence[str], separator: str, last: str | None = None) -> str:
    """``items`` joined by ``separator`` (``last`` between the final two), e.g. "a, b en c".

    The result is a chain of Messages rather than one joined str: a translation fills in each item and each
    separator in the reader's language, which a str param (or a list of Messages) would not allow.
    """
    text = items[0]
    for index, item in enumerate(items[1:], start=1):
        template = last if last is not None and index == len(items) - 1 else separator
        text = Message(template, first=text, second=item)
    return text


# Numeric dates read the same in every language the app offers, so they are params, not translated text.
def dutch_date(day: date) -> str:
    return f"{day:%d-%m-%Y}"


def dutch_moment(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
