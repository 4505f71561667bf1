"""Reading human tasks as the people who may see them, with one query per list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from webapp.domain.access import Actor
from webapp.persistence.models import HumanTask, Organisation, ProcessDefinition, ProcessInstance, User
from webapp.services.views import TaskView

_Assignee = aliased(User)
_Completer = aliased(User)


def task_view_query() -> Select[HumanTask, str | None, str, str, str | None, str | None]:
    """Each task with what a list shows of it, joined in one statement (no workflow state loaded)."""
    return (
        select(
            HumanTask,
            ProcessInstance.case_reference,
            ProcessDefinition.name,
            Organisation.name,
            _Assignee.display_name,
            _Completer.display_name,
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .join(Organisation, Organisation.id == HumanTask.organisation_id)
        .outerjoin(_Assignee, _Assignee.id == HumanTask.assignee_id)
        .outerjoin(_Completer, _Completer.id == HumanTask.completed_by_id)
    )


def inbox_filter(actor: Actor) -> Any:
    """Open tasks of my roles in my organisations, and tasks assigned to me."""
    by_role = [
        and_(HumanTask.organisation_id == m.organisation_id, HumanTask.role == m.role.value)
        for m in actor.memberships
    ]
    return and_(HumanTask.state == "open", or_(HumanTask.assignee_id == actor.user_id, *by_role))


def inbox(session: Session, actor: Actor, limit: int = 200) -> list[TaskView]:
    query = (
        task_view_query()
        .where(inbox_filter(actor))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
        .limit(limit)
    )
    return _views(session.execute(query).all(), actor)


def tasks_of_instance(session: Session, instance_id: int, actor: Actor) -> list[TaskView]:
    query = (
        task_view_query()
        .where(HumanTask.instance_id == instance_id)
        .order_by(HumanTask.created_at, HumanTask.id)
    )
    return _views(session.execute(query).all(), actor)


def task_view(session: Session, task_id: int, actor: Actor) -> TaskView:
    row = session.execute(task_view_query().where(HumanTask.id == task_id)).one()
    return _views([row], actor)[0]


def _views(
    rows: Sequence[tuple[HumanTask, str | None, str, str, str | None, str | None]], actor: Actor
) -> list[TaskView]:
    return [
        TaskView(
            id=task.id,
            name=task.name,
            process_name=process_name,
            instance_id=task.instance_id,
            case_reference=case_reference,
            organisation=organisation,
            role=task.role,
            state=task.state,
            assignee=assignee,
            assigned_to_me=task.assignee_id == actor.user_id,
            due_at=task.due_at,
            due_rule=task.due_rule,
            created_at=task.created_at,
            completed_at=task.completed_at,
            completed_by=completer,
        )
        for task, case_reference, process_name, organisation, assignee, completer in rows
    ]
