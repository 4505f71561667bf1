"""The managers' pages under /rapportages: the dashboard of open, due and overdue work with the lists behind
its numbers, deadline compliance and lead times, the anonymised policy statistics, and the export log.
Every table downloads as CSV or Excel with the filter that produced it (exports are audited)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/rapportages")

# The route modules attach their views to ``bp`` when imported.
from webapp.web.reports import (  # noqa: E402
    routes_compliance,  # noqa: F401
    routes_dashboard,  # noqa: F401
    routes_policy,  # noqa: F401
)


@bp.app_context_processor
def _reports_menu() -> dict[str, str | None]:
    # The menu's "Overzichten" item: the dashboard for managers, the policy statistics for the FG; nothing
    # for others (deny by default).
    from flask import url_for
    from flask_login import current_user

    from webapp.domain import access

    if not current_user.is_authenticated:
        return {"reports_home": None}
    if access.may_view_reports(current_user.actor):
        return {"reports_home": url_for("reports.dashboard")}
    if access.may_view_policy_statistics(current_user.actor):
        return {"reports_home": url_for("reports.policy")}
    return {"reports_home": None}
