"""The sign-in services on SQLite and PostgreSQL: lockout, the code step, ending sessions, OIDC matching."""

from __future__ import annotations

from datetime import timedelta

import pyotp

from tests.factories import login
from webapp.domain.clock import ManualClock
from webapp.persistence.models import User
from webapp.services.authentication import (
    LoginPolicy,
    Step,
    change_password,
    end_all_sessions,
    load_session,
    sign_in_with_code,
    sign_in_with_password,
)
from webapp.services.context import Origin, ServiceContext
from webapp.services.oidc_accounts import VerifiedIdentity, sign_in_with_oidc
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.two_factor import enable_totp, new_secret

HERE = Origin("198.51.100.4", "test")
POLICY = LoginPolicy()


def test_lockout_and_reset(any_ctx: ServiceContext, clock: ManualClock) -> None:
    for _ in range(5):
        assert sign_in_with_password(any_ctx, "collega", "fout", HERE, POLICY).step is Step.REFUSED
    assert sign_in_with_password(any_ctx, "collega", DEMO_PASSWORD, HERE, POLICY).step is Step.REFUSED
    clock.advance(timedelta(minutes=15))
    signed_in = sign_in_with_password(any_ctx, "collega", DEMO_PASSWORD, HERE, POLICY)
    assert signed_in.step is Step.SIGNED_IN and signed_in.actor is not None
    with any_ctx.db.read() as session:
        assert session.get_one(User, signed_in.actor.user_id).failed_logins == 0


def test_the_code_step_and_ending_every_session(any_ctx: ServiceContext, clock: ManualClock) -> None:
    actor = login(any_ctx, "hulpverlener")
    secret = new_secret()
    enable_totp(any_ctx, actor, secret, pyotp.TOTP(secret).at(clock.now()), HERE)
    clock.advance(timedelta(seconds=30))
    first = sign_in_with_password(any_ctx, "hulpverlener", DEMO_PASSWORD, HERE, POLICY)
    assert first.step is Step.CODE_NEEDED and first.user_id == actor.user_id
    code = pyotp.TOTP(secret).at(clock.now())
    assert sign_in_with_code(any_ctx, actor.user_id, first.epoch, code, HERE, POLICY).step is Step.SIGNED_IN
    assert sign_in_with_code(any_ctx, actor.user_id, first.epoch, code, HERE, POLICY).step is Step.REFUSED

    assert load_session(any_ctx, actor.user_id, first.epoch) is not None
    end_all_sessions(any_ctx, actor, HERE)
    assert load_session(any_ctx, actor.user_id, first.epoch) is None
    epoch = change_password(
        any_ctx, actor, DEMO_PASSWORD, "een heel ander zinnetje", "een heel ander zinnetje", HERE
    )
    assert epoch == first.epoch + 2 and load_session(any_ctx, actor.user_id, epoch) is not None


def test_oidc_links_by_verified_email_once(any_ctx: ServiceContext) -> None:
    issuer = "https://idp.example"
    unverified = VerifiedIdentity(issuer, "s-1", "fg@example.org", email_verified=False)
    assert sign_in_with_oidc(any_ctx, unverified, HERE).step is Step.REFUSED
    verified = VerifiedIdentity(issuer, "s-1", "FG@example.org", email_verified=True)
    first = sign_in_with_oidc(any_ctx, verified, HERE)
    assert first.step is Step.SIGNED_IN and first.actor is not None and first.actor.username == "fg"
    # Another subject with the same address is not linked to the account a second time.
    other = VerifiedIdentity(issuer, "s-2", "fg@example.org", email_verified=True)
    assert sign_in_with_oidc(any_ctx, other, HERE).step is Step.REFUSED
    assert sign_in_with_oidc(any_ctx, VerifiedIdentity(issuer, "s-1"), HERE).step is Step.SIGNED_IN
