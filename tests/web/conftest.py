"""Web tier: the Flask test client over the demo context (SQLite, ManualClock), plus small page helpers.

Pages are parsed with lxml so that tests assert on the field a message or value belongs to, not on a
substring somewhere in the page. Stored state is checked through the services, never through the page
that is being tested.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import home_organisation, login
from webapp import create_app
from webapp.domain.access import Actor
from webapp.services import tasks as task_service
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.seed import DEMO_PASSWORD

DEMO = "demo_subject_request"
VALID_INTAKE = {
    "ontvangen_op": "2026-10-30",
    "recht": "inzage",
    "kanaal": "e-mail",
    "omschrijving": "Betrokkene wil inzage in het eigen dossier.",
}


def page(response: TestResponse) -> Any:
    """The response body as an lxml document."""
    return lxml.html.document_fromstring(response.get_data(as_text=True))


_SIMPLE = re.compile(r"([a-z0-9]*)((?:[.#][\w-]+|\[[\w-]+(?:=[^\]]+)?\])*)")
_PART = re.compile(r"([.#])([\w-]+)|\[([\w-]+)(?:=([^\]]+))?\]")


def select(doc: Any, css: str) -> list[Any]:
    """Elements under ``doc`` matching a CSS subset: tag, .class, #id, [attr], [attr=value], descendant.

    lxml's own ``cssselect`` needs the cssselect package, which is no dependency of the project.
    """
    steps = []
    for simple in css.split():
        match = _SIMPLE.fullmatch(simple)
        assert match, f"unsupported selector {simple!r}"
        tests = []
        for kind, name, attr, value in _PART.findall(match.group(2)):
            if kind == ".":
                tests.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')")
            elif kind == "#":
                tests.append(f"@id='{name}'")
            else:
                tests.append(f"@{attr}='{value}'" if value else f"@{attr}")
        steps.append((match.group(1) or "*") + "".join(f"[{t}]" for t in tests))
    return list(doc.xpath(".//" + "//".join(steps)))


def text_of(doc: Any, css: str) -> str:
    """The whitespace-normalised text of the first element matching ``css`` ("" when there is none)."""
    found = select(doc, css)
    return " ".join(" ".join(found[0].itertext()).split()) if found else ""


def error_page(response: TestResponse) -> tuple[int, str, str]:
    """Status, heading and message of an error page; the page must not show a stack trace."""
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body
    doc = page(response)
    return response.status_code, text_of(doc, "h1"), text_of(doc, "main p")


def csrf_token(response: TestResponse) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no csrf_token in the page"
    return match.group(1)


def local_path(response: TestResponse) -> str:
    """The redirect target's path; fails when the redirect leaves the site."""
    assert response.status_code in (302, 303), response.status_code
    target = urlsplit(response.location)
    assert target.netloc in ("", "localhost"), response.location
    return target.path


def task_id_from(response: TestResponse) -> int:
    match = re.fullmatch(r"/tasks/(\d+)", local_path(response))
    assert match, response.location
    return int(match.group(1))


class Site:
    """Signed-in clients for the demo users and a few service shortcuts to set up and inspect state."""

    def __init__(self, app: Flask, ctx: ServiceContext) -> None:
        self.app = app
        self.ctx = ctx
        self._actors: dict[str, Actor] = {}

    def actor(self, username: str) -> Actor:
        """The service-layer actor, signed in once per test (password hashing is slow on purpose)."""
        if username not in self._actors:
            self._actors[username] = login(self.ctx, username)
        return self._actors[username]

    def client(self, username: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if username is not None:
            response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
            assert local_path(response) == "/inbox", username
        return client

    # --- set-up through the services (fast, and independent of the pages under test) ---

    def start_demo(self, username: str = "hulpverlener") -> int:
        """Start the demo process; returns the id of the first task ("Verzoek registreren")."""
        actor = self.actor(username)
        result = start_process(self.ctx, actor, DEMO, home_organisation(actor))
        assert result.next_task_id is not None
        return result.next_task_id

    def complete(self, task_id: int, data: dict[str, Any], username: str = "hulpverlener") -> int | None:
        """Complete a task with typed data, as ``username``; returns the next task for that user."""
        return task_service.complete_task(self.ctx, self.actor(username), task_id, data).next_task_id

    def decision_task(self) -> int:
        """A demo instance whose intake is done; returns the decision task's id."""
        next_id = self.complete(self.start_demo(), VALID_INTAKE)
        assert next_id is not None
        return next_id

    def post_after_colleague_completed(self, answers: dict[str, str]) -> tuple[int, int | None, TestResponse]:
        """hulpverlener opens the first task, collega completes it, then hulpverlener posts ``answers``.

        Returns the task, the next task the colleague's completion created, and the response to the post."""
        task = self.start_demo()
        client = self.client("hulpverlener")
        assert client.get(f"/tasks/{task}").status_code == 200
        decision = self.complete(task, VALID_INTAKE, username="collega")
        return task, decision, client.post(f"/tasks/{task}", data=answers)

    # --- inspection ---

    def inbox_ids(self, username: str = "hulpverlener") -> list[int]:
        return [t.id for t in task_service.list_inbox(self.ctx, self.actor(username))]

    def task_state(self, task_id: int, username: str = "hulpverlener") -> tuple[str, dict[str, Any]]:
        """The task's state and the form data the engine holds for it."""
        form = task_service.open_task(self.ctx, self.actor(username), task_id)
        return form.task.state, form.data


@pytest.fixture(autouse=True)
def demo_sign_in_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `make run`: the demo FG, admin and process owner sign in with a password only, and sessions do not
    expire while a test moves the clock by hours or days. tests/web/test_auth_*.py pass the real rules
    explicitly (``DEFAULT_SIGN_IN_RULES`` there)."""
    monkeypatch.setenv("KETENFLOW_TOTP_REQUIRED_ROLES", "")
    monkeypatch.setenv("KETENFLOW_SESSION_IDLE_MINUTES", str(10 * 365 * 24 * 60))
    monkeypatch.setenv("KETENFLOW_SESSION_MAX_HOURS", str(10 * 365 * 24))


# As demo_sign_in_rules, for the apps that are built once per session (before any test's own env).
DEMO_SIGN_IN = {
    "totp_required_roles": "",
    "session_idle_minutes": 10 * 365 * 24 * 60,
    "session_max_hours": 10 * 365 * 24.0,
}


@pytest.fixture(scope="session")
def session_apps() -> dict[bool, Flask]:
    """One app per CSRF setting for the whole session: building one compiles every route again, which costs
    more than most tests' requests. The app reaches the services only through ``extensions["ketenflow"]``
    at request time, so each test points it at its own context; everything else it keeps is configuration.
    """
    return {}


def _app_over(apps: dict[bool, Flask], ctx: ServiceContext, *, csrf: bool) -> Flask:
    if csrf not in apps:
        apps[csrf] = create_app({"env": "test", "WTF_CSRF_ENABLED": csrf, **DEMO_SIGN_IN}, context=ctx)
    apps[csrf].extensions["ketenflow"] = ctx
    return apps[csrf]


@pytest.fixture
def app(session_apps: dict[bool, Flask], ctx: ServiceContext) -> Flask:
    return _app_over(session_apps, ctx, csrf=False)


@pytest.fixture
def csrf_app(session_apps: dict[bool, Flask], ctx: ServiceContext) -> Flask:
    return _app_over(session_apps, ctx, csrf=True)


@pytest.fixture
def site(app: Flask, ctx: ServiceContext) -> Site:
    return Site(app, ctx)
