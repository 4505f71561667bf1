"""Use cases on process instances: what I may start, starting one, and an instance's page."""

from __future__ import annotations

import secrets

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor, TaskAccess
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, NotFound
from webapp.domain.messages import N_
from webapp.domain.roles import Role
from webapp.persistence.models import (
    AuditEvent,
    HumanTask,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from webapp.services.case_scope import active_grant, scope_of, task_facts
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.projections import sync_instance
from webapp.services.statistics import INSTANCE_STARTED, count
from webapp.services.task_queries import tasks_of_instance
from webapp.services.views import HistoryLine, InstanceView, StartableProcess, StartResult


def _active_definitions(session: Session) -> list[ProcessDefinition]:
    query = (
        select(ProcessDefinition).where(ProcessDefinition.active.is_(True)).order_by(ProcessDefinition.name)
    )
    return list(session.execute(query).scalars())


def list_startable(ctx: ServiceContext, actor: Actor) -> list[StartableProcess]:
    with ctx.db.read() as session:
        orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
        result = []
        for definition in _active_definitions(session):
            allowed = sorted(
                actor.organisations_with(Role(definition.start_role)), key=lambda o: orgs.get(o, "")
            )
            if allowed:
                choices = [(org_id, orgs[org_id]) for org_id in allowed]
                result.append(
                    StartableProcess(definition.process_id, definition.name, definition.version, choices)
                )
        return result


def new_case_reference() -> str:
    # Random, not sequential: a reference in a URL or a letter must not reveal how many cases exist.
    return "KF-" + secrets.token_hex(4).upper()


_ACTIVE_DEFINITION = select(ProcessDefinition.id, ProcessDefinition.start_role).where(
    ProcessDefinition.process_id == bindparam("process_id"), ProcessDefinition.active.is_(True)
)


def start_process(
    ctx: ServiceContext,
    actor: Actor,
    process_id: str,
    organisation_id: int,
    origin: Origin | None = None,
    *,
    case_reference: str | None = None,
) -> StartResult:
    """Start a new instance; with ``case_reference`` it joins that case (a related procedure) instead of
    opening a new one."""
    with ctx.db.write() as session:
        # Id and role only: the diagram itself comes from the definition cache, not from its JSON columns.
        definition = session.execute(_ACTIVE_DEFINITION, {"process_id": process_id}).one_or_none()
        if definition is None:
            raise NotFound(N_("Deze procedure bestaat niet of is niet uitgerold."))
        decision = access.may_start_process(actor, organisation_id, definition.start_role)
        if not decision:
            session.rollback()
            audit_denial(
                ctx,
                "instance.started",
                Action.CREATE,
                decision.reason,
                actor_id=actor.user_id,
                object_type="process_definition",
                object_id=process_id,
            )
            raise AccessDenied(decision.reason)
        snapshot = ctx.definitions.get(session, definition.id)
        reference = case_reference or new_case_reference()
        # The reference travels in the case data, so forms and registers can name the case without its person.
        start_data = {"zaak_referentie": reference}
        loaded = ctx.runtime.start(
            snapshot.sha256, snapshot.process_id, snapshot.bpmn, snapshot.dmn, ctx.clock, start_data
        )
        instance = ProcessInstance(
            definition_id=definition.id,
            organisation_id=organisation_id,
            case_reference=reference,
            status="running",
            serialization="",
            started_at=ctx.clock.now(),
            started_by_id=actor.user_id,
        )
        session.add(instance)  # sync_instance inserts it with its state: one write, not insert + update
        count(session, instance.started_at, snapshot.process_id, organisation_id, INSTANCE_STARTED)
        created = sync_instance(session, ctx, instance, loaded, open_before=set())
        session.flush()
        audit(
            session,
            ctx,
            "instance.started",
            Action.CREATE,
            actor_id=actor.user_id,
            origin=origin,
            actor_org_id=organisation_id,
            object_type="process_instance",
            object_id=str(instance.id),
            process_instance_id=instance.id,
        )
        facts = [(t, TaskAccess(t.organisation_id, t.role, t.assignee_id)) for t in created]
        next_task = next((t.id for t, f in facts if access.may_complete_task(actor, f)), None)
        return StartResult(instance.id, next_task)


def view_instance(
    ctx: ServiceContext, actor: Actor, instance_id: int, origin: Origin | None = None
) -> InstanceView:
    with ctx.db.write() as session:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(N_("Deze procedure bestaat niet."))
        # Need to know (conv. art. 12.3): the whole procedure for the case roles of its organisation (or
        # under break-glass), only one's own tasks of it for a partner or a manager handling one.
        grant = active_grant(ctx, session, actor, instance.case_reference)
        facts = task_facts(session, [instance.id])[instance.id]
        scope = scope_of(actor, instance, facts, grant)
        if not scope:
            reason = N_("U heeft geen toegang tot deze zaak.")
            session.rollback()
            audit_denial(
                ctx,
                "instance.read",
                Action.READ,
                reason,
                actor_id=actor.user_id,
                object_type="process_instance",
                object_id=str(instance_id),
                process_instance_id=instance_id,
            )
            raise AccessDenied(reason)
        definition = ctx.definitions.get(session, instance.definition_id)
        audit(
            session,
            ctx,
            "instance.read",
            Action.EMERGENCY_ACCESS if scope.emergency else Action.READ,
            actor_id=actor.user_id,
            origin=origin,
            object_type="process_instance",
            object_id=str(instance.id),
            process_instance_id=instance.id,
            details={"break_glass": str(grant.id)} if scope.emergency and grant else {},
        )
        return InstanceView(
            id=instance.id,
            process_name=definition.name,
            version=definition.version,
            organisation=session.get_one(Organisation, instance.organisation_id).name,
            case_reference=instance.case_reference,
            status=instance.status,
            started_at=instance.started_at,
            started_by=_user_name(session, instance.started_by_id),
            ended_at=instance.ended_at,
            next_due_at=instance.next_due_at,
            last_error=instance.last_error,
            tasks=[t for t in tasks_of_instance(session, instance.id, actor) if scope.shows_task(t.id)],
            history=_history(session, instance.id, scope),
            emergency_until=grant.expires_at if scope.emergency and grant else None,
        )


def _user_name(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.display_name if user else None


_EVENT_TEXT = {
    "instance.started": N_("Procedure gestart"),
    "task.completed": N_("Taak afgerond"),
    "task.claimed": N_("Taak opgepakt"),
    "task.released": N_("Taak teruggegeven"),
    "timer.fired": N_("Termijn of herinnering verwerkt"),
    "instance.event": N_("Gebeurtenis gemeld"),
    "task.reassigned": N_("Taak overgedragen"),
    "task.delegated": N_("Taak ter beoordeling gegeven"),
    "task.handed_back": N_("Taak teruggegeven na beoordeling"),
    "task.recalled": N_("Taak teruggehaald"),
}


def _history(session: Session, instance_id: int, scope: access.InstanceScope) -> list[HistoryLine]:
    """The procedure's steps; of a procedure seen only through one's own tasks, its start and those tasks."""
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.process_instance_id == instance_id, AuditEvent.event.in_(_EVENT_TEXT))
        .order_by(AuditEvent.id)
    )
    task_names = dict(
        session.execute(
            select(HumanTask.id, HumanTask.name).where(HumanTask.instance_id == instance_id)
        ).all()
    )
    return [
        HistoryLine(
            event.at, _EVENT_TEXT[event.event], name, event.result, task_names.get(event.task_id or -1)
        )
        for event, name in rows
        if event.event == "instance.started" or scope.shows_task(event.task_id)
    ]
