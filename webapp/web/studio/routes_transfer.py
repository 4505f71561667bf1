"""Studio part: download a diagram, upload one made with another tool, and its check report.

An upload is stored in the studio, never deployed; the report page then lists, per element, what the diagram
needs before Ketenflow can run it (the catalogue's check plus the import report) and shows the diagram with
those elements marked.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import Message
from webapp.services.studio_import import ImportCheck, check_import, ensure_may_import, import_diagram
from webapp.services.studio_sources import read_source
from webapp.web.studio import bp
from webapp.web.support import actor, origin, say, services, translated, translated_errors

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_TYPES = {".bpmn": "application/xml", ".dmn": "application/xml", ".json": "application/json"}


def _refuse(error: AccessDenied | NotFound) -> NoReturn:
    if isinstance(error, NotFound):
        abort(404)
    abort(403, description=translated(error))


@bp.get("/diagrams/<name>/download")
@login_required
def download(name: str) -> Response:
    """The studio's current text of a diagram (or form) as a file to save."""
    try:
        text = read_source(services(), actor(), name)
    except (AccessDenied, NotFound) as error:
        _refuse(error)
    mimetype = next((t for suffix, t in _TYPES.items() if name.endswith(suffix)), "application/octet-stream")
    response = Response(text, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


@bp.get("/import")
@login_required
def import_form() -> tuple[str, int]:
    try:
        ensure_may_import(services(), actor())
    except AccessDenied as error:
        _refuse(error)
    return _form_page({}, "", False)


@bp.post("/import")
@login_required
def import_upload() -> BaseResponse | tuple[str, int]:
    typed = request.form.get("name", "")[:200]
    replace = request.form.get("replace") == "ja"
    upload = request.files.get("file")
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1) if upload is not None else b""
    uploaded_name = (upload.filename or "") if upload is not None else ""
    try:
        name = import_diagram(services(), actor(), uploaded_name, data, typed, replace, origin())
    except FormInvalid as invalid:
        return _form_page(translated_errors(invalid.errors), typed, replace, 422)
    except (AccessDenied, NotFound) as error:
        _refuse(error)
    say(Message("‘{name}’ is in de studio bewaard; er is niets uitgerold.", name=name), "success")
    return redirect(url_for("studio.import_report", name=name))


def _form_page(errors: dict[str, str], typed: str, replace: bool, status: int = 200) -> tuple[str, int]:
    return render_template("studio/import.html", errors=errors, typed=typed, replace=replace), status


@bp.get("/import/<name>")
@login_required
def import_report(name: str) -> str:
    check = _check(name)
    return render_template("studio/import_report.html", check=check, groups=_groups(check))


@bp.get("/import/<name>/marks.json")
@login_required
def import_marks(name: str) -> Response:
    """Markers and overlays for webapp/static/js/diagram.js: every element that still needs something."""
    marked = _check(name).marked_elements()
    return jsonify(
        {
            "markers": {element: ["kf-problem"] for element in marked},
            "overlays": [
                {"element": element, "text": _overlay_text(messages), "kind": "problem"}
                for element, messages in marked.items()
            ],
        }
    )


def _check(name: str) -> ImportCheck:
    try:
        return check_import(services(), actor(), name)
    except (AccessDenied, NotFound) as error:
        _refuse(error)


def _overlay_text(messages: list[str]) -> str:
    """A short label on the diagram; the list under it says what (whole sentences would hide the drawing)."""
    return translated(Message("{count} te doen", count=len(messages)))


def _groups(check: ImportCheck) -> list[dict[str, Any]]:
    """The report per element, file-level first, in the order the problems and items were found."""
    groups: dict[str | None, dict[str, Any]] = {}

    def group(element: str | None, kind: str, name: str) -> dict[str, Any]:
        if element not in groups:
            groups[element] = {"element": element, "kind": kind, "name": name, "entries": []}
        return groups[element]

    for item in check.items:  # first: they know each element's kind and name
        entry = {"message": item.message, "suggestion": item.suggestion, "source": "import"}
        group(item.element, item.kind_label, item.name)["entries"].append(entry)
    for problem in check.problems:
        entry = {"message": problem.message, "suggestion": "", "source": "check"}
        group(problem.element, "", "")["entries"].insert(0, entry)
    for found in groups.values():
        found["count"] = len(found["entries"])
    return sorted(groups.values(), key=lambda g: g["element"] is not None)
