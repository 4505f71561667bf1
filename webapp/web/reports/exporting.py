"""A ReportTable as a CSV or Excel download, with the filter that produced it, recorded before it leaves.

Both files start from what the reader saw: the column labels and filter in the reader's language, the link
columns as their text. The CSV is for Dutch spreadsheets (UTF-8 with a byte-order mark, ``;`` between
fields, the filter lines above the table); the Excel file has typed cells (numbers, percentages, dates in
Amsterdam time) on a sheet "Gegevens" and the filter on a sheet "Filter". A text that a spreadsheet would
run as a formula stays text in both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Response

# openpyxl ships without type information and its stubs are no dependency of the project.
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import N_, Message
from webapp.services.exports import FORMATS, record_export
from webapp.services.filter_values import shown, text_of
from webapp.services.report_tables import Column, ReportTable
from webapp.web.support import actor, format_datetime, language, origin, services, translated

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_NUMBER_FORMATS = {
    "percent": "0.0%",
    "datetime": "dd-mm-yyyy hh:mm",
    "date": "dd-mm-yyyy",
    "duration": "[h]:mm",
}
_MAX_WIDTH = 60


def export_format(params: Mapping[str, str]) -> tuple[str | None, str]:
    """The asked format (``formaat``: csv or xlsx): (None, "") when none was asked, (None, message) when the
    value is not one we write."""
    text = text_of(params, "formaat").lower()
    if not text:
        return None, ""
    if text in FORMATS:
        return text, ""
    return None, Message("Het formaat ‘{text}’ kennen we niet: kies CSV of Excel.", text=shown(text))


def export_download(
    table: ReportTable, fmt: str, params: dict[str, str], purpose: str | None = None
) -> Response:
    """The table as an attachment ``<name>-<yyyy-mm-dd>.<csv|xlsx>``; the export is logged and audited first,
    so no file leaves without its log line."""
    now = services().clock.now()
    about = about_lines(table, now, actor().display_name, purpose)
    body = table_csv(table, about) if fmt == "csv" else table_xlsx(table, about)
    record_export(
        services(),
        actor(),
        report=table.name,
        fmt=fmt,
        params=params,
        rows=len(table.rows),
        purpose=purpose,
        origin=origin(),
    )
    response = Response(body, mimetype=_MIMETYPES[fmt])
    filename = f"{table.name}-{now.astimezone(AMSTERDAM).date().isoformat()}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def about_lines(
    table: ReportTable, now: datetime, author: str, purpose: str | None = None
) -> list[tuple[str, str, str]]:
    """The lines above the table: (kind, label, value), every text in the reader's language."""
    lines = [(translated(N_("Tabel")), "", translated(table.title))]
    lines += [
        (translated(N_("Filter")), translated(label), translated(value)) for label, value in table.filters
    ]
    lines.append((translated(N_("Gemaakt op")), "", format_datetime(now, "%d-%m-%Y %H:%M")))
    lines.append((translated(N_("Gemaakt door")), "", author))
    if purpose:
        lines.append((translated(N_("Doel")), "", purpose.strip()))
    return lines


# --- CSV -----------------------------------------------------------------------------------------------


def table_csv(table: ReportTable, about: list[tuple[str, str, str]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that a spreadsheet opens the accents as UTF-8
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for kind, label, value in about:  # "Filter;<label>;<value>", "Gemaakt op;<value>"
        writer.writerow(
            [_guard(kind), _guard(label), _guard(value)] if label else [_guard(kind), _guard(value)]
        )
    writer.writerow([])
    writer.writerow([_guard(translated(column.label)) for column in table.columns])
    for row in table.rows:
        writer.writerow([_guard(_text(column, row.get(column.key))) for column in table.columns])
    return buffer.getvalue()


def _aware(value: datetime) -> datetime:
    # Everything is stored in UTC; a naive time from a database that drops the zone is UTC too.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _guard(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is written as text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _text(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "link" and isinstance(value, Mapping):
        return translated(str(value.get("text") or ""))
    if isinstance(value, bool):
        return translated(N_("ja") if value else N_("nee"))
    if column.kind == "percent" and isinstance(value, int | float):
        text = f"{value * 100:.1f}%"
        return text.replace(".", ",") if language() == "nl" else text
    if isinstance(value, datetime):
        return format_datetime(_aware(value), "%d-%m-%Y" if column.kind == "date" else "%d-%m-%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if column.kind == "duration" and isinstance(value, int | float | timedelta):
        seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
        minutes = int(seconds // 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, str):
        return translated(value)
    return str(value)


# --- Excel ---------------------------------------------------------------------------------------------


def table_xlsx(table: ReportTable, about: list[tuple[str, str, str]]) -> bytes:
    workbook = Workbook()
    data: Worksheet = workbook.active
    data.title = translated(N_("Gegevens"))
    bold = Font(bold=True)
    data.append([_safe(translated(column.label)) for column in table.columns])
    for cell in data[1]:
        cell.font = bold
    for row in table.rows:
        data.append([_excel_value(column, row.get(column.key)) for column in table.columns])
    for index, column in enumerate(table.columns, start=1):
        for (cell,) in data.iter_rows(min_row=2, min_col=index, max_col=index):
            _type_cell(cell, column)
    _fit_columns(
        data, ([translated(c.label) for c in table.columns], *data.iter_rows(min_row=2, values_only=True))
    )
    data.freeze_panes = "A2"
    if table.columns:
        data.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(len(table.rows) + 1, 1)}"

    sheet = workbook.create_sheet(translated(N_("Filter")))
    for kind, label, value in about:
        sheet.append([_safe(kind), _safe(label), _safe(value)])
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        cell.font = bold
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
    _fit_columns(sheet, sheet.iter_rows(values_only=True))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind in ("int", "percent") and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if column.kind == "duration" and isinstance(value, int | float | timedelta):
        return value if isinstance(value, timedelta) else timedelta(seconds=float(value))
    if isinstance(value, datetime):
        local = _aware(value).astimezone(AMSTERDAM).replace(tzinfo=None)  # Excel has no time zones
        return local.date() if column.kind == "date" else local
    if isinstance(value, date):
        return value
    return _safe(_text(column, value))


def _type_cell(cell: Any, column: Column) -> None:
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif cell.value is not None and column.kind in _NUMBER_FORMATS:
        cell.number_format = _NUMBER_FORMATS[column.kind]


def _safe(text: str) -> str:
    """Control characters make a workbook unreadable; they have no place in a report anyway."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", text)
    return cleaned


def _fit_columns(sheet: Worksheet, rows: Iterable[Iterable[Any]]) -> None:
    widths: dict[int, int] = {}
    for row in rows:
        for index, value in enumerate(row, start=1):
            length = len(value) if isinstance(value, str) else 12 if value is not None else 0
            widths[index] = max(widths.get(index, 8), min(length + 2, _MAX_WIDTH))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width
