"""OpenID Connect against the local fake provider (tests/fake_oidc.py): the browser part runs through the
Flask test client, the provider's authorize redirect through ``requests``; Ketenflow's Authlib client
fetches discovery, token and JWKS from the fake provider over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider, running_provider
from tests.web.conftest import local_path, page, select, text_of
from tests.web.test_auth_login import audit_rows, auth_app_with, user_row
from webapp.services.context import ServiceContext

UNKNOWN = "U bent bij uw organisatie aangemeld, maar Ketenflow kent u nog niet."
FAILED = "Aanmelden via uw organisatie is niet gelukt."


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def oidc_app(ctx: ServiceContext, provider: FakeProvider) -> Flask:
    settings = {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_label": "Gemeente Weert",
        "totp_required_roles": "fg,admin,process_owner",  # OIDC sign-ins are exempt: the IdP does MFA
    }
    return auth_app_with(ctx, **settings)


def through_provider(client: FlaskClient, next_path: str = "") -> Any:
    """Press "Aanmelden via …", let the provider answer, and bring its answer back to Ketenflow."""
    start = client.post("/login/oidc" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302 and start.location.startswith("http://127.0.0.1:")
    answer = requests.get(start.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == "/login/oidc/callback"
    return client.get(f"{callback.path}?{callback.query}")


def notice(client: FlaskClient) -> str:
    return text_of(page(client.get("/login")), ".notice-error")


def test_the_login_page_offers_the_provider(oidc_app: Flask, app: Flask) -> None:
    button = select(page(oidc_app.test_client().get("/login")), "button#oidc-aanmelden")
    assert button and " ".join(button[0].itertext()).strip() == "Aanmelden via Gemeente Weert"
    assert not select(page(app.test_client().get("/login")), "button#oidc-aanmelden")  # not configured
    assert app.test_client().post("/login/oidc").status_code == 404


def test_a_known_email_signs_in_and_links_the_subject(
    oidc_app: Flask, ctx: ServiceContext, provider: FakeProvider
) -> None:
    client = oidc_app.test_client()
    assert local_path(through_provider(client, "/notifications")) == "/notifications"
    assert client.get("/inbox").status_code == 200
    linked = user_row(ctx, "hulpverlener")
    assert (linked.oidc_issuer, linked.oidc_subject) == (provider.issuer, "weert-0001")

    # Next time the subject decides, whatever the e-mail address says now.
    provider.claims["email"] = "nieuw-adres@example.org"
    again = oidc_app.test_client()
    assert local_path(through_provider(again)) == "/inbox"
    logins = [row for row in audit_rows(ctx, "auth.login") if row.details.get("method") == "oidc"]
    assert [(row.result, row.actor_id, row.details["linked"]) for row in logins] == [
        ("success", linked.id, "yes"),
        ("success", linked.id, "no"),
    ]


def test_no_totp_is_asked_for_an_oidc_login_even_for_the_fg(oidc_app: Flask, provider: FakeProvider) -> None:
    provider.claims.update(sub="weert-fg", email="fg@example.org")
    client = oidc_app.test_client()
    assert local_path(through_provider(client)) == "/inbox"
    assert client.get("/inbox").status_code == 200  # not sent to /account/2fa


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "onbekend-42", "email": "iemand@elders.example"},
        {"sub": "onbekend-43", "email": "hulpverlener@example.org", "email_verified": False},
    ],
    ids=["unknown-person", "unverified-email"],
)
def test_unknown_people_are_refused_and_get_no_account(
    oidc_app: Flask, ctx: ServiceContext, provider: FakeProvider, claims: dict[str, Any]
) -> None:
    provider.claims.update(claims)
    client = oidc_app.test_client()
    assert local_path(through_provider(client)) == "/login"
    assert notice(client).startswith(UNKNOWN)
    assert local_path(client.get("/inbox")) == "/login"
    assert user_row(ctx, "hulpverlener").oidc_subject is None
    assert [row.reason for row in audit_rows(ctx, "auth.login")] == ["unknown_oidc_subject"]


@pytest.mark.parametrize(
    "tamper",
    [
        {"aud": "een-andere-app"},
        {"aud": "een-andere-app", "azp": CLIENT_ID},  # Authlib alone would accept this one
        {"aud": ["een-andere-app", "nog-een"]},
        {"iss": "http://evil.example"},
        {"nonce": "niet-de-onze"},
        {"forge": True},
        {"exp": 1_000_000_000},
    ],
    ids=[
        "wrong-audience",
        "wrong-audience-with-azp",
        "audiences-without-us",
        "wrong-issuer",
        "wrong-nonce",
        "wrong-signature",
        "expired",
    ],
)
def test_an_id_token_that_does_not_validate_is_refused(
    oidc_app: Flask, ctx: ServiceContext, provider: FakeProvider, tamper: dict[str, Any]
) -> None:
    provider.tamper = tamper
    client = oidc_app.test_client()
    assert local_path(through_provider(client)) == "/login"
    assert notice(client).startswith(FAILED)
    assert local_path(client.get("/inbox")) == "/login"
    assert user_row(ctx, "hulpverlener").oidc_subject is None
    refusals = [(row.result, row.reason) for row in audit_rows(ctx, "auth.login")]
    assert refusals == [("denied", "oidc_invalid")]


def test_a_callback_without_our_state_is_refused(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    assert local_path(client.get("/login/oidc/callback?code=abc&state=verzonnen")) == "/login"
    assert notice(client).startswith(FAILED)
