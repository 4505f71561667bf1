"""Two actions on a case that only the privacy procedures offer (issue 5 item 9):
- the machine-readable copy for an inspection request, for the FG and whoever handles the request;
- running a destruction approved in the retention procedure, for the FG (never a free "delete case")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from webapp.domain.errors import AccessDenied, KetenflowError, NotFound
from webapp.domain.messages import N_
from webapp.services.destruction import destroy_case_as_fg, destruction_pending
from webapp.services.subject_export import export_offered, export_subject_data
from webapp.web.support import actor, origin, say, services, translated

bp = Blueprint("subject", __name__)


@dataclass(frozen=True)
class SubjectActions:
    export: bool = False
    destroy: bool = False


def subject_actions(case_reference: str) -> SubjectActions:
    """What the case page offers the reader here (the case page itself is the cases blueprint's)."""
    if not current_user.is_authenticated:
        return SubjectActions()
    ctx, reader = services(), actor()
    return SubjectActions(
        export=export_offered(ctx, reader, case_reference),
        destroy=destruction_pending(ctx, reader, case_reference),
    )


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"subject_actions": subject_actions}


@bp.get("/cases/<case_reference>/inzage-export.json")
@login_required
def export(case_reference: str) -> Response:
    try:
        data = export_subject_data(services(), actor(), case_reference, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="inzage-{case_reference}.json"'
    return response


@bp.post("/cases/<case_reference>/vernietiging")
@login_required
def destroy(case_reference: str) -> BaseResponse:
    try:
        destroy_case_as_fg(services(), actor(), case_reference, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except KetenflowError as refused:
        say(refused, "error")
        return redirect(url_for("cases.show", case_reference=case_reference))
    say(N_("De zaak is vernietigd. De verklaring van vernietiging staat in het register."), "success")
    return redirect(url_for("cases.show", case_reference=case_reference))
