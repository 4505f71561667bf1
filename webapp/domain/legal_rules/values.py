"""Reading answers and case data as the rules need them: dates, moments, and their Dutch display."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from webapp.domain.deadlines import AMSTERDAM


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


def dutch_date(day: date) -> str:
    return f"{day:%d-%m-%Y}"


def dutch_moment(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
