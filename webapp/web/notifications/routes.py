"""My notifications: the list, mark one or all as read, and the unread count in every page's header."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, NotFound
from webapp.domain.messages import N_, Message
from webapp.services.notifications import list_notifications, mark_all_read, mark_read, unread_count
from webapp.web.support import actor, origin, say, services, translated

log = logging.getLogger(__name__)

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _badge() -> dict[str, Callable[[], int]]:
    """A callable, so that only the header of a signed-in page runs the COUNT, once."""
    return {"unread_notifications": _unread}


def _unread() -> int:
    if not current_user.is_authenticated:
        return 0
    try:
        return unread_count(services(), actor())
    except Exception:  # the badge must never turn a page (or an error page) into a crash
        log.warning("unread notification count unavailable")
        return 0


@bp.get("/notifications")
@login_required
def index() -> str:
    page = request.args.get("pagina", 1, type=int) or 1
    return render_template("notifications/list.html", listing=list_notifications(services(), actor(), page))


def _back() -> Response:
    page = request.form.get("pagina", 1, type=int) or 1
    return redirect(url_for("notifications.index", pagina=page if page > 1 else None))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> Response:
    try:
        link = mark_read(services(), actor(), notification_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    # "Openen" goes on to what the notice is about: a path the service stored, never one from the form.
    if request.form.get("open") and link and link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return _back()


@bp.post("/notifications/read-all")
@login_required
def read_all() -> Response:
    count = mark_all_read(services(), actor(), origin())
    if count:
        marked = N_("1 melding als gelezen gemarkeerd.") if count == 1 else None
        say(marked or Message("{count} meldingen als gelezen gemarkeerd.", count=count), "success")
    else:
        say(N_("U had geen ongelezen meldingen."), "info")
    return _back()
