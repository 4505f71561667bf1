"""Studio part: the process list, a process's versions, checking, deploying and the diff between versions.

``POST /studio/diagrams/<name>/check`` answers the modeler in JSON ``{"ok", "problems": [{"file",
"element", "message"}]}``; the diff page shows two diagrams (S1's ``diagram.js``) coloured through the
``diff/marks.json`` endpoint. Process owners and administrators only: the services refuse others (audited).
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, ConcurrentUpdate, FormInvalid, NotFound
from webapp.domain.messages import Message
from webapp.services.studio_deploy import check_diagram, check_everything, deploy_process, diagram_file
from webapp.services.studio_versions import (
    ProcessSummary,
    VersionComparison,
    compare_versions,
    list_processes,
    process_summary,
    version_source,
)
from webapp.web.studio import bp
from webapp.web.support import actor, origin, say, services, translated

MAX_VERSION = 1_000_000


@bp.get("")
@login_required
def index() -> str:
    try:
        processes = list_processes(services(), actor())
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    return render_template("studio/index.html", processes=processes, links=_links)


@bp.get("/check")
@login_required
def check_all() -> str:
    try:
        report = check_everything(services(), actor())
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    files: dict[str, list[Any]] = {}
    for problem in report.problems:
        files.setdefault(problem.file, []).append(problem)
    return render_template("studio/check.html", files=files, bundles=len(report.bundles), links=_links)


@bp.get("/processes/<process_id>")
@login_required
def process(process_id: str) -> str:
    return render_template("studio/versions.html", process=_summary_or_abort(process_id), links=_links)


@bp.post("/diagrams/<name>/check")
@login_required
def check_diagram_json(name: str) -> Response | tuple[Response, int]:
    body = request.get_json(silent=True)
    xml = body.get("xml") if isinstance(body, dict) else None
    try:
        problems = check_diagram(services(), actor(), name, xml)
    except AccessDenied as denied:
        return _json_error(403, translated(denied))
    except NotFound as missing:
        return _json_error(404, translated(missing))
    except FormInvalid as invalid:
        return _json_error(400, " ".join(translated(m) for m in invalid.errors.values()))
    return jsonify(
        {
            "ok": not problems,
            "problems": [
                {"file": p.file, "element": p.element, "message": translated(p.message)} for p in problems
            ],
        }
    )


@bp.post("/diagrams/<name>/deploy")
@login_required
def deploy(name: str) -> Response | tuple[str, int]:
    try:
        outcome = deploy_process(services(), actor(), name, origin())
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except NotFound:
        abort(404)
    except ConcurrentUpdate as raced:
        say(raced, "error")
        return redirect(url_for("studio.process", process_id=diagram_file(name).removesuffix(".bpmn")))
    if outcome.problems:
        summary = _summary_or_abort(outcome.process_id)
        page = render_template(
            "studio/versions.html", process=summary, problems=outcome.problems, links=_links
        )
        return page, 422
    if outcome.created:
        say(
            Message(
                "Versie {version} is uitgerold. Lopende zaken houden de versie waarop ze begonnen.",
                version=outcome.version,
            ),
            "success",
        )
    else:
        say(
            Message(
                "Er is niets veranderd: versie {version} blijft de actieve versie.", version=outcome.version
            ),
            "info",
        )
    return redirect(url_for("studio.process", process_id=outcome.process_id))


@bp.get("/processes/<process_id>/versions/<int:version>.bpmn")
@login_required
def version_bpmn(process_id: str, version: int) -> Response:
    try:
        filename, xml = version_source(services(), actor(), process_id, version)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except NotFound:
        abort(404)
    response = Response(xml, mimetype="application/xml")
    if request.args.get("download"):
        stem = filename.removesuffix(".bpmn")
        response.headers.set("Content-Disposition", "attachment", filename=f"{stem}.v{version}.bpmn")
    return response


@bp.get("/processes/<process_id>/diff")
@login_required
def diff(process_id: str) -> tuple[str, int]:
    (old, new), error = _requested_versions()  # a nonsense version: the default comparison, and why
    status = 400 if error else 200
    try:
        comparison = compare_versions(services(), actor(), process_id, old, new)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except NotFound as missing:
        if old is None and new is None:  # no such process, or nothing deployed yet
            abort(404)
        error, status = translated(missing), 404
        comparison = _default_comparison(process_id)
    return render_template("studio/diff.html", comparison=comparison, error=error, links=_links), status


@bp.get("/processes/<process_id>/diff/marks.json")
@login_required
def diff_marks(process_id: str) -> Response | tuple[Response, int]:
    (old, new), error = _requested_versions()
    if error:
        return _json_error(400, error)
    try:
        comparison = compare_versions(services(), actor(), process_id, old, new)
    except AccessDenied as denied:
        return _json_error(403, translated(denied))
    except NotFound as missing:
        return _json_error(404, translated(missing))
    return jsonify({"markers": diff_markers(comparison, request.args.get("side", "new")), "overlays": []})


def diff_markers(comparison: VersionComparison, side: str) -> dict[str, list[str]]:
    """The new diagram shows what was added and changed; the old one what was removed and changed."""
    diff = comparison.diff
    if side == "old":
        marked = [(diff.removed, "kf-removed"), (diff.changed, "kf-changed")]
    else:
        marked = [(diff.added, "kf-added"), (diff.changed, "kf-changed")]
    return {element.id: [marker] for elements, marker in marked for element in elements}


def _requested_versions() -> tuple[tuple[int | None, int | None], str | None]:
    """The ``from`` and ``to`` versions of the query (empty: the default), or a Dutch reason."""
    versions: list[int | None] = []
    for key in ("from", "to"):
        raw = request.args.get(key, "").strip()
        if not raw:
            versions.append(None)
        elif raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_VERSION:
            versions.append(int(raw))
        else:
            return (None, None), translated(
                Message("‘{value}’ is geen versienummer. Kies een versie uit de lijst.", value=raw[:20])
            )
    return (versions[0], versions[1]), None


def _default_comparison(process_id: str) -> VersionComparison:
    try:
        return compare_versions(services(), actor(), process_id)
    except NotFound:
        abort(404)


def _summary_or_abort(process_id: str) -> ProcessSummary:
    try:
        return process_summary(services(), actor(), process_id)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except NotFound:
        abort(404)


def _links(process_id: str) -> dict[str, str]:
    """Where a process's studio pages are (the modeler and the test-run are other parts of the studio)."""
    home = url_for("studio.index")
    diagram = f"{home}/diagrams/{process_id}.bpmn"
    return {
        "modeler": diagram,
        "test_run": f"{diagram}/test-run",
        "deploy": url_for("studio.deploy", name=f"{process_id}.bpmn"),
        "versions": url_for("studio.process", process_id=process_id),
        "diff": url_for("studio.diff", process_id=process_id),
    }


def _json_error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"ok": False, "message": message, "problems": []}), status
