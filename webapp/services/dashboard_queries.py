"""The queries behind the managers' dashboard and its lists: who may read what (the scope), the deadline
buckets of open tasks, and the few grouped queries the dashboard is made of.

Open tasks are counted in ONE grouped query over ``human_task`` that the covering index
``ix_task_open_stats`` (state, definition_id, organisation_id, deadline_kind, due_at) answers on its own: the
bucket of each task is a CASE over ``due_at``, so a million open tasks come back as a few hundred groups
that Python shapes into every widget. Open instances come from ``ix_instance_status_definition`` the same
way, and the trends from the monthly summary table (services/statistics.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import AccessDenied
from webapp.domain.messages import N_
from webapp.persistence.models import (
    HumanTask,
    MonthlyCount,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
)
from webapp.services.context import ServiceContext, audit_denial
from webapp.services.report_filters import ReportFilters

OPEN_STATUSES = ("running", "waiting", "error")

OVERDUE_WEEK, OVERDUE_MONTH, OVERDUE_LONG = "overdue_week", "overdue_month", "overdue_long"
DUE_WEEK, LATER, NO_DUE = "due_week", "later", "no_due"
OVERDUE = "overdue"  # the three overdue buckets together
OVERDUE_BUCKETS = (OVERDUE_WEEK, OVERDUE_MONTH, OVERDUE_LONG)
# Every open task is in exactly one of these.
ROW_BUCKETS = (*OVERDUE_BUCKETS, DUE_WEEK, LATER, NO_DUE)
# What a list may be asked for (?bucket=…).
LIST_BUCKETS = (OVERDUE, *ROW_BUCKETS)

BUCKET_LABELS = {
    OVERDUE: N_("Te laat"),
    OVERDUE_WEEK: N_("Minder dan 1 week te laat"),
    OVERDUE_MONTH: N_("1 tot 4 weken te laat"),
    OVERDUE_LONG: N_("Meer dan 4 weken te laat"),
    DUE_WEEK: N_("Deze week af"),
    LATER: N_("Later af"),
    NO_DUE: N_("Zonder termijn"),
}

STATUS_LABELS = {"running": N_("Loopt"), "waiting": N_("Wacht op termijn"), "error": N_("Fout")}


@dataclass(frozen=True)
class Cutoffs:
    """The instants that split open tasks into buckets, all UTC."""

    now: datetime
    week_end: datetime  # exclusive: Monday 00:00 Amsterdam time after this week's Sunday

    @property
    def week_ago(self) -> datetime:
        return self.now - timedelta(weeks=1)

    @property
    def four_weeks_ago(self) -> datetime:
        return self.now - timedelta(weeks=4)

    @property
    def last_day(self) -> date:
        """The Sunday that ends 'this week', as the page names it."""
        return (self.week_end.astimezone(AMSTERDAM) - timedelta(days=1)).date()


def cutoffs(now: datetime) -> Cutoffs:
    """This week runs to the end of Sunday in the Netherlands (on a Sunday: to the end of that day)."""
    local = now.astimezone(AMSTERDAM)
    next_monday = local.date() + timedelta(days=7 - local.weekday())
    week_end = datetime.combine(next_monday, time(0), tzinfo=AMSTERDAM).astimezone(UTC)
    return Cutoffs(now.astimezone(UTC), week_end)


def task_bucket(due_at: datetime | None, cut: Cutoffs) -> str:
    """The bucket of one open task; :func:`bucket_case` is the same rule in SQL."""
    if due_at is None:
        return NO_DUE
    if due_at < cut.four_weeks_ago:
        return OVERDUE_LONG
    if due_at < cut.week_ago:
        return OVERDUE_MONTH
    if due_at < cut.now:
        return OVERDUE_WEEK
    if due_at < cut.week_end:
        return DUE_WEEK
    return LATER


def bucket_case(cut: Cutoffs) -> ColumnElement[str]:
    # Literal bucket names: they are constants of ours, and keep the statement's parameters to the instants.
    due = HumanTask.due_at
    return case(
        (due.is_(None), literal_column(f"'{NO_DUE}'")),
        (due < cut.four_weeks_ago, literal_column(f"'{OVERDUE_LONG}'")),
        (due < cut.week_ago, literal_column(f"'{OVERDUE_MONTH}'")),
        (due < cut.now, literal_column(f"'{OVERDUE_WEEK}'")),
        (due < cut.week_end, literal_column(f"'{DUE_WEEK}'")),
        else_=literal_column(f"'{LATER}'"),
    )


def bucket_condition(bucket: str, cut: Cutoffs) -> ColumnElement[bool]:
    """The tasks of one list bucket, as a WHERE condition that the due_at index can range over."""
    due = HumanTask.due_at
    conditions: dict[str, ColumnElement[bool]] = {
        OVERDUE: due < cut.now,
        OVERDUE_WEEK: and_(due >= cut.week_ago, due < cut.now),
        OVERDUE_MONTH: and_(due >= cut.four_weeks_ago, due < cut.week_ago),
        OVERDUE_LONG: due < cut.four_weeks_ago,
        DUE_WEEK: and_(due >= cut.now, due < cut.week_end),
        LATER: due >= cut.week_end,
        NO_DUE: due.is_(None),
    }
    return conditions[bucket]


@dataclass(frozen=True)
class Definition:
    process_id: str
    name: str  # the name of the process's newest version, so versions count together under one name


@dataclass(frozen=True)
class Scope:
    """What a reader's query may count: their organisations (narrowed by the filter) and the filter's
    process versions (None: every process) and deadline kind."""

    organisation_ids: tuple[int, ...]
    process_id: str | None
    definition_ids: tuple[int, ...] | None
    deadline_kind: str | None


def report_scope(ctx: ServiceContext, actor: Actor, filters: ReportFilters, event: str) -> Scope:
    """The reader's scope, or AccessDenied (audited) for anyone but a manager, and for an organisation they
    do not follow. Call it before opening the use case's own transaction: a refusal is written in its own,
    which SQLite would not start while another write transaction holds the lock."""
    decision = access.may_view_reports(actor)
    followed = access.report_organisations(actor)
    reason = decision.reason
    if decision and filters.organisation_id is not None and filters.organisation_id not in followed:
        reason = N_("U volgt deze organisatie niet als manager.")
    elif decision:
        organisations = (filters.organisation_id,) if filters.organisation_id is not None else tuple(followed)
        definition_ids = None
        if filters.process_id:
            with ctx.db.read() as session:
                definition_ids = tuple(
                    session.scalars(
                        select(ProcessDefinition.id).where(ProcessDefinition.process_id == filters.process_id)
                    )
                )
        return Scope(organisations, filters.process_id, definition_ids, filters.deadline_kind)
    audit_denial(
        ctx, event, Action.READ, reason, actor_id=actor.user_id, object_type="report", object_id=event
    )
    raise AccessDenied(reason)


def definitions(session: Session) -> dict[int, Definition]:
    """Every deployed version (they are few) by id, named after its process's newest version."""
    rows = session.execute(
        select(ProcessDefinition.id, ProcessDefinition.process_id, ProcessDefinition.name).order_by(
            ProcessDefinition.version
        )
    ).all()
    newest = {row.process_id: row.name for row in rows}
    return {row.id: Definition(row.process_id, newest[row.process_id]) for row in rows}


def organisation_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
    return {row.id: row.name for row in session.execute(query)}


def task_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """Open tasks in the scope, in the order of the covering index's columns."""
    conditions: list[ColumnElement[bool]] = [HumanTask.state == "open"]
    if scope.definition_ids is not None:
        conditions.append(HumanTask.definition_id.in_(scope.definition_ids))
    conditions.append(HumanTask.organisation_id.in_(scope.organisation_ids))
    if scope.deadline_kind:
        conditions.append(HumanTask.deadline_kind == scope.deadline_kind)
    return conditions


def instance_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [ProcessInstance.status.in_(OPEN_STATUSES)]
    if scope.definition_ids is not None:
        conditions.append(ProcessInstance.definition_id.in_(scope.definition_ids))
    conditions.append(ProcessInstance.organisation_id.in_(scope.organisation_ids))
    return conditions


@dataclass(frozen=True)
class TaskGroup:
    definition_id: int | None
    organisation_id: int
    deadline_kind: str | None
    bucket: str
    n: int
    earliest_due: datetime | None


def open_task_groups(session: Session, scope: Scope, cut: Cutoffs) -> list[TaskGroup]:
    """Open tasks counted per process version, organisation, deadline kind and bucket, with the earliest due
    date of each group (the longest overdue): the one query every task widget is made from."""
    bucket = bucket_case(cut).label("bucket")
    query = (
        select(
            HumanTask.definition_id,
            HumanTask.organisation_id,
            HumanTask.deadline_kind,
            bucket,
            func.count().label("n"),
            func.min(HumanTask.due_at).label("earliest"),
        )
        .where(*task_conditions(scope))
        # By the output name: repeating the CASE would repeat its bind parameters, and PostgreSQL accepts
        # a GROUP BY expression only when it is the select's own.
        .group_by(
            HumanTask.definition_id,
            HumanTask.organisation_id,
            HumanTask.deadline_kind,
            literal_column("bucket"),
        )
    )
    return [TaskGroup(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class InstanceGroup:
    status: str
    definition_id: int
    organisation_id: int
    n: int


def open_instance_groups(session: Session, scope: Scope) -> list[InstanceGroup]:
    query = (
        select(
            ProcessInstance.status,
            ProcessInstance.definition_id,
            ProcessInstance.organisation_id,
            func.count().label("n"),
        )
        .where(*instance_conditions(scope))
        .group_by(ProcessInstance.status, ProcessInstance.definition_id, ProcessInstance.organisation_id)
    )
    return [InstanceGroup(*row) for row in session.execute(query)]


def monthly_counts(
    session: Session, scope: Scope, first: str, last: str, measures: tuple[str, ...]
) -> dict[tuple[str, str], int]:
    """(month, measure) → count over the scope's organisations and process, months first..last."""
    conditions: list[ColumnElement[bool]] = [
        MonthlyCount.month >= first,
        MonthlyCount.month <= last,
        MonthlyCount.organisation_id.in_(scope.organisation_ids),
        MonthlyCount.measure.in_(measures),
    ]
    if scope.process_id:
        conditions.append(MonthlyCount.process_id == scope.process_id)
    query = (
        select(MonthlyCount.month, MonthlyCount.measure, func.sum(MonthlyCount.n))
        .where(*conditions)
        .group_by(MonthlyCount.month, MonthlyCount.measure)
    )
    return {(month, measure): int(total or 0) for month, measure, total in session.execute(query)}


def open_tasks_of(session: Session, instance_ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """Per instance: how many tasks are open and the earliest due date among them."""
    found: dict[int, tuple[int, datetime | None]] = {}
    for start in range(0, len(instance_ids), 1000):  # bounded IN lists, also for an export's many rows
        chunk = instance_ids[start : start + 1000]
        query = (
            select(HumanTask.instance_id, func.count(), func.min(HumanTask.due_at))
            .where(HumanTask.state == "open", HumanTask.instance_id.in_(chunk))
            .group_by(HumanTask.instance_id)
        )
        found.update({instance_id: (int(n), due) for instance_id, n, due in session.execute(query)})
    return found
