"""Wachtwoord wijzigen: the current password and the new one twice; every other session ends."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import FormInvalid
from webapp.domain.messages import N_
from webapp.domain.passwords import MAX_LENGTH, MIN_LENGTH
from webapp.services.authentication import change_password
from webapp.services.two_factor import totp_enabled
from webapp.web.auth.sessions import EPOCH
from webapp.web.support import actor, origin, say, services, translated_errors

bp = Blueprint("password", __name__, url_prefix="/account")


def _page(errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "account/password.html",
        errors=translated_errors(errors or {}),
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        totp_enabled=totp_enabled(services(), actor()),
    )
    return page, status


@bp.get("/password")
@login_required
def change() -> tuple[str, int]:
    return _page()


@bp.post("/password")
@login_required
def save() -> Response | tuple[str, int]:
    form = request.form
    try:
        epoch = change_password(
            services(),
            actor(),
            form.get("current", ""),
            form.get("new", ""),
            form.get("repeat", ""),
            origin(),
        )
    except FormInvalid as invalid:
        return _page(dict(invalid.errors), 422)
    session[EPOCH] = epoch  # this session goes on; the others carry the old epoch and end
    say(N_("Uw wachtwoord is gewijzigd. Op uw andere apparaten bent u afgemeld."), "success")
    return redirect(url_for("password.change"))
