"""The case file: every procedure that carries one case reference, on one page.

A case is the set of process instances with the same ``case_reference``: the one that opened it (call
activities run inside it) and the related procedures started from it later. Each viewer sees only the
procedures that ``domain.access`` lets them see (need to know); a viewer who may see none is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor, InstanceScope, TaskAccess
from webapp.domain.audit import Action, Result
from webapp.domain.errors import AccessDenied, KetenflowError, NotFound
from webapp.domain.messages import N_, Message
from webapp.persistence.models import (
    AuditEvent,
    Comment,
    HumanTask,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from webapp.services.case_scope import Grant, TaskFacts, active_grant, scope_of, task_facts
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.events import list_instance_actions
from webapp.services.instances import start_process
from webapp.services.task_queries import tasks_of_instance
from webapp.services.views import InstanceAction, StartResult, TaskView

# Procedures a case may grow with; the withdrawal of a consent is an event on the running consent instead.
RELATED_PROCESSES = ("meldcode", "consent", "subject_request")

_TIMELINE_TEXT = {
    "instance.started": N_("Procedure gestart"),
    "task.claimed": N_("Taak opgepakt"),
    "task.released": N_("Taak teruggegeven"),
    "task.completed": N_("Taak afgerond"),
    "timer.fired": N_("Termijn of herinnering verwerkt"),
    "instance.event": N_("Gebeurtenis gemeld"),
    "comment.created": N_("Opmerking geplaatst"),
}
_FINISHED = ("completed", "error", "cancelled")


class RelatedNotAllowed(KetenflowError):
    """The procedure asked for cannot be started from a case."""


@dataclass(frozen=True)
class Procedure:
    instance_id: int
    process_id: str
    process_name: str
    version: int
    status: str
    started_at: datetime
    started_by: str | None
    ended_at: datetime | None
    next_due_at: datetime | None
    actions: tuple[InstanceAction, ...] = ()


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    event: str
    actor: str | None
    process_name: str
    task_name: str | None = None
    due_at: datetime | None = None
    verdict: str | None = None  # "op tijd" | "te laat, N dagen" for a completed task with a due date
    late: bool = False


@dataclass(frozen=True)
class CaseTask:
    task: TaskView
    may_open: bool


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    at: datetime
    body: str
    instance_id: int
    task_id: int | None
    task_name: str | None


@dataclass(frozen=True)
class RelatedProcess:
    process_id: str
    name: str


@dataclass(frozen=True)
class CaseFile:
    reference: str
    organisation: str
    procedures: list[Procedure]
    open_tasks: list[CaseTask]
    timeline: list[TimelineLine]
    comments: list[CommentView]
    related: list[RelatedProcess] = field(default_factory=list)
    comment_tasks: list[tuple[int, str]] = field(default_factory=list)  # (task id, name) to comment on
    emergency: Grant | None = None  # the case is open to this reader through break-glass
    may_comment_on_case: bool = True  # False for who sees only their own tasks of it


@dataclass(frozen=True)
class CaseAccess:
    """The instances of one case that this actor may see, how much of each, and the facts about the tasks
    in view (conv. art. 12.3: a partner sees only the tasks it takes part in)."""

    reference: str
    organisation_id: int  # the owning organisation: that of the instance that opened the case
    root_id: int
    visible: list[ProcessInstance]
    tasks: list[TaskFacts]  # only the tasks in view
    scopes: dict[int, InstanceScope] = field(default_factory=dict)
    grant: Grant | None = None  # the reader's active break-glass on this case

    @property
    def visible_ids(self) -> list[int]:
        return [i.id for i in self.visible]

    @property
    def whole_ids(self) -> list[int]:
        """The procedures seen as a whole (not just one's own tasks in them)."""
        return [i.id for i in self.visible if self.scopes[i.id].whole]

    def shows(self, instance_id: int | None, task_id: int | None) -> bool:
        """Whether something on this instance (about this task, or the instance itself) is in view."""
        scope = self.scopes.get(instance_id) if instance_id is not None else None
        return scope is not None and scope.shows_task(task_id)


def deadline_verdict(due_at: datetime | None, done_at: datetime | None) -> str | None:
    """Whether a task met its due date: "op tijd", or how many (started) days late."""
    if due_at is None or done_at is None:
        return None
    if done_at <= due_at:
        return N_("op tijd")
    days = math.ceil((done_at - due_at) / timedelta(days=1))
    if days == 1:
        return N_("te laat, 1 dag")
    return Message("te laat, {days} dagen", days=days)


def open_case(
    ctx: ServiceContext, session: Session, actor: Actor, reference: str, event: str, action: Action
) -> CaseAccess:
    """The case's instances this actor may see; a refusal is audited (as ``event``) and raised."""
    instances = list(
        session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.case_reference == reference)
            .order_by(ProcessInstance.id)
        ).scalars()
    )
    if not instances:
        raise NotFound(N_("Deze zaak bestaat niet."))
    by_instance = task_facts(session, [i.id for i in instances])
    grant = active_grant(ctx, session, actor, reference)
    scopes = {i.id: scope_of(actor, i, by_instance[i.id], grant) for i in instances}
    visible = [i for i in instances if scopes[i.id]]
    root = instances[0]
    if not visible:
        reason = N_("U heeft geen toegang tot deze zaak.")
        session.rollback()
        audit_denial(
            ctx,
            event,
            action,
            reason,
            actor_id=actor.user_id,
            object_type="case",
            object_id=reference,
            process_instance_id=root.id,
        )
        raise AccessDenied(reason)
    tasks = [t for i in visible for t in by_instance[i.id] if scopes[i.id].shows_task(t.id)]
    in_view = {i.id: scopes[i.id] for i in visible}
    used = grant if any(s.emergency for s in in_view.values()) else None
    return CaseAccess(reference, root.organisation_id, root.id, visible, tasks, in_view, used)


def view_case_file(
    ctx: ServiceContext, actor: Actor, reference: str, origin: Origin | None = None
) -> CaseFile:
    """The case file as this actor may see it; reading it is audited once per procedure shown."""
    with ctx.db.write() as session:
        case = open_case(ctx, session, actor, reference, "case.read", Action.READ)
        procedures = [_procedure(ctx, session, i) for i in case.visible]
        names = {p.instance_id: p.process_name for p in procedures}
        tasks = [
            t for i in case.visible for t in tasks_of_instance(session, i.id, actor) if case.shows(i.id, t.id)
        ]
        facts = {t.id: t.access for t in case.tasks}
        _audit_read(session, ctx, actor, case, origin)
        file = CaseFile(
            reference=reference,
            organisation=session.get_one(Organisation, case.organisation_id).name,
            procedures=procedures,
            open_tasks=_open_tasks(actor, tasks, facts),
            timeline=_timeline(session, case, names, {t.id: t for t in tasks}),
            comments=_comments_in_view(session, case),
            related=_related(session, actor, case.organisation_id),
            comment_tasks=[] if case.grant else [(t.id, t.name) for t in tasks if t.state != "cancelled"],
            emergency=case.grant,
            may_comment_on_case=bool(case.whole_ids) and case.grant is None,
        )
    # Each procedure's events need its workflow loaded; read after the audited transaction has committed.
    with_actions = [
        replace(p, actions=tuple(list_instance_actions(ctx, actor, p.instance_id)))
        if p.status not in _FINISHED
        else p
        for p in file.procedures
    ]
    return replace(file, procedures=with_actions)


def _audit_read(
    session: Session, ctx: ServiceContext, actor: Actor, case: CaseAccess, origin: Origin | None
) -> None:
    """One line per procedure shown, so that each instance's own audit trail lists the read; a read that
    only break-glass allows is an ``emergency_access`` naming its grant (whose reason the audit search shows;
    the reason itself stays in the encrypted break_glass row, out of the permanent, plain audit chain)."""
    for instance_id in case.visible_ids:
        emergency = case.grant is not None and case.scopes[instance_id].emergency
        details = {"case": case.reference}
        if emergency and case.grant is not None:
            details["break_glass"] = str(case.grant.id)
        audit(
            session,
            ctx,
            "case.read",
            Action.EMERGENCY_ACCESS if emergency else Action.READ,
            actor_id=actor.user_id,
            origin=origin,
            object_type="process_instance",
            object_id=str(instance_id),
            process_instance_id=instance_id,
            details=details,
        )


def _procedure(ctx: ServiceContext, session: Session, instance: ProcessInstance) -> Procedure:
    definition = ctx.definitions.get(session, instance.definition_id)
    starter = session.get(User, instance.started_by_id) if instance.started_by_id else None
    return Procedure(
        instance_id=instance.id,
        process_id=definition.process_id,
        process_name=definition.name,
        version=definition.version,
        status=instance.status,
        started_at=instance.started_at,
        started_by=starter.display_name if starter else None,
        ended_at=instance.ended_at,
        next_due_at=instance.next_due_at,
    )


def _open_tasks(actor: Actor, tasks: list[TaskView], facts: dict[int, TaskAccess]) -> list[CaseTask]:
    open_now = sorted(
        (t for t in tasks if t.state == "open"),
        key=lambda t: (t.due_at is None, t.due_at or t.created_at, t.created_at, t.id),
    )
    # A task that appeared after the access check (another transaction, on PostgreSQL) gets no link yet.
    return [CaseTask(t, t.id in facts and bool(access.may_see_task(actor, facts[t.id]))) for t in open_now]


def _timeline(
    session: Session, case: CaseAccess, names: dict[int, str], tasks: dict[int, TaskView]
) -> list[TimelineLine]:
    """What happened, from the audit log: successful changes only (reads and refusals are for the FG); of a
    procedure seen only through one's own tasks, its start and what happened to those tasks."""
    instance_ids = case.visible_ids
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.process_instance_id.in_(instance_ids),
            AuditEvent.event.in_(_TIMELINE_TEXT),
            AuditEvent.result == Result.SUCCESS.value,
        )
        .order_by(AuditEvent.id)
    )
    lines = []
    for event, actor_name in rows:
        if event.event != "instance.started" and not case.shows(event.process_instance_id, event.task_id):
            continue
        task = tasks.get(event.task_id) if event.task_id is not None else None
        line = TimelineLine(
            at=event.at,
            event=_TIMELINE_TEXT[event.event],
            actor=actor_name,
            process_name=names.get(event.process_instance_id or -1, ""),
            task_name=task.name if task else None,
        )
        if task is not None and event.event == "task.completed":
            verdict = deadline_verdict(task.due_at, task.completed_at)
            line = replace(
                line, due_at=task.due_at, verdict=verdict, late=bool(verdict and verdict != "op tijd")
            )
        lines.append(line)
    return lines


def _comments_in_view(session: Session, case: CaseAccess) -> list[CommentView]:
    """Comments on what this reader sees: not those on another partner's tasks (conv. art. 12.3)."""
    return [c for c in comments_of(session, case.visible_ids) if case.shows(c.instance_id, c.task_id)]


def comments_of(session: Session, instance_ids: list[int], task_id: int | None = None) -> list[CommentView]:
    """The comments on these instances (only those on one task, when given), oldest first."""
    query = (
        select(Comment, User.display_name, HumanTask.name)
        .join(User, User.id == Comment.author_id)
        .outerjoin(HumanTask, HumanTask.id == Comment.task_id)
        .where(Comment.instance_id.in_(instance_ids))
        .order_by(Comment.created_at, Comment.id)
    )
    if task_id is not None:
        query = query.where(Comment.task_id == task_id)
    return [
        CommentView(c.id, author, c.created_at, c.body, c.instance_id, c.task_id, task_name)
        for c, author, task_name in session.execute(query)
    ]


def _related(session: Session, actor: Actor, organisation_id: int) -> list[RelatedProcess]:
    definitions = session.execute(
        select(ProcessDefinition.process_id, ProcessDefinition.name, ProcessDefinition.start_role).where(
            ProcessDefinition.active.is_(True), ProcessDefinition.process_id.in_(RELATED_PROCESSES)
        )
    ).all()
    allowed = {
        process_id: RelatedProcess(process_id, name)
        for process_id, name, start_role in definitions
        if access.may_start_process(actor, organisation_id, start_role)
    }
    return [allowed[p] for p in RELATED_PROCESSES if p in allowed]


def start_related(
    ctx: ServiceContext, actor: Actor, case_reference: str, process_id: str, origin: Origin | None = None
) -> StartResult:
    """Start a related procedure in the case's organisation, carrying the case's reference."""
    with ctx.db.read() as session:
        case = open_case(ctx, session, actor, case_reference, "instance.started", Action.CREATE)
    if process_id not in RELATED_PROCESSES:
        raise RelatedNotAllowed(N_("Deze procedure kan niet vanuit een zaak worden gestart."))
    try:
        # start_process checks the start role in the case's organisation and audits the start or refusal.
        return start_process(
            ctx, actor, process_id, case.organisation_id, origin, case_reference=case.reference
        )
    except NotFound as missing:  # not deployed (any more): a refusal to show, not a missing page
        raise RelatedNotAllowed(str(missing)) from None
