"""Reading human tasks as the people who may see them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.persistence.models import HumanTask, Organisation, ProcessDefinition, ProcessInstance, User
from webapp.services.views import TaskView


def inbox_filter(actor: Actor) -> object:
    """Open tasks of my roles in my organisations, and tasks assigned to me."""
    by_role = [and_(HumanTask.organisation_id == m.organisation_id, HumanTask.role == m.role.value)
               for m in actor.memberships]
    mine = HumanTask.assignee_id == actor.user_id
    return and_(HumanTask.state == "open", or_(mine, *by_role))


def inbox_rows(session: Session, actor: Actor, limit: int = 200) -> list[HumanTask]:
    due_last = HumanTask.due_at.is_(None)
    query = (
        select(HumanTask)
        .where(inbox_filter(actor))  # type: ignore[arg-type]
        .order_by(due_last, HumanTask.due_at, HumanTask.created_at, HumanTask.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def names_for(session: Session, rows: Iterable[HumanTask]) -> tuple[dict[int, str], dict[int, str]]:
    rows = list(rows)
    user_ids = {r.assignee_id for r in rows} | {r.completed_by_id for r in rows}
    user_ids.discard(None)
    org_ids = {r.organisation_id for r in rows}
    users = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).tuples().all())
    orgs = dict(
        session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).tuples().all()
    )
    return users, orgs


def to_views(session: Session, rows: Iterable[HumanTask], actor: Actor) -> list[TaskView]:
    rows = list(rows)
    users, orgs = names_for(session, rows)
    return [to_view(row, actor, users, orgs) for row in rows]


def to_view(row: HumanTask, actor: Actor, users: dict[int, str], orgs: dict[int, str]) -> TaskView:
    instance: ProcessInstance = row.instance
    definition: ProcessDefinition = instance.definition
    return TaskView(
        id=row.id,
        name=row.name,
        process_name=definition.name,
        instance_id=row.instance_id,
        case_reference=instance.case_reference,
        organisation=orgs.get(row.organisation_id, "?"),
        role=row.role,
        state=row.state,
        assignee=users.get(row.assignee_id) if row.assignee_id else None,
        assigned_to_me=row.assignee_id == actor.user_id,
        due_at=row.due_at,
        due_rule=row.due_rule,
        created_at=row.created_at,
        completed_at=row.completed_at,
        completed_by=users.get(row.completed_by_id) if row.completed_by_id else None,
    )
