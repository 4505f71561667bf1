"""The filter of the managers' pages, read from the query string: organisation, process, period in months
and deadline kind. Every page and its exports use it, so a link or a download reproduces what was shown.

A value that makes no sense (an organisation the reader does not follow, a month that does not exist, a
period running backwards) gives a Dutch message and the page falls back to the unfiltered view, as the
issue of the dashboard asks; the other values are not half-applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from webapp.domain.messages import Message
from webapp.domain.statistics import month_of, month_start
from webapp.services.filter_values import shown, text_of

DEFAULT_MONTHS = 12
MAX_MONTHS = 120
_EARLIEST_YEAR, _LATEST_YEAR = 2000, 2199
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_DUTCH_MONTH = re.compile(r"([0-9]{1,2})[-/.]([0-9]{4})")


@dataclass(frozen=True)
class ReportFilters:
    organisation_id: int | None = None
    process_id: str | None = None
    month_from: str = ""  # '2026-01'; always set after parsing
    month_to: str = ""
    deadline_kind: str | None = None

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters, for the links behind the numbers and for the exports."""
        params = {"van": self.month_from, "tot": self.month_to}
        if self.organisation_id is not None:
            params["organisatie"] = str(self.organisation_id)
        if self.process_id:
            params["proces"] = self.process_id
        if self.deadline_kind:
            params["termijn"] = self.deadline_kind
        return params


def default_period(now: datetime, months: int = DEFAULT_MONTHS) -> tuple[str, str]:
    """The last ``months`` months, this one included."""
    last = month_of(now)
    start = month_start(last)
    index = start.year * 12 + start.month - 1 - (months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", last


def parse_report_filters(
    params: Mapping[str, str],
    *,
    organisations: Mapping[int, str],
    processes: Mapping[str, str],
    deadline_kinds: Mapping[str, str] | None = None,
    now: datetime,
) -> tuple[ReportFilters, list[str]]:
    """The filter and the messages about what was wrong; with any message the filter is the default one.

    ``organisations``, ``processes`` and ``deadline_kinds`` are the choices the reader has (id → name)."""
    errors: list[str] = []
    organisation_id = _choice_int(text_of(params, "organisatie"), organisations, errors)
    process_id = _choice(
        text_of(params, "proces"),
        processes,
        errors,
        Message(
            "De procedure ‘{text}’ bestaat niet of telt hier niet mee.", text=shown(text_of(params, "proces"))
        ),
    )
    kind = _choice(
        text_of(params, "termijn"),
        deadline_kinds or {},
        errors,
        Message("De termijnsoort ‘{text}’ bestaat niet.", text=shown(text_of(params, "termijn"))),
    )
    first, last = default_period(now)
    month_from = _month(text_of(params, "van"), errors) or first
    month_to = _month(text_of(params, "tot"), errors) or last
    if not errors and month_from > month_to:
        errors.append(
            Message(
                "De periode loopt achteruit: ‘van’ ({first}) ligt na ‘tot’ ({last}).",
                first=month_from,
                last=month_to,
            )
        )
    if not errors and _span(month_from, month_to) > MAX_MONTHS:
        errors.append(Message("Kies een periode van hoogstens {months} maanden.", months=MAX_MONTHS))
    if errors:
        return ReportFilters(month_from=first, month_to=last), errors
    return ReportFilters(organisation_id, process_id, month_from, month_to, kind), []


def _choice_int(text: str, choices: Mapping[int, str], errors: list[str]) -> int | None:
    if not text:
        return None
    if text.isdigit() and len(text) <= 9 and int(text) in choices:
        return int(text)
    errors.append(Message("U volgt geen organisatie met nummer ‘{text}’.", text=shown(text)))
    return None


def _choice(text: str, choices: Mapping[str, str], errors: list[str], message: str) -> str | None:
    if not text:
        return None
    if text in choices:
        return text
    errors.append(message)
    return None


def _month(text: str, errors: list[str]) -> str | None:
    """A month as a month field sends it (2026-11) or as people type it (11-2026)."""
    if not text:
        return None
    iso, dutch = _ISO_MONTH.fullmatch(text), _DUTCH_MONTH.fullmatch(text)
    if iso:
        year, number = int(iso.group(1)), int(iso.group(2))
    elif dutch:
        number, year = int(dutch.group(1)), int(dutch.group(2))
    else:
        errors.append(Message("‘{text}’ is geen maand. Vul een maand in als 2026-11.", text=shown(text)))
        return None
    if not 1 <= number <= 12:
        errors.append(
            Message("De maand ‘{text}’ bestaat niet. Vul een maand in als 2026-11.", text=shown(text))
        )
        return None
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        errors.append(
            Message("Kies een maand tussen {first} en {last}.", first=_EARLIEST_YEAR, last=_LATEST_YEAR)
        )
        return None
    return f"{year:04d}-{number:02d}"


def _span(first: str, last: str) -> int:
    a, b = month_start(first), month_start(last)
    return (b.year - a.year) * 12 + b.month - a.month + 1
