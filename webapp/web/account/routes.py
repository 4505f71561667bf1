"""The person's own account pages: personal access tokens for the API (create, shown once; list; revoke)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_
from webapp.services.tokens import (
    LONGEST_VALIDITY_DAYS,
    CreatedToken,
    create_token,
    list_tokens,
    revoke_token,
)
from webapp.web.support import actor, origin, say, services, translated

bp = Blueprint("account", __name__, url_prefix="/account")

DEFAULT_VALIDITY = timedelta(days=90)
# Browsers without a date picker show a text box in which people type the Dutch way: 7-3-2027.
_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", re.ASCII)
_BAD_DATE = "Vul een geldige datum in (dd-mm-jjjj)."


def _today() -> date:
    return services().clock.now().astimezone(AMSTERDAM).date()


def _parse_date(text: str) -> date | None:
    """The posted date (ISO from a date picker, or typed the Dutch way), or None when it is no date."""
    text = text.strip()
    dutch = _DUTCH_DATE.fullmatch(text)
    try:
        if dutch:
            day, month, year = (int(part) for part in dutch.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _render(
    name: str = "",
    expires: str = "",
    errors: dict[str, str] | None = None,
    created: CreatedToken | None = None,
    status: int = 200,
) -> tuple[str, int]:
    today = _today()
    page = render_template(
        "account/tokens.html",
        tokens=list_tokens(services(), actor()),
        name=name,
        expires=expires or (today + DEFAULT_VALIDITY).isoformat(),
        first_day=today.isoformat(),
        last_day=(today + timedelta(days=LONGEST_VALIDITY_DAYS)).isoformat(),
        errors=errors or {},
        created=created,
    )
    return page, status


@bp.get("/tokens")
@login_required
def tokens() -> tuple[str, int]:
    return _render()


@bp.post("/tokens")
@login_required
def create() -> tuple[str, int]:
    name = request.form.get("naam", "")
    expires = request.form.get("verloopt_op", "").strip()
    expires_on = _parse_date(expires) if expires else None
    try:
        created = create_token(services(), actor(), name, expires_on, origin())
    except FormInvalid as invalid:
        errors = dict(invalid.errors)
        if expires and expires_on is None:
            errors["verloopt_op"] = _BAD_DATE
        return _render(name, expires, errors, status=422)
    # Shown in this answer only: a redirect would have to carry the secret through the session cookie.
    return _render(created=created)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    try:
        revoke_token(services(), actor(), token_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    say(N_("Het token is ingetrokken; het werkt vanaf nu niet meer."), "success")
    return redirect(url_for("account.tokens"))
