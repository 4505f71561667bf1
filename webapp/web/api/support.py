"""What every API view shares: the bearer-token actor, JSON errors and JSON bodies.

Errors always have the shape ``{"fout": "<Dutch message>", "velden": {<field>: <message>}}``; the API never
answers with HTML, whatever went wrong.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

from webapp.domain.access import Actor
from webapp.domain.errors import (
    AccessDenied,
    ConcurrentUpdate,
    FormInvalid,
    KetenflowError,
    NotFound,
    ProcessError,
    TaskNotReady,
)
from webapp.domain.messages import Message
from webapp.services.context import Origin
from webapp.services.rate_limits import Limit, hit
from webapp.services.tokens import TokenRejected, authenticate_token
from webapp.web.support import services, translated, translated_errors

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
BEARER = 'Bearer realm="ketenflow"'
# A body, its answers and a form's rows of fields nest a few levels; far deeper only exhausts the stack.
MAX_DEPTH = 16
_TOO_DEEP = object()

_HTTP_MESSAGES = {
    400: "Het verzoek kon niet worden verwerkt.",
    401: "Meld u aan met een persoonlijk toegangstoken.",
    403: "U heeft hier geen toegang toe.",
    404: "Dit adres bestaat niet in de API.",
    405: "Deze methode is op dit adres niet mogelijk.",
    413: "Wat u verstuurde is te groot.",
    429: "Te veel aanroepen in korte tijd. Probeer het later opnieuw.",
    415: "Stuur de inhoud als JSON (Content-Type: application/json).",
}


class BadRequest(KetenflowError):
    """The request body does not have the shape the OpenAPI document describes (answered 400)."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class TooManyCalls(KetenflowError):
    """More API calls in a minute than the setting api_rate_per_minute allows (answered 429)."""

    def __init__(self, limit: int, retry_after: timedelta) -> None:
        self.retry_after = max(1, math.ceil(retry_after.total_seconds()))
        super().__init__(
            Message(
                "Te veel aanroepen: hoogstens {limit} per minuut. "
                "Probeer het over {seconds} seconden opnieuw.",
                limit=limit,
                seconds=self.retry_after,
            )
        )


def error_response(
    status: int,
    message: str,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    response = jsonify({"fout": message, "velden": dict(fields or {})})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def unauthorized(message: str) -> Response:
    return error_response(401, message, headers={"WWW-Authenticate": BEARER})


def http_error_response(error: HTTPException) -> Response:
    code = error.code or 500
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if code == 401:
        headers["WWW-Authenticate"] = BEARER
    return error_response(code, _HTTP_MESSAGES.get(code, _HTTP_MESSAGES[400]), headers=headers)


def known_error_response(error: KetenflowError) -> Response:
    """The answer to an error a service raised on purpose, with the status code the document lists."""
    if isinstance(error, TooManyCalls):
        return error_response(429, translated(error), headers={"Retry-After": str(error.retry_after)})
    if isinstance(error, TokenRejected):
        return unauthorized(translated(error))
    if isinstance(error, FormInvalid):
        return error_response(422, translated(error), translated_errors(error.errors))
    if isinstance(error, BadRequest):
        return error_response(400, translated(error), error.fields)
    if isinstance(error, NotFound):
        return error_response(404, translated(error))
    if isinstance(error, AccessDenied):
        return error_response(403, translated(error))
    if isinstance(error, TaskNotReady | ConcurrentUpdate):
        return error_response(409, translated(error))
    if isinstance(error, ProcessError):
        return error_response(
            409, f"De gegevens zijn opgeslagen, maar de procedure liep daarna vast: {error}"
        )
    return error_response(400, translated(error))


def unexpected_error_response(error: Exception) -> Response:
    # Only the type goes to the log: messages may carry case data.
    log.error("unhandled %s in the API", type(error).__name__)
    return error_response(500, "Er ging aan onze kant iets mis. Wat eerder was opgeslagen is bewaard.")


def api_origin() -> Origin:
    return Origin(address=request.remote_addr, channel="api")


def authenticate_request() -> None:
    """Find the actor behind ``Authorization: Bearer kf_…``; a session cookie is never enough here."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    secret = secret.strip()
    try:
        if scheme.lower() != "bearer" or not secret:
            raise TokenRejected(
                "Stuur een persoonlijk toegangstoken mee in de kop 'Authorization: Bearer kf_…'. "
                "U maakt een token aan op de pagina API-tokens."
            )
        g.api_actor = authenticate_token(services(), secret, api_origin())
    except TokenRejected:
        # Calls without a valid token count per address, so guessing tokens is slowed down too.
        _count_call(f"api:address:{request.remote_addr or 'onbekend'}")
        raise
    # The key is a hash of the token (never the token itself), so each token has its own budget.
    _count_call("api:token:" + hashlib.sha256(b"rate-limit:" + secret.encode()).hexdigest())


def _count_call(key: str) -> None:
    """Count one call under ``key``; over the setting api_rate_per_minute (0 = no limit) it is refused."""
    per_minute: int = current_app.config["KETENFLOW_SETTINGS"].api_rate_per_minute
    if per_minute <= 0:
        return
    verdict = hit(services(), key[:200], Limit(per_minute, timedelta(minutes=1)))
    if not verdict.allowed:
        raise TooManyCalls(per_minute, verdict.retry_after)


def api_actor() -> Actor:
    actor: Actor = g.api_actor
    return actor


def json_body(
    allowed: Mapping[str, type | tuple[type, ...]], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The JSON object in the request body, with only the names in ``allowed``, each of the listed type."""
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:  # also bytes that are no UTF-8
        raise BadRequest("De inhoud is geen geldige JSON.") from None
    except RecursionError:
        body = _TOO_DEEP
    if body is _TOO_DEEP or _depth(body) > MAX_DEPTH:
        raise BadRequest(
            f"De inhoud is dieper genest dan de {MAX_DEPTH} niveaus die een formulier ooit nodig heeft."
        )
    if not isinstance(body, dict):
        raise BadRequest("Stuur een JSON-object als inhoud.")
    fields: dict[str, str] = {}
    for name in body:
        if name not in allowed:
            fields[name] = "Onbekend veld."
    for name in required:
        if name not in body:
            fields[name] = "Dit veld is verplicht."
    for name, kind in allowed.items():
        if name in body and kind is int and isinstance(body[name], float) and body[name].is_integer():
            body[name] = int(body[name])  # JSON Schema counts 7.0 as an integer, and so does the document
        if name in body and not _is_kind(body[name], kind):
            fields[name] = "Deze waarde heeft niet de juiste soort."
    if fields:
        raise BadRequest("De inhoud van het verzoek klopt niet.", fields)
    return body


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply lists and objects nest in ``value``, counted up to just past ``limit`` (iteratively: a
    recursive walk is what a deeply nested body would make fail)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _is_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # JSON true is no integer
    return isinstance(value, kinds)


def plain(value: Any) -> Any:
    """Task data as JSON: dates and times as ISO 8601 text, containers walked."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value
