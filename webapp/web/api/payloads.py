"""The JSON shapes of the API (named after the schemas in openapi.py), built from the services' read models.

Times are ISO 8601 in UTC; a client shows them in its own time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from webapp.services.views import (
    CompleteResult,
    InstanceView,
    StartableProcess,
    StartResult,
    TaskForm,
    TaskView,
)
from webapp.web.api.support import plain


def instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def task(view: TaskView) -> dict[str, Any]:
    """Schema ``Taak``."""
    return {
        "id": view.id,
        "naam": view.name,
        "procedure": view.process_name,
        "instantie_id": view.instance_id,
        "zaakreferentie": view.case_reference,
        "organisatie": view.organisation,
        "rol": view.role,
        "status": view.state,
        "toegewezen_aan": view.assignee,
        "aan_mij_toegewezen": view.assigned_to_me,
        "termijn": instant(view.due_at),
        "termijnregel": view.due_rule,
        "aangemaakt_op": instant(view.created_at),
        "afgerond_op": instant(view.completed_at),
        "afgerond_door": view.completed_by,
    }


def task_form(form: TaskForm) -> dict[str, Any]:
    """Schema ``TaakFormulier``."""
    return {
        "taak": task(form.task),
        "instructies": form.instructions,
        "schema": form.schema,
        "uischema": form.uischema,
        "gegevens": plain(form.data),
    }


def completed(result: CompleteResult) -> dict[str, Any]:
    """Schema ``Afgerond``."""
    return {
        "instantie_id": result.instance_id,
        "volgende_taak_id": result.next_task_id,
        "procedure_afgerond": result.instance_completed,
    }


def started(result: StartResult) -> dict[str, Any]:
    """Schema ``Gestart``."""
    return {"instantie_id": result.instance_id, "volgende_taak_id": result.next_task_id}


def startable(process: StartableProcess) -> dict[str, Any]:
    """Schema ``Procedure``."""
    return {
        "procedure_id": process.process_id,
        "naam": process.name,
        "versie": process.version,
        "organisaties": [{"id": org_id, "naam": name} for org_id, name in process.organisations],
    }


def instance(view: InstanceView) -> dict[str, Any]:
    """Schema ``Instantie``: the state and the deadlines, not the history."""
    return {
        "id": view.id,
        "procedure": view.process_name,
        "versie": view.version,
        "organisatie": view.organisation,
        "zaakreferentie": view.case_reference,
        "status": view.status,
        "gestart_op": instant(view.started_at),
        "gestart_door": view.started_by,
        "beeindigd_op": instant(view.ended_at),
        "eerstvolgende_termijn": instant(view.next_due_at),
        "laatste_fout": view.last_error,
        "taken": [task(t) for t in view.tasks],
    }
