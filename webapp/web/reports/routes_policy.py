"""The anonymised policy statistics (issue 7 item 5) and the export log (item 4).

The statistics are for managers and the FG: counts of the closed-list register fields over every
organisation of the covenant, small counts hidden. Exporting them is a POST with a purpose (``doel``, 10 to
500 characters) that the export log keeps; a missing purpose or bad filter shows the page again with the
message and what was typed (422). The export log shows the FG every export and a manager their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template, request
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied
from webapp.domain.messages import N_
from webapp.services.exports import PURPOSE_MAX, PURPOSE_MIN, list_export_log, purpose_error
from webapp.services.filter_values import parse_page
from webapp.services.policy_stats import (
    GROUPINGS,
    REGISTER_CHOICES,
    PolicyView,
    parse_grouping,
    parse_register,
    policy_statistics,
)
from webapp.services.report_choices import report_choices
from webapp.services.report_filters import ReportFilters, parse_report_filters
from webapp.web.reports import bp
from webapp.web.reports.exporting import export_download, export_format
from webapp.web.reports.filtering import refuse
from webapp.web.support import actor, origin, services, translated


def _read(params: Mapping[str, str]) -> tuple[ReportFilters, str, str, list[str]]:
    """The filter, register and grouping asked for, with the messages about what made no sense; the
    statistics count per register, so a procedure or deadline kind in the address is refused too."""
    choices = report_choices(services(), actor(), all_organisations=True)
    filters, errors = parse_report_filters(
        params, organisations=choices.organisations, processes={}, now=services().clock.now()
    )
    register, register_error = parse_register(params.get("register", ""))
    by, by_error = parse_grouping(params.get("per", ""), filters)
    return filters, register, by, [translated(e) for e in [*errors, register_error, by_error] if e]


def _page(view: PolicyView, filter_errors: list[str], export: dict[str, Any], status: int = 200) -> Any:
    return (
        render_template(
            "reports/policy.html",
            view=view,
            filters=view.filters,
            choices=view.choices,
            registers=REGISTER_CHOICES,
            groupings=GROUPINGS,
            filter_errors=filter_errors,
            export=export,
            purpose_min=PURPOSE_MIN,
            purpose_max=PURPOSE_MAX,
        ),
        status,
    )


@bp.get("/beleid")
@login_required
def policy() -> Any:
    filters, register, by, filter_errors = _read(request.args)
    try:
        view = policy_statistics(services(), actor(), filters, register, by=by, origin=origin())
    except AccessDenied as denied:
        refuse(denied)
    return _page(view, filter_errors, {"formaat": "csv", "doel": "", "errors": {}})


@bp.post("/beleid/export")
@login_required
def policy_export() -> Any:
    filters, register, by, filter_errors = _read(request.form)
    fmt, format_error = export_format(request.form)
    purpose = request.form.get("doel", "")
    errors = {
        "formaat": translated(format_error or ("" if fmt else N_("Kies CSV of Excel."))),
        "doel": translated(purpose_error(purpose)),
        "filter": translated(N_("Pas het filter aan; er is niets geëxporteerd.")) if filter_errors else "",
    }
    errors = {name: message for name, message in errors.items() if message}
    try:
        # A refused export shows nothing; an export records its own line, the page a view line.
        view = policy_statistics(
            services(), actor(), filters, register, by=by, origin=origin(), audit_view=bool(errors)
        )
    except AccessDenied as denied:
        refuse(denied)
    if errors or fmt is None:
        export = {"formaat": request.form.get("formaat", ""), "doel": purpose, "errors": errors}
        return _page(view, filter_errors, export, 422)
    params = {**filters.as_params(), "register": view.register, "per": view.by}
    return export_download(view.combined, fmt, params, purpose=purpose.strip())


@bp.get("/exportlog")
@login_required
def export_log() -> Response | str:
    number, page_error = parse_page(request.args.get("pagina", "").strip())
    try:
        log = list_export_log(services(), actor(), number, origin())
    except AccessDenied as denied:
        refuse(denied)
    messages = [translated(page_error)] if page_error else []
    return render_template("reports/export_log.html", log=log, messages=messages)
