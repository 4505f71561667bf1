"""The Flask web layer: blueprints, login, CSRF, security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, redirect, request, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from webapp.services.users import load_actor
from webapp.web.account.routes import bp as account_bp
from webapp.web.api import register_api
from webapp.web.auth.routes import bp as auth_bp
from webapp.web.cases.routes import bp as cases_bp
from webapp.web.errors import register_error_handlers
from webapp.web.i18n import register_i18n
from webapp.web.instances.routes import bp as instances_bp
from webapp.web.notifications.routes import bp as notifications_bp
from webapp.web.processes.routes import bp as processes_bp
from webapp.web.registers.routes import bp as registers_bp
from webapp.web.support import SessionUser, register_template_helpers, services
from webapp.web.tasks.routes import bp as tasks_bp

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _local_referrer() -> str | None:
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    return referrer.path or None


def register_web(app: Flask) -> None:
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = "Meld u aan om verder te gaan."
    login.login_message_category = "info"

    @login.unauthorized_handler
    def _unauthorized() -> Response:
        # After signing in we send people back with a GET; a POST-only address would answer 405, so a
        # form posted after the session expired returns to the page it was posted from.
        target = request.full_path.rstrip("?") if request.method == "GET" else _local_referrer()
        flash(login.login_message, login.login_message_category)
        return redirect(url_for("auth.login", next=target))

    @login.user_loader
    def _load(user_id: str) -> SessionUser | None:
        found = load_actor(services(), int(user_id))
        return SessionUser(found) if found else None

    for blueprint in (auth_bp, tasks_bp, processes_bp, instances_bp, registers_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(cases_bp)
    app.register_blueprint(account_bp)
    register_api(app)
    app.register_blueprint(notifications_bp)
    register_i18n(app)
    register_error_handlers(app)
    register_template_helpers(app)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")  # pages hold case data
        return response
