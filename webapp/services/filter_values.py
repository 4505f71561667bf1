"""Reading the values people put in a filter's address: text, a date as typed or as a date field sends it,
a page number. Each parser returns the value and a Dutch message ("" when the value is fine)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from webapp.domain.messages import Message

CASE_REFERENCE_MAX = 40
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")
_PAGE = re.compile(r"[0-9]{1,7}")
_EARLIEST_YEAR, _LATEST_YEAR = 2000, 2199


def text_of(params: Mapping[str, str], name: str) -> str:
    return (params.get(name) or "").strip()


def shown(value: str, limit: int = 40) -> str:
    """A typed value quoted back in a message: shortened, so a pasted essay does not fill the page."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def parse_date(text: str) -> tuple[date | None, str]:
    """A day as a date field sends it (2026-11-30) or as people type it (30-11-2026)."""
    if not text:
        return None, ""
    iso, dutch = _ISO_DATE.fullmatch(text), _DUTCH_DATE.fullmatch(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dutch:
        day, month, year = (int(part) for part in dutch.groups())
    else:
        return None, Message("‘{text}’ is geen datum. Vul een datum in als 30-11-2026.", text=shown(text))
    try:
        value = date(year, month, day)
    except ValueError:
        return None, Message(
            "De datum ‘{text}’ bestaat niet. Vul een datum in als 30-11-2026.", text=shown(text)
        )
    if not _EARLIEST_YEAR <= value.year <= _LATEST_YEAR:
        return None, Message(
            "Kies een datum tussen {first} en {last}.", first=_EARLIEST_YEAR, last=_LATEST_YEAR
        )
    return value, ""


def parse_page(text: str) -> tuple[int, str]:
    if not text:
        return 1, ""
    if not _PAGE.fullmatch(text) or int(text) < 1:
        return 1, Message(
            "Paginanummer ‘{text}’ bestaat niet: een pagina is een heel getal vanaf 1.", text=shown(text)
        )
    return int(text), ""
