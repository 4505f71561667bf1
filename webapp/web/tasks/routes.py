"""The task pages: open a task's form, claim or release it, hand it to a colleague or for review and back,
save it as a draft, complete it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import (
    AccessDenied,
    ConcurrentUpdate,
    FormInvalid,
    NotFound,
    ProcessError,
    TaskNotReady,
)
from webapp.domain.messages import N_, Message
from webapp.services import assignment
from webapp.services import tasks as task_service
from webapp.services.assignment import TaskPanel
from webapp.services.forms import describe_form
from webapp.services.views import TaskForm
from webapp.web.form_post import apply_row_action, coerce_form_post, row_action
from webapp.web.support import actor, origin, say, services, translated

STUCK_AFTER_SAVE = N_("Uw antwoorden zijn opgeslagen, maar de procedure liep daarna vast: {error}")

bp = Blueprint("tasks", __name__)


@bp.get("/")
@login_required
def home() -> Response:
    return redirect(url_for("tasks.inbox"))


def _render(
    form: TaskForm,
    data: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    conflict: str | None = None,
    *,
    showing_draft: bool = False,
) -> tuple[str, int]:
    fields = describe_form(form.schema, form.uischema)
    page = render_template(
        "tasks/task.html",
        form=form,
        fields=fields,
        data=data,
        errors=errors,
        conflict=conflict,
        panel=_panel(form.task.id),
        showing_draft=showing_draft,
    )
    return page, status


def _panel(task_id: int) -> TaskPanel:
    try:
        return assignment.task_panel(services(), actor(), task_id)
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))


def _open(task_id: int) -> TaskForm:
    try:
        return task_service.open_task(services(), actor(), task_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))


@bp.get("/tasks/<int:task_id>")
@login_required
def show(task_id: int) -> tuple[str, int]:
    form = _open(task_id)
    return _render(form, form.data, {}, showing_draft=True)


@bp.post("/tasks/<int:task_id>")
@login_required
def complete(task_id: int) -> Response | tuple[str, int]:
    form = _open(task_id)
    schema = form.schema or {"type": "object", "properties": {}}
    post = request.form.to_dict(flat=False)
    action = row_action(post)
    if action is not None:  # "Rij toevoegen" / "Verwijder rij": show the form again, store nothing
        return _render(
            form, apply_row_action(schema, coerce_form_post(schema, post, keep_empty_rows=True), action), {}
        )
    data = coerce_form_post(schema, post)
    if request.form.get("_action") == "draft":  # "Opslaan als concept": stored as typed, not validated
        return _save_draft(form, data)
    try:
        emptied = set(schema.get("properties", {})) - set(data)
        result = task_service.complete_task(services(), actor(), task_id, data, origin(), emptied=emptied)
    except FormInvalid as invalid:
        return _render(form, data, invalid.errors, 422)
    except (TaskNotReady, ConcurrentUpdate) as gone:
        return _render(form, data, {}, 409, conflict=translated(gone))
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except ProcessError as error:
        say(Message(STUCK_AFTER_SAVE, error=translated(error)), "error")
        return redirect(url_for("instances.show", instance_id=form.task.instance_id))
    say(Message("Taak ‘{name}’ is afgerond.", name=form.task.name), "success")
    if result.next_task_id is not None:
        return redirect(url_for("tasks.show", task_id=result.next_task_id))
    return redirect(url_for("tasks.inbox"))


def _save_draft(form: TaskForm, data: dict[str, Any]) -> Response | tuple[str, int]:
    try:
        assignment.save_draft(services(), actor(), form.task.id, data, origin())
    except FormInvalid as invalid:
        return _render(form, data, invalid.errors, 422)
    except (TaskNotReady, ConcurrentUpdate) as gone:
        return _render(form, data, {}, 409, conflict=translated(gone))
    except AccessDenied as denied:
        return _render(form, data, {}, 403, conflict=translated(denied))
    say(N_("Uw concept is opgeslagen. Alleen u ziet het; de taak is nog niet afgerond."), "success")
    return redirect(url_for("tasks.show", task_id=form.task.id))


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    return _change_claim(task_id, task_service.claim_task, N_("U heeft de taak opgepakt."))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release(task_id: int) -> Response:
    return _change_claim(task_id, task_service.release_task, N_("De taak staat weer open voor uw collega's."))


@bp.post("/tasks/<int:task_id>/reassign")
@login_required
def reassign(task_id: int) -> Response:
    return _hand_on(task_id, assignment.reassign_task, N_("De taak is overgedragen aan {name}."))


@bp.post("/tasks/<int:task_id>/delegate")
@login_required
def delegate(task_id: int) -> Response:
    done = N_("De taak ligt nu ter beoordeling bij {name}. U rondt haar af als die haar heeft teruggegeven.")
    return _hand_on(task_id, assignment.delegate_task, done)


@bp.post("/tasks/<int:task_id>/hand-back")
@login_required
def hand_back(task_id: int) -> Response:
    try:
        owner = assignment.hand_back_task(services(), actor(), task_id, origin())
        say(Message("De taak is terug bij {name}.", name=owner), "success")
    except NotFound:
        abort(404)
    except (AccessDenied, TaskNotReady) as refused:
        say(refused, "error")
    return redirect(url_for("tasks.show", task_id=task_id))


def _colleague_id() -> int | None:
    raw = request.form.get("colleague_id", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def _hand_on(task_id: int, change: Callable[..., str], done: str) -> Response:
    colleague_id = _colleague_id()
    if colleague_id is None:
        say(N_("Kies een collega uit de lijst."), "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        name = change(services(), actor(), task_id, colleague_id, origin())
        say(Message(done, name=name), "success")
    except NotFound:
        abort(404)
    except (AccessDenied, TaskNotReady) as refused:
        say(refused, "error")
    return redirect(url_for("tasks.show", task_id=task_id))


def _change_claim(task_id: int, change: Any, done: str) -> Response:
    try:
        change(services(), actor(), task_id, origin())
        say(done, "success")
    except NotFound:
        abort(404)
    except (AccessDenied, TaskNotReady) as refused:
        say(refused, "error")
    return redirect(url_for("tasks.show", task_id=task_id))


# The inbox lives in its own module; importing it registers its routes on this blueprint.
from webapp.web.tasks import inbox as _inbox  # noqa: E402, F401
