"""The JSON API under /api/v1, for partner systems and scripts, authenticated with personal access tokens.

Every view calls the same service as the page that does the same thing, with origin channel "api", so the
access rules and the audit trail are those of the pages. The OpenAPI document in openapi.py describes each
route; tests/web/test_api_contract.py checks the one against the other.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.domain.errors import FormInvalid, KetenflowError, NotFound
from webapp.services import assignment
from webapp.services import tasks as task_service
from webapp.services.instances import list_startable, start_process, view_instance
from webapp.web.api import payloads
from webapp.web.api.openapi import DOCUMENT, INT_MAX, PROCESS_ID_PATTERN
from webapp.web.api.support import (
    API_PREFIX,
    BadRequest,
    api_actor,
    api_origin,
    authenticate_request,
    http_error_response,
    json_body,
    known_error_response,
    unexpected_error_response,
)
from webapp.web.support import services

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

_PUBLIC = frozenset({"api.openapi_document"})
_PROCESS_ID = re.compile(PROCESS_ID_PATTERN.strip("^$"))


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in _PUBLIC or request.method == "OPTIONS":
        return
    authenticate_request()
    # Ids beyond the database's integer range, and process ids no diagram can have, name nothing: answer
    # before a query overflows or PostgreSQL refuses a NUL character.
    args = request.view_args or {}
    if any(isinstance(v, int) and v > INT_MAX for v in args.values()) or not _PROCESS_ID.fullmatch(
        args.get("process_id", "x")
    ):
        raise NotFound("Dit onderdeel bestaat niet.")


@bp.errorhandler(KetenflowError)
def _known_error(error: KetenflowError) -> Response:
    return known_error_response(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return http_error_response(error)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    return unexpected_error_response(error)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(DOCUMENT)


@bp.get("/tasks")
def inbox() -> Response:
    tasks = task_service.list_inbox(services(), api_actor())
    return jsonify({"taken": [payloads.task(t) for t in tasks]})


@bp.get("/tasks/<int:task_id>")
def task(task_id: int) -> Response:
    form = task_service.open_task(services(), api_actor(), task_id, api_origin())
    return jsonify(payloads.task_form(form))


def _answers(form_schema: dict[str, Any] | None, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The answers and the fields to empty, refused when they name a field the task's form does not have:
    task data is shared by the whole procedure, so a client must not set what no form asks for."""
    emptied = body.get("leegmaken", [])
    if not all(isinstance(name, str) for name in emptied):
        raise BadRequest(
            "De inhoud van het verzoek klopt niet.", {"leegmaken": "Geef een lijst van veldnamen."}
        )
    known = (form_schema or {}).get("properties", {})
    data: dict[str, Any] = body["gegevens"]
    unknown = {name: "Dit formulier kent dit veld niet." for name in [*data, *emptied] if name not in known}
    if unknown:
        raise FormInvalid(unknown)
    return data, emptied


@bp.put("/tasks/<int:task_id>/draft")
def save_draft(task_id: int) -> Response:
    """ "Opslaan als concept": the answers are kept unvalidated for the one who saved them; an unclaimed task
    is claimed by it, as on the task page."""
    body = json_body({"gegevens": dict}, required=("gegevens",))
    form = task_service.open_task(services(), api_actor(), task_id, api_origin())
    data, _ = _answers(form.schema, body)
    assignment.save_draft(services(), api_actor(), task_id, data, api_origin())
    return jsonify({"taak_id": task_id, "gegevens": data})


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id: int) -> Response:
    body = json_body({"gegevens": dict, "leegmaken": list}, required=("gegevens",))
    # Reading the form first, as the task page does, gives the same access check and audit trail.
    form = task_service.open_task(services(), api_actor(), task_id, api_origin())
    data, emptied = _answers(form.schema, body)
    result = task_service.complete_task(services(), api_actor(), task_id, data, api_origin(), emptied=emptied)
    return jsonify(payloads.completed(result))


@bp.get("/processes")
def processes() -> Response:
    startable = list_startable(services(), api_actor())
    return jsonify({"procedures": [payloads.startable(p) for p in startable]})


def _organisation_for(process_id: str, body: dict[str, Any]) -> int:
    """The organisation named in the body; without one, the only organisation the actor may start for."""
    if "organisatie_id" in body:
        chosen: int = body["organisatie_id"]
        return chosen
    actor = api_actor()
    for process in list_startable(services(), actor):
        if process.process_id == process_id and len(process.organisations) > 1:
            raise FormInvalid(
                {"organisatie_id": "U kunt deze procedure voor meer organisaties starten; kies er een."}
            )
        if process.process_id == process_id:
            return process.organisations[0][0]
    # Not startable for this actor: let the service refuse (and audit) it for the actor's own organisation.
    return min((m.organisation_id for m in actor.memberships), default=0)


@bp.post("/processes/<process_id>/instances")
def start(process_id: str) -> Response:
    body = json_body({"organisatie_id": int})
    organisation_id = _organisation_for(process_id, body)
    result = start_process(services(), api_actor(), process_id, organisation_id, api_origin())
    response = jsonify(payloads.started(result))
    response.status_code = 201
    response.headers["Location"] = url_for("api.instance", instance_id=result.instance_id)
    return response


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int) -> Response:
    view = view_instance(services(), api_actor(), instance_id, api_origin())
    return jsonify(payloads.instance(view))
