"""Helpers the tests share: a context over a database, demo logins."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from webapp import build_context
from webapp.config import PROJECT_ROOT, load_settings
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.persistence.db import Database
from webapp.services.context import Origin, ServiceContext
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.users import authenticate

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday; 30 November 2026 is a Monday too


def make_context(database: Database, clock: ManualClock, processes_dir: Path | None = None) -> ServiceContext:
    settings = load_settings(
        {
            "env": "test",
            "database_url": database.url,
            "processes_dir": str(processes_dir or PROJECT_ROOT / "processes"),
            "forms_dir": str(PROJECT_ROOT / "forms"),
        }
    )
    return build_context(settings, clock=clock, database=database)


def login(context: ServiceContext, username: str) -> Actor:
    actor = authenticate(context, username, DEMO_PASSWORD, Origin("127.0.0.1", "test"))
    assert actor is not None, username
    return actor


def home_organisation(actor: Actor) -> int:
    return sorted(actor.memberships, key=lambda m: m.organisation_id)[0].organisation_id
