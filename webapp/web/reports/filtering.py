"""What every managers' page does first: read the filter against the reader's choices, and answer a refusal
with the 403 page and its reason."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, request

from webapp.domain.errors import AccessDenied
from webapp.services.report_choices import ReportChoices, report_choices
from webapp.services.report_filters import ReportFilters, parse_report_filters
from webapp.web.support import actor, services, translated


def page_filters() -> tuple[ReportFilters, ReportChoices, list[str]]:
    """The filter of the address, the reader's choices, and the translated messages about bad values.

    The deadline kinds are those of open tasks; the compliance pages accept them too, so a link from the
    dashboard keeps its filter (compliance has its own kinds of deadline)."""
    choices = report_choices(services(), actor())
    filters, errors = parse_report_filters(
        request.args,
        organisations=choices.organisations,
        processes=choices.processes,
        deadline_kinds=choices.deadline_kinds,
        now=services().clock.now(),
    )
    return filters, choices, [translated(e) for e in errors]


def refuse(denied: AccessDenied) -> NoReturn:
    abort(403, description=translated(denied))
