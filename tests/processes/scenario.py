"""Helpers the scenario tests share: the tasks of one instance as a person sees them, and its state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from webapp.domain.access import Actor
from webapp.domain.errors import FormInvalid
from webapp.persistence.models import ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.tasks import complete_task, list_inbox, open_task


def open_tasks(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[tuple[str, str]]:
    return [(t.name, t.role) for t in list_inbox(ctx, actor) if t.instance_id == instance_id]


def task_id(ctx: ServiceContext, actor: Actor, instance_id: int, name: str) -> int:
    (found,) = [t.id for t in list_inbox(ctx, actor) if t.instance_id == instance_id and t.name == name]
    return found


def next_due(ctx: ServiceContext, instance_id: int) -> datetime | None:
    with ctx.db.read() as session:
        return session.scalars(
            select(ProcessInstance.next_due_at).where(ProcessInstance.id == instance_id)
        ).one()


def version(ctx: ServiceContext, instance_id: int) -> int:
    with ctx.db.read() as session:
        return int(
            session.scalars(select(ProcessInstance.version).where(ProcessInstance.id == instance_id)).one()
        )


def refused(
    ctx: ServiceContext, actor: Actor, task: int, instance_id: int, data: dict[str, Any]
) -> dict[str, str]:
    """Complete with bad data: refused, the task stays open and the instance does not move."""
    before = version(ctx, instance_id)
    with pytest.raises(FormInvalid) as error:
        complete_task(ctx, actor, task, data)
    assert open_task(ctx, actor, task).task.state == "open"
    assert version(ctx, instance_id) == before
    return error.value.errors
