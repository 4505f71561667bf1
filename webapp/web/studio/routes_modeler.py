"""Studio part: the modeler (bpmn-js) for one diagram, its XML, saving it, and the forms its panel offers.

The page holds no diagram itself: ``studio-modeler.js`` fetches the XML, and saves with a ``PUT`` of JSON
``{"xml": "…"}`` (the CSRF token in ``X-CSRFToken``). Every JSON answer carries a Dutch ``message``; a refused
save changes nothing, and the person's edits stay in their editor.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.domain import access
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_
from webapp.domain.roles import ROLE_LABELS, Role
from webapp.services.studio_modeler import ModelerChoices, modeler_choices, open_diagram, save_diagram
from webapp.web.studio import bp
from webapp.web.support import actor, origin, services, translated, translated_errors

# Lane names the engine reads as each role (webapp/domain/roles.py): shown beside a lane's name.
LANE_SYNONYMS: dict[Role, tuple[str, ...]] = {
    Role.PROFESSIONAL: ("Professional", "Hulpverlener"),
    Role.AANDACHTSFUNCTIONARIS: ("Aandachtsfunctionaris",),
    Role.VOORZITTER: ("Voorzitter",),
    Role.FG: ("FG", "Functionaris gegevensbescherming"),
    Role.PROCESS_OWNER: ("Procesbeheerder",),
    Role.MANAGER: ("Manager", "Teamleider"),
    Role.ADMIN: ("Beheerder",),
}


@bp.get("/diagrams/<name>")
@login_required
def modeler(name: str) -> str:
    xml_url = url_for("studio.modeler_xml", name=name)
    _open_or_abort(name)  # the page is refused exactly as its XML would be
    choices = _choices_or_abort()
    roles = [
        {"role": role.value, "label": translated(ROLE_LABELS[role]), "names": list(LANE_SYNONYMS[role])}
        for role in Role
    ]
    return render_template(
        "studio/modeler.html",
        name=name,
        xml_url=xml_url,
        save_url=url_for("studio.modeler_save", name=name),
        check_url=f"{url_for('studio.modeler', name=name)}/check",
        forms_url=url_for("studio.modeler_forms"),
        process_ids=choices.process_ids,
        legal_rules=choices.legal_rules,
        roles=roles,
    )


@bp.get("/diagrams/<name>/xml")
@login_required
def modeler_xml(name: str) -> Response:
    response = Response(_open_or_abort(name), mimetype="application/xml")
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/diagrams/<name>", methods=["PUT", "POST"])
@login_required
def modeler_save(name: str) -> tuple[Response, int]:
    try:
        save_diagram(services(), actor(), name, _posted_xml(), origin())
    except AccessDenied as denied:
        return _answer(403, translated(denied))
    except FormInvalid as invalid:
        errors = translated_errors(invalid.errors)
        return _answer(422, " ".join(errors.values()), errors=errors)
    return _answer(200, N_("Het diagram is opgeslagen in de studio. Het draait pas na uitrollen."), ok=True)


@bp.get("/forms.json")
@login_required
def modeler_forms() -> Response | tuple[Response, int]:
    try:
        choices = modeler_choices(services(), actor())
    except AccessDenied as denied:
        return _answer(403, translated(denied))
    forms = [{"schema": f.schema, "uiSchema": f.ui_schema, "title": f.title} for f in choices.forms]
    return jsonify({"forms": forms})


@bp.app_context_processor
def _studio_menu() -> dict[str, Any]:
    # The menu's "Studio" item, for process owners and administrators only (deny by default).
    if not current_user.is_authenticated or not access.may_deploy(current_user.actor):
        return {"studio_home": None}
    return {"studio_home": f"{request.script_root}{bp.url_prefix}"}


def _open_or_abort(name: str) -> str:
    try:
        return open_diagram(services(), actor(), name)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except (NotFound, FormInvalid):
        abort(404)


def _choices_or_abort() -> ModelerChoices:
    try:
        return modeler_choices(services(), actor())
    except AccessDenied as denied:
        abort(403, description=translated(denied))


def _posted_xml() -> str | None:
    """The XML from JSON ``{"xml": "…"}`` or, for tools, a plain XML body."""
    if request.mimetype in ("application/xml", "text/xml"):
        return request.get_data(as_text=True) or None
    body = request.get_json(silent=True)
    xml = body.get("xml") if isinstance(body, dict) else None
    return xml if isinstance(xml, str) else None


def _answer(status: int, message: str, ok: bool = False, **extra: Any) -> tuple[Response, int]:
    return jsonify({"ok": ok, "message": translated(message), **extra}), status
