"""The managers' dashboard (issue 7 items 1 and 3) and the lists behind its numbers: open tasks by deadline
bucket and open instances. Every table and list downloads with ``?formaat=csv|xlsx`` (on the dashboard
``tabel`` names which table). A filter, bucket, page or format that makes no sense gives a Dutch message
and the unfiltered view with status 200, never an error. Managers only: others get 403 with the reason
(the refusal is audited by the service)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Response, render_template, request, url_for
from flask_login import login_required

from webapp.domain.errors import AccessDenied
from webapp.domain.messages import Message
from webapp.services.dashboard import Chart, ListLink, dashboard_overview, open_instance_list, open_task_list
from webapp.services.filter_values import parse_page, shown
from webapp.services.report_tables import ReportTable
from webapp.web.reports import bp
from webapp.web.reports.exporting import export_download, export_format
from webapp.web.reports.filtering import page_filters, refuse
from webapp.web.support import actor, origin, services, translated

_LISTS = {"tasks": "reports.tasks", "instances": "reports.instances"}


def list_href(link: ListLink) -> str:
    """The address of the list behind a number."""
    values: dict[str, Any] = dict(link.params)  # url_for's own keywords are typed; query values are str
    return url_for(_LISTS[link.list], **values)


def linked(table: ReportTable) -> ReportTable:
    """The table as the page shows it: each number's list as an address (exports use the table as it is)."""
    rows = [
        {**row, "_links": {key: list_href(link) for key, link in row.get("_links", {}).items()}}
        for row in table.rows
    ]
    return replace(table, rows=rows)


def chart(data: Chart) -> dict[str, Any]:
    """A chart's arguments for _macros/charts.html, its texts in the reader's language."""
    return {
        "labels": [translated(label) for label in data.labels],
        "series": [{**s, "name": translated(s["name"])} for s in data.series],
        "href": [list_href(link) if link else None for link in data.links] or None,
    }


def _export_messages(tables: dict[str, ReportTable]) -> tuple[tuple[ReportTable, str] | None, list[str]]:
    """The table asked for download and its format, or the messages about what was asked wrong."""
    fmt, error = export_format(request.args)
    if fmt is None:
        return None, [translated(error)] if error else []
    name = request.args.get("tabel", "").strip() or next(iter(tables))
    if name not in tables:
        return None, [translated(Message("De tabel ‘{text}’ bestaat niet op deze pagina.", text=shown(name)))]
    return (tables[name], fmt), []


@bp.get("/", endpoint="dashboard")
@login_required
def dashboard() -> Response | str:
    filters, choices, filter_errors = page_filters()
    try:
        view = dashboard_overview(services(), actor(), filters)
    except AccessDenied as denied:
        refuse(denied)
    asked, messages = _export_messages(view.tables)
    if asked is not None:
        table, fmt = asked
        return export_download(table, fmt, {**filters.as_params(), "tabel": table.name})
    return render_template(
        "reports/dashboard.html",
        view=view,
        tables={name: linked(table) for name, table in view.tables.items()},
        cards={
            name: (figure.value, list_href(figure.link))
            for name, figure in (
                ("open_instances", view.open_instances),
                ("open_tasks", view.open_tasks),
                ("overdue", view.overdue),
                ("due_week", view.due_week),
            )
        },
        process_chart=chart(view.process_chart),
        overdue_chart=chart(view.overdue_chart),
        trend_chart=chart(view.trend_chart),
        filters=filters,
        choices=choices,
        filter_errors=filter_errors,
        messages=messages,
        show_kind=True,
    )


def _list_args() -> tuple[int, str | None, list[str]]:
    number, page_error = parse_page(request.args.get("pagina", "").strip())
    fmt, format_error = export_format(request.args)
    return number, fmt, [translated(m) for m in (page_error, format_error) if m]


@bp.get("/taken", endpoint="tasks")
@login_required
def tasks() -> Response | str:
    filters, choices, filter_errors = page_filters()
    number, fmt, messages = _list_args()
    bucket = request.args.get("bucket", "").strip() or None
    try:
        found = open_task_list(
            services(), actor(), filters, bucket, number, all_rows=fmt is not None, origin=origin()
        )
    except AccessDenied as denied:
        refuse(denied)
    params = {k: v for k, v in filters.as_params().items() if k in ("organisatie", "proces", "termijn")}
    if found.bucket:
        params["bucket"] = found.bucket
    if fmt is not None:
        return export_download(found.table, fmt, params)
    return render_template(
        "reports/task_list.html",
        found=found,
        table=found.table,
        params=params,
        filters=filters,
        choices=choices,
        filter_errors=filter_errors,
        messages=messages + [translated(m) for m in found.messages],
        show_kind=True,
    )


@bp.get("/zaken", endpoint="instances")
@login_required
def instances() -> Response | str:
    filters, choices, filter_errors = page_filters()
    number, fmt, messages = _list_args()
    try:
        found = open_instance_list(
            services(), actor(), filters, number, all_rows=fmt is not None, origin=origin()
        )
    except AccessDenied as denied:
        refuse(denied)
    params = {k: v for k, v in filters.as_params().items() if k in ("organisatie", "proces")}
    if fmt is not None:
        return export_download(found.table, fmt, params)
    return render_template(
        "reports/instance_list.html",
        found=found,
        table=found.table,
        params=params,
        filters=filters,
        choices=choices,
        filter_errors=filter_errors,
        messages=messages + [translated(m) for m in found.messages],
    )
