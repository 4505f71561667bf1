"""An instance's diagram with where it stands (issue 6 item 7): the page, the BPMN it draws and the marks.

The page holds one ``kf-diagram`` per diagram file the instance ran (its own, and each process it called),
drawn by static/js/diagram.js from the two addresses below, and the same facts as tables for screen
readers. ``?process=`` names a called process's diagram; without it, the instance's own.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request
from flask_login import login_required

from webapp.domain.errors import AccessDenied, NotFound
from webapp.domain.messages import N_, Message
from webapp.services.instance_diagram import DiagramPart, InstanceDiagram, instance_diagram
from webapp.web.instances.routes import bp
from webapp.web.support import actor, format_date, format_datetime, origin, services, translated


def _diagram(instance_id: int, part: str) -> InstanceDiagram:
    try:
        return instance_diagram(services(), actor(), instance_id, origin(), part=part)
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))


def _part(view: InstanceDiagram) -> DiagramPart:
    chosen = view.part(request.args.get("process", type=str))
    if chosen is None:
        abort(404)
    return chosen


@bp.get("/instances/<int:instance_id>/diagram")
@login_required
def diagram(instance_id: int) -> str:
    view = _diagram(instance_id, "page")
    return render_template("instances/diagram.html", view=view)


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def diagram_bpmn(instance_id: int) -> Response:
    part = _part(_diagram(instance_id, "bpmn"))
    return Response(part.xml, mimetype="application/xml")


@bp.get("/instances/<int:instance_id>/diagram-marks.json")
@login_required
def diagram_marks(instance_id: int) -> Response:
    part = _part(_diagram(instance_id, "marks"))
    return jsonify(marks_of(part))


def marks_of(part: DiagramPart) -> dict[str, Any]:
    """diagram.js's contract: markers by element id, and overlays with an escaped text."""
    overlays: list[dict[str, str]] = []
    for timer in part.timers:
        text = format_datetime(timer.due_at) if timer.due_at else translated(N_("nog onbekend"))
        overlays.append({"element": timer.element_id, "text": text, "kind": "timer"})
    for call in part.calls:
        text = translated(Message("Voert uit: {process}", process=call.calls))
        overlays.append({"element": call.element_id, "text": text, "kind": "info"})
    for task in part.open_tasks:
        if task.due_at:
            text = translated(Message("Uiterlijk {date}", date=format_date(task.due_at)))
            overlays.append({"element": task.element_id, "text": text, "kind": "info"})
    return {"markers": part.markers, "overlays": overlays}
