"""A table as the managers' pages show it and the exports write it: the page, the CSV and the Excel file are
made from the same object, so what is downloaded is what was on the screen, with the filter that made it.

What a row holds under each column kind (``None`` is an empty cell in every kind):
- text: a str (Dutch, N_ or Message; the web layer translates it);
- int: an int, or a str where the number is not shown (the policy statistics' "< 10");
- percent: a float fraction, 0.875 for 87.5 %;
- datetime: an aware datetime (UTC; shown and exported in Amsterdam time); date: a date or an aware datetime;
- duration: seconds (int or float; a timedelta is taken too), exported as hours:minutes;
- link: a dict {"text": ..., "href": ...} (or "endpoint" and "args" instead of "href"); the page shows a
  link, the exports write only the text. A row's "_links" (links behind numbers) is not exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ColumnKind = Literal["text", "int", "percent", "datetime", "date", "duration", "link"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Dutch (N_), translated by the web layer
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class ReportTable:
    name: str  # file stem of the export and the report id in the export log, e.g. "dashboard-taken"
    title: str  # Dutch (N_ or Message)
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    # What produced it, as (Dutch label, value as shown) pairs; the exports print them above the table.
    filters: list[tuple[str, str]] = field(default_factory=list)
    # True when the table is one page of a longer list: exports then fetch every row (services decide how).
    truncated: bool = False
