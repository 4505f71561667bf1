"""Audit lines as CSV and JSON downloads: the same columns as the pages, for a spreadsheet or a Wabvpz
request. A cell that a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from flask import Response

from webapp.domain.messages import N_
from webapp.services.audit_filters import ACTION_LABELS, OBJECT_LABELS, RESULT_LABELS
from webapp.services.audit_search import AuditLine
from webapp.web.support import format_datetime, role_label, translated

COLUMNS = (
    "regel",
    "tijdstip",
    "gebruiker",
    "gebruikersnaam",
    "organisatie",
    "rol",
    "handeling",
    "gebeurtenis",
    "resultaat",
    "soort gegeven",
    "gegeven",
    "zaak",
    "taak",
    "herkomst",
    "noodtoegang",
    "reden",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def line_record(line: AuditLine) -> dict[str, Any]:
    """One line with readable values; the time in Amsterdam and as an ISO instant (UTC)."""
    return {
        "regel": line.id,
        "tijdstip": line.at.isoformat(),
        "tijdstip_amsterdam": format_datetime(line.at, "%d-%m-%Y %H:%M:%S"),
        "gebruiker": line.actor or translated(N_("systeem")),
        "gebruikersnaam": line.actor_username or "",
        "organisatie": line.organisation or "",
        "rol": role_label(line.role) if line.role else "",
        "handeling": translated(ACTION_LABELS.get(line.action, line.action)),
        "gebeurtenis": line.event,
        "resultaat": translated(RESULT_LABELS.get(line.result, line.result)),
        "soort gegeven": translated(OBJECT_LABELS[line.object_type])
        if line.object_type in OBJECT_LABELS
        else (line.object_type or ""),
        "gegeven": line.object_id or "",
        "zaak": line.case_reference or "",
        "taak": line.task_name or "",
        "herkomst": line.origin or "",
        "noodtoegang": line.break_glass,
        "reden": line.reason or "",
    }


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return translated(N_("ja") if value else N_("nee"))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_response(lines: Iterable[AuditLine], filename: str) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that a spreadsheet opens the accents as UTF-8
    writer = csv.writer(buffer, delimiter=";")  # the separator Dutch spreadsheets expect
    writer.writerow(COLUMNS)
    for line in lines:
        record = line_record(line)
        record["tijdstip"] = record.pop("tijdstip_amsterdam")
        writer.writerow([_cell(record[column]) for column in COLUMNS])
    return _download(buffer.getvalue(), "text/csv; charset=utf-8", filename)


def json_response(payload: dict[str, Any], filename: str) -> Response:
    return _download(json.dumps(payload, ensure_ascii=False, indent=2), "application/json", filename)


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
