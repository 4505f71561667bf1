"""TOTP in the browser: the code step after the password, and setting the second factor up or off.

The QR code is drawn as an inline <svg> path from segno's module matrix: no external QR service sees the
secret, no script runs (the CSP allows none inline), and nothing needs to be marked safe in a template.
"""

from __future__ import annotations

import segno
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.domain.messages import N_
from webapp.services.authentication import WRONG_CODE, Step, requires_totp, sign_in_with_code
from webapp.services.two_factor import (
    disable_totp,
    enable_totp,
    new_secret,
    provisioning_uri,
    totp_enabled,
)
from webapp.web.auth.routes import PENDING, SECOND_STEP_TIME, throttled_page
from webapp.web.auth.sessions import login_policy, must_enrol, start_session
from webapp.web.support import actor, origin, say, services, translated_errors

bp = Blueprint("two_factor", __name__)

SETUP_SECRET = "kf_totp_setup"  # noqa: S105 - a session key, not a secret; the secret being set up, until a code proves the app has it


def qr_path(text: str) -> tuple[str, int]:
    """An SVG path drawing the QR code of ``text`` (one 1×1 square per dark module) and its size."""
    qr = segno.make(text, error="m")
    parts = []
    size = 0
    for y, row in enumerate(qr.matrix_iter(border=4)):
        size = y + 1
        for x, dark in enumerate(row):
            if dark:
                parts.append(f"M{x} {y}h1v1h-1z")
    return "".join(parts), size


def _pending() -> dict[str, object] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    at = pending.get("at")
    if (
        not isinstance(at, int | float)
        or services().clock.now().timestamp() - at > SECOND_STEP_TIME.total_seconds()
    ):
        session.pop(PENDING, None)
        say(N_("De tijd om de code in te vullen is verstreken. Meld u opnieuw aan."), "info")
        return None
    return pending


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    pending = _pending()
    if pending is None:
        return redirect(url_for("auth.login"))
    if request.method != "POST":
        return render_template("auth/code.html", error=None), 200
    user_id, epoch, target = pending.get("user"), pending.get("epoch"), pending.get("next")
    if not isinstance(user_id, int) or not isinstance(epoch, int):
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    outcome = sign_in_with_code(
        services(), user_id, epoch, request.form.get("code", ""), origin(), login_policy()
    )
    if outcome.step is Step.THROTTLED:
        return throttled_page(outcome.retry_after)
    if outcome.step is Step.SIGNED_IN:
        start_session(outcome, "password+totp")
        return redirect(
            target if isinstance(target, str) and target.startswith("/") else url_for("tasks.inbox")
        )
    # Wrong code, or the account got locked meanwhile: the same answer, the lockout counts on.
    return render_template("auth/code.html", error=WRONG_CODE), 401


def _setup_page(errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    me = actor()
    enabled = totp_enabled(services(), me)
    context: dict[str, object] = {
        "enabled": enabled,
        "required": requires_totp(me, login_policy()),
        "enrolling": must_enrol(),
        "errors": translated_errors(errors or {}),
    }
    if not enabled:
        secret = session.get(SETUP_SECRET)
        if not isinstance(secret, str):
            secret = session[SETUP_SECRET] = new_secret()
        uri = provisioning_uri(secret, me.username)
        path, size = qr_path(uri)
        context.update(secret=secret, grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
        context.update(qr_path=path, qr_size=size)
    return render_template("account/two_factor.html", **context), status


@bp.get("/account/2fa")
@login_required
def setup() -> tuple[str, int]:
    return _setup_page()


@bp.post("/account/2fa")
@login_required
def confirm() -> Response | tuple[str, int]:
    secret = session.get(SETUP_SECRET)
    if not isinstance(secret, str):
        return redirect(url_for("two_factor.setup"))
    try:
        enable_totp(services(), actor(), secret, request.form.get("code", ""), origin())
    except FormInvalid as invalid:
        return _setup_page(dict(invalid.errors), 422)
    session.pop(SETUP_SECRET, None)
    say(N_("Tweestapsverificatie staat aan. Bij het aanmelden vragen we voortaan ook een code."), "success")
    return redirect(url_for("tasks.inbox"))


@bp.post("/account/2fa/disable")
@login_required
def disable() -> Response | tuple[str, int]:
    me = actor()
    try:
        disable_totp(
            services(), me, request.form.get("password", ""), origin(), requires_totp(me, login_policy())
        )
    except AccessDenied as denied:
        say(str(denied), "error")
        return redirect(url_for("two_factor.setup"))
    except FormInvalid as invalid:
        return _setup_page(dict(invalid.errors), 422)
    say(N_("Tweestapsverificatie staat uit."), "success")
    return redirect(url_for("two_factor.setup"))
