"""NEN 7513 / BIO 8.15.01 completeness: every main read and write leaves an audit line that says who (actor,
organisation, role), from where (origin), what (action, object), with what result and when, and for the
objects of a case the pseudonymous client key."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import home_organisation, login
from tests.web.conftest import local_path, task_id_from
from webapp import create_app
from webapp.persistence.models import AuditEvent
from webapp.services import tasks as task_service
from webapp.services.client_keys import case_client_key
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.tokens import create_token

COLUMNS = [c.name for c in AuditEvent.__table__.columns]


class Trail:
    """Reads the audit lines written since the last look."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.seen = self._last()

    def _last(self) -> int:
        with self.ctx.db.read() as session:
            return session.scalar(select(func.max(AuditEvent.id))) or 0

    def new(self) -> list[Any]:
        with self.ctx.db.read() as session:
            rows = session.execute(
                select(AuditEvent).where(AuditEvent.id > self.seen).order_by(AuditEvent.id)
            ).scalars()
            found = [SimpleNamespace(**{c: getattr(row, c) for c in COLUMNS}) for row in rows]
        self.seen = found[-1].id if found else self.seen
        return found


def one(lines: list[Any], event: str) -> Any:
    matching = [line for line in lines if line.event == event]
    assert matching, f"no audit line {event!r} in {[line.event for line in lines]}"
    return matching[-1]


def complete_line(
    line: Any, *, action: str, result: str = "success", role: str, channel: str = "web"
) -> None:
    assert line.actor_id is not None, line.event
    assert line.actor_org_id is not None, line.event
    assert line.actor_role == role, (line.event, line.actor_role)
    assert line.origin and line.origin.startswith(f"{channel}:"), (line.event, line.origin)
    assert (line.action, line.result) == (action, result), line.event
    assert line.at is not None and line.at.tzinfo is not None
    assert line.object_type, line.event


def about_case(line: Any, ctx: ServiceContext, reference: str) -> None:
    assert line.process_instance_id is not None, line.event
    assert line.client_key == case_client_key(ctx, reference), line.event


def signed_in(ctx: ServiceContext, username: str) -> FlaskClient:
    client = create_app({"env": "test", "WTF_CSRF_ENABLED": False}, context=ctx).test_client()
    assert (
        local_path(client.post("/login", data={"username": username, "password": DEMO_PASSWORD})) == "/inbox"
    )
    return client


def test_every_main_read_and_write_of_a_professional_is_audited_completely(proef: ServiceContext) -> None:
    trail = Trail(proef)
    sanne = signed_in(proef, "hulpverlener")
    complete_line(one(trail.new(), "auth.login"), action="login", role="professional")

    organisation = home_organisation(login(proef, "hulpverlener"))
    trail.new()
    task_id = task_id_from(sanne.post("/processes/proef/start", data={"organisation_id": str(organisation)}))
    started = one(trail.new(), "instance.started")
    complete_line(started, action="create", role="professional")
    reference = task_service.open_task(proef, login(proef, "hulpverlener"), task_id).task.case_reference
    assert reference is not None
    about_case(started, proef, reference)
    trail.new()

    steps: list[tuple[str, str, Any, bool]] = [
        ("inbox.read", "search", lambda: sanne.get("/inbox"), False),
        ("task.read", "read", lambda: sanne.get(f"/tasks/{task_id}"), True),
        ("task.claimed", "update", lambda: sanne.post(f"/tasks/{task_id}/claim"), True),
        (
            "task.draft_saved",
            "update",
            lambda: sanne.post(f"/tasks/{task_id}", data={"leeftijd": "15", "_action": "draft"}),
            True,
        ),
        ("task.completed", "update", lambda: sanne.post(f"/tasks/{task_id}", data={"leeftijd": "15"}), True),
        ("case.read", "read", lambda: sanne.get(f"/cases/{reference}"), True),
        (
            "comment.created",
            "create",
            lambda: sanne.post(f"/cases/{reference}/comments", data={"body": "Overleg gepland."}),
            True,
        ),
        ("instance.read", "read", lambda: sanne.get(f"/instances/{started.process_instance_id}"), True),
    ]
    for event, action, step, of_case in steps:
        response = step()
        assert response.status_code in (200, 302), (event, response.status_code)
        line = one(trail.new(), event)
        complete_line(line, action=action, role="professional")
        if of_case:
            about_case(line, proef, reference)

    token = create_token(proef, login(proef, "hulpverlener"), "audit", date(2027, 1, 31)).secret
    trail.new()
    api = sanne.application.test_client()
    read = api.get(f"/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {token}"})
    assert read.status_code == 200
    line = one(trail.new(), "task.read")
    complete_line(line, action="read", role="professional", channel="api")
    about_case(line, proef, reference)

    fg = signed_in(proef, "fg")
    trail.new()
    listing = fg.get("/registers/proef")
    complete_line(one(trail.new(), "register.read"), action="search", role="fg")
    entry = re.search(r'href="(/registers/proef/\d+)"', listing.get_data(as_text=True))
    assert entry is not None
    fg.get(entry.group(1))
    line = one(trail.new(), "register.entry_read")
    complete_line(line, action="read", role="fg")
    about_case(line, proef, reference)

    sanne.post("/logout")
    complete_line(one(trail.new(), "auth.logout"), action="logout", role="professional")


@pytest.mark.parametrize("username", ["hulpverlener", "niemand-bekends"])
def test_a_failed_login_is_audited_as_denied_without_the_password(
    proef: ServiceContext, username: str
) -> None:
    trail = Trail(proef)
    client = create_app({"env": "test", "WTF_CSRF_ENABLED": False}, context=proef).test_client()
    client.post("/login", data={"username": username, "password": "Geheim-wachtwoord-123"})
    lines = [line for line in trail.new() if line.action == "login"]
    assert lines and lines[-1].result == "denied"
    assert lines[-1].origin and lines[-1].origin.startswith("web:")
    assert all("Geheim-wachtwoord-123" not in repr(vars(line)) for line in lines)
    if username == "hulpverlener":
        assert lines[-1].actor_id is not None and lines[-1].actor_role == "professional"


def test_a_refusal_on_a_case_names_the_actors_own_organisation_and_the_client(proef: ServiceContext) -> None:
    sanne = login(proef, "hulpverlener")
    started = start_process(proef, sanne, "proef", home_organisation(sanne))
    assert started.next_task_id is not None
    reference = task_service.open_task(proef, sanne, started.next_task_id).task.case_reference
    assert reference is not None
    trail = Trail(proef)
    outsider = signed_in(proef, "rubicon")
    assert outsider.get(f"/cases/{reference}").status_code == 403
    line = one(trail.new(), "case.read")
    assert line.result == "denied" and line.reason
    assert line.actor_role == "professional" and line.client_key == case_client_key(proef, reference)
    assert line.actor_org_id == home_organisation(login(proef, "rubicon")) != home_organisation(sanne)
