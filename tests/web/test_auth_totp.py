"""TOTP: setting it up with a QR code, the code step after the password (once per code, one step of drift,
five minutes to answer, failures count towards the lockout) and the roles that must use it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import local_path, page, select, text_of
from tests.web.test_auth_login import audit_rows, auth_app_with, no_secret_in_audit, signed_in, user_row
from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext
from webapp.services.seed import DEMO_PASSWORD


@pytest.fixture
def totp_app(ctx: ServiceContext) -> Flask:
    """The production default: fg, admin and process_owner must use a second factor."""
    return auth_app_with(ctx)


def code(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


def set_up(client: FlaskClient, clock: ManualClock) -> str:
    """Set up TOTP through the page as the signed-in user; returns the secret shown on it."""
    setup = page(client.get("/account/2fa"))
    secret = text_of(setup, "#totp-sleutel").replace(" ", "")
    assert local_path(client.post("/account/2fa", data={"code": code(secret, clock.now())})) == "/inbox"
    return secret


def password_step(
    app: Flask, username: str = "hulpverlener", password: str = DEMO_PASSWORD
) -> tuple[FlaskClient, Any]:
    client = app.test_client()
    return client, client.post(
        "/login?next=/notifications", data={"username": username, "password": password}
    )


def test_setting_up_shows_a_qr_code_and_needs_a_right_code(
    totp_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    client = signed_in(totp_app)
    doc = page(client.get("/account/2fa"))
    svg = select(doc, "svg#qr-code")
    assert svg and svg[0].get("role") == "img" and len(select(doc, "svg#qr-code path")[0].get("d")) > 1000
    secret = text_of(doc, "#totp-sleutel").replace(" ", "")
    assert len(secret) == 32
    assert text_of(page(client.get("/account/2fa")), "#totp-sleutel").replace(" ", "") == secret  # stable

    wrong = client.post("/account/2fa", data={"code": code(secret, clock.now(), steps=5)})
    assert wrong.status_code == 422
    assert text_of(page(wrong), "#code-error").startswith("De code klopt niet.")
    assert user_row(ctx, "hulpverlener").totp_secret is None

    assert local_path(client.post("/account/2fa", data={"code": code(secret, clock.now())})) == "/inbox"
    assert "Tweestapsverificatie staat aan." in client.get("/inbox").get_data(as_text=True)
    assert user_row(ctx, "hulpverlener").totp_secret == secret
    assert [row.result for row in audit_rows(ctx, "account.totp_enabled")] == ["denied", "success"]
    no_secret_in_audit(ctx, secret, code(secret, clock.now()))


def test_with_totp_the_password_alone_does_not_sign_in(
    totp_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    secret = set_up(signed_in(totp_app), clock)
    clock.advance(timedelta(minutes=1))
    client, response = password_step(totp_app)
    assert local_path(response) == "/login/code"
    assert local_path(client.get("/inbox")) == "/login"  # half signed in is not signed in
    assert text_of(page(client.get("/login/code")), "h1") == "Code invullen"

    now = clock.now()
    wrong = client.post("/login/code", data={"code": code(secret, now, steps=2)})  # beyond the drift window
    assert wrong.status_code == 401
    assert text_of(page(wrong), "#code-error").startswith("De code klopt niet of is al gebruikt.")
    assert (
        local_path(client.post("/login/code", data={"code": code(secret, now, steps=-1)})) == "/notifications"
    )
    assert client.get("/inbox").status_code == 200

    # The same code again (another browser, same half minute) is refused: each step counts once.
    replay, _ = password_step(totp_app)
    assert replay.post("/login/code", data={"code": code(secret, now, steps=-1)}).status_code == 401
    assert replay.post("/login/code", data={"code": code(secret, now, steps=-2)}).status_code == 401
    assert (
        local_path(replay.post("/login/code", data={"code": code(secret, now, steps=1)})) == "/notifications"
    )

    methods = [row.details.get("method") for row in audit_rows(ctx, "auth.login") if row.result == "success"]
    assert methods == ["password", "password+totp", "password+totp"]
    no_secret_in_audit(ctx, secret, code(secret, now, steps=-1), code(secret, now, steps=1))


def test_wrong_codes_count_towards_the_lockout(
    totp_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    secret = set_up(signed_in(totp_app), clock)
    client, _ = password_step(totp_app)
    for _ in range(5):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 401
    assert user_row(ctx, "hulpverlener").locked_until == clock.now() + timedelta(minutes=15)
    clock.advance(timedelta(minutes=1))
    # Locked: even the right code is refused, and so is the password step.
    assert client.post("/login/code", data={"code": code(secret, clock.now())}).status_code == 401
    assert password_step(totp_app)[1].status_code == 401


def test_the_code_must_come_within_five_minutes(totp_app: Flask, clock: ManualClock) -> None:
    secret = set_up(signed_in(totp_app), clock)
    client, _ = password_step(totp_app)
    clock.advance(timedelta(minutes=5, seconds=1))
    late = client.post("/login/code", data={"code": code(secret, clock.now())})
    assert local_path(late) == "/login"
    assert "De tijd om de code in te vullen is verstreken." in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("username", ["fg", "beheerder", "procesbeheer"])
def test_required_roles_must_set_up_totp_before_anything_else(
    totp_app: Flask, ctx: ServiceContext, clock: ManualClock, username: str
) -> None:
    client = signed_in(totp_app, username)
    for path in ("/inbox", "/registers", "/account/tokens", "/account/password"):
        assert local_path(client.get(path)) == "/account/2fa", path
    setup = page(client.get("/account/2fa"))
    assert "Voor uw rol is tweestapsverificatie verplicht" in text_of(setup, "main")
    assert client.post("/account/tokens", data={"naam": "x"}).status_code == 302  # no way around it
    secret = set_up(client, clock)
    assert client.get("/inbox").status_code == 200

    # Switching it off is refused for these roles, even with the password.
    refused = client.post("/account/2fa/disable", data={"password": DEMO_PASSWORD}, follow_redirects=True)
    assert "u kunt haar niet uitzetten" in text_of(page(refused), ".notice-error")
    assert user_row(ctx, username).totp_secret == secret


def test_other_roles_are_not_forced_and_may_switch_it_off_with_their_password(
    totp_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    client = signed_in(totp_app, "hulpverlener")
    assert client.get("/inbox").status_code == 200
    set_up(client, clock)
    wrong = client.post("/account/2fa/disable", data={"password": "niet goed"})
    assert (
        wrong.status_code == 422 and text_of(page(wrong), "#password-error") == "Het wachtwoord klopt niet."
    )
    assert local_path(client.post("/account/2fa/disable", data={"password": DEMO_PASSWORD})) == "/account/2fa"
    assert user_row(ctx, "hulpverlener").totp_secret is None
    assert local_path(password_step(totp_app)[1]) == "/notifications"  # the password alone again
    assert [row.result for row in audit_rows(ctx, "account.totp_disabled")] == ["denied", "success"]


def test_an_empty_setting_requires_no_one(ctx: ServiceContext) -> None:
    app = auth_app_with(ctx, totp_required_roles="")
    assert signed_in(app, "fg").get("/inbox").status_code == 200
