"""Break-glass pages on the cases blueprint: ask emergency access to a refused case, and end it early."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.access import DEFAULT_BREAK_GLASS_HOURS
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_, Message
from webapp.services import break_glass
from webapp.web.cases.routes import bp
from webapp.web.support import (
    actor,
    format_datetime,
    origin,
    say,
    services,
    translated,
    translated_errors,
)


def _hours() -> float:
    settings = current_app.config.get("KETENFLOW_SETTINGS")
    return float(getattr(settings, "break_glass_hours", DEFAULT_BREAK_GLASS_HOURS))


def refused_page(reference: str, refusal: str) -> tuple[str, int]:
    """The answer to a refused case page: the refusal, with the break-glass form for who may ask it."""
    try:
        offer = break_glass.may_ask(services(), actor(), reference)
    except NotFound:
        abort(404)
    if not offer:
        abort(403, description=refusal)
    return _form(reference, refusal=refusal, status=403)


def _form(
    reference: str,
    *,
    refusal: str | None = None,
    reason: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "cases/break_glass.html",
        reference=reference,
        refusal=refusal,
        reason=reason,
        errors=errors or {},
        hours=f"{_hours():g}",
        field=break_glass.REASON_FIELD,
        max_length=break_glass.MAX_REASON_LENGTH,
    )
    return page, status


@bp.get("/cases/<case_reference>/noodtoegang")
@login_required
def ask_emergency_access(case_reference: str) -> Response | tuple[str, int]:
    if break_glass.current_grant(services(), actor(), case_reference) is not None:
        return redirect(url_for("cases.show", case_reference=case_reference))
    try:
        offer = break_glass.may_ask(services(), actor(), case_reference, audit_refusal=True)
    except NotFound:
        abort(404)
    if not offer:
        abort(403, description=translated(offer.reason))
    return _form(case_reference)


@bp.post("/cases/<case_reference>/noodtoegang")
@login_required
def start_emergency_access(case_reference: str) -> Response | tuple[str, int]:
    reason = request.form.get(break_glass.REASON_FIELD, "")
    try:
        grant = break_glass.request_break_glass(
            services(), actor(), case_reference, reason, origin(), hours=_hours()
        )
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    except FormInvalid as invalid:
        return _form(case_reference, reason=reason, errors=translated_errors(invalid.errors), status=422)
    until = format_datetime(grant.expires_at)
    say(Message("Noodtoegang tot {until}. Alles wat u nu inziet wordt met uw reden vastgelegd.", until=until))
    return redirect(url_for("cases.show", case_reference=case_reference))


@bp.post("/cases/<case_reference>/noodtoegang/einde")
@login_required
def end_emergency_access(case_reference: str) -> Response:
    if break_glass.end_break_glass(services(), actor(), case_reference, origin()):
        say(N_("Uw noodtoegang tot deze zaak is beëindigd."), "success")
    return redirect(url_for("tasks.inbox"))
