"""How much of a case each person sees (conv. art. 12.3), read from the database for ``domain.access``.

Shared by the case file, the instance page and break-glass: the facts about an instance's tasks, the scope
the rules give each instance, and the active emergency access a person holds on a case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor, InstanceScope, TaskAccess
from webapp.persistence.models import BreakGlass, HumanTask, ProcessInstance
from webapp.services.context import ServiceContext


@dataclass(frozen=True)
class TaskFacts:
    id: int
    instance_id: int
    access: TaskAccess


@dataclass(frozen=True)
class Grant:
    """An active break-glass: who, on which case, why and until when."""

    id: int
    case_reference: str
    organisation_id: int
    reason: str
    expires_at: datetime

    @classmethod
    def of(cls, row: BreakGlass) -> Grant:
        return cls(row.id, row.case_reference, row.organisation_id, row.reason, row.expires_at)


def task_facts(session: Session, instance_ids: Iterable[int]) -> dict[int, list[TaskFacts]]:
    """Per instance, the facts that decide access to each of its tasks."""
    ids = list(instance_ids)
    by_instance: dict[int, list[TaskFacts]] = defaultdict(list)
    if not ids:
        return by_instance
    rows = session.execute(
        select(
            HumanTask.id,
            HumanTask.instance_id,
            HumanTask.organisation_id,
            HumanTask.role,
            HumanTask.assignee_id,
        )
        .where(HumanTask.instance_id.in_(ids))
        .order_by(HumanTask.id)
    ).all()
    for task_id, instance_id, organisation_id, role, assignee_id in rows:
        by_instance[instance_id].append(
            TaskFacts(task_id, instance_id, TaskAccess(organisation_id, role, assignee_id))
        )
    return by_instance


def active_grant(
    ctx: ServiceContext, session: Session, actor: Actor, case_reference: str | None
) -> Grant | None:
    """The actor's break-glass on this case that holds now, if any."""
    if not case_reference:
        return None
    now = ctx.clock.now()
    rows = session.execute(
        select(BreakGlass)
        .where(
            BreakGlass.user_id == actor.user_id,
            BreakGlass.case_reference == case_reference,
            BreakGlass.ended_at.is_(None),
            BreakGlass.expires_at > now,
        )
        .order_by(BreakGlass.expires_at.desc())
    ).scalars()
    for row in rows:
        if access.break_glass_active(row.started_at, row.expires_at, row.ended_at, now):
            return Grant.of(row)
    return None


def scope_of(
    actor: Actor, instance: ProcessInstance, tasks: list[TaskFacts], grant: Grant | None
) -> InstanceScope:
    return access.instance_scope(
        actor,
        instance.organisation_id,
        instance.started_by_id,
        {t.id: t.access for t in tasks},
        emergency=grant is not None,
    )
