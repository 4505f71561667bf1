"""Signing in with a password: lockout, address throttling, session expiry, cookies, logout everywhere,
changing the password. Time moves with the ManualClock; every step leaves an audit row without secrets."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.conftest import local_path, page, text_of
from webapp import create_app
from webapp.config import Settings
from webapp.domain.clock import ManualClock
from webapp.persistence.models import AuditEvent, User
from webapp.services import users
from webapp.services.context import ServiceContext
from webapp.services.seed import DEMO_PASSWORD

REFUSED = "Gebruikersnaam of wachtwoord klopt niet."
NEW_PASSWORD = "lange zin over een fiets"


# The real defaults of the settings (tests/web/conftest.py relaxes them for the other web tests).
DEFAULT_SIGN_IN_RULES = {
    name: Settings.__dataclass_fields__[name].default
    for name in ("session_idle_minutes", "session_max_hours", "totp_required_roles")
}


def auth_app_with(ctx: ServiceContext, **settings: Any) -> Flask:
    return create_app(
        {"env": "test", "WTF_CSRF_ENABLED": False, **DEFAULT_SIGN_IN_RULES, **settings}, context=ctx
    )


@pytest.fixture
def auth_app(ctx: ServiceContext) -> Flask:
    return auth_app_with(ctx, totp_required_roles="")


def test_the_defaults_are_the_documented_ones() -> None:
    assert DEFAULT_SIGN_IN_RULES == {
        "session_idle_minutes": 30,
        "session_max_hours": 12.0,
        "totp_required_roles": "fg,admin,process_owner",
    }


def sign_in(app: Flask, username: str, password: str = DEMO_PASSWORD, address: str = "10.0.0.1") -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, client.post("/login", data={"username": username, "password": password})


def signed_in(app: Flask, username: str = "hulpverlener") -> FlaskClient:
    client, response = sign_in(app, username)
    assert local_path(response) == "/inbox"
    return client


def audit_rows(ctx: ServiceContext, prefix: str = "") -> list[AuditEvent]:
    with ctx.db.read() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        session.expunge_all()  # keep the loaded values when the read transaction ends
        return [row for row in rows if row.event.startswith(prefix)]


def user_row(ctx: ServiceContext, username: str) -> User:
    with ctx.db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        session.expunge(user)
        return user


def no_secret_in_audit(ctx: ServiceContext, *secrets: str) -> None:
    for row in audit_rows(ctx):
        text = " ".join(str(value) for value in (row.reason, row.details, row.object_id, row.origin))
        for secret in secrets:
            assert secret not in text, row.event


def refused(response: Any) -> bool:
    return response.status_code == 401 and text_of(page(response), ".notice-error") == REFUSED


def test_five_failures_lock_the_account_for_a_quarter_without_telling_who_exists(
    auth_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    for _ in range(5):
        assert refused(sign_in(auth_app, "hulpverlener", "fout-wachtwoord-1")[1])
    locked = user_row(ctx, "hulpverlener")
    assert locked.failed_logins == 5 and locked.locked_until == clock.now() + timedelta(minutes=15)
    # The right password does not help while locked, and the answer is the one an unknown user gets.
    assert refused(sign_in(auth_app, "hulpverlener")[1])
    assert refused(sign_in(auth_app, "niemand-bekend", "fout-wachtwoord-1")[1])

    clock.advance(timedelta(minutes=14, seconds=59))
    assert refused(sign_in(auth_app, "hulpverlener")[1])
    clock.advance(timedelta(seconds=1))
    signed_in(auth_app)
    assert user_row(ctx, "hulpverlener").failed_logins == 0

    reasons = [(row.result, row.reason) for row in audit_rows(ctx, "auth.login")]
    assert reasons == [("denied", "wrong_password")] * 5 + [
        ("denied", "locked"),
        ("denied", "unknown_user"),
        ("denied", "locked"),
        ("success", None),
    ]
    assert [row.event for row in audit_rows(ctx, "auth.locked")] == ["auth.locked"]
    no_secret_in_audit(ctx, "fout-wachtwoord-1", DEMO_PASSWORD, "niemand-bekend")


def test_success_resets_the_failure_count(auth_app: Flask, ctx: ServiceContext) -> None:
    for _ in range(4):
        assert refused(sign_in(auth_app, "collega", "nee-nee-nee-nee")[1])
    signed_in(auth_app, "collega")
    for _ in range(4):
        assert refused(sign_in(auth_app, "collega", "nee-nee-nee-nee")[1])
    assert user_row(ctx, "collega").locked_until is None
    signed_in(auth_app, "collega")


def test_an_unknown_user_takes_the_same_hashing_path(
    auth_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = users._hasher

    class Counting:
        def verify(self, password_hash: str, password: str) -> bool:
            checked.append(password_hash[:9])
            return bool(real.verify(password_hash, password))

        def check_needs_rehash(self, password_hash: str) -> bool:
            return bool(real.check_needs_rehash(password_hash))

    monkeypatch.setattr(users, "_hasher", Counting())
    assert refused(sign_in(auth_app, "niemand", "fout-wachtwoord")[1])
    assert refused(sign_in(auth_app, "hulpverlener", "fout-wachtwoord")[1])
    assert checked == ["$argon2id", "$argon2id"]  # one argon2 check each, dummy hash for the unknown one


def test_twenty_failures_from_one_address_get_a_429_for_ten_minutes(
    auth_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    for attempt in range(20):  # different names, so no account lock is involved
        assert refused(sign_in(auth_app, f"gok{attempt}", "fout", address="192.0.2.7")[1])
    _, blocked = sign_in(auth_app, "hulpverlener", address="192.0.2.7")  # even the right password
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "600"
    doc = page(blocked)
    assert text_of(doc, "h1") == "Te veel pogingen"
    assert "Wacht 10 minuten" in text_of(doc, "main p")
    signed_in(auth_app)  # another address is not affected

    clock.advance(timedelta(minutes=4))
    _, still = sign_in(auth_app, "hulpverlener", address="192.0.2.7")
    assert (still.status_code, still.headers["Retry-After"]) == (429, "360")
    clock.advance(timedelta(minutes=6))
    assert local_path(sign_in(auth_app, "hulpverlener", address="192.0.2.7")[1]) == "/inbox"
    assert [row.reason for row in audit_rows(ctx, "auth.login") if row.reason == "throttled"] == [
        "throttled"
    ] * 2


def test_successful_sign_ins_from_one_address_are_not_throttled(auth_app: Flask) -> None:
    for _ in range(25):  # a town hall behind one address at nine o'clock
        signed_in(auth_app, "hulpverlener")


def test_signing_in_starts_a_new_session_with_safe_cookie_flags(auth_app: Flask) -> None:
    client = auth_app.test_client()
    with client.session_transaction() as before:
        before["geplant"] = "door een aanvaller"
    response = client.post("/login", data={"username": "hulpverlener", "password": DEMO_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    with client.session_transaction() as after:
        assert "geplant" not in after and after["_user_id"] == str(
            user_row(auth_app.extensions["ketenflow"], "hulpverlener").id
        )


PRODUCTION = {
    "env": "production",
    "secret_key": "x" * 32,
    "data_keys": "p1:" + base64.b64encode(b"k" * 32).decode(),
}


@pytest.mark.parametrize("overrides", [PRODUCTION, {"session_cookie_secure": True}])
def test_the_cookie_is_secure_in_production_or_when_configured(
    ctx: ServiceContext, overrides: dict[str, Any]
) -> None:
    app = auth_app_with(ctx, totp_required_roles="", **overrides)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().post("/login", data={"username": "hulpverlener", "password": DEMO_PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_thirty_idle_minutes_end_the_session(
    auth_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    client = signed_in(auth_app)
    for _ in range(3):  # activity keeps it alive, well past thirty minutes in total
        clock.advance(timedelta(minutes=29))
        assert client.get("/inbox").status_code == 200
    clock.advance(timedelta(minutes=30, seconds=1))
    response = client.get("/inbox?x=1")
    assert local_path(response) == "/login"
    assert "next=/inbox?x%3D1" in response.location or "next=%2Finbox%3Fx%3D1" in response.location
    assert "Uw sessie is verlopen. Meld u opnieuw aan." in client.get("/login").get_data(as_text=True)
    assert local_path(client.get("/inbox")) == "/login"
    assert [row.reason for row in audit_rows(ctx, "auth.logout")] == ["idle"]


def test_a_session_ends_after_twelve_hours_however_busy(
    auth_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    client = signed_in(auth_app)
    for _ in range(47):
        clock.advance(timedelta(minutes=15))
        assert client.get("/inbox").status_code == 200
    clock.advance(timedelta(minutes=15, seconds=1))
    assert local_path(client.get("/inbox")) == "/login"
    assert [row.reason for row in audit_rows(ctx, "auth.logout")] == ["max_age"]


def test_the_idle_limit_is_a_setting(ctx: ServiceContext, clock: ManualClock) -> None:
    app = auth_app_with(ctx, totp_required_roles="", session_idle_minutes=5)
    client = signed_in(app)
    clock.advance(timedelta(minutes=5, seconds=1))
    assert local_path(client.get("/inbox")) == "/login"


def test_afmelden_op_alle_apparaten_ends_every_session(auth_app: Flask, ctx: ServiceContext) -> None:
    laptop, phone, colleague = signed_in(auth_app), signed_in(auth_app), signed_in(auth_app, "collega")
    security = page(phone.get("/account/password"))
    assert text_of(security, "#overal-afmelden") == "Afmelden op alle apparaten"
    assert local_path(phone.post("/logout/everywhere")) == "/login"
    assert "U bent op alle apparaten afgemeld, ook hier." in phone.get("/login").get_data(as_text=True)
    assert local_path(laptop.get("/inbox")) == "/login"
    assert "Uw sessie is beëindigd. Meld u opnieuw aan." in laptop.get("/login").get_data(as_text=True)
    assert colleague.get("/inbox").status_code == 200  # someone else's sessions go on
    signed_in(auth_app)  # and signing in again works
    assert [row.event for row in audit_rows(ctx, "auth.logout_everywhere")] == ["auth.logout_everywhere"]


def test_changing_the_password_checks_the_policy_and_ends_the_other_sessions(
    auth_app: Flask, ctx: ServiceContext, clock: ManualClock
) -> None:
    client, other = signed_in(auth_app), signed_in(auth_app)
    form = page(client.get("/account/password"))
    assert text_of(form, "h1") == "Wachtwoord wijzigen"

    def change(current: str, new: str, repeat: str) -> Any:
        return client.post("/account/password", data={"current": current, "new": new, "repeat": repeat})

    wrong = change("niet-het-wachtwoord", NEW_PASSWORD, NEW_PASSWORD)
    assert wrong.status_code == 422
    assert text_of(page(wrong), "#current-error") == "Fout: Uw huidige wachtwoord klopt niet."
    short = page(change(DEMO_PASSWORD, "kort", "kort"))
    assert text_of(short, "#new-error") == "Fout: Kies een wachtwoord van minstens 12 tekens."
    named = page(change(DEMO_PASSWORD, "Sanne Hulpverlener", "Sanne Hulpverlener"))
    assert "gebruikersnaam of naam" in text_of(named, "#new-error")
    common = page(change(DEMO_PASSWORD, "wachtwoord123", "wachtwoord123"))
    assert "te bekend" in text_of(common, "#new-error")
    different = page(change(DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!"))
    assert text_of(different, "#repeat-error") == "Fout: De twee nieuwe wachtwoorden zijn niet gelijk."
    assert user_row(ctx, "hulpverlener").password_changed_at is None

    clock.advance(timedelta(minutes=1))
    done = change(DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert local_path(done) == "/account/password"
    assert "Uw wachtwoord is gewijzigd." in client.get("/account/password").get_data(as_text=True)
    assert client.get("/inbox").status_code == 200  # this session goes on
    assert local_path(other.get("/inbox")) == "/login"  # the other one ended
    assert user_row(ctx, "hulpverlener").password_changed_at == clock.now()
    assert refused(sign_in(auth_app, "hulpverlener")[1])
    signed_in_again = sign_in(auth_app, "hulpverlener", NEW_PASSWORD)[1]
    assert local_path(signed_in_again) == "/inbox"

    results = [(row.result, row.reason) for row in audit_rows(ctx, "account.password_changed")]
    policy = [("denied", "new")] * 3  # too short, the name, too well known
    assert results == [("denied", "current"), *policy, ("denied", "repeat"), ("success", None)]
    no_secret_in_audit(ctx, NEW_PASSWORD, DEMO_PASSWORD, "niet-het-wachtwoord", "wachtwoord123")
