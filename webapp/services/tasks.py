"""Use cases on human tasks: the inbox, opening a task's form, claiming, drafts and completing.

Reassigning and delegating for review live in ``assignment``; they share the helpers below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.exc import StaleDataError

from webapp.domain import access
from webapp.domain.access import Actor, TaskAccess, TaskAssignment
from webapp.domain.audit import Action
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import (
    AccessDenied,
    ConcurrentUpdate,
    FormInvalid,
    NotFound,
    ProcessError,
    TaskNotReady,
)
from webapp.domain.legal_rules import check_rules, parse_rule_ids
from webapp.domain.legal_rules.registry import CONTEXT_ACTOR, CONTEXT_COMPLETED_BY, CONTEXT_NOW
from webapp.domain.messages import N_, Message
from webapp.engine.forms import validate_form_data
from webapp.persistence.models import HumanTask, ProcessInstance, User
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.dashboard_steps import step_names
from webapp.services.definitions import DefinitionSnapshot
from webapp.services.destruction import can_destroy, destroy_after_retention_step
from webapp.services.projections import sync_instance
from webapp.services.registers import write_register
from webapp.services.statistics import record_task_completed
from webapp.services.task_queries import inbox, task_view
from webapp.services.views import CompleteResult, TaskForm, TaskView


def list_inbox(ctx: ServiceContext, actor: Actor) -> list[TaskView]:
    with ctx.db.read() as session:
        return inbox(session, actor)


def _facts(row: HumanTask) -> TaskAccess:
    return TaskAccess(row.organisation_id, row.role, row.assignee_id)


def assignment_facts(row: HumanTask) -> TaskAssignment:
    return TaskAssignment(row.organisation_id, row.role, row.assignee_id, row.delegated_by_id)


def load_task(session: Session, task_id: int) -> HumanTask:
    row = session.get(HumanTask, task_id)
    if row is None:
        raise NotFound(N_("Deze taak bestaat niet."))
    return row


def lock_task_row(session: Session, task_id: int) -> HumanTask:
    """The task row alone, locked (FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite): claiming and
    handing on change only who holds the task, and completing takes the same row lock first."""
    query = (
        select(HumanTask)
        .where(HumanTask.id == task_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFound(N_("Deze taak bestaat niet."))
    return row


def user_name(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.display_name if user else None


def clear_draft(row: HumanTask) -> None:
    row.draft, row.draft_by_id, row.draft_saved_at = None, None, None


def audit_task(
    session: Session,
    ctx: ServiceContext,
    actor: Actor,
    row: HumanTask,
    event: str,
    action: Action,
    origin: Origin | None,
    details: dict[str, str] | None = None,
) -> None:
    """A successful step on a task; ``details`` hold ids only, never what was typed."""
    audit(
        session,
        ctx,
        event,
        action,
        actor_id=actor.user_id,
        origin=origin,
        object_type="human_task",
        object_id=str(row.id),
        process_instance_id=row.instance_id,
        task_id=row.id,
        details=details or {},
    )


def refuse(
    ctx: ServiceContext,
    session: Session,
    actor: Actor,
    row: HumanTask,
    event: str,
    action: Action,
    reason: str,
    shown: str | None = None,
) -> NoReturn:
    """Undo the unit of work, record the refusal in its own transaction and answer in Dutch.

    ``reason`` goes to the audit line, ``shown`` (by default the reason) to the person: it may name someone.
    """
    task_id, instance_id = row.id, row.instance_id
    session.rollback()
    audit_denial(
        ctx,
        event,
        action,
        reason,
        actor_id=actor.user_id,
        object_type="human_task",
        object_id=str(task_id),
        process_instance_id=instance_id,
        task_id=task_id,
    )
    raise AccessDenied(shown or reason)


def held_by_colleague(session: Session, actor: Actor, row: HumanTask) -> str | None:
    """The message naming the colleague who holds the task, for a claim or draft that just lost a race."""
    if row.assignee_id in (None, actor.user_id) or row.delegated_by_id is not None:
        return None
    return Message("Deze taak is al opgepakt door {name}.", name=user_name(session, row.assignee_id))


def open_task(ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None) -> TaskForm:
    """The task with its form and the data it already holds, or the reader's own draft if they saved one;
    reading it is audited."""
    with ctx.db.write() as session:
        row = load_task(session, task_id)
        decision = access.may_see_task(actor, _facts(row))
        if not decision:
            refuse(ctx, session, actor, row, "task.read", Action.READ, decision.reason)
        definition = ctx.definitions.get(session, row_definition_id(session, row))
        schema = definition.form(row.form)
        data: dict[str, Any] = {}
        if row.state == "open" and schema:
            draft = _draft_of(row, actor)
            data = fields_of(
                schema, draft if draft is not None else _task_data(ctx, session, definition, row)
            )
        audit_task(session, ctx, actor, row, "task.read", Action.READ, origin)
        view = task_view(session, row.id, actor)
        instructions = ctx.runtime.instructions(definition, row.bpmn_id)
        return TaskForm(view, instructions, schema, definition.form(row.ui_form), data)


def _draft_of(row: HumanTask, actor: Actor) -> dict[str, Any] | None:
    """The draft comes back only for the person who saved it."""
    return row.draft if row.draft is not None and row.draft_by_id == actor.user_id else None


def _task_data(
    ctx: ServiceContext, session: Session, definition: DefinitionSnapshot, row: HumanTask
) -> dict[str, Any]:
    serialization = session.execute(
        select(ProcessInstance.serialization).where(ProcessInstance.id == row.instance_id)
    ).scalar_one()
    loaded = ctx.runtime.load(serialization, definition)
    return ctx.runtime.task_data(loaded, row.spiff_task_id)


def fields_of(schema: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    return {k: v for k, v in data.items() if k in properties}


def claim_task(ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None) -> None:
    """Take an unclaimed task; a claim that comes just after a colleague's is refused, naming them."""
    with ctx.db.write() as session:
        row = lock_open_task(ctx, session, actor, task_id, "task.claimed")
        ensure_allowed(
            ctx,
            session,
            actor,
            row,
            "task.claimed",
            access.may_claim_task(actor, _facts(row)),
            name_holder=True,
        )
        if row.draft_by_id not in (None, actor.user_id):
            clear_draft(row)  # a draft is its author's while they hold the task; it does not pass on
        row.assignee_id = actor.user_id
        audit_task(session, ctx, actor, row, "task.claimed", Action.UPDATE, origin)


def release_task(ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None) -> None:
    """Give a claimed task back to the role's pool; the releaser's draft stays theirs until another claims."""
    with ctx.db.write() as session:
        row = lock_open_task(ctx, session, actor, task_id, "task.released")
        ensure_allowed(
            ctx,
            session,
            actor,
            row,
            "task.released",
            access.may_release_assigned_task(actor, assignment_facts(row)),
        )
        row.assignee_id = None
        audit_task(session, ctx, actor, row, "task.released", Action.UPDATE, origin)


def row_definition_id(session: Session, row: HumanTask) -> int:
    definition_id: int = session.execute(
        select(ProcessInstance.definition_id).where(ProcessInstance.id == row.instance_id)
    ).scalar_one()
    return definition_id


def ensure_visible(
    ctx: ServiceContext,
    session: Session,
    actor: Actor,
    row: HumanTask,
    event: str,
    action: Action = Action.UPDATE,
) -> None:
    """Refuse outsiders before telling anything about the task's state (who completed it, and when)."""
    decision = access.may_see_task(actor, _facts(row))
    if not decision:
        refuse(ctx, session, actor, row, event, action, decision.reason)


def lock_open_task(
    ctx: ServiceContext, session: Session, actor: Actor, task_id: int, event: str
) -> HumanTask:
    """The task, locked, seen by this actor and still open: the start of every change to a task."""
    row = lock_task_row(session, task_id)
    ensure_visible(ctx, session, actor, row, event)
    ensure_open(session, row)
    return row


def ensure_allowed(
    ctx: ServiceContext,
    session: Session,
    actor: Actor,
    row: HumanTask,
    event: str,
    decision: access.Decision,
    *,
    name_holder: bool = False,
) -> None:
    """Refuse (audited) when ``decision`` says no; ``name_holder`` tells a lost race who holds the task."""
    if not decision:
        shown = held_by_colleague(session, actor, row) if name_holder else None
        refuse(ctx, session, actor, row, event, Action.UPDATE, decision.reason, shown)


def ensure_open(session: Session, row: HumanTask) -> None:
    if row.state == "open":
        return
    if row.state == "completed":
        who = session.get(User, row.completed_by_id) if row.completed_by_id else None
        when = row.completed_at.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M") if row.completed_at else ""
        by = who.display_name if who else N_("de procedure zelf")
        raise TaskNotReady(
            Message("Deze taak is al afgerond door {by} ({when}).", by=by, when=when), completed_by=by
        )
    raise TaskNotReady(
        N_(
            "Deze taak is vervallen: de procedure is verder gegaan, bijvoorbeeld doordat een termijn "
            "verstreek."
        )
    )


_LOCK_TASK = (
    select(HumanTask, ProcessInstance)
    .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    .where(HumanTask.id == bindparam("task_id"))
    .options(undefer(ProcessInstance.serialization))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def lock_task(session: Session, task_id: int) -> tuple[HumanTask, ProcessInstance]:
    """The task and its instance in one statement, both locked: FOR UPDATE on PostgreSQL; on SQLite the
    write transaction (BEGIN IMMEDIATE) already holds the database's write lock."""
    found = session.execute(_LOCK_TASK, {"task_id": task_id}).one_or_none()
    if found is None:
        raise NotFound(N_("Deze taak bestaat niet."))
    return found


def complete_task(
    ctx: ServiceContext,
    actor: Actor,
    task_id: int,
    data: Mapping[str, Any],
    origin: Origin | None = None,
    *,
    emptied: Iterable[str] = (),
) -> CompleteResult:
    """Validate, run the task in the engine and save, all under the instance lock (DESIGN.md section 2).

    ``data`` holds the answers given; a field it leaves out keeps the value the case holds, unless the form
    showed it and the person ``emptied`` it.
    """
    try:
        return _complete(ctx, actor, task_id, data, origin, set(emptied))
    except StaleDataError:
        # Only reachable when a writer bypassed the instance lock; nothing of this attempt was stored.
        raise ConcurrentUpdate(
            N_("De procedure is intussen gewijzigd. Open de taak opnieuw en probeer het nog eens.")
        ) from None


def _validate(
    schema: dict[str, Any] | None,
    properties: Mapping[str, str],
    data: Mapping[str, Any],
    case_data: Mapping[str, Any],
) -> None:
    """The form's JSON Schema first, then the legal rules the task names, against the case's data.

    Only the form's own fields may be answered: an extra key would otherwise land in the case data and could
    overwrite values the procedure relies on (its reference, an earlier decision).
    """
    errors = validate_form_data(schema, dict(data)) if schema else {}
    rule_ids = parse_rule_ids(properties.get("legalRules"))
    if not errors and rule_ids:
        errors = check_rules(rule_ids, data, case_data)
    fields = (schema or {}).get("properties", {})
    for key in data:
        if key not in fields:
            errors.setdefault(key, N_("Dit veld hoort niet bij dit formulier."))
    if errors:
        raise FormInvalid(errors)


def _rule_context(ctx: ServiceContext, session: Session, actor: Actor, instance_id: int) -> dict[str, Any]:
    """Who acts, who completed the case's earlier tasks, and when: what a four-eyes or date rule needs."""
    done = session.execute(
        select(HumanTask.bpmn_id, HumanTask.completed_by_id)
        .where(HumanTask.instance_id == instance_id, HumanTask.state == "completed")
        .order_by(HumanTask.completed_at)
    ).all()
    return {
        CONTEXT_ACTOR: actor.user_id,
        CONTEXT_COMPLETED_BY: {bpmn_id: user_id for bpmn_id, user_id in done},
        CONTEXT_NOW: ctx.clock.now().isoformat(),
    }


def _with_emptied_fields(
    schema: dict[str, Any] | None, data: Mapping[str, Any], emptied: set[str], case_data: Mapping[str, Any]
) -> dict[str, Any]:
    """An optional field emptied on the form clears the value the case held for it."""
    fields = (schema or {}).get("properties", {})
    cleared = {name: None for name in emptied if name in fields and name in case_data and name not in data}
    return {**cleared, **data}


def _ensure_may_complete(ctx: ServiceContext, session: Session, actor: Actor, row: HumanTask) -> None:
    ensure_visible(ctx, session, actor, row, "task.completed")
    ensure_open(session, row)
    decision = access.may_complete_assigned_task(actor, assignment_facts(row))
    if not decision:
        refuse(ctx, session, actor, row, "task.completed", Action.UPDATE, decision.reason)


def _complete(
    ctx: ServiceContext,
    actor: Actor,
    task_id: int,
    data: Mapping[str, Any],
    origin: Origin | None,
    emptied: set[str],
) -> CompleteResult:
    failure: ProcessError | None = None
    with ctx.db.write() as session:
        row, instance = lock_task(session, task_id)
        _ensure_may_complete(ctx, session, actor, row)
        definition = ctx.definitions.get(session, instance.definition_id)
        loaded = ctx.runtime.load(instance.serialization, definition)
        properties = ctx.runtime.task_properties(loaded, row.spiff_task_id)
        schema = definition.form(row.form)
        before = ctx.runtime.task_data(loaded, row.spiff_task_id)
        context = _rule_context(ctx, session, actor, instance.id) if properties.get("legalRules") else {}
        _validate(schema, properties, data, {**before, **context})
        open_before = ctx.runtime.ready_task_ids(loaded) - {row.spiff_task_id}
        row.state, row.completed_at, row.completed_by_id = "completed", ctx.clock.now(), actor.user_id
        step = step_names(ctx, session, instance.definition_id).get(row.bpmn_id, row.bpmn_id)
        record_task_completed(session, row, definition.process_id, row.completed_at, step)
        clear_draft(row)
        try:
            ctx.runtime.complete_task(
                loaded, row.spiff_task_id, _with_emptied_fields(schema, data, emptied, before), ctx.clock
            )
            if properties.get("register"):
                after = ctx.runtime.task_data(loaded, row.spiff_task_id)
                write_register(session, ctx, instance, properties["register"], after)
            created = sync_instance(session, ctx, instance, loaded, open_before)
        except ProcessError as error:
            # Keep what the user submitted and park the instance in the error state for an administrator.
            failure, created = error, []
            instance.serialization = ctx.runtime.dump(loaded)
            instance.status, instance.last_error = "error", str(error)
        audit_task(session, ctx, actor, row, "task.completed", Action.UPDATE, origin)
        session.flush()
        next_task = next((t.id for t in created if access.may_complete_task(actor, _facts(t))), None)
        result = CompleteResult(instance.id, next_task, instance.status == "completed")
    if failure is not None:
        raise failure
    # An approved destruction (retention procedure) destroys the case's data, after this completion commits.
    if can_destroy(definition):
        destroy_after_retention_step(ctx, actor, result.instance_id, origin)
    return result
