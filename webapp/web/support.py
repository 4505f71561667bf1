"""Small helpers every blueprint uses: the service context, the signed-in actor, the request origin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app, flash, request
from flask_babel import get_locale
from flask_login import UserMixin, current_user

from webapp.domain.access import Actor
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import N_
from webapp.domain.roles import ROLE_LABELS, Role
from webapp.services.context import Origin, ServiceContext
from webapp.services.translation import translate, translate_all, translate_due_rule


class SessionUser(UserMixin):  # type: ignore[misc]
    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.id = actor.user_id

    @property
    def display_name(self) -> str:
        return self.actor.display_name


def services() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["ketenflow"]
    return ctx


def actor() -> Actor:
    user: SessionUser = current_user
    return user.actor


def origin() -> Origin:
    return Origin(address=request.remote_addr, channel="web")


def language() -> str:
    return str(get_locale() or "nl")


def translated(text: str | BaseException) -> str:
    """A message from a rule or service (Dutch, maybe a Message, or the error that carries it) in the
    reader's language. ``str(error)`` loses the Message's template, so the error's argument is used."""
    if isinstance(text, BaseException):
        text = text.args[0] if text.args and isinstance(text.args[0], str) else str(text)
    return translate(text, language())


def translated_errors(errors: dict[str, str]) -> dict[str, str]:
    return translate_all(errors, language())


def due_rule(text: str | None) -> str:
    return translate_due_rule(text, language())


def say(message: str | BaseException, category: str = "info") -> None:
    """Flash a message in the reader's language (the session stores plain text, so translate first)."""
    flash(translated(message), category)


def format_datetime(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """Times are stored in UTC and shown in Amsterdam time."""
    return value.astimezone(AMSTERDAM).strftime(fmt) if value else ""


def format_date(value: datetime | None) -> str:
    return format_datetime(value, "%d-%m-%Y")


def role_label(value: str) -> str:
    try:
        return translated(ROLE_LABELS[Role(value)])
    except ValueError:
        return value


STATUS_LABELS = {
    "open": N_("Open"),
    "completed": N_("Afgerond"),
    "cancelled": N_("Vervallen"),
    "running": N_("Loopt"),
    "waiting": N_("Wacht op termijn"),
    "error": N_("Fout"),
    "success": N_("gelukt"),
    "denied": N_("geweigerd"),
}


def status_label(value: str) -> str:
    return translated(STATUS_LABELS.get(value, value))


def format_value(value: Any) -> str:
    """A register or case value as a person reads it: Ja/Nee, Dutch dates, lists joined."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return translated(N_("Ja") if value else N_("Nee"))
    if isinstance(value, list):
        return "; ".join(format_value(v) for v in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text).strftime("%d-%m-%Y")
        except ValueError:
            return text
    return text


def register_template_helpers(app: Any) -> None:
    app.add_template_filter(format_value, "value")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(role_label, "role")
    app.add_template_filter(status_label, "status")
    app.add_template_filter(translated, "tr")
    app.add_template_filter(due_rule, "due_rule")
