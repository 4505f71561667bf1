"""Events a person raises on a running case: consent withdrawn, a weighing reopened, …

The diagram decides which events a case waits for (message catch events); the lane of the catching element
decides who may raise them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from webapp.domain import access
from webapp.domain.access import Actor, TaskAccess
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, NotFound, ProcessError, TaskNotReady
from webapp.domain.messages import N_
from webapp.domain.roles import DEFAULT_TASK_ROLE, role_for_lane
from webapp.engine.runtime import LoadedWorkflow, WaitingMessage
from webapp.persistence.models import ProcessInstance
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.projections import sync_instance
from webapp.services.views import CompleteResult, InstanceAction


def _allowed(actor: Actor, instance: ProcessInstance, message: WaitingMessage) -> bool:
    role = role_for_lane(message.lane) or DEFAULT_TASK_ROLE
    return actor.has_role(instance.organisation_id, role)


def _load(session: Session, instance_id: int, *, lock: bool) -> ProcessInstance:
    query: Any = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    query = query.options(undefer(ProcessInstance.serialization))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    instance: ProcessInstance | None = session.execute(query).scalar_one_or_none()
    if instance is None:
        raise NotFound(N_("Deze procedure bestaat niet."))
    return instance


def list_instance_actions(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[InstanceAction]:
    with ctx.db.read() as session:
        instance = _load(session, instance_id, lock=False)
        if instance.status in ("completed", "error", "cancelled"):
            return []
        loaded = ctx.runtime.load(
            instance.serialization, ctx.definitions.get(session, instance.definition_id)
        )
        return [
            InstanceAction(m.name, m.label)
            for m in ctx.runtime.waiting_messages(loaded)
            if _allowed(actor, instance, m)
        ]


def trigger_event(
    ctx: ServiceContext, actor: Actor, instance_id: int, message_name: str, origin: Origin | None = None
) -> CompleteResult:
    failure: ProcessError | None = None
    with ctx.db.write() as session:
        instance = _load(session, instance_id, lock=True)
        loaded = ctx.runtime.load(
            instance.serialization, ctx.definitions.get(session, instance.definition_id)
        )
        seen = access.may_view_instance(actor, instance.organisation_id, instance.started_by_id)
        if not seen:
            _refuse(ctx, session, actor, instance_id, seen.reason)
        message = _waiting(ctx, loaded, message_name)
        if not _allowed(actor, instance, message):
            _refuse(
                ctx, session, actor, instance_id, N_("U mag deze gebeurtenis niet melden voor deze zaak.")
            )
        open_before = ctx.runtime.ready_task_ids(loaded)
        try:
            ctx.runtime.send_message(loaded, message_name, {"gemeld_door": actor.display_name}, ctx.clock)
            created = sync_instance(session, ctx, instance, loaded, open_before)
        except ProcessError as error:
            failure, created = error, []
            instance.status, instance.last_error = "error", str(error)
        audit(
            session,
            ctx,
            "instance.event",
            Action.UPDATE,
            actor_id=actor.user_id,
            origin=origin,
            object_type="process_instance",
            object_id=str(instance.id),
            process_instance_id=instance.id,
            details={"event": message_name},
        )
        session.flush()
        facts = [(t, TaskAccess(t.organisation_id, t.role, t.assignee_id)) for t in created]
        next_task = next((t.id for t, f in facts if access.may_complete_task(actor, f)), None)
        result = CompleteResult(instance.id, next_task, instance.status == "completed")
    if failure is not None:
        raise failure
    return result


def _refuse(ctx: ServiceContext, session: Session, actor: Actor, instance_id: int, reason: str) -> None:
    session.rollback()
    audit_denial(
        ctx,
        "instance.event",
        Action.UPDATE,
        reason,
        actor_id=actor.user_id,
        object_type="process_instance",
        object_id=str(instance_id),
        process_instance_id=instance_id,
    )
    raise AccessDenied(reason)


def _waiting(ctx: ServiceContext, loaded: LoadedWorkflow, message_name: str) -> WaitingMessage:
    for message in ctx.runtime.waiting_messages(loaded):
        if message.name == message_name:
            return message
    raise TaskNotReady(N_("De procedure wacht (niet meer) op deze gebeurtenis."))
