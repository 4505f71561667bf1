"""The domain registers: lists and entries, read-only (the processes write them)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from webapp.domain.errors import AccessDenied, NotFound
from webapp.services.registers import list_register, readable_registers, view_register_entry
from webapp.web.support import actor, origin, services, translated

bp = Blueprint("registers", __name__)


@bp.get("/registers")
@login_required
def index() -> str:
    return render_template("registers/index.html", registers=readable_registers(actor()))


@bp.get("/registers/<kind>")
@login_required
def show(kind: str) -> str:
    try:
        register = list_register(services(), actor(), kind, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    return render_template("registers/list.html", register=register)


@bp.get("/registers/<kind>/<int:entry_id>")
@login_required
def entry(kind: str, entry_id: int) -> str:
    try:
        register = list_register(services(), actor(), kind, origin())
        found = view_register_entry(services(), actor(), kind, entry_id, origin())
    except NotFound:
        abort(404)
    except AccessDenied as denied:
        abort(403, description=translated(denied))
    return render_template("registers/entry.html", register=register, entry=found)
