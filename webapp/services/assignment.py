"""Who holds a task and how it passes on: reassigning to a colleague, delegating for review and handing it
back, drafts (which belong to whoever holds the task), and the task's own history from the audit log.

Delegation follows Camunda (see ``domain.access``): the reviewer looks and hands back, the owner completes.
Every change locks the task row, so a hand-over never crosses a completion or another hand-over.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action, Result
from webapp.domain.errors import FormInvalid
from webapp.domain.messages import N_, Message
from webapp.persistence.models import AuditEvent, HumanTask, Membership, User
from webapp.services.context import Origin, ServiceContext
from webapp.services.notifications import notify_assignee
from webapp.services.tasks import (
    assignment_facts,
    audit_task,
    clear_draft,
    ensure_allowed,
    ensure_visible,
    fields_of,
    load_task,
    lock_open_task,
    row_definition_id,
    user_name,
)
from webapp.services.users import to_actor

# A draft is kept unvalidated; this bounds what one task row holds (the web form itself is capped at 2 MB).
DRAFT_LIMIT = 512 * 1024

# Someone who is nobody's colleague: what an unknown or inactive user id is checked as, so that the answer
# is the same as for a person without the role and reveals nothing about which accounts exist.
_NOBODY = Actor(0, "", "", frozenset())

_SOMEONE = N_("een collega")
_HISTORY_TEXT = {
    "task.claimed": N_("Opgepakt"),
    "task.released": N_("Teruggegeven aan de collega's"),
    "task.reassigned": N_("Overgedragen aan {to}"),
    "task.delegated": N_("Ter beoordeling gegeven aan {to}"),
    "task.handed_back": N_("Na beoordeling teruggegeven aan {to}"),
    "task.recalled": N_("Teruggehaald van {source}"),
    "task.draft_saved": N_("Concept opgeslagen"),
    "task.completed": N_("Afgerond"),
}


@dataclass(frozen=True)
class Colleague:
    user_id: int
    display_name: str


@dataclass(frozen=True)
class TaskEvent:
    at: datetime
    text: str
    actor: str | None


@dataclass(frozen=True)
class TaskPanel:
    """What the task page offers this person besides the form: the buttons they may press, the colleagues
    they may hand the task to, their own draft's time, and the task's history."""

    may_claim: bool = False
    may_release: bool = False
    may_reassign: bool = False
    may_delegate: bool = False
    may_hand_back: bool = False
    may_recall: bool = False
    may_complete: bool = False
    may_save_draft: bool = False
    why_not_complete: str | None = None  # shown beside the form when it has no N_("Taak afronden") button
    delegated_by: str | None = None
    draft_saved_at: datetime | None = None
    colleagues: list[Colleague] = field(default_factory=list)
    history: list[TaskEvent] = field(default_factory=list)


def _colleagues(session: Session, row: HumanTask, actor: Actor) -> list[Actor]:
    """Active members with the task's role in its organisation, but not the actor nor who holds it now."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == row.organisation_id,
            Membership.role == row.role,
            User.active.is_(True),
            User.id.not_in({actor.user_id, row.assignee_id or actor.user_id}),
        )
        .order_by(User.display_name, User.id)
    )
    return [to_actor(user) for user in session.execute(query).scalars()]


def _person(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    return to_actor(user) if user is not None and user.active else _NOBODY


def list_colleagues(ctx: ServiceContext, actor: Actor, task_id: int) -> list[Colleague]:
    """The colleagues this task can be reassigned or delegated to, by name."""
    with ctx.db.read() as session:
        row = load_task(session, task_id)
        ensure_visible(ctx, session, actor, row, "task.read", Action.READ)
        return [Colleague(c.user_id, c.display_name) for c in _colleagues(session, row, actor)]


def reassign_task(
    ctx: ServiceContext, actor: Actor, task_id: int, colleague_id: int, origin: Origin | None = None
) -> str:
    """Give the task to a colleague with its role in its organisation; returns their name. A draft on the
    task is cleared: it was its author's, and the new assignee starts from the case's own data."""
    with ctx.db.write() as session:
        row = lock_open_task(ctx, session, actor, task_id, "task.reassigned")
        colleague = _person(session, colleague_id)
        ensure_allowed(
            ctx,
            session,
            actor,
            row,
            "task.reassigned",
            access.may_reassign_task(actor, assignment_facts(row), colleague),
        )
        details = {"from": str(row.assignee_id or ""), "to": str(colleague.user_id)}
        row.assignee_id = colleague.user_id
        clear_draft(row)
        audit_task(session, ctx, actor, row, "task.reassigned", Action.UPDATE, origin, details)
        notify_assignee(session, ctx, row)
        return colleague.display_name


def delegate_task(
    ctx: ServiceContext, actor: Actor, task_id: int, reviewer_id: int, origin: Origin | None = None
) -> str:
    """Hand the task to a colleague for review; the actor stays its owner. Returns the reviewer's name."""
    with ctx.db.write() as session:
        row = lock_open_task(ctx, session, actor, task_id, "task.delegated")
        reviewer = _person(session, reviewer_id)
        ensure_allowed(
            ctx,
            session,
            actor,
            row,
            "task.delegated",
            access.may_delegate_task(actor, assignment_facts(row), reviewer),
        )
        row.delegated_by_id, row.assignee_id = actor.user_id, reviewer.user_id
        details = {"to": str(reviewer.user_id)}
        audit_task(session, ctx, actor, row, "task.delegated", Action.UPDATE, origin, details)
        notify_assignee(session, ctx, row)
        return reviewer.display_name


def hand_back_task(ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None) -> str:
    """The reviewer hands the task back ("terug"), or the owner takes it back early; returns the owner's
    name. The owner's draft, if any, is there again for them."""
    with ctx.db.write() as session:
        row = lock_open_task(ctx, session, actor, task_id, "task.handed_back")
        ensure_allowed(
            ctx,
            session,
            actor,
            row,
            "task.handed_back",
            access.may_hand_back_task(actor, assignment_facts(row)),
        )
        owner, reviewer = row.delegated_by_id, row.assignee_id
        event = "task.handed_back" if actor.user_id == reviewer else "task.recalled"
        row.assignee_id, row.delegated_by_id = owner, None
        details = {"from": str(reviewer or ""), "to": str(owner)}
        audit_task(session, ctx, actor, row, event, Action.UPDATE, origin, details)
        notify_assignee(session, ctx, row)
        return user_name(session, owner) or ""


def save_draft(
    ctx: ServiceContext, actor: Actor, task_id: int, data: Mapping[str, Any], origin: Origin | None = None
) -> None:
    """Opslaan als concept: keep the typed answers without validating or completing, for the assignee only.

    Saving on an unclaimed task claims it. The audit line says that a draft was saved, never what it holds.
    """
    with ctx.db.write() as session:
        row = lock_open_task(ctx, session, actor, task_id, "task.draft_saved")
        ensure_allowed(
            ctx,
            session,
            actor,
            row,
            "task.draft_saved",
            access.may_save_draft(actor, assignment_facts(row)),
            name_holder=True,
        )
        schema = ctx.definitions.get(session, row_definition_id(session, row)).form(row.form) or {}
        draft = fields_of(schema, data)
        if len(json.dumps(draft, default=str)) > DRAFT_LIMIT:
            raise FormInvalid(
                {"_concept": N_("Het concept is te groot om te bewaren. Kort de langste teksten in.")}
            )
        if row.assignee_id is None:
            row.assignee_id = actor.user_id
            audit_task(session, ctx, actor, row, "task.claimed", Action.UPDATE, origin)
        row.draft, row.draft_by_id, row.draft_saved_at = draft, actor.user_id, ctx.clock.now()
        audit_task(session, ctx, actor, row, "task.draft_saved", Action.UPDATE, origin)


def task_history(ctx: ServiceContext, actor: Actor, task_id: int) -> list[TaskEvent]:
    """The task's own steps (claimed, handed on, drafts, completed) with names and times, oldest first."""
    with ctx.db.read() as session:
        row = load_task(session, task_id)
        ensure_visible(ctx, session, actor, row, "task.read", Action.READ)
        return _history(session, row)


def _history(session: Session, row: HumanTask) -> list[TaskEvent]:
    found = session.execute(
        select(AuditEvent.at, AuditEvent.event, AuditEvent.details, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.process_instance_id == row.instance_id,  # indexed; the task id narrows it down
            AuditEvent.task_id == row.id,
            AuditEvent.result == Result.SUCCESS.value,
            AuditEvent.event.in_(_HISTORY_TEXT),
        )
        .order_by(AuditEvent.id)
    ).all()
    mentioned = {
        int(v) for _, _, details, _ in found for k, v in details.items() if k in ("from", "to") and v
    }
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(mentioned))).all())

    def name(details: dict[str, Any], key: str) -> str:
        value = str(details.get(key) or "")
        return str(names.get(int(value), _SOMEONE)) if value.isdigit() else _SOMEONE

    return [
        TaskEvent(
            at, Message(_HISTORY_TEXT[event], to=name(details, "to"), source=name(details, "from")), who
        )
        for at, event, details, who in found
    ]


def task_panel(ctx: ServiceContext, actor: Actor, task_id: int) -> TaskPanel:
    """Everything the task page shows besides the form. It holds names and times, no case data: the task
    itself is read (and audited) through ``tasks.open_task``."""
    with ctx.db.read() as session:
        row = load_task(session, task_id)
        ensure_visible(ctx, session, actor, row, "task.read", Action.READ)
        history = _history(session, row)
        if row.state != "open":
            return TaskPanel(history=history)
        facts = assignment_facts(row)
        colleagues = _colleagues(session, row, actor)
        mine = row.draft is not None and row.draft_by_id == actor.user_id
        complete = access.may_complete_assigned_task(actor, facts)
        return TaskPanel(
            may_claim=row.assignee_id is None and bool(access.may_claim_task(actor, facts.access)),
            may_release=bool(access.may_release_assigned_task(actor, facts)),
            # Every listed colleague qualifies as a target; what remains is whether the actor may hand on.
            may_reassign=bool(colleagues) and bool(access.may_reassign_task(actor, facts, colleagues[0])),
            may_delegate=bool(colleagues) and bool(access.may_delegate_task(actor, facts, colleagues[0])),
            may_hand_back=facts.delegated and actor.user_id == row.assignee_id,
            may_recall=facts.delegated and actor.user_id == row.delegated_by_id,
            may_complete=complete.allowed,
            why_not_complete=None if complete else complete.reason,
            may_save_draft=bool(access.may_save_draft(actor, facts)),
            delegated_by=user_name(session, row.delegated_by_id),
            draft_saved_at=row.draft_saved_at if mine else None,
            colleagues=[Colleague(c.user_id, c.display_name) for c in colleagues],
            history=history,
        )
