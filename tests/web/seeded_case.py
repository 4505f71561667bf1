"""One seeded case for the access tests (route matrix, IDOR, break-glass): built once per test session on
the suite's backend (tests/databases.py) and copied for every test, so that each request meets the same
fresh state (a POST that claims or completes a task cannot change what the next row of a table sees).

The case is Gemeente Weert's: a casusoverleg registered by Sanne (hulpverlener), which fills the ``case``
register, and a data-subject request filed under the same reference, with its decision task open.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.databases import ON_POSTGRES, POSTGRES_URL, Snapshot, build_snapshot, truncate
from tests.factories import START, home_organisation, login, make_context
from tests.processes.test_case_intake import ANONYMOUS
from webapp import create_app
from webapp.domain.clock import ManualClock
from webapp.persistence.db import Database
from webapp.persistence.models import Notification, RegisterEntry
from webapp.services import instances, tasks, tokens
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import DEMO_PASSWORD, seed_demo

# The demo users standing for each role of the matrix; None is a visitor who is not signed in.
ROLE_USERS: dict[str, str | None] = {
    "professional": "hulpverlener",
    "aandachtsfunctionaris": "aandacht",
    "voorzitter": "voorzitter",
    "fg": "fg",
    "process_owner": "procesbeheer",
    "manager": "manager",
    "admin": "beheerder",
    "anonymous": None,
}
# Everyone who gets an API token in the seed (the matrix users and the other organisation's).
TOKEN_USERS = [u for u in ROLE_USERS.values() if u] + ["collega", "rubicon", "fg.rubicon", "manager.rubicon"]
DEMO_INTAKE = {
    "ontvangen_op": "2026-11-02",
    "recht": "inzage",
    "omschrijving": "Graag inzage in mijn dossier.",
}


@dataclass(frozen=True)
class Ids:
    """The real ids the URLs of the tables are filled with."""

    case: str  # the case reference
    intake: int  # the case_intake instance
    instance: int  # the demo request instance (same case)
    task: int  # its open decision task (professional, Weert, unclaimed)
    entry: int  # the case register entry
    notification: int  # one of Sanne's notifications
    token: int  # Sanne's API token id
    secrets: dict[str, str]  # username -> API token

    def fill(self, template: str) -> str:
        return template.format(
            case=self.case,
            intake=self.intake,
            instance=self.instance,
            task=self.task,
            entry=self.entry,
            notification=self.notification,
            token=self.token,
            process="demo_subject_request",
            kind="case",
            message="bestaat_niet",
            version=1,  # the demo process's only deployed version
        )


def _fill(database: Database) -> Ids:
    """Deploy, seed the demo and the case into ``database`` (empty, its tables created)."""
    ctx = make_context(database, ManualClock(START))
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    return _seed_case(ctx)


def _seed_case(ctx: ServiceContext) -> Ids:
    sanne = login(ctx, "hulpverlener")
    weert = home_organisation(sanne)
    intake = instances.start_process(ctx, sanne, "case_intake", weert)
    assert intake.next_task_id is not None
    tasks.complete_task(ctx, sanne, intake.next_task_id, ANONYMOUS)
    reference = instances.view_instance(ctx, sanne, intake.instance_id).case_reference
    assert reference is not None
    demo = instances.start_process(ctx, sanne, "demo_subject_request", weert, case_reference=reference)
    assert demo.next_task_id is not None
    decide = tasks.complete_task(ctx, sanne, demo.next_task_id, DEMO_INTAKE).next_task_id
    assert decide is not None
    secrets = {}
    token_id = 0
    for username in TOKEN_USERS:
        created = tokens.create_token(ctx, login(ctx, username), "matrix", date(2027, 1, 31))
        secrets[username] = created.secret
        if username == "hulpverlener":
            token_id = created.token.id
    with ctx.db.read() as session:
        entry = session.execute(
            select(RegisterEntry.id).where(RegisterEntry.instance_id == intake.instance_id)
        ).scalar_one()
        notification = (
            session.execute(
                select(Notification.id).where(Notification.user_id == sanne.user_id).order_by(Notification.id)
            )
            .scalars()
            .first()
        )
    assert notification is not None
    instance_ids = (intake.instance_id, demo.instance_id)
    return Ids(reference, *instance_ids, decide, entry, notification, token_id, secrets)


class SeededSite:
    """The seeded database with the app and signed-in clients over it; ``reset`` puts the seed back.

    One site serves the whole session: building an app compiles every route again, which costs more than
    the request a test makes, while putting the seed back is a file copy (SQLite) or one function call
    (PostgreSQL). The app keeps nothing between requests that the database does not hold."""

    def __init__(self, template: Snapshot, workdir: Path, ids: Ids) -> None:
        url = POSTGRES_URL if template.postgres else f"sqlite:///{workdir / 'seeded.db'}"
        self.template = template
        self.database = Database(url)
        self.ids = ids
        self.clock = ManualClock(START)
        self.ctx = make_context(self.database, self.clock)
        # As tests/web/conftest.py's demo_sign_in_rules, which a session-wide app is built before.
        no_expiry = {"session_idle_minutes": 10 * 365 * 24 * 60, "session_max_hours": 10 * 365 * 24.0}
        config = {"env": "test", "WTF_CSRF_ENABLED": False, "totp_required_roles": "", **no_expiry}
        self.app: Flask = create_app(config, context=self.ctx)
        self.reset()

    def reset(self) -> None:
        """The seeded state and the clock as they were built."""
        self.template.restore(self.database)
        self.clock.set(START)

    def client(self, username: str | None) -> FlaskClient:
        client = self.app.test_client()
        if username is not None:
            response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 302 and response.location.endswith("/inbox"), username
        return client

    def close(self) -> None:
        self.database.dispose()


@pytest.fixture(scope="session")
def seed_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Snapshot, Ids]:
    """The seeded case, built once per session on the suite's backend (tests/databases.py)."""
    workdir = tmp_path_factory.mktemp("seeded")
    if ON_POSTGRES:
        database = request.getfixturevalue("postgres_database")
        truncate(database)
    else:
        database = Database(f"sqlite:///{workdir / 'build.db'}")
        database.create_all()
    ids: list[Ids] = []
    snapshot = build_snapshot("seeded_case", database, workdir, lambda db: ids.append(_fill(db)))
    return snapshot, ids[0]


@pytest.fixture(scope="session")
def seeded_site(
    seed_template: tuple[Snapshot, Ids], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededSite]:
    template, ids = seed_template
    site = SeededSite(template, tmp_path_factory.mktemp("seeded_site"), ids)
    yield site
    site.close()


@pytest.fixture
def seeded(seeded_site: SeededSite) -> SeededSite:
    """The session's site with the seed put back: every test meets the same fresh state."""
    seeded_site.reset()
    return seeded_site
