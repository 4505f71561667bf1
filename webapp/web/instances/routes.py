"""An instance's page: its tasks, deadlines and history."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from webapp.domain.errors import AccessDenied, NotFound
from webapp.services.instances import view_instance
from webapp.web.support import actor, origin, services

bp = Blueprint("instances", __name__)


@bp.get("/instances/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    try:
        instance = view_instance(services(), actor(), instance_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=str(denied))
    return render_template("instances/show.html", instance=instance)
