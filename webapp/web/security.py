"""Web hardening that every response and request shares: security headers, request size limits, and the
one check every redirect built from request input (``next``, the referrer) goes through."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from webapp.config import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
HSTS = "max-age=31536000; includeSubDomains"
# A redirect target longer than any of our addresses is no address of ours.
_MAX_TARGET = 2048
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def local_target(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Browsers read ``//host``, ``/\\host`` and ``/<tab>/host`` as another site and run ``javascript:``, so
    only a single leading slash followed by no backslash or control character passes.
    """
    if not target or len(target) > _MAX_TARGET or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def safe_redirect_target(target: str | None, fallback_endpoint: str = "tasks.inbox") -> str:
    """Where to send someone back to: ``target`` if it stays on this site, else the fallback page."""
    return local_target(target) or url_for(fallback_endpoint)


def local_referrer() -> str | None:
    """The referring page's path and query when it is a page of this site (None otherwise)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme not in ("http", "https") or referrer.netloc != request.host:
        return None
    return local_target(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def _check_form_limits(settings: Settings) -> None:
    """werkzeug caps a urlencoded body only as a whole: count its values and measure each one here."""
    if request.method not in ("POST", "PUT", "PATCH") or request.mimetype not in _FORM_TYPES:
        return
    values = [value for _, value in request.form.items(multi=True)]
    if len(values) > settings.max_form_values:
        raise RequestEntityTooLarge()
    if any(len(value.encode()) > settings.max_form_value_bytes for value in values):
        raise RequestEntityTooLarge()


def _set_headers(response: Response, production: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if production:  # development runs on plain http; HSTS there would lock browsers out of localhost
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        # Pages and API answers hold case data: no browser or proxy may keep a copy.
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    return response


def register_security(app: Flask) -> None:
    settings: Settings = app.config["KETENFLOW_SETTINGS"]
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_form_value_bytes,  # multipart text parts
        MAX_FORM_PARTS=settings.max_form_values,  # multipart parts
    )
    production = settings.env == "production"
    app.before_request(lambda: _check_form_limits(settings))
    app.after_request(lambda response: _set_headers(response, production))
