"""The inbox: my tasks and the unclaimed tasks of my roles in my organisations."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from webapp.services import tasks as task_service
from webapp.web.support import actor, services
from webapp.web.tasks.routes import bp


@bp.get("/inbox")
@login_required
def inbox() -> str:
    return render_template("tasks/inbox.html", tasks=task_service.list_inbox(services(), actor()))
