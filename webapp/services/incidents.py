"""Incidents for the administrator: timer jobs that keep failing and instances parked in the error state.

A failing timer backs off (services/timers.py) and stops retrying itself after MAX_AUTOMATIC_ATTEMPTS; an
instance whose script failed on completion waits in status "error" (services/tasks.py _complete). Both wait
here for an administrator of their organisation to retry or cancel them. The error text may quote case data,
so each incident shown is audited against its instance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, undefer

from webapp.domain.access import Actor
from webapp.domain.audit import Action, Result
from webapp.domain.errors import AccessDenied, NotFound, ProcessError
from webapp.domain.messages import N_
from webapp.domain.roles import Role
from webapp.persistence.models import HumanTask, Job, Organisation, ProcessDefinition, ProcessInstance
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.dashboard_steps import step_names
from webapp.services.projections import sync_instance
from webapp.services.timers import MAX_AUTOMATIC_ATTEMPTS

ERROR_SHOWN = 300  # characters of the error text: enough to act on, not the whole case
LIST_LIMIT = 200
_STEP = re.compile(r"stap '([^']+)'")
_DENIED = N_("Alleen een beheerder ziet en behandelt de incidenten van zijn organisatie.")


@dataclass(frozen=True)
class Incident:
    instance_id: int
    case_reference: str | None
    process: str
    organisation: str
    status: str
    step_id: str | None
    step_name: str | None
    attempts: int
    next_attempt: datetime | None
    needs_admin: bool  # no automatic retry will come
    error: str


def admin_organisations(actor: Actor) -> set[int]:
    return actor.organisations_with(Role.ADMIN)


def _shorten(text: str) -> str:
    return text if len(text) <= ERROR_SHOWN else text[: ERROR_SHOWN - 1] + "…"


def list_incidents(ctx: ServiceContext, actor: Actor, origin: Origin | None = None) -> list[Incident]:
    organisations = admin_organisations(actor)
    if not organisations:
        audit_denial(ctx, "incident.read", Action.READ, _DENIED, actor_id=actor.user_id)
        raise AccessDenied(_DENIED)
    with ctx.db.write() as session:
        rows = session.execute(
            select(ProcessInstance, Job, ProcessDefinition.name, Organisation.name)
            .outerjoin(Job, Job.instance_id == ProcessInstance.id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .join(Organisation, Organisation.id == ProcessInstance.organisation_id)
            .where(
                ProcessInstance.organisation_id.in_(organisations),
                or_(ProcessInstance.status == "error", Job.attempts >= 1),
            )
            .order_by(ProcessInstance.id)
            .limit(LIST_LIMIT)
        ).all()
        found = [_incident(ctx, session, *row) for row in rows]
        for incident in found:
            _audit(session, ctx, actor, "incident.read", Action.READ, incident.instance_id, origin)
        return found


def _incident(
    ctx: ServiceContext,
    session: Session,
    instance: ProcessInstance,
    job: Job | None,
    process: str,
    organisation: str,
) -> Incident:
    error = (job.last_error if job is not None else None) or instance.last_error or ""
    match = _STEP.search(error)
    step_id = match.group(1) if match else None
    attempts = job.attempts if job is not None else 0
    automatic = job is not None and instance.status != "error" and attempts < MAX_AUTOMATIC_ATTEMPTS
    return Incident(
        instance_id=instance.id,
        case_reference=instance.case_reference,
        process=process,
        organisation=organisation,
        status=instance.status,
        step_id=step_id,
        step_name=step_names(ctx, session, instance.definition_id).get(step_id) if step_id else None,
        attempts=attempts,
        next_attempt=(job.locked_until or job.due_at) if automatic and job is not None else None,
        needs_admin=not automatic,
        error=_shorten(error),
    )


def _audit(
    session: Session,
    ctx: ServiceContext,
    actor: Actor,
    event: str,
    action: Action,
    instance_id: int,
    origin: Origin | None,
    result: Result = Result.SUCCESS,
) -> None:
    audit(
        session,
        ctx,
        event,
        action,
        result=result,
        actor_id=actor.user_id,
        origin=origin,
        object_type="process_instance",
        object_id=str(instance_id),
        process_instance_id=instance_id,
    )


def _lock_incident(ctx: ServiceContext, session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """The instance under its lock (the one fire_job and completing take), if this admin handles it."""
    instance = session.execute(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .options(undefer(ProcessInstance.serialization))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if instance is None:
        raise NotFound(N_("Deze procedure bestaat niet."))
    if instance.organisation_id not in admin_organisations(actor):
        raise AccessDenied(_DENIED)
    return instance


def retry_incident(ctx: ServiceContext, actor: Actor, instance_id: int, origin: Origin | None = None) -> bool:
    """Retry now. A failing timer gets its lease cleared and a fresh budget, so the worker takes it at its
    next poll; an errored instance runs its failed step again here. True when the instance is out of error."""
    failure: ProcessError | None = None
    try:
        with ctx.db.write() as session:
            instance = _lock_incident(ctx, session, actor, instance_id)
            session.execute(
                update(Job)
                .where(Job.instance_id == instance.id)
                .values(locked_by=None, locked_until=None, attempts=0, last_error=None)
            )
            if instance.status == "error":
                failure = _rerun(ctx, session, instance)
            result = Result.ERROR if failure else Result.SUCCESS
            _audit(session, ctx, actor, "incident.retried", Action.UPDATE, instance.id, origin, result)
    except AccessDenied as denied:
        audit_denial(ctx, "incident.retried", Action.UPDATE, str(denied), actor_id=actor.user_id)
        raise
    return failure is None


def _rerun(ctx: ServiceContext, session: Session, instance: ProcessInstance) -> ProcessError | None:
    loaded = ctx.runtime.load(instance.serialization, ctx.definitions.get(session, instance.definition_id))
    open_before = set(
        session.execute(
            select(HumanTask.spiff_task_id).where(
                HumanTask.instance_id == instance.id, HumanTask.state == "open"
            )
        ).scalars()
    )
    try:
        ctx.runtime.retry_failed(loaded, ctx.clock)
        sync_instance(session, ctx, instance, loaded, open_before)
    except ProcessError as error:  # still failing: keep it parked, with the newest error
        instance.serialization = ctx.runtime.dump(loaded)
        instance.last_error = str(error)
        return error
    return None


def cancel_incident(
    ctx: ServiceContext, actor: Actor, instance_id: int, origin: Origin | None = None
) -> None:
    """Stop the instance for good: status cancelled, its open tasks cancelled, its timer job removed."""
    try:
        with ctx.db.write() as session:
            instance = _lock_incident(ctx, session, actor, instance_id)
            now = ctx.clock.now()
            session.execute(
                update(HumanTask)
                .where(HumanTask.instance_id == instance.id, HumanTask.state == "open")
                .values(
                    state="cancelled", completed_at=now, draft=None, draft_by_id=None, draft_saved_at=None
                ),
                execution_options={"synchronize_session": False},
            )
            session.execute(delete(Job).where(Job.instance_id == instance.id))
            instance.status, instance.ended_at, instance.next_due_at = "cancelled", now, None
            _audit(session, ctx, actor, "incident.cancelled", Action.UPDATE, instance.id, origin)
    except AccessDenied as denied:
        audit_denial(ctx, "incident.cancelled", Action.UPDATE, str(denied), actor_id=actor.user_id)
        raise
