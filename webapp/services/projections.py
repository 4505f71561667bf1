"""After every engine step, bring the rows that mirror the workflow in line with it, in the same
transaction: the serialized state, the open human tasks with their due dates, and the timer job."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from webapp.domain.deadlines import AMSTERDAM, Deadline, DueRule, compute_deadline, end_of_day, local_date
from webapp.domain.messages import N_
from webapp.domain.roles import DEFAULT_TASK_ROLE, role_for_lane
from webapp.domain.statistics import deadline_kind
from webapp.engine.runtime import LoadedWorkflow, ReadyTask
from webapp.engine.scripting import parse_start
from webapp.persistence.models import JOBS, HumanTask, ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.notifications import notify_new_tasks
from webapp.services.registers import close_registers
from webapp.services.statistics import INSTANCE_COMPLETED, TASK_CANCELLED, count

TIMER_JOB = "timer"


def sync_instance(
    session: Session,
    ctx: ServiceContext,
    instance: ProcessInstance,
    loaded: LoadedWorkflow,
    open_before: set[str],
) -> list[HumanTask]:
    """Save the workflow and return the human tasks that became open.

    ``open_before`` holds the ids of the human tasks that were ready before this step (and still open in
    ``human_task``, which mirrors them): comparing it with the engine's ready tasks after the step tells which
    rows to add and which to close, without reading the rows back.
    """
    now = ctx.clock.now()
    ready = {task.task_id: task for task in ctx.runtime.ready_tasks(loaded)}
    gone = open_before - ready.keys()
    process_id = ctx.definitions.get(session, instance.definition_id).process_id
    instance.serialization = ctx.runtime.dump(loaded)
    instance.next_due_at = ctx.runtime.next_due(loaded)
    completed = ctx.runtime.is_completed(loaded)
    if completed:
        if instance.status != "completed":
            count(session, now, process_id, instance.organisation_id, INSTANCE_COMPLETED)
        instance.status, instance.ended_at = "completed", now
    else:
        instance.status = "running" if ready else "waiting"
    instance.last_error = None
    if instance.id is None:
        session.flush()  # a new instance is inserted with its state: its rows below need the id
    if gone:  # interrupted by a boundary event or cancelled by the engine
        cancelled = session.execute(
            update(HumanTask)
            .where(
                HumanTask.instance_id == instance.id,
                HumanTask.spiff_task_id.in_(gone),
                HumanTask.state == "open",
            )
            .values(state="cancelled", completed_at=now, draft=None, draft_by_id=None, draft_saved_at=None),
            execution_options={"synchronize_session": False},
        )
        count(session, now, process_id, instance.organisation_id, TASK_CANCELLED, _rows(cancelled))
    created = [
        _new_task(instance, task, now) for task_id, task in ready.items() if task_id not in open_before
    ]
    session.add_all(created)
    if completed:
        close_registers(session, instance.id, now)
    _sync_timer_job(session, instance)
    notify_new_tasks(session, ctx, instance, created)
    return created


def _rows(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _new_task(instance: ProcessInstance, task: ReadyTask, now: datetime) -> HumanTask:
    role = role_for_lane(task.lane) or DEFAULT_TASK_ROLE
    deadline = task_deadline(task, now)
    return HumanTask(
        instance_id=instance.id,
        definition_id=instance.definition_id,
        spiff_task_id=task.task_id,
        bpmn_id=task.bpmn_id,
        name=task.name[:200],
        role=role.value,
        organisation_id=instance.organisation_id,
        state="open",
        form=task.form,
        ui_form=task.ui_form,
        due_at=deadline.due_at if deadline else None,
        due_rule=deadline.rule_text if deadline else None,
        deadline_kind=deadline_kind(task.due_in, task.due_rule, task.due_at_field) if deadline else None,
        created_at=now,
    )


def task_deadline(task: ReadyTask, now: datetime) -> Deadline | None:
    """The legal due date of a task, from its dueIn property and the start its dueFrom field names."""
    if task.due_at_field:
        # A deadline the case itself holds, e.g. the date an extension moved the answer to.
        instant = _legal_start(task.data, task.due_at_field)
        if instant is None:
            return None
        due = instant if isinstance(instant, datetime) else end_of_day(instant)
        return Deadline(due, task.due_text or N_("termijn zoals vastgelegd in de zaak"), False)
    if not task.due_in:
        return None
    start: Any = _legal_start(task.data, task.due_from) or now
    deadline = compute_deadline(start, task.due_in, DueRule(task.due_rule))
    since = f" vanaf {_moment(start, task.due_rule)}" if task.due_from else " vanaf het ontstaan van de taak"
    return Deadline(deadline.due_at, _insert_since(deadline.rule_text, since), deadline.extended)


def _moment(start: datetime | date, rule: str) -> str:
    """The legal start as the rule counts it: to the minute for hours, by the day otherwise."""
    if rule == DueRule.HOURS and isinstance(start, datetime):
        return start.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
    return f"{local_date(start):%d-%m-%Y}"


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


# Core statements, built once, not ORM objects: this runs on every step and the job row is never read here.
_THIS_JOB = (JOBS.c.kind == TIMER_JOB) & (JOBS.c.instance_id == bindparam("instance"))
_DROP_JOB = delete(JOBS).where(_THIS_JOB)
_MOVE_JOB = update(JOBS).where(_THIS_JOB).values(due_at=bindparam("due"), locked_by=None, locked_until=None)
_ADD_JOB = insert(JOBS).values(
    kind=TIMER_JOB, instance_id=bindparam("instance"), due_at=bindparam("due"), attempts=0
)


def _sync_timer_job(session: Session, instance: ProcessInstance) -> None:
    connection = session.connection()
    if instance.next_due_at is None or instance.status in ("completed", "error"):
        connection.execute(_DROP_JOB, {"instance": instance.id})
        return
    parameters = {"instance": instance.id, "due": instance.next_due_at}
    if connection.execute(_MOVE_JOB, parameters).rowcount == 0:
        connection.execute(_ADD_JOB, parameters)
