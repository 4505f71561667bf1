"""Reading human tasks as the people who may see them, with one query per list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from webapp.domain.access import Actor
from webapp.persistence.models import HumanTask, Organisation, ProcessDefinition, ProcessInstance, User
from webapp.services.views import TaskView

_Assignee = aliased(User)
_Completer = aliased(User)

# Which of the inbox's tasks: all of them, those I claimed, or those nobody claimed yet.
CLAIMED_ANY, CLAIMED_BY_ME, UNCLAIMED = "", "me", "none"


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


def _inbox_branches(actor: Actor, claimed: str) -> list[tuple[ColumnElement[bool], bool]]:
    """The disjoint parts of the inbox, each with whether its tasks are out for review: my open tasks, the
    ones I gave a colleague for review, and per membership the open unclaimed tasks of that role in that
    organisation. Each matches an index prefix (state, assignee), (state, delegated_by) or (state,
    organisation, role, assignee)."""
    mine = and_(HumanTask.state == "open", HumanTask.assignee_id == actor.user_id)
    # Out for review: still mine (I complete it once it is back), held by the reviewer meanwhile.
    out_for_review = and_(HumanTask.state == "open", HumanTask.delegated_by_id == actor.user_id)
    unclaimed = [
        and_(
            HumanTask.state == "open",
            HumanTask.organisation_id == m.organisation_id,
            HumanTask.role == m.role.value,
            HumanTask.assignee_id.is_(None),
        )
        for m in sorted(actor.memberships, key=lambda m: (m.organisation_id, m.role.value))
    ]
    own = [(mine, False), (out_for_review, True)]
    queue = [(branch, False) for branch in unclaimed]
    return {CLAIMED_ANY: [*own, *queue], CLAIMED_BY_ME: own, UNCLAIMED: queue}[claimed]


def inbox_filter(actor: Actor, claimed: str = CLAIMED_ANY) -> ColumnElement[bool]:
    """My open tasks, and the open unclaimed tasks of my roles in my organisations."""
    branches = [branch for branch, _ in _inbox_branches(actor, claimed)]
    return or_(*branches) if branches else false()


def inbox(session: Session, actor: Actor, limit: int = 200) -> list[TaskView]:
    query = (
        task_view_query()
        .where(inbox_filter(actor))
        .order_by(*_due_order(HumanTask.__table__.c, descending=False))
        .limit(limit)
    )
    return _views(session.execute(query).all(), actor)


@dataclass(frozen=True)
class InboxCriteria:
    """What the inbox list is narrowed to, in the terms of the tables (definition ids, UTC instants)."""

    definition_ids: tuple[int, ...] | None = None  # None: every process
    case_references: tuple[str, ...] | None = None  # the spellings of one reference to look for
    due_before: datetime | None = None  # exclusive
    overdue_at: datetime | None = None  # only tasks due before this instant (now)
    claimed: str = CLAIMED_ANY


@dataclass(frozen=True)
class InboxTally:
    """Per process definition: how many tasks match, and how many each other choice would give."""

    definition_id: int
    matching: int  # with every criterion except the process
    overdue: int  # ... and overdue instead of the overdue criterion
    mine: int  # ... and claimed by me instead of the claimed criterion
    unclaimed: int  # ... and unclaimed instead of the claimed criterion


def _inbox_rows(actor: Actor, claimed: str, conditions: Sequence[ColumnElement[bool]]) -> Subquery:
    """The inbox's tasks as UNION ALL of its disjoint branches, with only the columns that filtering,
    counting and sorting need: every branch is read from a covering index, never from the table (an OR of
    the branches made SQLite fetch every row)."""
    columns = (
        HumanTask.id,
        HumanTask.instance_id,
        HumanTask.due_at,
        HumanTask.created_at,
        HumanTask.assignee_id,
    )
    # A constant per branch says which tasks are out for review, so every branch stays index-only.
    parts = [
        select(*columns, literal(delegated).label("out_for_review")).where(branch, *conditions)
        for branch, delegated in _inbox_branches(actor, claimed)
    ]
    if not parts:
        return select(*columns, literal(False).label("out_for_review")).where(false()).subquery("inbox")
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("inbox")


def inbox_page(
    session: Session,
    actor: Actor,
    criteria: InboxCriteria,
    *,
    descending: bool,
    offset: int,
    limit: int,
) -> list[TaskView]:
    """One page of the inbox: the ids are sorted and cut first, then only that page is joined for display."""
    rows = _inbox_rows(actor, criteria.claimed, _due_conditions(criteria))
    ids = select(rows.c.id).select_from(rows).where(*_case_conditions(rows, criteria))
    if criteria.definition_ids is not None:
        ids = ids.join(ProcessInstance, ProcessInstance.id == rows.c.instance_id).where(
            ProcessInstance.definition_id.in_(criteria.definition_ids)
        )
    page_ids = ids.order_by(*_due_order(rows.c, descending)).offset(offset).limit(limit)
    query = (
        task_view_query()
        .where(HumanTask.id.in_(page_ids.scalar_subquery()))
        .order_by(*_due_order(HumanTask.__table__.c, descending))
    )
    return _views(session.execute(query).all(), actor)


def inbox_tallies(session: Session, actor: Actor, criteria: InboxCriteria, now: datetime) -> list[InboxTally]:
    """The counts of every filter choice in one statement over the inbox, grouped by process definition.

    Each count keeps the other criteria, so "Te laat (3)" promises the three tasks that choosing it shows.
    """
    rows = _inbox_rows(actor, CLAIMED_ANY, _due_conditions(criteria, with_overdue=False))
    overdue = rows.c.due_at < now
    mine = or_(rows.c.assignee_id == actor.user_id, rows.c.out_for_review)
    unclaimed = rows.c.assignee_id.is_(None)
    claimed = {CLAIMED_ANY: None, CLAIMED_BY_ME: mine, UNCLAIMED: unclaimed}[criteria.claimed]
    only_overdue = overdue if criteria.overdue_at is not None else None
    query = (
        select(
            ProcessInstance.definition_id,
            _count_where(claimed, only_overdue),
            _count_where(claimed, overdue),
            _count_where(mine, only_overdue),
            _count_where(unclaimed, only_overdue),
        )
        .select_from(rows)
        .join(ProcessInstance, ProcessInstance.id == rows.c.instance_id)
        .where(*_case_conditions(rows, criteria))
        .group_by(ProcessInstance.definition_id)
    )
    return [InboxTally(*row) for row in session.execute(query).all()]


def _count_where(*conditions: ColumnElement[bool] | None) -> Any:
    present = [c for c in conditions if c is not None]
    return func.count().filter(and_(*present)) if present else func.count()


def _due_conditions(criteria: InboxCriteria, *, with_overdue: bool = True) -> list[ColumnElement[bool]]:
    bounds = [criteria.due_before]
    if with_overdue:
        bounds.append(criteria.overdue_at)
    return [HumanTask.due_at < bound for bound in bounds if bound is not None]


def _case_conditions(rows: Subquery, criteria: InboxCriteria) -> list[ColumnElement[bool]]:
    if criteria.case_references is None:
        return []
    of_case = select(ProcessInstance.id).where(ProcessInstance.case_reference.in_(criteria.case_references))
    return [rows.c.instance_id.in_(of_case)]


def _due_order(columns: Any, descending: bool) -> list[Any]:
    """By due date, tasks without one last; then by age and id, so that the order is stable across pages."""
    due, created, task_id = columns.due_at, columns.created_at, columns.id
    if descending:
        return [due.is_(None), due.desc(), created.desc(), task_id.desc()]
    return [due.is_(None), due, created, task_id]


def process_choices(session: Session) -> list[tuple[str, str, tuple[int, ...]]]:
    """Every deployed process: its id, the name of its newest version and the ids of all its versions."""
    rows = session.execute(
        select(ProcessDefinition.process_id, ProcessDefinition.name, ProcessDefinition.id).order_by(
            ProcessDefinition.process_id, ProcessDefinition.version
        )
    ).all()
    choices: dict[str, tuple[str, tuple[int, ...]]] = {}
    for process_id, name, definition_id in rows:
        choices[process_id] = (name, (*choices.get(process_id, ("", ()))[1], definition_id))
    return sorted(((pid, name, ids) for pid, (name, ids) in choices.items()), key=lambda c: c[1].lower())


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
            out_for_review=task.delegated_by_id == actor.user_id and task.assignee_id != actor.user_id,
            due_at=task.due_at,
            due_rule=task.due_rule,
            created_at=task.created_at,
            completed_at=task.completed_at,
            completed_by=completer,
        )
        for task, case_reference, process_name, organisation, assignee, completer in rows
    ]
