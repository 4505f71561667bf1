"""The case file: one page per case reference, with its comments and the related procedures to start."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, FormInvalid, NotFound, ProcessError
from webapp.domain.messages import N_, Message
from webapp.services.cases import RelatedNotAllowed, start_related, view_case_file
from webapp.services.comments import MAX_COMMENT_LENGTH, add_comment
from webapp.web.support import actor, origin, say, services, translated, translated_errors

bp = Blueprint("cases", __name__)


def _render(reference: str, status: int = 200, **form: object) -> tuple[str, int]:
    try:
        case = view_case_file(services(), actor(), reference, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        # Who may ask break-glass gets the refusal with the form to ask it; anyone else the error page.
        return _break_glass.refused_page(reference, translated(denied))
    page = render_template("cases/show.html", case=case, max_length=MAX_COMMENT_LENGTH, **form)
    return page, status


@bp.get("/cases/<case_reference>")
@login_required
def show(case_reference: str) -> tuple[str, int]:
    return _render(case_reference)


def _task_id(raw: str) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise FormInvalid({"task_id": N_("Kies een taak van deze zaak.")}) from None


@bp.post("/cases/<case_reference>/comments")
@login_required
def comment(case_reference: str) -> Response | tuple[str, int]:
    """A comment on the case or, with ``task_id``, on one of its tasks. A form on a task page sends
    ``terug=taak`` to return there."""
    body = request.form.get("body", "")
    raw_task = request.form.get("task_id", "").strip()
    from_task = request.form.get("terug") == "taak" and raw_task.isdigit()
    try:
        add_comment(services(), actor(), case_reference, body, _task_id(raw_task), origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except FormInvalid as invalid:
        if from_task:
            flash(" ".join(translated_errors(invalid.errors).values()), "error")
            return redirect(url_for("tasks.show", task_id=int(raw_task)))
        return _render(case_reference, 422, errors=invalid.errors, body=body, chosen_task=raw_task)
    say(N_("Uw opmerking is geplaatst."), "success")
    if from_task:
        return redirect(url_for("tasks.show", task_id=int(raw_task), _anchor="opmerkingen"))
    return redirect(url_for("cases.show", case_reference=case_reference, _anchor="opmerkingen"))


@bp.post("/cases/<case_reference>/related")
@login_required
def start(case_reference: str) -> Response:
    process_id = request.form.get("process_id", "")
    try:
        result = start_related(services(), actor(), case_reference, process_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except (RelatedNotAllowed, ProcessError) as refused:
        say(Message("De procedure is niet gestart: {reason}", reason=translated(refused)), "error")
        return redirect(url_for("cases.show", case_reference=case_reference))
    say(N_("De procedure is gestart binnen deze zaak."), "success")
    if result.next_task_id is not None:
        return redirect(url_for("tasks.show", task_id=result.next_task_id))
    return redirect(url_for("cases.show", case_reference=case_reference))


# Break-glass lives in its own module; importing it registers its routes on this blueprint.
from webapp.web.cases import break_glass as _break_glass  # noqa: E402
