"""After every engine step, bring the rows that mirror the workflow in line with it, in the same
transaction: the serialized state, the open human tasks with their due dates, and the timer job."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapp.domain.deadlines import Deadline, DueRule, compute_deadline, local_date
from webapp.domain.roles import DEFAULT_TASK_ROLE, role_for_lane
from webapp.engine.runtime import LoadedWorkflow, ReadyTask
from webapp.engine.scripting import parse_start
from webapp.persistence.models import HumanTask, Job, ProcessInstance
from webapp.services.context import ServiceContext

TIMER_JOB = "timer"


def sync_instance(
    session: Session, ctx: ServiceContext, instance: ProcessInstance, loaded: LoadedWorkflow
) -> list[HumanTask]:
    """Save the workflow and return the human tasks that became open."""
    now = ctx.clock.now()
    ready = {task.task_id: task for task in ctx.runtime.ready_tasks(loaded)}
    open_rows = {
        row.spiff_task_id: row
        for row in session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == "open")
        ).scalars()
    }
    for task_id, row in open_rows.items():
        if task_id not in ready:  # interrupted by a boundary event or cancelled by the engine
            row.state, row.completed_at = "cancelled", now
    created = [_new_task(instance, task, now) for task_id, task in ready.items() if task_id not in open_rows]
    session.add_all(created)
    instance.serialization = ctx.runtime.dump(loaded)
    instance.next_due_at = ctx.runtime.next_due(loaded)
    if ctx.runtime.is_completed(loaded):
        instance.status, instance.ended_at = "completed", now
    else:
        instance.status = "running" if ready else "waiting"
    instance.last_error = None
    _sync_timer_job(session, instance)
    return created


def _new_task(instance: ProcessInstance, task: ReadyTask, now: datetime) -> HumanTask:
    role = role_for_lane(task.lane) or DEFAULT_TASK_ROLE
    deadline = task_deadline(task, now)
    return HumanTask(
        instance=instance,
        spiff_task_id=task.task_id,
        bpmn_id=task.bpmn_id,
        name=task.name[:200],
        role=role.value,
        organisation_id=instance.organisation_id,
        state="open",
        form=task.form,
        ui_form=task.ui_form,
        instructions=task.instructions,
        due_at=deadline.due_at if deadline else None,
        due_rule=deadline.rule_text if deadline else None,
        created_at=now,
    )


def task_deadline(task: ReadyTask, now: datetime) -> Deadline | None:
    """The legal due date of a task, from its dueIn property and the start its dueFrom field names."""
    if not task.due_in:
        return None
    start: Any = _legal_start(task.data, task.due_from) or now
    deadline = compute_deadline(start, task.due_in, DueRule(task.due_rule))
    since = f" vanaf {local_date(start):%d-%m-%Y}" if task.due_from else " vanaf het ontstaan van de taak"
    return Deadline(deadline.due_at, _insert_since(deadline.rule_text, since), deadline.extended)


def _legal_start(data: Mapping[str, Any], field: str | None) -> Any:
    if not field or not data.get(field):
        return None
    try:
        return parse_start(data[field])
    except ValueError:
        return None


def _insert_since(rule_text: str, since: str) -> str:
    head, sep, tail = rule_text.partition(",")
    return f"{head}{since}{sep}{tail}"


def _sync_timer_job(session: Session, instance: ProcessInstance) -> None:
    job = session.execute(
        select(Job).where(Job.kind == TIMER_JOB, Job.instance_id == instance.id)
    ).scalar_one_or_none()
    if instance.next_due_at is None or instance.status in ("completed", "error"):
        if job is not None:
            session.execute(delete(Job).where(Job.id == job.id))
        return
    if job is None:
        session.add(Job(kind=TIMER_JOB, instance_id=instance.id, due_at=instance.next_due_at))
    else:
        job.due_at, job.locked_by, job.locked_until = instance.next_due_at, None, None
