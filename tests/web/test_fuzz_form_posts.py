"""Hypothesis throws arbitrary bodies at task forms and at the API's draft and complete endpoints.

Whatever arrives (unknown and nested-looking names such as ``a.0.b``, repeated names, huge values, unicode,
NUL bytes, nothing at all, bytes that are no form encoding), the answer is never a server error: a page in
Dutch (200, 302, 400, 409, 413 or 422) or the API's JSON error; and what the instance holds (its state,
version and the task's data, read through the services) changes only when the post was accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import home_organisation, login
from tests.processes.test_case_intake import PARTICIPANTS_TASK, register, task_id
from tests.web.conftest import Site
from webapp.persistence.models import HumanTask, ProcessInstance
from webapp.services import tasks as task_service
from webapp.services.instances import start_process
from webapp.services.tokens import create_token

# About 50 posts per form keeps the whole module well under a minute on the development machine. The
# fixtures (a deployed, seeded database) are made once per test and shared by its examples on purpose: the
# examples run in an inner @given function that takes no fixtures, so hypothesis has no function-scoped
# fixture to warn about, and state that builds up (a saved draft) is part of what is being tested.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PAGE_STATUSES = {200, 302, 400, 409, 413, 422}
API_STATUSES = {200, 400, 403, 404, 409, 413, 422}
HUGE = 600 * 1024  # over the 512 KB a form value may have


def open_intake(site: Site) -> tuple[str, int]:
    return "hulpverlener", site.start_demo()


def open_decision(site: Site) -> tuple[str, int]:
    return "hulpverlener", site.decision_task()


def open_breach_report(site: Site) -> tuple[str, int]:
    lotte = site.actor("rubicon")
    started = start_process(site.ctx, lotte, "data_breach", home_organisation(lotte))
    assert started.next_task_id is not None
    return "rubicon", started.next_task_id


def open_case_participants(site: Site) -> tuple[str, int]:
    sanne = site.actor("hulpverlener")
    return "hulpverlener", task_id(site.ctx, sanne, register(site.ctx, sanne), PARTICIPANTS_TASK)


FORMS: dict[str, Callable[[Site], tuple[str, int]]] = {
    "text, date, choice and yes/no (demo intake)": open_intake,
    "rows of objects (demo decision)": open_decision,
    "date-time, number, lists (breach report)": open_breach_report,
    "choices, lists, date (case participants)": open_case_participants,
}


def field_names(site: Site, username: str, task: int) -> list[str]:
    """The names the form's page posts: its fields, and ``<rows>.<i>.<field>`` for rows of objects."""
    schema = task_service.open_task(site.ctx, site.actor(username), task).schema or {}
    names = []
    for name, prop in schema.get("properties", {}).items():
        items = prop.get("items", {}) if isinstance(prop, dict) else {}
        if isinstance(items, dict) and items.get("type") == "object":
            names += [f"{name}.{i}.{sub}" for i in (0, 1, 9999) for sub in items.get("properties", {})]
        names.append(name)
    return names


def snapshot(site: Site, username: str, task: int) -> tuple[Any, ...]:
    """What the post may not change unless it was accepted: the task's state and data (the draft included),
    the instance's version and stored state."""
    state, data = site.task_state(task, username)
    with site.ctx.db.read() as session:
        row = session.execute(
            select(ProcessInstance.version, ProcessInstance.serialization)
            .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
            .where(HumanTask.id == task)
        ).one()
    return state, data, row.version, row.serialization


def values(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
        st.sampled_from(
            [
                "",
                " ",
                "\x00",
                "on",
                "true",
                "false",
                "ja",
                "2026-02-30",
                "30-2-2026",
                "1.000",
                "-0",
                "NaN",
                "1e309",
                "draft",
            ]
        ),
        st.sampled_from(["9" * 400, "é\u202e\U0001f600\x00" * 1000]),
        st.builds(lambda n: f"add:{n}", st.sampled_from(known) | st.text(max_size=12)),
        st.builds(lambda n, i: f"remove:{n}:{i}", st.text(max_size=12), st.integers(-5, 100_000)),
    )


def keys(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([*known, "_action", "_rows", "csrf_token", "__proto__", "a.0.b", "x.-1.y", "x..y"]),
        st.builds(
            lambda name, i, sub: f"{name}.{i}.{sub}",
            st.sampled_from(known),
            st.integers(-3, 20_000),
            st.text(max_size=8),
        ),
        st.text(max_size=30),
    )


def bodies(known: list[str]) -> st.SearchStrategy[bytes]:
    """urlencoded pairs (names may repeat) or raw bytes that are no form encoding at all."""
    pairs = st.builds(
        lambda items, draft: items + ([("_action", "draft")] if draft else []),
        st.lists(st.tuples(keys(known), values(known)), max_size=12),
        st.booleans(),  # "Opslaan als concept": stored unchecked, so the snapshot moves on
    )
    encoded = pairs.map(
        lambda items: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in items).encode()
    )
    huge = st.builds(lambda name: quote(name, safe="").encode() + b"=" + b"a" * HUGE, st.sampled_from(known))
    return st.one_of(encoded, st.binary(max_size=300), huge)


@pytest.mark.parametrize("form", list(FORMS))
def test_arbitrary_posts_to_a_task_form_never_break_it(site: Site, form: str) -> None:
    username, task = FORMS[form](site)
    client = site.client(username)
    known = field_names(site, username, task)
    state = {"before": snapshot(site, username, task)}

    @FUZZ
    @given(body=bodies(known))
    def post(body: bytes) -> None:
        response = client.post(f"/tasks/{task}", data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in PAGE_STATUSES, response.status_code
        after = snapshot(site, username, task)
        if response.status_code == 302:  # accepted: a draft saved or the task completed
            state["before"] = after
            return
        html = response.get_data(as_text=True)
        assert '<html lang="nl"' in html and "Traceback" not in html
        assert after == state["before"]

    post()


def api_bodies(known: list[str]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)
    )
    json_values = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )
    answers = st.dictionaries(
        st.one_of(st.sampled_from(known), st.text(max_size=10)), json_values, max_size=6
    )
    return st.one_of(
        st.fixed_dictionaries({"gegevens": answers}),
        st.fixed_dictionaries({"gegevens": answers, "leegmaken": st.lists(st.text(max_size=10), max_size=3)}),
        st.dictionaries(st.text(max_size=10), json_values, max_size=3),
        json_values,
    )


@pytest.mark.parametrize("endpoint", ["draft", "complete"])
def test_arbitrary_json_to_the_api_never_breaks_it(site: Site, endpoint: str) -> None:
    username, task = open_breach_report(site)
    known = field_names(site, username, task)
    token = create_token(site.ctx, login(site.ctx, username), "fuzz", date(2027, 1, 31)).secret
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    call = client.put if endpoint == "draft" else client.post
    state = {"before": snapshot(site, username, task)}

    @FUZZ
    @given(body=api_bodies(known))
    def send(body: Any) -> None:
        response = call(f"/api/v1/tasks/{task}/{endpoint}", json=body, headers=headers)
        assert response.status_code in API_STATUSES, response.status_code
        after = snapshot(site, username, task)
        if response.status_code == 200:
            state["before"] = after
            return
        assert response.json is not None and set(response.json) == {"fout", "velden"}
        assert after == state["before"]

    send()
