"""The API against its OpenAPI document: every route is documented, and every operation answers as documented.

Schemathesis generates requests from the document (valid and invalid ones, with and without a token, with
methods the document does not list) and checks each answer: never a server error, only documented status
codes, a JSON body of the documented shape, 401 without a valid token, 405 with ``Allow``.
"""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.factories import home_organisation, login
from webapp import create_app
from webapp.services import tasks
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.tokens import create_token
from webapp.web.api.openapi import DOCUMENT

INTAKE = {"ontvangen_op": "2026-10-30", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}
# Whether answers fit a task's form is for that form's JSON Schema (served by GET /tasks/{id}) to say; the
# document cannot list every form, so a well-formed completion may still be answered 422.
ACCEPTED = ["2xx", "401", "403", "404", "409"]
CONFIG = {
    "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
    "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
    "operations": [
        {
            "include-operation-id": ["completeTask", "saveDraft", "startProcess"],
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }
    ],
}


@pytest.fixture
def api_app(ctx: ServiceContext) -> Flask:
    return create_app({"env": "test"}, context=ctx)  # CSRF on: the API must work without it


@pytest.fixture
def token(ctx: ServiceContext) -> str:
    """hulpverlener's token, with some live data to read: a finished intake and an open decision."""
    actor = login(ctx, "hulpverlener")
    started = start_process(ctx, actor, "demo_subject_request", home_organisation(actor))
    assert started.next_task_id is not None
    tasks.complete_task(ctx, actor, started.next_task_id, INTAKE)
    start_process(ctx, login(ctx, "rubicon"), "data_breach", home_organisation(login(ctx, "rubicon")))
    return create_token(ctx, actor, "contracttest", date(2027, 1, 31)).secret


# The document is a module constant, so it loads at collection time; the app comes per test.
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict(CONFIG))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: schemathesis.Case, api_app: Flask, token: str) -> None:
    # The app (and its database) is new for every test; probes that re-send a request use the schema's app.
    case.operation.schema.app = api_app
    case.call_and_validate(app=api_app, headers={"Authorization": f"Bearer {token}"})


def test_chains_of_calls_along_the_documented_links_answer_as_documented(api_app: Flask, token: str) -> None:
    """List the procedures, start one, read its first task and the instance, complete the task, read what
    comes next: schemathesis follows the links of the document with the ids real answers give."""
    # Always the real token here: ignored_auth still probes without it, and the chains get further.
    config = {
        **CONFIG,
        "auth": {"openapi": {"token": {"bearer": token}}},
        "generation": {**CONFIG["generation"], "with-security-parameters": False},
    }
    linked = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict(config))
    linked.app = api_app
    workflow = linked.as_state_machine()
    workflow.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_every_route_of_the_api_is_in_the_document_and_back(api_app: Flask) -> None:
    routes = set()
    for rule in api_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{").replace(">", "}")
            routes |= {
                (path, method.lower()) for method in rule.methods or () if method not in ("HEAD", "OPTIONS")
            }
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert routes == documented


def test_the_document_is_served_without_a_token(api_app: Flask) -> None:
    response = api_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json == DOCUMENT
