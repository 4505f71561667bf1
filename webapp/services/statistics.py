"""Keep the managers' summary tables up to date, in the transaction of the event they count.

Called from the write paths: starting an instance, completing or cancelling a task, completing an instance
and writing a register entry. Counters are bumped with one INSERT … ON CONFLICT DO UPDATE, so concurrent
writers on PostgreSQL add up instead of overwriting each other. ``statistics_rebuild.rebuild_statistics``
recomputes everything from the source rows (after an upgrade, or to check these counters).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from webapp.domain.compliance import deadline_facts, deadline_kinds_of, final_outcome
from webapp.domain.policy_dimensions import policy_values
from webapp.domain.statistics import duration_bucket, month_of
from webapp.persistence.models import DeadlineRecord, HumanTask, MonthlyCount, PolicyCount, StepDuration

INSTANCE_STARTED = "instance_started"
INSTANCE_COMPLETED = "instance_completed"
TASK_COMPLETED = "task_completed"
TASK_COMPLETED_LATE = "task_completed_late"
TASK_CANCELLED = "task_cancelled"


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def count(
    session: Session, at: datetime, process_id: str, organisation_id: int, measure: str, n: int = 1
) -> None:
    """Add ``n`` to a monthly counter."""
    if n == 0:
        return
    statement = _insert(session)(MonthlyCount).values(
        month=month_of(at), process_id=process_id, organisation_id=organisation_id, measure=measure, n=n
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["month", "process_id", "organisation_id", "measure"],
            set_={"n": MonthlyCount.n + statement.excluded.n},
        )
    )


def record_task_completed(
    session: Session, task: HumanTask, process_id: str, completed_at: datetime, step_name: str
) -> None:
    """A completed step: its lead time in the histogram, and whether it beat its due date. ``step_name`` is
    the diagram's name of the step: the task row's name may carry a multi-instance item of the case."""
    count(session, completed_at, process_id, task.organisation_id, TASK_COMPLETED)
    if task.due_at is not None and completed_at > task.due_at:
        count(session, completed_at, process_id, task.organisation_id, TASK_COMPLETED_LATE)
    seconds = max((completed_at - task.created_at).total_seconds(), 0.0)
    statement = _insert(session)(StepDuration).values(
        month=month_of(completed_at),
        process_id=process_id,
        bpmn_id=task.bpmn_id,
        organisation_id=task.organisation_id,
        bucket=duration_bucket(seconds),
        n=1,
        step_name=step_name[:200],
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["month", "process_id", "bpmn_id", "organisation_id", "bucket"],
            set_={"n": StepDuration.n + 1, "step_name": statement.excluded.step_name},
        )
    )


def record_register(
    session: Session,
    *,
    register: str,
    instance_id: int,
    organisation_id: int,
    process_id: str,
    opened_at: datetime,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    """A register entry was written: move the policy counts from its old values to its new ones, and bring
    its legal deadlines (deadline_record) in line with it."""
    month = month_of(opened_at)
    old, new = policy_values(register, before), policy_values(register, after)
    for (dimension, value), n in [*((pair, -1) for pair in old - new), *((pair, 1) for pair in new - old)]:
        _count_policy(session, month, organisation_id, register, dimension, value, n)
    _sync_deadlines(session, register, instance_id, organisation_id, process_id, after)


def _count_policy(
    session: Session, month: str, organisation_id: int, register: str, dimension: str, value: str, n: int
) -> None:
    statement = _insert(session)(PolicyCount).values(
        month=month, organisation_id=organisation_id, register=register, dimension=dimension, value=value, n=n
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["month", "organisation_id", "register", "dimension", "value"],
            set_={"n": PolicyCount.n + statement.excluded.n},
        )
    )


def _sync_deadlines(
    session: Session,
    register: str,
    instance_id: int,
    organisation_id: int,
    process_id: str,
    fields: Mapping[str, Any],
) -> None:
    facts = {fact.kind.value: fact for fact in deadline_facts(register, fields)}
    stale = [kind.value for kind in deadline_kinds_of(register) if kind.value not in facts]
    if stale:
        session.execute(
            delete(DeadlineRecord).where(
                DeadlineRecord.instance_id == instance_id, DeadlineRecord.kind.in_(stale)
            )
        )
    existing = set(
        session.scalars(
            select(DeadlineRecord.kind).where(
                DeadlineRecord.instance_id == instance_id, DeadlineRecord.kind.in_(list(facts))
            )
        )
    )
    for kind, fact in facts.items():
        values = {
            "organisation_id": organisation_id,
            "process_id": process_id,
            "month": month_of(fact.started_at),
            "started_at": fact.started_at,
            "due_at": fact.due_at,
            "extended_due_at": fact.extended_due_at,
            "met_at": fact.met_at,
            "outcome": final_outcome(fact.due_at, fact.extended_due_at, fact.met_at),
        }
        if kind in existing:
            session.execute(
                update(DeadlineRecord)
                .where(DeadlineRecord.instance_id == instance_id, DeadlineRecord.kind == kind)
                .values(**values)
            )
        else:
            session.execute(
                _insert(session)(DeadlineRecord).values(kind=kind, instance_id=instance_id, **values)
            )
