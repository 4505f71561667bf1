"""The incidents page (/beheer/incidenten) with its two actions, retry and cancel, for administrators."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, NotFound
from webapp.domain.messages import N_
from webapp.services import incidents
from webapp.services.timers import MAX_AUTOMATIC_ATTEMPTS
from webapp.web.support import actor, origin, say, services, translated

bp = Blueprint("incidents", __name__, url_prefix="/beheer/incidenten")


@bp.get("")
@login_required
def index() -> str:
    try:
        found = incidents.list_incidents(services(), actor(), origin())
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    return render_template(
        "incidents/list.html", incidents=found, limit=incidents.LIST_LIMIT, most=MAX_AUTOMATIC_ATTEMPTS
    )


@bp.post("/<int:instance_id>/opnieuw")
@login_required
def retry(instance_id: int) -> Response:
    try:
        recovered = incidents.retry_incident(services(), actor(), instance_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    if recovered:
        say(N_("De procedure wordt opnieuw geprobeerd."), "success")
    else:
        say(N_("Opnieuw proberen is mislukt; de procedure staat nog in de foutstatus."), "error")
    return redirect(url_for("incidents.index"))


@bp.post("/<int:instance_id>/annuleren")
@login_required
def cancel(instance_id: int) -> Response:
    try:
        incidents.cancel_incident(services(), actor(), instance_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    say(N_("De procedure is geannuleerd; de open taken en de wachtende timer zijn vervallen."), "success")
    return redirect(url_for("incidents.index"))


def register_incidents(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _incident_handler() -> dict[str, bool]:
        # The menu item: only for administrators (deny by default).
        handles = current_user.is_authenticated and bool(incidents.admin_organisations(current_user.actor))
        return {"handles_incidents": handles}
