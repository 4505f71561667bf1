"""Browser sessions: started fresh at sign-in, ended after inactivity or a maximum age, or from elsewhere.

Every session stores the user's session epoch it started in; raising the epoch (new password, "afmelden op
alle apparaten") makes the user loader refuse all older sessions. Times come from the service clock, so tests
move time instead of sleeping.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.config import Settings
from webapp.domain.messages import N_
from webapp.services.authentication import (
    LoginPolicy,
    SessionState,
    SignIn,
    load_session,
    parse_roles,
    requires_totp,
)
from webapp.services.users import record_logout
from webapp.web.support import SessionUser, origin, say, services

EPOCH, STARTED, SEEN, METHOD = "kf_epoch", "kf_started", "kf_seen", "kf_method"
EXPIRED = N_("Uw sessie is verlopen. Meld u opnieuw aan.")
ENDED = N_("Uw sessie is beëindigd. Meld u opnieuw aan.")
ENROL_FIRST = N_("Voor uw rol is tweestapsverificatie verplicht. Stel die eerst in.")
# What someone who must still set up TOTP may reach: the set-up itself, signing out, the language switch.
_ENROLMENT_ENDPOINTS = frozenset(
    {
        "two_factor.setup",
        "two_factor.confirm",
        "auth.logout",
        "auth.logout_everywhere",
        "i18n.change_language",
    }
)


class SignedInUser(SessionUser):
    def __init__(self, state: SessionState) -> None:
        super().__init__(state.actor)
        self.totp_enabled = state.totp_enabled


def settings() -> Settings:
    found: Settings = current_app.config["KETENFLOW_SETTINGS"]
    return found


def login_policy() -> LoginPolicy:
    current = settings()
    return LoginPolicy(
        failures_before_lock=current.login_failures_before_lock,
        failed_attempts_per_address=current.login_attempts_per_address,
        totp_required_roles=parse_roles(current.totp_required_roles),
    )


def _now() -> float:
    return services().clock.now().timestamp()


def start_session(signed_in: SignIn, method: str) -> None:
    """A new session for a completed sign-in: whatever the browser had before (maybe a session id an
    attacker planted) is thrown away."""
    assert signed_in.actor is not None
    session.clear()
    login_user(SessionUser(signed_in.actor))
    now = _now()
    session.update({EPOCH: signed_in.epoch, STARTED: now, SEEN: now, METHOD: method})


def end_session(message: str) -> None:
    logout_user()
    session.clear()
    say(message, "info")


def must_enrol() -> bool:
    """A role that requires a second factor and none set up yet (sign-ins through the organisation's
    identity provider are exempt: the provider does the multi-factor check)."""
    user = current_user
    return (
        isinstance(user, SignedInUser)
        and not user.totp_enabled
        and session.get(METHOD) != "oidc"
        and requires_totp(user.actor, login_policy())
    )


def _back_to_login() -> Response:
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def _stamp(key: str) -> float | None:
    value = session.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _guard() -> Response | None:
    if request.endpoint == "static" or request.path.startswith("/api/") or "_user_id" not in session:
        return None
    current = settings()
    now, started, seen = _now(), _stamp(STARTED), _stamp(SEEN)
    idle = timedelta(minutes=current.session_idle_minutes).total_seconds()
    longest = timedelta(hours=current.session_max_hours).total_seconds()
    if started is None or seen is None or now - seen > idle or now - started > longest:
        if current_user.is_authenticated:
            reason = "idle" if seen is not None and now - seen > idle else "max_age"
            record_logout(services(), current_user.actor, origin(), reason=reason)
        end_session(EXPIRED)
        return _back_to_login()
    if not current_user.is_authenticated:  # the loader refused: ended elsewhere or account deactivated
        end_session(ENDED)
        return _back_to_login()
    session[SEEN] = now
    if must_enrol() and request.endpoint not in _ENROLMENT_ENDPOINTS:
        say(ENROL_FIRST, "info")
        return redirect(url_for("two_factor.setup"))
    return None


def install_sessions(app: Flask, login_manager: LoginManager) -> None:
    current: Settings = app.config["KETENFLOW_SETTINGS"]
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=current.session_cookie_secure or current.env == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=current.session_max_hours),
    )

    @login_manager.user_loader
    def _load(user_id: str) -> SignedInUser | None:
        epoch = session.get(EPOCH)
        if not isinstance(epoch, int) or not user_id.isdigit():
            return None
        state = load_session(services(), int(user_id), epoch)
        return SignedInUser(state) if state else None

    app.before_request(_guard)
