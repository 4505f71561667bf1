"""Web hardening: security headers on every answer, no open redirects, request size limits answered 413 (a
Dutch page, or JSON in the API), and the API's rate limit per token and per address answered 429."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.factories import login
from tests.web.conftest import Site, error_page, local_path
from webapp import create_app
from webapp.domain.clock import ManualClock
from webapp.persistence.crypto import new_key_line
from webapp.services.context import ServiceContext
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.tokens import create_token
from webapp.web.api.openapi import DOCUMENT
from webapp.web.security import CSP, local_target

EVIL_TARGETS = [
    "//evil.example",
    "//evil.example/inbox",
    "https://evil.example",
    "http://evil.example/inbox",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/%0a/evil.example\n",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "https:/evil.example",
    "",
]
# Header values cannot hold a line break: the referrer tests use the rest.
EVIL_REFERRERS = [t for t in EVIL_TARGETS if "\n" not in t]


def assert_hardened(headers: Any, *, cached: bool = False) -> None:
    assert headers["Content-Security-Policy"] == CSP
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ):
        assert directive in CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert {p.strip() for p in headers["Permissions-Policy"].split(",")} >= {
        "camera=()",
        "microphone=()",
        "geolocation=()",
    }
    if not cached:
        assert headers["Cache-Control"] == "no-store"


def token_for(ctx: ServiceContext, username: str = "hulpverlener", name: str = "test") -> str:
    return create_token(ctx, login(ctx, username), name, date(2027, 1, 31)).secret


# --- headers ---


def test_every_kind_of_answer_carries_the_security_headers(site: Site) -> None:
    anonymous = site.client()
    sanne = site.client("hulpverlener")
    task = site.start_demo()
    answers = {
        "login page": anonymous.get("/login"),
        "redirect to login": anonymous.get("/inbox"),
        "inbox": sanne.get("/inbox"),
        "task page": sanne.get(f"/tasks/{task}"),
        "not found": sanne.get("/bestaat-niet"),
        "refused post": sanne.post("/account/language", data={"language": "xx"}),
        "api document": anonymous.get("/api/v1/openapi.json"),
        "api without token": anonymous.get("/api/v1/tasks"),
        "api with token": anonymous.get(
            "/api/v1/tasks", headers={"Authorization": f"Bearer {token_for(site.ctx)}"}
        ),
    }
    for what, response in answers.items():
        assert response.status_code < 500, what
        assert_hardened(response.headers)
        assert "Strict-Transport-Security" not in response.headers, what  # plain http in development
    stylesheet = anonymous.get("/static/css/app.css")
    assert stylesheet.status_code == 200
    assert_hardened(stylesheet.headers, cached=True)
    assert stylesheet.headers.get("Cache-Control") != "no-store"  # no case data: may be cached
    stylesheet.close()


def test_pages_have_no_inline_script_for_the_policy_to_allow(site: Site) -> None:
    sanne = site.client("hulpverlener")
    for path in ("/inbox", f"/tasks/{site.start_demo()}", "/processes", "/notifications"):
        body = sanne.get(path).get_data(as_text=True)
        assert "<script>" not in body and " onclick=" not in body and "javascript:" not in body, path


def test_production_adds_hsts(ctx: ServiceContext) -> None:
    settings = {"env": "production", "secret_key": "een-lang-geheim", "data_keys": new_key_line("ktest")}
    app = create_app(settings, context=ctx)
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_hardened(response.headers)


# --- redirects ---


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_no_redirect_target_from_outside_leaves_the_site(target: str) -> None:
    assert local_target(target) is None


@pytest.mark.parametrize("target", ["/inbox", "/tasks/12?tab=historie", "/cases/Z-2026-1#opmerkingen"])
def test_local_paths_are_kept(target: str) -> None:
    assert local_target(target) == target


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_signing_in_never_sends_people_off_the_site(site: Site, target: str) -> None:
    response = site.client().post(
        "/login", query_string={"next": target}, data={"username": "hulpverlener", "password": DEMO_PASSWORD}
    )
    assert local_path(response) == "/inbox"
    assert "evil" not in response.location and "javascript" not in response.location.lower()


@pytest.mark.parametrize("target", EVIL_REFERRERS)
def test_the_language_switch_never_sends_people_off_the_site(site: Site, target: str) -> None:
    sanne = site.client("hulpverlener")
    response = sanne.post("/account/language", data={"language": "nl"}, headers={"Referer": target})
    assert local_path(response) == "/inbox"


def test_the_language_switch_returns_to_the_page_it_was_pressed_on(site: Site) -> None:
    sanne = site.client("hulpverlener")
    response = sanne.post(
        "/account/language", data={"language": "nl"}, headers={"Referer": "http://localhost/processes?x=1"}
    )
    assert response.location == "/processes?x=1"
    other_host = sanne.post(
        "/account/language", data={"language": "nl"}, headers={"Referer": "http://evil.example/processes"}
    )
    assert local_path(other_host) == "/inbox"


@pytest.mark.parametrize("target", EVIL_REFERRERS)
def test_a_post_after_the_session_ended_remembers_only_a_local_page(site: Site, target: str) -> None:
    response = site.client().post(f"/tasks/{site.start_demo()}", data={}, headers={"Referer": target})
    assert local_path(response) == "/login"
    assert "evil" not in response.location and "javascript" not in response.location.lower()


# --- size limits ---


def test_a_body_over_the_limit_gets_a_dutch_413_page_and_stores_nothing(site: Site) -> None:
    task = site.start_demo()
    sanne = site.client("hulpverlener")
    before = site.task_state(task)
    huge = {"omschrijving": "a" * (6 * 1024 * 1024 + 1)}
    status, heading, text = error_page(sanne.post(f"/tasks/{task}", data=huge))
    assert (status, heading) == (413, "Te groot")
    assert "groter dan Ketenflow aanneemt" in text
    assert site.task_state(task) == before


def test_a_multipart_upload_over_the_limit_is_refused_too(site: Site) -> None:
    body = (
        b'--grens\r\nContent-Disposition: form-data; name="bestand"; filename="groot.bpmn"\r\n\r\n'
        + b"x" * (6 * 1024 * 1024 + 10)
        + b"\r\n--grens--\r\n"
    )
    response = site.client("hulpverlener").post(
        f"/tasks/{site.start_demo()}", data=body, content_type="multipart/form-data; boundary=grens"
    )
    assert error_page(response)[:2] == (413, "Te groot")


@pytest.mark.parametrize(
    "form",
    [
        {f"veld{i}": "x" for i in range(1001)},
        {"omschrijving": "a" * (512 * 1024 + 1)},
        {"omschrijving": "é" * (256 * 1024 + 1)},  # counted in bytes, as sent
    ],
    ids=["too-many-values", "one-value-too-long", "multibyte-value-too-long"],
)
def test_too_many_or_too_long_form_values_are_refused_with_413(site: Site, form: dict[str, str]) -> None:
    task = site.start_demo()
    before = site.task_state(task)
    response = site.client("hulpverlener").post(f"/tasks/{task}", data=form)
    assert error_page(response)[:2] == (413, "Te groot")
    assert site.task_state(task) == before


def test_the_limit_holds_before_the_csrf_check_without_a_server_error(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/login", data={"username": "x" * (6 * 1024 * 1024 + 1)})
    assert error_page(response)[:2] == (413, "Te groot")


def test_an_api_body_over_the_limit_gets_a_json_413(site: Site) -> None:
    token = token_for(site.ctx)
    response = site.app.test_client().put(
        f"/api/v1/tasks/{site.start_demo()}/draft",
        data=b'{"gegevens": {"omschrijving": "' + b"a" * (6 * 1024 * 1024) + b'"}}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json == {"fout": "Wat u verstuurde is te groot.", "velden": {}}


def test_the_limits_are_settings(ctx: ServiceContext) -> None:
    app = create_app(
        {"env": "test", "WTF_CSRF_ENABLED": False, "max_request_bytes": 1000, "max_form_values": 3},
        context=ctx,
    )
    client = app.test_client()
    assert client.post("/login", data={"username": "u" * 1001}).status_code == 413
    assert client.post("/login", data={"a": "1", "b": "2", "c": "3", "d": "4"}).status_code == 413
    assert client.post("/login", data={"username": "u", "password": "p"}).status_code == 401


# --- API rate limit ---


@pytest.fixture
def limited_app(ctx: ServiceContext) -> Flask:
    return create_app({"env": "test", "api_rate_per_minute": 3}, context=ctx)


def test_an_api_token_gets_429_with_retry_after_past_its_calls_per_minute(
    limited_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    client = limited_app.test_client()
    sanne = {"Authorization": f"Bearer {token_for(ctx)}"}
    assert [client.get("/api/v1/tasks", headers=sanne).status_code for _ in range(3)] == [200] * 3
    clock.advance(timedelta(seconds=20))
    refused = client.get("/api/v1/tasks", headers=sanne)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "40"
    assert refused.json is not None and set(refused.json) == {"fout", "velden"}
    assert "hoogstens 3 per minuut" in refused.json["fout"]
    # Another token has its own budget; this one is counted apart from the first.
    daan = {"Authorization": f"Bearer {token_for(ctx, 'collega', 'ander')}"}
    assert client.get("/api/v1/tasks", headers=daan).status_code == 200
    clock.advance(timedelta(seconds=40))
    assert client.get("/api/v1/tasks", headers=sanne).status_code == 200


def test_calls_without_a_valid_token_are_limited_per_address(limited_app: Flask, ctx: ServiceContext) -> None:
    client = limited_app.test_client()
    attempts = [
        client.get("/api/v1/tasks"),
        client.get("/api/v1/tasks", headers={"Authorization": "Bearer kf_geraden1"}),
        client.get("/api/v1/tasks", headers={"Authorization": "Bearer kf_geraden2"}),
        client.get("/api/v1/tasks", headers={"Authorization": "Bearer kf_geraden3"}),
    ]
    assert [a.status_code for a in attempts] == [401, 401, 401, 429]
    assert attempts[-1].headers["Retry-After"] == "60"
    elsewhere = client.get("/api/v1/tasks", environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert elsewhere.status_code == 401
    # A valid token is not held back by the guesses made from its address.
    assert (
        client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token_for(ctx)}"}).status_code == 200
    )


def test_every_operation_that_needs_a_token_documents_429() -> None:
    for path, item in DOCUMENT["paths"].items():
        for operation in item.values():
            if operation.get("security") == []:
                continue
            assert "429" in operation["responses"], path
            assert "Retry-After" in operation["responses"]["429"]["headers"]
