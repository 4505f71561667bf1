"""The Flask web layer: blueprints, login, CSRF, security headers."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from webapp.domain.messages import N_
from webapp.web.account.routes import bp as account_bp
from webapp.web.api import register_api
from webapp.web.audit.routes import register_audit
from webapp.web.auth import register_auth
from webapp.web.cases.routes import bp as cases_bp
from webapp.web.errors import register_error_handlers
from webapp.web.i18n import register_i18n
from webapp.web.incidents.routes import register_incidents
from webapp.web.instances.routes import bp as instances_bp
from webapp.web.notifications.routes import bp as notifications_bp
from webapp.web.processes.routes import bp as processes_bp
from webapp.web.registers.routes import bp as registers_bp
from webapp.web.reports import bp as reports_bp
from webapp.web.security import local_referrer, local_target, register_security
from webapp.web.studio import bp as studio_bp
from webapp.web.subject.routes import bp as subject_bp
from webapp.web.support import register_template_helpers, say
from webapp.web.tasks.routes import bp as tasks_bp


def register_web(app: Flask) -> None:
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = N_("Meld u aan om verder te gaan.")
    login.login_message_category = "info"

    @login.unauthorized_handler
    def _unauthorized() -> Response:
        # After signing in we send people back with a GET; a POST-only address would answer 405, so a
        # form posted after the session expired returns to the page it was posted from.
        target = local_target(request.full_path.rstrip("?")) if request.method == "GET" else local_referrer()
        say(login.login_message, login.login_message_category)
        return redirect(url_for("auth.login", next=target))

    register_auth(app, login)  # sign-in, sessions (user loader, expiry), cookie flags, 2FA, OpenID Connect
    for blueprint in (tasks_bp, processes_bp, instances_bp, registers_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(cases_bp)
    app.register_blueprint(account_bp)
    register_api(app)
    register_audit(app)
    register_incidents(app)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(subject_bp)
    app.register_blueprint(studio_bp)
    app.register_blueprint(reports_bp)
    register_i18n(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_security(app)
