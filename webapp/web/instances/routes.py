"""An instance's page: its tasks, deadlines, history and the events a person may raise on it."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, NotFound, ProcessError, TaskNotReady
from webapp.domain.messages import N_, Message
from webapp.services.events import list_instance_actions, trigger_event
from webapp.services.instances import view_instance
from webapp.web.support import actor, origin, say, services, translated

STUCK_AFTER_EVENT = N_("De gebeurtenis is vastgelegd, maar de procedure liep daarna vast: {error}")

bp = Blueprint("instances", __name__)


@bp.get("/instances/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    try:
        instance = view_instance(services(), actor(), instance_id, origin())
        actions = list_instance_actions(services(), actor(), instance_id)
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    return render_template("instances/show.html", instance=instance, actions=actions)


@bp.post("/instances/<int:instance_id>/events/<message_name>")
@login_required
def raise_event(instance_id: int, message_name: str) -> Response:
    try:
        result = trigger_event(services(), actor(), instance_id, message_name, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except TaskNotReady as gone:
        say(gone, "error")
        return redirect(url_for("instances.show", instance_id=instance_id))
    except ProcessError as error:
        say(Message(STUCK_AFTER_EVENT, error=translated(error)), "error")
        return redirect(url_for("instances.show", instance_id=instance_id))
    say(N_("De gebeurtenis is vastgelegd."), "success")
    if result.next_task_id is not None:
        return redirect(url_for("tasks.show", task_id=result.next_task_id))
    return redirect(url_for("instances.show", instance_id=instance_id))
