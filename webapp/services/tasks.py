"""Use cases on human tasks: the inbox, opening a task's form, claiming and completing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor, TaskAccess
from webapp.domain.audit import Action
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound, ProcessError, TaskNotReady
from webapp.engine.forms import validate_form_data
from webapp.persistence.models import HumanTask, ProcessInstance, User
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.projections import sync_instance
from webapp.services.task_queries import inbox_rows, to_views
from webapp.services.views import CompleteResult, TaskForm, TaskView


def list_inbox(ctx: ServiceContext, actor: Actor) -> list[TaskView]:
    with ctx.db.read() as session:
        return to_views(session, inbox_rows(session, actor), actor)


def _facts(row: HumanTask) -> TaskAccess:
    return TaskAccess(row.organisation_id, row.role, row.assignee_id)


def _load_task(session: Session, task_id: int) -> HumanTask:
    row = session.get(HumanTask, task_id)
    if row is None:
        raise NotFound("Deze taak bestaat niet.")
    return row


def _deny(ctx: ServiceContext, actor: Actor, row: HumanTask, event: str, action: Action, reason: str) -> None:
    audit_denial(
        ctx, event, action, reason, actor_id=actor.user_id, object_type="human_task", object_id=str(row.id),
        process_instance_id=row.instance_id, task_id=row.id,
    )
    raise AccessDenied(reason)


def open_task(ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None) -> TaskForm:
    """The task with its form and the data it already holds; reading it is audited."""
    with ctx.db.write() as session:
        row = _load_task(session, task_id)
        decision = access.may_see_task(actor, _facts(row))
        if not decision:
            session.rollback()
            _deny(ctx, actor, row, "task.read", Action.READ, decision.reason)
        forms = row.instance.definition.forms
        schema = forms.get(row.form) if row.form else None
        data: dict[str, Any] = {}
        if row.state == "open" and schema:
            loaded = ctx.runtime.load(row.instance.serialization)
            task_data = ctx.runtime.task_data(loaded, row.spiff_task_id)
            data = {k: v for k, v in task_data.items() if k in schema.get("properties", {})}
        audit(session, ctx, "task.read", Action.READ, actor_id=actor.user_id, origin=origin,
              object_type="human_task", object_id=str(row.id), process_instance_id=row.instance_id, task_id=row.id)
        view = to_views(session, [row], actor)[0]
        uischema = forms.get(row.ui_form) if row.ui_form else None
        return TaskForm(view, row.instructions, schema, uischema, data)


def claim_task(ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None) -> None:
    with ctx.db.write() as session:
        row = _load_task(session, task_id)
        _ensure_open(session, row)
        decision = access.may_claim_task(actor, _facts(row))
        if not decision:
            session.rollback()
            _deny(ctx, actor, row, "task.claimed", Action.UPDATE, decision.reason)
        row.assignee_id = actor.user_id
        audit(session, ctx, "task.claimed", Action.UPDATE, actor_id=actor.user_id, origin=origin,
              object_type="human_task", object_id=str(row.id), process_instance_id=row.instance_id, task_id=row.id)


def release_task(ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None) -> None:
    with ctx.db.write() as session:
        row = _load_task(session, task_id)
        _ensure_open(session, row)
        if row.assignee_id != actor.user_id:
            session.rollback()
            _deny(ctx, actor, row, "task.released", Action.UPDATE, "Alleen wie de taak heeft opgepakt kan haar teruggeven.")
        row.assignee_id = None
        audit(session, ctx, "task.released", Action.UPDATE, actor_id=actor.user_id, origin=origin,
              object_type="human_task", object_id=str(row.id), process_instance_id=row.instance_id, task_id=row.id)


def _ensure_open(session: Session, row: HumanTask) -> None:
    if row.state == "open":
        return
    if row.state == "completed":
        who = session.get(User, row.completed_by_id) if row.completed_by_id else None
        when = row.completed_at.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M") if row.completed_at else ""
        by = who.display_name if who else "de procedure zelf"
        raise TaskNotReady(f"Deze taak is al afgerond door {by} ({when}).", completed_by=by)
    raise TaskNotReady("Deze taak is vervallen: de procedure is verder gegaan, bijvoorbeeld doordat een termijn verstreek.")


def _lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    # FOR UPDATE on PostgreSQL; on SQLite the write transaction already holds the database's write lock.
    query = (
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar_one()


def complete_task(
    ctx: ServiceContext, actor: Actor, task_id: int, data: Mapping[str, Any], origin: Origin | None = None
) -> CompleteResult:
    """Validate, run the task in the engine and save, all under the instance lock (DESIGN.md section 2)."""
    failure: ProcessError | None = None
    with ctx.db.write() as session:
        row = _load_task(session, task_id)
        instance = _lock_instance(session, row.instance_id)
        session.refresh(row)
        _ensure_open(session, row)
        decision = access.may_complete_task(actor, _facts(row))
        if not decision:
            session.rollback()
            _deny(ctx, actor, row, "task.completed", Action.UPDATE, decision.reason)
        schema = instance.definition.forms.get(row.form) if row.form else None
        errors = validate_form_data(schema, dict(data)) if schema else {}
        if errors:
            raise FormInvalid(errors)
        loaded = ctx.runtime.load(instance.serialization)
        row.state, row.completed_at, row.completed_by_id = "completed", ctx.clock.now(), actor.user_id
        try:
            ctx.runtime.complete_task(loaded, row.spiff_task_id, data, ctx.clock)
            created = sync_instance(session, ctx, instance, loaded)
        except ProcessError as error:
            # Keep what the user submitted and park the instance in the error state for an administrator.
            failure, created = error, []
            instance.serialization = ctx.runtime.dump(loaded)
            instance.status, instance.last_error = "error", str(error)
        audit(session, ctx, "task.completed", Action.UPDATE, actor_id=actor.user_id, origin=origin,
              object_type="human_task", object_id=str(row.id), process_instance_id=instance.id, task_id=row.id)
        session.flush()
        next_task = next((t.id for t in created if access.may_complete_task(actor, _facts(t))), None)
        result = CompleteResult(instance.id, next_task, instance.status == "completed")
    if failure is not None:
        raise failure
    return result
