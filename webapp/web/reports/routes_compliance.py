"""Deadline compliance and lead times (issue 7 item 2, charts of item 3): the compliance page with the list
behind each of its numbers, and the lead times per step. Every table downloads with ``?formaat=csv|xlsx``
(``tabel`` names which one on a page with several); a filter or format that makes no sense gives a Dutch
message and the unfiltered page, never an error. Managers only: others get 403 with the reason (audited)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, render_template, request
from flask_login import login_required

from webapp.domain.errors import AccessDenied
from webapp.domain.messages import Message
from webapp.services.compliance_report import ComplianceView, compliance_list, deadline_compliance
from webapp.services.filter_values import parse_page, shown
from webapp.services.lead_times import LeadTimeView, chart_title, lead_times
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import ReportTable
from webapp.web.reports import bp
from webapp.web.reports.exporting import export_download, export_format
from webapp.web.reports.filtering import page_filters, refuse
from webapp.web.support import actor, origin, services, translated

# The downloadable tables of each page, by the value of ``tabel`` (the first is the default).
COMPLIANCE_TABLES = (
    "overzicht",
    "per-maand",
    "per-organisatie",
    "per-maand-en-organisatie",
    "aandeel-per-maand",
)
LEAD_TIME_TABLES = ("per-stap", "te-laat-per-maand")


def _download(
    tables: Mapping[str, ReportTable | Callable[[], ReportTable]], filters: ReportFilters
) -> tuple[Response | None, list[str]]:
    """The asked table as a file, or the messages about what was asked wrong (shown on the page)."""
    fmt, error = export_format(request.args)
    if fmt is None:
        return None, [translated(error)] if error else []
    name = request.args.get("tabel", "").strip() or next(iter(tables))
    if name not in tables:
        return None, [translated(Message("De tabel ‘{text}’ bestaat niet op deze pagina.", text=shown(name)))]
    table = tables[name]
    table = table if isinstance(table, ReportTable) else table()  # a download-only table is built on demand
    return export_download(table, fmt, {**filters.as_params(), "tabel": name}), []


def _series(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chart series with their names in the reader's language (the chart macro prints them as given)."""
    return [{**s, "name": translated(s["name"])} for s in series]


@bp.get("/termijnen")
@login_required
def compliance() -> Response | str:
    filters, choices, filter_errors = page_filters()
    try:
        view: ComplianceView = deadline_compliance(services(), actor(), filters, origin())
    except AccessDenied as denied:
        refuse(denied)
    tables: dict[str, ReportTable | Callable[[], ReportTable]] = dict(
        zip(
            COMPLIANCE_TABLES,
            (view.summary, view.per_month, view.per_organisation, view.detail_table, view.trend),
            strict=True,
        )
    )
    download, messages = _download(tables, filters)
    if download is not None:
        return download
    return render_template(
        "reports/compliance.html",
        view=view,
        filters=filters,
        choices=choices,
        filter_errors=filter_errors,
        messages=messages,
        chart_series=_series(view.chart_series),
    )


@bp.get("/termijnen/lijst")
@login_required
def deadlines() -> Response | str:
    filters, choices, filter_errors = page_filters()
    number, page_error = parse_page(request.args.get("pagina", "").strip())
    fmt, format_error = export_format(request.args)
    kind, outcome = request.args.get("soort", ""), request.args.get("uitkomst") or None
    try:
        found = compliance_list(
            services(), actor(), filters, kind, outcome, number, all_rows=fmt is not None, origin=origin()
        )
    except AccessDenied as denied:
        refuse(denied)
    params = {**filters.as_params(), **({"soort": found.kind} if found.kind else {})}
    if found.outcome:
        params["uitkomst"] = found.outcome
    if fmt is not None:
        return export_download(found.table, fmt, params)
    messages = [translated(m) for m in [page_error, format_error, *found.messages] if m]
    return render_template(
        "reports/compliance_list.html",
        found=found,
        filters=filters,
        choices=choices,
        filter_errors=filter_errors,
        messages=messages,
        params=params,
    )


@bp.get("/doorlooptijden", endpoint="lead_times")
@login_required
def lead_times_page() -> Response | str:
    filters, choices, filter_errors = page_filters()
    try:
        view: LeadTimeView = lead_times(services(), actor(), filters, origin())
    except AccessDenied as denied:
        refuse(denied)
    tables = dict(zip(LEAD_TIME_TABLES, (view.table, view.late), strict=True))
    download, messages = _download(tables, filters)
    if download is not None:
        return download
    return render_template(
        "reports/lead_times.html",
        view=view,
        filters=filters,
        choices=choices,
        filter_errors=filter_errors,
        messages=messages,
        chart_title=translated(chart_title(view)),
        chart_series=_series(view.chart_series),
        late_series=_series(view.late_series),
        tables=tables,
    )
