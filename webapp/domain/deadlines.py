"""Legal periods turned into due instants (DESIGN.md section 5).

- ``hours``: runs through nights, weekends and holidays (the 72 hours of AVG art. 33).
- ``calendar``: days, weeks, months and years counted from the day after the start; a period that ends on a
  Saturday, Sunday or public holiday is extended to the end of the next working day (Algemene termijnenwet
  art. 1 and 3, Regulation 1182/71 art. 3(4)).
- ``working_days``: counts only working days.

Day-based periods end at the end of their last day in Europe/Amsterdam; the instant is stored in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_END_OF_DAY = time(23, 59, 59)
_PERIOD = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


class DueRule(StrEnum):
    CALENDAR = "calendar"
    WORKING_DAYS = "working_days"
    HOURS = "hours"


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0

    @property
    def has_time(self) -> bool:
        return bool(self.hours or self.minutes)

    @property
    def has_date(self) -> bool:
        return bool(self.years or self.months or self.weeks or self.days)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    rule_text: str
    extended: bool


def parse_period(text: str) -> Period:
    """Parse the ISO 8601 durations a process owner may write (P4W, P1M, PT72H, P10D …)."""
    match = _PERIOD.match(text.strip().upper()) if text else None
    if not match or text.strip().upper() in ("P", "PT"):
        raise ValueError(f"ongeldige termijn {text!r}: gebruik ISO 8601, bijvoorbeeld P4W, P1M of PT72H")
    period = Period(**{k: int(v) for k, v in match.groupdict().items() if v})
    if period.has_time and period.has_date:
        raise ValueError(f"termijn {text!r} mengt dagen en uren; kies één van beide")
    if not (period.has_time or period.has_date):
        raise ValueError(f"termijn {text!r} is leeg")
    return period


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    # The Algemene termijnenwet names these days; Good Friday is not among them, 5 May is every year.
    days = {
        d
        for d, name in holidays.country_holidays("NL", years=year, language="en_US").items()
        if name != "Good Friday"
    }
    days.add(date(year, 5, 5))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def local_date(instant: datetime | date) -> date:
    if isinstance(instant, datetime):
        if instant.tzinfo is None:
            raise ValueError("naive datetime: a timezone is required")
        return instant.astimezone(AMSTERDAM).date()
    return instant


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, _END_OF_DAY, AMSTERDAM).astimezone(UTC)


def compute_deadline(start: datetime | date, period_text: str, rule: DueRule | str) -> Deadline:
    """The due instant of a legal period that starts at ``start`` (receipt, discovery …)."""
    period, rule = parse_period(period_text), DueRule(rule)
    if rule is DueRule.HOURS:
        if not isinstance(start, datetime):
            start = datetime.combine(start, time(0), AMSTERDAM)
        due = start.astimezone(UTC) + timedelta(hours=period.hours, minutes=period.minutes)
        return Deadline(due, describe_period(period), extended=False)
    if period.has_time:
        raise ValueError(f"termijn {period_text!r} in uren past alleen bij de regel 'hours'")
    first = local_date(start)
    if rule is DueRule.WORKING_DAYS:
        return Deadline(
            end_of_day(_add_working_days(first, period)), describe_period(period, working=True), False
        )
    last = first + relativedelta(
        years=period.years, months=period.months, weeks=period.weeks, days=period.days
    )
    moved = next_working_day(last)
    text = describe_period(period)
    if moved != last:
        text += ", verlengd tot de eerstvolgende werkdag"
    return Deadline(end_of_day(moved), text, extended=moved != last)


def _add_working_days(first: date, period: Period) -> date:
    remaining = period.days + 7 * period.weeks
    if period.years or period.months:
        raise ValueError("werkdagen tel je in dagen of weken, niet in maanden of jaren")
    day = first
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


_UNITS = (
    ("years", "jaar", "jaar"),
    ("months", "maand", "maanden"),
    ("weeks", "week", "weken"),
    ("days", "dag", "dagen"),
    ("hours", "uur", "uur"),
    ("minutes", "minuut", "minuten"),
)


def describe_period(period: Period, *, working: bool = False) -> str:
    """Dutch text of a period, e.g. '4 weken' or '72 uur' or '5 werkdagen'."""
    parts = []
    for attr, one, many in _UNITS:
        value = getattr(period, attr)
        if value:
            unit = ("werkdag" if value == 1 else "werkdagen") if working and attr == "days" else None
            parts.append(f"{value} {unit or (one if value == 1 else many)}")
    return " en ".join(parts)


def subtract_period(instant: datetime, period_text: str) -> datetime:
    """An instant a plain period before another.

    Hours are real hours (24 hours before the 72 hours of a breach end, whatever the clocks do); days and
    longer are Amsterdam calendar days (a reminder 7 days before a deadline).
    """
    period = parse_period(period_text)
    if period.has_time:
        return instant.astimezone(UTC) - timedelta(hours=period.hours, minutes=period.minutes)
    delta = relativedelta(
        years=period.years,
        months=period.months,
        weeks=period.weeks,
        days=period.days,
        hours=period.hours,
        minutes=period.minutes,
    )
    earlier: datetime = instant.astimezone(AMSTERDAM) - delta
    return earlier.astimezone(UTC)
