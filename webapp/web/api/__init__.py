"""The JSON API under /api/v1 (routes.py), its OpenAPI document (openapi.py) and how it joins the app."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from webapp.web.api.routes import bp
from webapp.web.api.support import http_error_response


def _routing_error_as_json() -> Response | None:
    """An unknown address or method under /api/ gets JSON too: routing fails before any blueprint is chosen,
    so the blueprint's own error handlers never see these."""
    error = request.routing_exception
    if not isinstance(error, HTTPException) or isinstance(error, RequestRedirect):
        return None
    if request.path == "/api" or request.path.startswith("/api/"):
        return http_error_response(error)
    return None


def register_api(app: Flask) -> None:
    """Register the blueprint; the bearer token is its only credential, so it needs no CSRF token."""
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(bp)
    app.before_request(_routing_error_as_json)
