"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.services.users import authenticate, record_logout
from webapp.web.support import SessionUser, actor, origin, services

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an absolute or scheme-relative URL would make the login page an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("tasks.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if request.method == "POST":
        username = request.form.get("username", "")
        found = authenticate(services(), username, request.form.get("password", ""), origin())
        if found is not None:
            login_user(SessionUser(found))
            return redirect(_safe_next(request.args.get("next")))
        flash("Gebruikersnaam of wachtwoord klopt niet.", "error")
        return render_template("auth/login.html", username=username), 401
    return render_template("auth/login.html", username="")


@bp.post("/logout")
@login_required
def logout() -> Response:
    record_logout(services(), actor(), origin())
    logout_user()
    flash("U bent afgemeld.", "info")
    return redirect(url_for("auth.login"))
