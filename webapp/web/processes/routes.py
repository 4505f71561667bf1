"""Starting a procedure."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, NotFound, ProcessError
from webapp.domain.messages import N_, Message
from webapp.services.instances import list_startable, start_process
from webapp.web.support import actor, origin, say, services, translated

bp = Blueprint("processes", __name__)


@bp.get("/processes")
@login_required
def index() -> str:
    return render_template("processes/index.html", processes=list_startable(services(), actor()))


@bp.post("/processes/<process_id>/start")
@login_required
def start(process_id: str) -> Response:
    try:
        organisation_id = int(request.form.get("organisation_id", ""))
    except ValueError:
        say(N_("Kies de organisatie waarvoor u de procedure start."), "error")
        return redirect(url_for("processes.index"))
    try:
        result = start_process(services(), actor(), process_id, organisation_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except ProcessError as error:
        say(Message("De procedure kon niet starten: {reason}", reason=translated(error)), "error")
        return redirect(url_for("processes.index"))
    say(N_("De procedure is gestart."), "success")
    if result.next_task_id is not None:
        return redirect(url_for("tasks.show", task_id=result.next_task_id))
    return redirect(url_for("instances.show", instance_id=result.instance_id))
