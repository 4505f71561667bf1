"""Ketenflow: the composition root."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from webapp.config import Settings, load_settings
from webapp.domain.clock import Clock, SystemClock
from webapp.engine.quiet_logs import quiet_engine_logs
from webapp.engine.runtime import WorkflowRuntime
from webapp.persistence.db import Database
from webapp.services.context import ServiceContext


def build_context(
    settings: Settings, clock: Clock | None = None, database: Database | None = None
) -> ServiceContext:
    quiet_engine_logs()  # case data never reaches the log, whatever level the root logger is at
    return ServiceContext(
        db=database or Database(settings.database_url, keyring=settings.data_keyring()),
        runtime=WorkflowRuntime(),
        clock=clock or SystemClock(),
        forms_dir=settings.forms_dir,
        processes_dir=settings.processes_dir,
        secret_key=settings.secret_key,
    )


def create_app(test_config: dict[str, Any] | None = None, context: ServiceContext | None = None) -> Flask:
    from webapp.web import register_web

    overrides = test_config or {}
    settings = load_settings({k: v for k, v in overrides.items() if not k.isupper()})
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        TESTING=settings.env == "test",
        WTF_CSRF_TIME_LIMIT=None,  # a long form must not expire while someone types
    )
    app.config.update({k: v for k, v in overrides.items() if k.isupper()})
    app.config["KETENFLOW_SETTINGS"] = settings
    app.extensions["ketenflow"] = context or build_context(settings)
    register_web(app)
    return app
