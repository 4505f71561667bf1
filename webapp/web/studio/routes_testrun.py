"""Studio part: test-run a diagram on a simulated clock (issue 6 item 5).

``/studio/diagrams/<name>/test-run`` asks for the simulated start moment; a run then has its own page under
``/studio/test-runs/<run_id>`` with the diagram (marks: the path taken, the open tasks, the waiting timers),
the open tasks' forms rendered by the professionals' macros, "Naar de volgende termijn", the log and
"Opnieuw beginnen". Runs are kept in the database (``services/test_run_store``), so any web process serves
any step; nothing here touches a real case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound, ProcessError
from webapp.domain.messages import N_, Message
from webapp.services import test_run as runs
from webapp.services.forms import describe_form
from webapp.services.test_run_store import TestRunPlan, TestRunRefused, TestRunView, TestTask
from webapp.web.form_post import apply_row_action, coerce_form_post, row_action
from webapp.web.studio import bp
from webapp.web.support import actor, format_datetime, origin, say, services, translated

BAD_MOMENT = N_("Vul een geldige datum en tijd in, zoals 02-11-2026 09:00.")
_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


@bp.get("/diagrams/<name>/test-run")
@login_required
def test_run_new(name: str) -> tuple[str, int]:
    plan = _plan_or_abort(name)
    moment = services().clock.now().astimezone(AMSTERDAM).strftime(_INPUT_FORMAT)
    return _start_page(plan, moment, {}, 200)


@bp.post("/diagrams/<name>/test-run")
@login_required
def test_run_start(name: str) -> Response | tuple[str, int]:
    plan = _plan_or_abort(name)
    raw = request.form.get("start_at", "").strip()
    start_at = _moment(raw)
    if start_at is None:
        return _start_page(plan, raw, {"start_at": BAD_MOMENT}, 422)
    try:
        run = runs.start_test_run(services(), actor(), name, start_at, origin())
    except TestRunRefused as refused:
        return _start_page(plan, raw, {}, 422, refused)
    return redirect(url_for("studio.test_run_show", run_id=run.run_id))


@bp.get("/test-runs/<run_id>")
@login_required
def test_run_show(run_id: str) -> tuple[str, int]:
    view = _view_or_abort(run_id)
    return _run_page(view, request.args.get("taak"), None, {}, 200)


@bp.get("/test-runs/<run_id>/diagram.bpmn")
@login_required
def test_run_diagram(run_id: str) -> Response | tuple[str, int]:
    try:
        xml = runs.diagram_xml(services(), actor(), run_id)
    except (NotFound, AccessDenied) as refused:
        return _refusal(refused)
    return Response(xml, mimetype="application/xml")


@bp.get("/test-runs/<run_id>/marks.json")
@login_required
def test_run_marks(run_id: str) -> Response | tuple[Response, int]:
    try:
        view = runs.view(services(), actor(), run_id)
    except (NotFound, AccessDenied) as refused:
        code = 404 if isinstance(refused, NotFound) else 403
        return jsonify({"message": translated(refused)}), code
    return jsonify(_marks(view))


@bp.post("/test-runs/<run_id>/tasks/<task_id>")
@login_required
def test_run_complete(run_id: str, task_id: str) -> Response | tuple[str, int]:
    view = _view_or_abort(run_id)
    task = next((t for t in view.tasks if t.task_id == task_id), None)
    if task is None:
        say(N_("Deze taak staat in deze testrun niet (meer) open."), "error")
        return redirect(url_for("studio.test_run_show", run_id=run_id))
    schema = task.schema or {"type": "object", "properties": {}}
    post = request.form.to_dict(flat=False)
    action = row_action(post)
    if action is not None:  # "Rij toevoegen" / "Verwijder rij": show the form again, nothing runs
        typed = apply_row_action(schema, coerce_form_post(schema, post, keep_empty_rows=True), action)
        return _run_page(view, task_id, typed, {}, 200)
    data = coerce_form_post(schema, post)
    emptied = set(schema.get("properties", {})) - set(data)
    try:
        runs.complete(services(), actor(), run_id, task_id, data, emptied=emptied)
    except FormInvalid as invalid:
        return _run_page(view, task_id, data, invalid.errors, 422)
    except NotFound as gone:
        say(gone, "error")
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except ProcessError as error:
        say(Message("De procedure liep vast in de testrun: {error}", error=translated(error)), "error")
    else:
        say(Message("Taak ‘{name}’ is afgerond in de testrun.", name=task.name), "success")
    return redirect(url_for("studio.test_run_show", run_id=run_id))


@bp.post("/test-runs/<run_id>/advance")
@login_required
def test_run_advance(run_id: str) -> Response | tuple[str, int]:
    try:
        moment = runs.advance_to_next_timer(services(), actor(), run_id)
    except (NotFound, AccessDenied) as refused:
        return _refusal(refused)
    except TestRunRefused as nothing:
        say(nothing, "error")
    except ProcessError as error:
        say(Message("De procedure liep vast in de testrun: {error}", error=translated(error)), "error")
    else:
        say(Message("De gesimuleerde klok staat nu op {moment}.", moment=format_datetime(moment)), "success")
    return redirect(url_for("studio.test_run_show", run_id=run_id))


@bp.post("/test-runs/<run_id>/restart")
@login_required
def test_run_restart(run_id: str) -> Response | tuple[str, int]:
    try:
        again = runs.restart(services(), actor(), run_id, origin())
    except (NotFound, AccessDenied) as refused:
        return _refusal(refused)
    except TestRunRefused as refused:
        say(refused, "error")
        return redirect(url_for("studio.test_run_show", run_id=run_id))
    say(N_("De testrun begint opnieuw, met de diagrammen en formulieren zoals ze nu zijn."), "success")
    return redirect(url_for("studio.test_run_show", run_id=again.run_id))


# --- pages -----------------------------------------------------------------------------------------------


def _start_page(
    plan: TestRunPlan,
    moment: str,
    errors: dict[str, str],
    status: int,
    refused: TestRunRefused | None = None,
) -> tuple[str, int]:
    page = render_template(
        "studio/test_run.html",
        plan=plan,
        problems=refused.problems if refused else plan.problems,
        refused=translated(refused) if refused else None,
        start_at=moment,
        errors=errors,
        run=None,
    )
    return page, status


def _run_page(
    view: TestRunView,
    chosen_id: str | None,
    typed: dict[str, Any] | None,
    errors: dict[str, str],
    status: int,
) -> tuple[str, int]:
    """The run; one task's form is shown at a time (the macros' field ids are unique per page)."""
    chosen: TestTask | None = next((t for t in view.tasks if t.task_id == chosen_id), None)
    chosen = chosen or (view.tasks[0] if view.tasks else None)
    fields = describe_form(chosen.schema, chosen.uischema) if chosen else []
    page = render_template(
        "studio/test_run.html",
        run=view,
        chosen=chosen,
        fields=fields,
        data=chosen.data if typed is None and chosen else (typed or {}),
        errors=errors,
    )
    return page, status


def _marks(view: TestRunView) -> dict[str, Any]:
    """The display contract of diagram.js: the path done, the open tasks current, the timers waiting."""
    markers: dict[str, list[str]] = {}
    for step in view.path:
        if step.file == view.own_file:
            markers[step.bpmn_id] = ["kf-done"]
    for flow in view.flows_done:
        markers[flow] = ["kf-done"]
    for task in view.tasks:
        markers[task.bpmn_id] = ["kf-current"]
    overlays = []
    for timer in view.timers:
        if timer.in_own_diagram:
            markers[timer.bpmn_id] = ["kf-waiting"]
            when = format_datetime(timer.due_at) if timer.due_at else translated(N_("moment nog onbekend"))
            overlays.append({"element": timer.bpmn_id, "text": when, "kind": "timer"})
    return {"markers": markers, "overlays": overlays}


def _moment(raw: str) -> datetime | None:
    """The simulated start, typed in Amsterdam time (datetime-local posts "2026-11-02T09:00")."""
    for pattern in (_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y"):
        try:
            moment = datetime.strptime(raw, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=AMSTERDAM) if 1970 <= moment.year <= 2200 else None
    return None


def _plan_or_abort(name: str) -> TestRunPlan:
    try:
        return runs.plan_test_run(services(), actor(), name)
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))


def _view_or_abort(run_id: str) -> TestRunView:
    try:
        return runs.view(services(), actor(), run_id)
    except NotFound as gone:
        abort(Response(_not_found_page(gone), 404))
    except AccessDenied as denied:
        abort(403, description=translated(denied))


def _refusal(refused: NotFound | AccessDenied) -> tuple[str, int]:
    if isinstance(refused, AccessDenied):
        abort(403, description=translated(refused))
    return _not_found_page(refused), 404


def _not_found_page(gone: NotFound) -> str:
    """The run is gone (expired, restarted, or never there): say so, not just "page not found"."""
    return render_template("error.html", code=404, title=N_("Testrun niet gevonden"), text=str(gone))
