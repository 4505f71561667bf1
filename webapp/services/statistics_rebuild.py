"""Recompute the managers' summary tables from the rows they summarise (``ketenflow rebuild-statistics``).

services/statistics.py keeps the tables up to date as events happen; this recomputes them from scratch:
after the upgrade that introduced them (migration 0009), or to check the write-path counters. It reads
- process_instance: started (month of started_at) and completed (month of ended_at) instances;
- human_task: completed steps (count, late, lead-time histogram) and cancelled ones, by completed_at month;
- register_entry, decrypted through its column type: the policy counts and the legal deadlines.

Everything happens in one transaction (on SQLite it holds the write lock for its duration); the source rows
are streamed in batches, and only the aggregates (small) and the deadline records are kept in memory.

What cannot be recomputed is kept: a deadline record whose register entry was removed when its case was
destroyed (purge.py) stays as it was. The policy counts of registers that the destruction removes (case,
consent, …) can only count the entries that still exist, so ``write=False`` first shows how many rows a
rebuild would change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Executable, delete, func, insert, select
from sqlalchemy.orm import Session

from webapp.domain.compliance import deadline_facts, deadline_kinds_of, final_outcome
from webapp.domain.policy_dimensions import policy_values
from webapp.domain.register_specs import REGISTERS
from webapp.domain.statistics import duration_bucket, month_of
from webapp.persistence.models import (
    DeadlineRecord,
    HumanTask,
    MonthlyCount,
    PolicyCount,
    ProcessDefinition,
    ProcessInstance,
    RegisterEntry,
    StepDuration,
)
from webapp.services.context import ServiceContext
from webapp.services.dashboard_steps import step_names
from webapp.services.statistics import (
    INSTANCE_COMPLETED,
    INSTANCE_STARTED,
    TASK_CANCELLED,
    TASK_COMPLETED,
    TASK_COMPLETED_LATE,
)

BATCH = 10_000

Key = tuple[Any, ...]
Table = dict[Key, tuple[Any, ...]]


@dataclass(frozen=True)
class _Spec:
    model: Any
    key: tuple[str, ...]
    values: tuple[str, ...]


_SPECS: dict[str, _Spec] = {
    "stat_monthly_count": _Spec(MonthlyCount, ("month", "process_id", "organisation_id", "measure"), ("n",)),
    "stat_step_duration": _Spec(
        StepDuration, ("month", "process_id", "bpmn_id", "organisation_id", "bucket"), ("n", "step_name")
    ),
    "deadline_record": _Spec(
        DeadlineRecord,
        ("kind", "instance_id"),
        (
            "organisation_id",
            "process_id",
            "month",
            "started_at",
            "due_at",
            "extended_due_at",
            "met_at",
            "outcome",
        ),
    ),
    "stat_policy_count": _Spec(
        PolicyCount, ("month", "organisation_id", "register", "dimension", "value"), ("n",)
    ),
}
TABLES = tuple(_SPECS)


@dataclass(frozen=True)
class RebuildReport:
    rows: dict[str, int]  # table -> rows after the rebuild
    changed: dict[str, int]  # table -> rows added, removed or with other values than were stored
    kept_deadlines: int  # deadline records of destroyed register entries, kept as they were
    written: bool

    @property
    def consistent(self) -> bool:
        """Whether the stored tables already held exactly what the source rows give."""
        return not any(self.changed.values())


def rebuild_statistics(ctx: ServiceContext, *, write: bool = True, batch: int = BATCH) -> RebuildReport:
    """Recompute every summary table; with ``write`` replace the stored rows, else only compare."""
    with ctx.db.write() if write else ctx.db.read() as session:
        computed = _compute(ctx, session, batch)
        stored = {name: _stored(session, spec) for name, spec in _SPECS.items()}
        kept = _keep_destroyed_deadlines(session, stored["deadline_record"], computed["deadline_record"])
        changed = {name: _difference(stored[name], computed[name]) for name in TABLES}
        if write:
            for name, spec in _SPECS.items():
                _replace(session, spec, computed[name], batch)
    return RebuildReport({name: len(computed[name]) for name in TABLES}, changed, kept, write)


# --- computing from the source rows -------------------------------------------------------------------------


def _compute(ctx: ServiceContext, session: Session, batch: int) -> dict[str, Table]:
    processes: dict[int, str] = dict(
        session.execute(select(ProcessDefinition.id, ProcessDefinition.process_id)).all()
    )
    monthly: Counter[Key] = Counter()
    _count_instances(session, processes, monthly, batch)
    steps = _count_tasks(ctx, session, processes, monthly, batch)
    deadlines, policy = _count_registers(session, processes, batch)
    return {
        "stat_monthly_count": {key: (n,) for key, n in monthly.items() if n},
        "stat_step_duration": steps,
        "deadline_record": deadlines,
        "stat_policy_count": {key: (n,) for key, n in policy.items() if n},
    }


def _stream(session: Session, query: Executable, batch: int) -> Iterator[Any]:
    # yield_per: a server-side cursor on PostgreSQL, fetchmany on SQLite; a million rows never sit in memory.
    yield from session.execute(query.execution_options(yield_per=batch))


def _count_instances(
    session: Session, processes: Mapping[int, str], monthly: Counter[Key], batch: int
) -> None:
    query = select(
        ProcessInstance.definition_id,
        ProcessInstance.organisation_id,
        ProcessInstance.status,
        ProcessInstance.started_at,
        ProcessInstance.ended_at,
    )
    for definition_id, organisation_id, status, started_at, ended_at in _stream(session, query, batch):
        process_id = processes[definition_id]
        monthly[(month_of(started_at), process_id, organisation_id, INSTANCE_STARTED)] += 1
        if status == "completed" and ended_at is not None:
            monthly[(month_of(ended_at), process_id, organisation_id, INSTANCE_COMPLETED)] += 1


def _count_tasks(
    ctx: ServiceContext, session: Session, processes: Mapping[int, str], monthly: Counter[Key], batch: int
) -> Table:
    """Completed and cancelled steps. A task's organisation is its instance's (projections._new_task), so the
    task's own column serves; a task from before migration 0009 may lack its process version."""
    version_of_instance = (
        select(ProcessInstance.definition_id)
        .where(ProcessInstance.id == HumanTask.instance_id)
        .scalar_subquery()
    )
    query = select(
        HumanTask.id,
        HumanTask.state,
        func.coalesce(HumanTask.definition_id, version_of_instance),
        HumanTask.organisation_id,
        HumanTask.bpmn_id,
        HumanTask.created_at,
        HumanTask.completed_at,
        HumanTask.due_at,
    ).where(HumanTask.state.in_(("completed", "cancelled")), HumanTask.completed_at.is_not(None))
    histogram: Counter[Key] = Counter()
    latest: dict[Key, tuple[datetime, int, str]] = {}  # the step's name as it was last counted
    for row in _stream(session, query, batch):
        task_id, state, definition_id, organisation_id, bpmn_id, created_at, completed_at, due_at = row
        process_id, month = processes[definition_id], month_of(completed_at)
        if state == "cancelled":
            monthly[(month, process_id, organisation_id, TASK_CANCELLED)] += 1
            continue
        monthly[(month, process_id, organisation_id, TASK_COMPLETED)] += 1
        if due_at is not None and completed_at > due_at:
            monthly[(month, process_id, organisation_id, TASK_COMPLETED_LATE)] += 1
        seconds = max((completed_at - created_at).total_seconds(), 0.0)
        key = (month, process_id, bpmn_id, organisation_id, duration_bucket(seconds))
        histogram[key] += 1
        if key not in latest or (completed_at, task_id) > latest[key][:2]:
            # As the write path names it: from the diagram, never the task row (which may carry case data).
            name = step_names(ctx, session, definition_id).get(bpmn_id, bpmn_id)
            latest[key] = (completed_at, task_id, name)
    return {key: (n, latest[key][2]) for key, n in histogram.items()}


def _count_registers(
    session: Session, processes: Mapping[int, str], batch: int
) -> tuple[Table, Counter[Key]]:
    query = select(
        RegisterEntry.kind,
        RegisterEntry.instance_id,
        RegisterEntry.organisation_id,
        RegisterEntry.opened_at,
        RegisterEntry.fields,  # decrypted by its column type
        ProcessInstance.definition_id,
    ).join(ProcessInstance, ProcessInstance.id == RegisterEntry.instance_id)
    deadlines: Table = {}
    policy: Counter[Key] = Counter()
    for register, instance_id, organisation_id, opened_at, fields, definition_id in _stream(
        session, query, batch
    ):
        month = month_of(opened_at)
        for dimension, value in policy_values(register, fields):
            policy[(month, organisation_id, register, dimension, value)] += 1
        for fact in deadline_facts(register, fields):
            deadlines[(fact.kind.value, instance_id)] = (
                organisation_id,
                processes[definition_id],
                month_of(fact.started_at),
                fact.started_at,
                fact.due_at,
                fact.extended_due_at,
                fact.met_at,
                final_outcome(fact.due_at, fact.extended_due_at, fact.met_at),
            )
    return deadlines, policy


def _keep_destroyed_deadlines(session: Session, stored: Table, computed: Table) -> int:
    """Add to ``computed`` the stored deadline records whose register entry no longer exists."""
    register_of = {kind.value: name for name in REGISTERS for kind in deadline_kinds_of(name)}
    existing = set(session.execute(select(RegisterEntry.kind, RegisterEntry.instance_id)))
    kept = 0
    for key, values in stored.items():
        kind, instance_id = key
        if key not in computed and (register_of.get(kind), instance_id) not in existing:
            computed[key] = values
            kept += 1
    return kept


# --- comparing and writing ---------------------------------------------------------------------------------


def _stored(session: Session, spec: _Spec) -> Table:
    columns = [getattr(spec.model, name) for name in (*spec.key, *spec.values)]
    width = len(spec.key)
    table: Table = {}
    for row in session.execute(select(*columns)):
        if "n" in spec.values and row[width] == 0:
            continue  # a counter moved to another value (services.statistics.record_register) counts nothing
        table[tuple(row[:width])] = tuple(row[width:])
    return table


def _difference(stored: Table, computed: Table) -> int:
    return sum(1 for key in stored.keys() | computed.keys() if stored.get(key) != computed.get(key))


def _replace(session: Session, spec: _Spec, table: Table, batch: int) -> None:
    session.execute(delete(spec.model))
    names = (*spec.key, *spec.values)
    items = iter(table.items())
    # Rows are made a batch at a time: a dict per row for 300,000 deadline records would double the memory.
    while chunk := [dict(zip(names, (*key, *values), strict=True)) for key, values in islice(items, batch)]:
        session.execute(insert(spec.model), chunk)
