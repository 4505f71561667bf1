"""Signing in with a password (then a TOTP code when set up), signing out here or on every device."""

from __future__ import annotations

import math
from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.messages import N_
from webapp.services.authentication import REFUSED, SignIn, Step, end_all_sessions, sign_in_with_password
from webapp.services.users import record_logout
from webapp.web.auth.oidc import oidc_label
from webapp.web.auth.sessions import end_session, login_policy, start_session
from webapp.web.security import safe_redirect_target
from webapp.web.support import actor, origin, say, services

bp = Blueprint("auth", __name__)

PENDING = "kf_pending"  # the half-signed-in state between the password and the TOTP code
SECOND_STEP_TIME = timedelta(minutes=5)


def _safe_next(target: str | None) -> str:
    # Only local paths (webapp/web/security.py): anything else would make the login page an open redirect.
    return safe_redirect_target(target)


def throttled_page(wait: timedelta) -> tuple[str, int, dict[str, str]]:
    seconds = max(1, math.ceil(wait.total_seconds()))
    page = render_template("auth/throttled.html", minutes=max(1, math.ceil(seconds / 60)))
    return page, 429, {"Retry-After": str(seconds)}


def _login_page(username: str = "", status: int = 200) -> tuple[str, int]:
    return render_template("auth/login.html", username=username, oidc_label=oidc_label()), status


def begin_second_step(password_ok: SignIn, next_target: str) -> None:
    session.clear()  # nothing of the anonymous session survives into the signed-in one
    session[PENDING] = {
        "user": password_ok.user_id,
        "epoch": password_ok.epoch,
        "at": services().clock.now().timestamp(),
        "next": next_target,
    }


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method != "POST":
        return _login_page()
    username = request.form.get("username", "")
    outcome = sign_in_with_password(
        services(), username, request.form.get("password", ""), origin(), login_policy()
    )
    next_target = _safe_next(request.args.get("next"))
    if outcome.step is Step.THROTTLED:
        return throttled_page(outcome.retry_after)
    if outcome.step is Step.CODE_NEEDED:
        begin_second_step(outcome, next_target)
        return redirect(url_for("two_factor.code"))
    if outcome.step is Step.SIGNED_IN:
        start_session(outcome, "password")
        return redirect(next_target)
    say(REFUSED, "error")
    return _login_page(username, 401)


@bp.post("/logout")
@login_required
def logout() -> Response:
    record_logout(services(), actor(), origin())
    end_session(N_("U bent afgemeld."))
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere() -> Response:
    end_all_sessions(services(), actor(), origin())
    end_session(N_("U bent op alle apparaten afgemeld, ook hier."))
    return redirect(url_for("auth.login"))
