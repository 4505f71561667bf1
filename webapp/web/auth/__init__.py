"""Signing in and out, sessions, the second factor, passwords and OpenID Connect."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from webapp.config import Settings
from webapp.web.auth import oidc, password, routes, two_factor
from webapp.web.auth.sessions import install_sessions


def register_auth(app: Flask, login_manager: LoginManager) -> None:
    settings: Settings = app.config["KETENFLOW_SETTINGS"]
    for blueprint in (routes.bp, two_factor.bp, password.bp, oidc.bp):
        app.register_blueprint(blueprint)
    install_sessions(app, login_manager)
    oidc.register_oidc(app, settings)
