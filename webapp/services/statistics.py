"""Keep the managers' summary tables up to date, in the transaction of the event they count.

Called from the write paths: starting an instance, completing or cancelling a task, completing an instance
and writing a register entry. Counters are bumped with one INSERT … ON CONFLICT DO UPDATE, so concurrent
writers on PostgreSQL add up instead of overwriting each other. ``statistics_rebuild.rebuild_statistics``
recomputes everything from the source rows (after an upgrade, or to check these counters).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, event, select, update
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


# Counters are hot rows: every completion of a month and procedure adds to the same one. Their upserts wait
# until just before the commit (``_apply_pending``), summed per row and in a fixed order, so a transaction
# holds a counter's row lock only for its last moments and two writers never lock two counters crosswise.
_PENDING = "ketenflow_pending_counters"
_KEYS = {
    "monthly": ("month", "process_id", "organisation_id", "measure"),
    "duration": ("month", "process_id", "bpmn_id", "organisation_id", "bucket"),
    "policy": ("month", "organisation_id", "register", "dimension", "value"),
}


def _upsert(dialect: str, table: Any, keys: tuple[str, ...], extra: tuple[str, ...] = ()) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE n = n + excluded.n: built once per dialect, then executed with
    parameters — on every task completion, building the statement cost more than running it."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values({name: bindparam(name) for name in [*keys, "n", *extra]})
    changes = {"n": table.c.n + statement.excluded.n, **{name: statement.excluded[name] for name in extra}}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)


@cache
def _statement(kind: str, dialect: str) -> Any:
    if kind == "monthly":
        return _upsert(dialect, MonthlyCount.__table__, _KEYS[kind])
    if kind == "duration":
        return _upsert(dialect, StepDuration.__table__, _KEYS[kind], ("step_name",))
    return _upsert(dialect, PolicyCount.__table__, _KEYS[kind])


def _add(
    session: Session, kind: str, key: tuple[Any, ...], n: int, extra: dict[str, Any] | None = None
) -> None:
    session.info.setdefault(_PENDING, []).append((kind, key, n, extra or {}))


def pending_mark(session: Session) -> int:
    """Where the pending counts stand now: ``discard_since`` undoes what a failed savepoint added after it."""
    return len(session.info.get(_PENDING, []))


def discard_since(session: Session, mark: int) -> None:
    del session.info.get(_PENDING, [])[mark:]


@event.listens_for(Session, "before_commit")
def _apply_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint ends (the event fires for those too): the counts wait for the real commit
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    totals: dict[tuple[str, tuple[Any, ...]], tuple[int, dict[str, Any]]] = {}
    for kind, key, n, extra in pending:
        before, _ = totals.get((kind, key), (0, {}))
        totals[(kind, key)] = (before + n, extra)
    connection = session.connection()
    for (kind, key), (n, extra) in sorted(totals.items(), key=lambda item: (item[0][0], repr(item[0][1]))):
        if n != 0:
            parameters = {**dict(zip(_KEYS[kind], key, strict=True)), "n": n, **extra}
            connection.execute(_statement(kind, connection.dialect.name), parameters)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def count(
    session: Session, at: datetime, process_id: str, organisation_id: int, measure: str, n: int = 1
) -> None:
    """Add ``n`` to a monthly counter (written when the transaction commits)."""
    if n != 0:
        _add(session, "monthly", (month_of(at), process_id, organisation_id, measure), n)


def record_task_completed(
    session: Session, task: HumanTask, process_id: str, completed_at: datetime, step_name: str
) -> None:
    """A completed step: its lead time in the histogram, and whether it beat its due date. ``step_name`` is
    the diagram's name of the step: the task row's name may carry a multi-instance item of the case."""
    count(session, completed_at, process_id, task.organisation_id, TASK_COMPLETED)
    if task.due_at is not None and completed_at > task.due_at:
        count(session, completed_at, process_id, task.organisation_id, TASK_COMPLETED_LATE)
    seconds = max((completed_at - task.created_at).total_seconds(), 0.0)
    month, bucket = month_of(completed_at), duration_bucket(seconds)
    key = (month, process_id, task.bpmn_id, task.organisation_id, bucket)
    _add(session, "duration", key, 1, {"step_name": step_name[:200]})


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
    _add(session, "policy", (month, organisation_id, register, dimension, value), n)


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
