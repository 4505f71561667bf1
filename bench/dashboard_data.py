"""The data of bench_dashboard.py: instances, tasks and summary tables, generated straight into the tables.

Raw executemany (exec_driver_sql) in chunks of 50,000 instances, one transaction per chunk; instants are
whole seconds, written as SQLAlchemy writes them (SQLite: naive UTC text; PostgreSQL: aware values). The
summary tables are counted from the very rows written, as services/statistics.py would have counted them.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dashboard_processes import DAY, HOUR, REGISTERS, WEIGHTS, Process, Step, load_processes
from sqlalchemy import select

from webapp.domain.compliance import DeadlineKind
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.policy_dimensions import policy_values
from webapp.domain.statistics import duration_bucket
from webapp.persistence.models import (
    DeadlineRecord,
    HumanTask,
    Organisation,
    ProcessInstance,
    User,
)
from webapp.services.context import ServiceContext

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
NOW_TS = int(NOW.timestamp())
MONTHS = 36
CHUNK = 50_000
OPEN_SHARE = 0.03
DEADLINES = {  # process -> (deadline kind, nominal term in seconds)
    "consent": (DeadlineKind.CONSENT_ANSWER, 7 * DAY),
    "data_breach": (DeadlineKind.BREACH_AP, 72 * HOUR),
    "subject_request": (DeadlineKind.SUBJECT_REQUEST, 28 * DAY),
    "demo_subject_request": (DeadlineKind.SUBJECT_REQUEST, 28 * DAY),
}
EXTENSION = 61 * DAY
BULK_TABLES = (ProcessInstance, HumanTask, DeadlineRecord)
BIG_CACHE = "PRAGMA cache_size = -262144"  # 256 MB of pages while loading (SQLite's default is 2 MB)


@dataclass
class Generated:
    instances: int = 0
    tasks: int = 0
    deadlines: int = 0
    monthly: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    steps: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    policy: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    names: dict[tuple[str, str], str] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.instances} instances, {self.tasks} tasks, {self.deadlines} deadline records, "
            f"{len(self.monthly)} monthly counts, {len(self.steps)} step-duration buckets, "
            f"{len(self.policy)} policy counts"
        )


# --- generating ---------------------------------------------------------------------------------------------


class Writer:
    """Raw executemany (SQLite) or COPY (PostgreSQL), with instants as SQLAlchemy stores them."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.postgres = ctx.db.is_postgres
        self.stamp: Callable[[int | None], Any] = self._pg_stamp if self.postgres else self._sqlite_stamp
        self._days: dict[int, str] = {}
        self._times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(DAY)]

    def _sqlite_stamp(self, ts: int | None) -> str | None:
        # What SQLAlchemy's DateTime writes on SQLite; by day and time of day, as formatting costs more.
        if ts is None:
            return None
        day, second = divmod(ts, DAY)
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d ")
        return text + self._times[second]

    @staticmethod
    def _pg_stamp(ts: int | None) -> datetime | None:
        return None if ts is None else datetime.fromtimestamp(ts, UTC)

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        with self.ctx.db.write() as session:
            connection = session.connection()
            if self.postgres:  # COPY: several times faster than executemany on PostgreSQL
                driver = connection.connection.driver_connection
                with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            connection.exec_driver_sql(BIG_CACHE)
            marks = ", ".join("?" * len(columns))
            connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


INSTANCE_COLUMNS = (
    *("id", "definition_id", "organisation_id", "case_reference", "status", "serialization", "version"),
    *("next_due_at", "started_at", "ended_at"),
)
TASK_COLUMNS = (
    *("id", "instance_id", "definition_id", "spiff_task_id", "bpmn_id", "name", "role", "organisation_id"),
    *("assignee_id", "state", "due_at", "due_rule", "deadline_kind", "created_at"),
    *("completed_at", "completed_by_id"),
)
DEADLINE_COLUMNS = (
    *("kind", "instance_id", "organisation_id", "process_id", "month", "started_at", "due_at"),
    *("extended_due_at", "met_at", "outcome"),
)


class Generator:
    def __init__(self, ctx: ServiceContext, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.writer = Writer(ctx)
        self.processes = load_processes(ctx)
        self.cumulative = list(_cumulate(WEIGHTS[p.process_id] for p in self.processes))
        with ctx.db.read() as session:
            self.organisations = list(session.scalars(select(Organisation.id)))
            self.users = list(session.scalars(select(User.id)))
        column = ProcessInstance.__table__.c.serialization
        # One short placeholder, encrypted like every workflow state: the managers' pages never read it.
        self.placeholder = column.type.process_bind_param('{"bench": true}', ctx.db.engine.dialect)
        first = NOW - timedelta(days=MONTHS * 365 // 12)
        months = _months(first - timedelta(days=200))  # a long first step may start before the window
        self.month_names = months
        self.month_starts = [
            int(datetime(int(m[:4]), int(m[5:]), 1, tzinfo=AMSTERDAM).timestamp()) for m in months
        ]
        self.first_ts = int(first.timestamp())
        self.result = Generated()
        self.task_id = 0

    def between(self, low: int, high: int) -> int:
        """random.randint without its overhead (a third of the generation time otherwise)."""
        return low + int(self.rng.random() * (high - low + 1))

    def pick(self, values: Sequence[Any]) -> Any:
        return values[int(self.rng.random() * len(values))]

    def month(self, ts: int) -> str:
        """month_of() by bisection over the month starts (Amsterdam midnight): millions of calls."""
        return self.month_names[bisect.bisect_right(self.month_starts, ts) - 1]

    def chunk(self, first_id: int, count: int) -> None:
        instances: list[tuple[Any, ...]] = []
        tasks: list[tuple[Any, ...]] = []
        deadlines: list[tuple[Any, ...]] = []
        chosen = self.rng.choices(self.processes, cum_weights=self.cumulative, k=count)
        for offset, process in enumerate(chosen):
            self.instance(first_id + offset, process, instances, tasks, deadlines)
        self.writer.insert("process_instance", INSTANCE_COLUMNS, instances)
        self.writer.insert("human_task", TASK_COLUMNS, tasks)
        self.writer.insert("deadline_record", DEADLINE_COLUMNS, deadlines)
        self.result.instances += len(instances)
        self.result.tasks += len(tasks)
        self.result.deadlines += len(deadlines)

    def instance(
        self,
        instance_id: int,
        process: Process,
        instances: list[tuple[Any, ...]],
        tasks: list[tuple[Any, ...]],
        deadlines: list[tuple[Any, ...]],
    ) -> None:
        rng, stamp = self.rng, self.writer.stamp
        organisation = self.pick(self.organisations)
        is_open = rng.random() < OPEN_SHARE
        closed = self.closed_steps(process, is_open)
        if is_open:
            start = NOW_TS - self.between(HOUR, 150 * DAY)
        else:
            start = self.between(self.first_ts, NOW_TS - 2 * DAY)
        # Every step done before now (the gaps between steps add at most an hour each).
        start = min(start, NOW_TS - (len(closed) + 1) * HOUR - sum(d for _, d in closed))
        at, pid = start, process.process_id
        for step, duration in closed:
            tasks.append(self.closed_task(instance_id, process, step, organisation, at, at + duration))
            at += duration + self.between(0, HOUR)
        if is_open:
            for step in self.open_steps(process):
                tasks.append(self.open_task(instance_id, process, step, organisation, min(at, NOW_TS - 60)))
        elif rng.random() < 0.03:  # a step the engine cancelled (a boundary timer, a withdrawal)
            step = self.pick(process.steps)
            tasks.append(self.cancelled_task(instance_id, process, step, organisation, start, at))
        ended = None if is_open else at
        status = ("running" if rng.random() < 0.9 else "waiting") if is_open else "completed"
        self.result.monthly[(self.month(start), pid, organisation, "instance_started")] += 1
        if ended is not None:
            self.result.monthly[(self.month(ended), pid, organisation, "instance_completed")] += 1
        instances.append(
            (
                *(instance_id, process.definition_id, organisation, f"KF-{instance_id:08X}", status),
                *(self.placeholder, 1, None, stamp(start), stamp(ended)),
            )
        )
        self.policy(process, organisation, start)
        if pid in DEADLINES:
            deadlines.append(self.deadline(instance_id, process, organisation, start, ended))

    def closed_steps(self, process: Process, is_open: bool) -> list[tuple[Step, int]]:
        rng = self.rng
        count = self.between(1, 2) if is_open else self.pick((2, 2, 3, 3, 3))
        steps = process.steps[: min(count, len(process.steps))]
        # Lead times: median about a day, from minutes to months.
        return [(s, int(min(rng.lognormvariate(math.log(DAY), 1.4), 120 * DAY)) + 60) for s in steps]

    def open_steps(self, process: Process) -> list[Step]:
        with_term = [s for s in process.steps if s.kind] or process.steps
        first = self.pick(with_term if self.rng.random() < 0.85 else process.steps)
        return [first, self.pick(process.steps)] if self.rng.random() < 0.15 else [first]

    def _task(
        self, instance_id: int, process: Process, step: Step, organisation: int, **row: Any
    ) -> tuple[Any, ...]:
        """One human_task row in TASK_COLUMNS order; ``row`` holds state, assignee, due and the instants."""
        stamp = self.writer.stamp
        self.task_id += 1
        self.result.names[(process.process_id, step.bpmn_id)] = step.name
        return (
            *(self.task_id, instance_id, process.definition_id, f"{self.task_id:032x}", step.bpmn_id),
            *(step.name, step.role, organisation, row.get("assignee"), row["state"], stamp(row["due"])),
            *(step.rule, step.kind, stamp(row["created"]), stamp(row.get("completed")), row.get("by")),
        )

    def closed_task(
        self, instance_id: int, process: Process, step: Step, organisation: int, created: int, completed: int
    ) -> tuple[Any, ...]:
        month, pid = self.month(completed), process.process_id
        due = created + step.term if step.term else None
        self.result.monthly[(month, pid, organisation, "task_completed")] += 1
        if due is not None and completed > due:
            self.result.monthly[(month, pid, organisation, "task_completed_late")] += 1
        bucket = duration_bucket(completed - created)
        self.result.steps[(month, pid, step.bpmn_id, organisation, bucket)] += 1
        user = self.pick(self.users)
        return self._task(
            instance_id, process, step, organisation, state="completed", assignee=user, by=user, due=due,
            created=created, completed=completed,
        )  # fmt: skip

    def open_task(
        self, instance_id: int, process: Process, step: Step, organisation: int, created: int
    ) -> tuple[Any, ...]:
        rng = self.rng
        due = None
        if step.kind:  # from long overdue to next month
            spread = rng.random()
            if spread < 0.25:
                due = NOW_TS - self.between(HOUR, 120 * DAY)
            elif spread < 0.45:
                due = NOW_TS + self.between(0, 6 * DAY)
            else:
                due = NOW_TS + self.between(6 * DAY, 35 * DAY)
        assignee = self.pick(self.users) if rng.random() < 0.3 else None
        return self._task(
            instance_id,
            process,
            step,
            organisation,
            state="open",
            assignee=assignee,
            due=due,
            created=created,
        )

    def cancelled_task(
        self, instance_id: int, process: Process, step: Step, organisation: int, created: int, at: int
    ) -> tuple[Any, ...]:
        self.result.monthly[(self.month(at), process.process_id, organisation, "task_cancelled")] += 1
        due = created + step.term if step.term else None
        return self._task(
            instance_id,
            process,
            step,
            organisation,
            state="cancelled",
            due=due,
            created=created,
            completed=at,
        )

    def deadline(
        self, instance_id: int, process: Process, organisation: int, start: int, ended: int | None
    ) -> tuple[Any, ...]:
        rng, stamp = self.rng, self.writer.stamp
        kind, term = DEADLINES[process.process_id]
        due = start + term
        extended = due + EXTENSION if kind == DeadlineKind.SUBJECT_REQUEST and rng.random() < 0.15 else None
        met = None
        if ended is not None:
            share = rng.random()
            if share < 0.85:
                met = self.between(start, due)
            elif extended is not None and share < 0.95:
                met = self.between(due + 1, extended)
            else:
                met = due + self.between(HOUR, 20 * DAY)
            met = min(met, NOW_TS - 60)
        return (
            *(kind.value, instance_id, organisation, process.process_id, self.month(start), stamp(start)),
            *(stamp(due), stamp(extended), stamp(met)),
            _final_outcome(due, extended, met),
        )

    def policy(self, process: Process, organisation: int, start: int) -> None:
        register = REGISTERS[process.process_id]
        fields = {name: self.pick(values) for name, values in process.choices.items()}
        month = self.month(start)
        for dimension, value in policy_values(register, fields):
            self.result.policy[(month, organisation, register, dimension, value)] += 1


def _cumulate(weights: Iterable[int]) -> Iterable[int]:
    total = 0
    for weight in weights:
        total += weight
        yield total


def _months(first: datetime) -> list[str]:
    months, year, number = [], first.year, first.month
    while (year, number) <= (NOW.year, NOW.month):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def generate(ctx: ServiceContext, instances: int) -> Generated:
    """Bulk load as one does: the secondary indexes of the big tables are dropped first and built after."""
    generator = Generator(ctx)
    indexes = [index for model in BULK_TABLES for index in model.__table__.indexes]
    with ctx.db.engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    for first in range(1, instances + 1, CHUNK):
        generator.chunk(first, min(CHUNK, instances + 1 - first))
    write_summaries(generator)
    with ctx.db.engine.begin() as connection:
        if not ctx.db.is_postgres:
            connection.exec_driver_sql(BIG_CACHE)
        for index in indexes:
            index.create(connection)
    finish(ctx)
    return generator.result


def write_summaries(generator: Generator) -> None:
    result, writer = generator.result, generator.writer
    writer.insert(
        "stat_monthly_count",
        ("month", "process_id", "organisation_id", "measure", "n"),
        [(*key, n) for key, n in result.monthly.items()],
    )
    writer.insert(
        "stat_step_duration",
        ("month", "process_id", "bpmn_id", "organisation_id", "bucket", "n", "step_name"),
        [(*key, n, result.names[(key[1], key[2])]) for key, n in result.steps.items()],
    )
    writer.insert(
        "stat_policy_count",
        ("month", "organisation_id", "register", "dimension", "value", "n"),
        [(*key, n) for key, n in result.policy.items()],
    )


def finish(ctx: ServiceContext) -> None:
    """Sequences past the ids written (PostgreSQL), and planner statistics, as autovacuum or PRAGMA optimize
    keep them."""
    with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if ctx.db.is_postgres:
            for table in ("process_instance", "human_task"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                )
            connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")


def _final_outcome(due: int, extended: int | None, met: int | None) -> str | None:
    """domain.compliance.final_outcome on the generator's epoch seconds."""
    if met is None:
        return None
    if met <= due:
        return "on_time"
    return "on_time_extended" if extended is not None and met <= extended else "late"
