"""The audit pages for the FG (and administrator): the search over the organisation's audit and the client
access overview of one case, each with its export. Every page and export is audited by the service."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.domain import access
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_
from webapp.services import audit_search
from webapp.services.audit_filters import ACTION_LABELS, FIELDS, OBJECT_LABELS, RESULT_LABELS
from webapp.services.client_access import client_access
from webapp.web.audit.exports import csv_response, json_response, line_record
from webapp.web.support import actor, origin, say, services, translated

bp = Blueprint("audit", __name__)


def _params() -> dict[str, str]:
    # Only the first value of a repeated parameter counts, as a GET form sends each field once.
    return {name: request.args.get(name, "") for name in FIELDS}


@bp.get("/audit")
@login_required
def search() -> str:
    try:
        page = audit_search.search_audit(services(), actor(), _params(), origin())
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    return render_template(
        "audit/search.html",
        search=page,
        page_size=audit_search.PAGE_SIZE,
        actions=ACTION_LABELS,
        results=RESULT_LABELS,
        object_types=OBJECT_LABELS,
    )


@bp.get("/audit/export.csv")
@login_required
def export() -> Response:
    try:
        found = audit_search.export_audit(services(), actor(), _params(), origin())
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except FormInvalid:
        say(N_("Dit filter kan niet worden toegepast; pas het aan en exporteer opnieuw."), "error")
        return redirect(url_for("audit.search") + "?" + urlencode({k: v for k, v in _params().items() if v}))
    return csv_response(found.lines, "auditlog.csv")


def _overview(reference: str, export_format: str | None = None):  # type: ignore[no-untyped-def]
    try:
        return client_access(services(), actor(), reference, origin(), export_format=export_format)
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))


@bp.get("/audit/cases/<reference>")
@login_required
def client_overview(reference: str) -> str:
    return render_template(
        "audit/client.html",
        overview=_overview(reference),
        actions=ACTION_LABELS,
        results=RESULT_LABELS,
        object_types=OBJECT_LABELS,
    )


@bp.get("/audit/cases/<reference>/export.csv")
@login_required
def client_export_csv(reference: str) -> Response:
    overview = _overview(reference, "csv")
    return csv_response(overview.lines, f"inzage-log-{overview.reference}.csv")


@bp.get("/audit/cases/<reference>/export.json")
@login_required
def client_export_json(reference: str) -> Response:
    overview = _overview(reference, "json")
    payload = {
        "zaak": overview.reference,
        "organisatie": overview.organisation,
        "clientsleutel": overview.client_key,
        "opgesteld_op": overview.generated_at.isoformat(),
        "uitleg": translated(
            N_(
                "Wie wat met de gegevens van deze zaak deed en wanneer (NEN 7513), oudste eerst; "
                "noodtoegang staat bij elke regel vermeld."
            )
        ),
        "regels": [line_record(line) for line in overview.lines],
    }
    return json_response(payload, f"inzage-log-{overview.reference}.json")


def register_audit(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _audit_reader() -> dict[str, bool]:
        # The menu item and the case page's link: only for who reads an audit (deny by default).
        reads = current_user.is_authenticated and bool(access.audit_organisations(current_user.actor))
        return {"reads_audit": reads}
