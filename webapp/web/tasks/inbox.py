"""The inbox: my tasks and the unclaimed tasks of my roles in my organisations.

Filters, sort order and page are query parameters, so a filtered view can be bookmarked and shared; a value
that makes no sense gets a Dutch message and the unfiltered view, never an error page.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import login_required

from webapp.services import inbox as inbox_service
from webapp.web.support import actor, origin, services
from webapp.web.tasks.routes import bp


@bp.get("/inbox")
@login_required
def inbox() -> str:
    # Only the first value of a repeated parameter counts, as a GET form sends each field once.
    params = {name: request.args.get(name, "") for name in inbox_service.FIELDS}
    view = inbox_service.show_inbox(services(), actor(), params, origin())
    return render_template("tasks/inbox.html", inbox=view, page_size=inbox_service.PAGE_SIZE)
