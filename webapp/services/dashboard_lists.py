"""The lists behind the dashboard's numbers: open tasks (by deadline bucket) and open instances.

What a manager may see of them: process, organisation, step, dates, deadline kind, status, and who holds a
task (the assignee's name or the role) — never the case reference, the task's data or its name as the
engine made it (a multi-instance step's name carries an item of the case), so step names come from the
diagram. Reading a list is audited (Action.SEARCH); an export reads every row (up to EXPORT_LIMIT) and is
audited by the export itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import N_, Message
from webapp.domain.roles import ROLE_LABELS, Role
from webapp.domain.statistics import deadline_kind_label
from webapp.persistence.models import HumanTask, ProcessInstance, User
from webapp.services.context import Origin, ServiceContext, audit
from webapp.services.dashboard_queries import (
    BUCKET_LABELS,
    LIST_BUCKETS,
    STATUS_LABELS,
    Cutoffs,
    Definition,
    Scope,
    bucket_condition,
    cutoffs,
    definitions,
    instance_conditions,
    open_tasks_of,
    organisation_names,
    report_scope,
    task_conditions,
)
from webapp.services.dashboard_steps import step_names
from webapp.services.dashboard_tables import describe_filters
from webapp.services.filter_values import shown
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import Column, ReportTable

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
_PROGRESS = N_("Voortgang")

TASK_COLUMNS = (
    Column("process", N_("Procedure")),
    Column("organisation", N_("Organisatie")),
    Column("step", N_("Stap")),
    Column("due_at", N_("Uiterlijk af"), "datetime"),
    Column("kind", N_("Termijnsoort")),
    Column("days_overdue", N_("Dagen te laat"), "int"),
    Column("holder", N_("Bij (persoon of rol)")),
    Column("progress", N_("Voortgang van de zaak"), "link"),
)
INSTANCE_COLUMNS = (
    Column("process", N_("Procedure")),
    Column("organisation", N_("Organisatie")),
    Column("status", N_("Status")),
    Column("started_at", N_("Gestart"), "datetime"),
    Column("open_tasks", N_("Open taken"), "int"),
    Column("next_due", N_("Eerstvolgende termijn"), "datetime"),
    Column("progress", N_("Voortgang van de zaak"), "link"),
)


@dataclass(frozen=True)
class TaskListPage:
    table: ReportTable
    total: int
    page: int
    pages: int
    bucket: str | None  # the bucket applied (None: every open task)
    week_last_day: date
    messages: list[str] = field(default_factory=list)  # Dutch: an unknown bucket, an export cut short

    @property
    def bucket_label(self) -> str | None:
        return BUCKET_LABELS[self.bucket] if self.bucket else None


@dataclass(frozen=True)
class InstanceListPage:
    table: ReportTable
    total: int
    page: int
    pages: int
    messages: list[str] = field(default_factory=list)


def _pages(total: int, page: int, all_rows: bool) -> tuple[int, int, list[str]]:
    if all_rows:
        messages: list[str] = []
        if total > EXPORT_LIMIT:
            messages.append(
                Message(
                    "De lijst telt {total} regels; de download bevat de eerste {limit}. Verfijn het filter.",
                    total=total,
                    limit=EXPORT_LIMIT,
                )
            )
        return 1, 1, messages
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 1), pages), pages, []


def _window(query: Any, page: int, all_rows: bool) -> Any:
    if all_rows:
        return query.limit(EXPORT_LIMIT)
    return query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)


def _count(session: Session, model: Any, conditions: list[ColumnElement[bool]]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


def _audit_list(
    ctx: ServiceContext,
    actor: Actor,
    scope: Scope,
    event: str,
    details: dict[str, str],
    origin: Origin | None,
) -> None:
    """The search in its own short write transaction: the list itself is read without holding SQLite's
    write lock."""
    with ctx.db.write() as session:
        audit(
            session,
            ctx,
            event,
            Action.SEARCH,
            actor_id=actor.user_id,
            origin=origin,
            actor_org_id=scope.organisation_ids[0] if scope.organisation_ids else None,
            actor_role=Role.MANAGER.value,
            object_type="report",
            object_id=event.removeprefix("report."),
            details=details,
        )


def _bucket(bucket: str | None) -> tuple[str | None, list[str]]:
    if bucket and bucket not in LIST_BUCKETS:
        return None, [Message("De keuze ‘{text}’ bestaat niet; u ziet alle open taken.", text=shown(bucket))]
    return bucket or None, []


def open_task_list(
    ctx: ServiceContext,
    actor: Actor,
    filters: ReportFilters,
    bucket: str | None,
    page: int,
    *,
    all_rows: bool = False,
    origin: Origin | None = None,
) -> TaskListPage:
    """One page (50 rows, by due date) of the open tasks behind a dashboard number; with ``all_rows`` every
    row up to EXPORT_LIMIT, for an export (which audits itself). An unknown bucket gives a Dutch message
    and the list of every open task."""
    cut = cutoffs(ctx.clock.now())
    applied, messages = _bucket(bucket)
    scope = report_scope(ctx, actor, filters, "report.tasks")
    conditions = task_conditions(scope) + ([bucket_condition(applied, cut)] if applied else [])
    query = (
        select(*_TASK_FIELDS, User.display_name.label("assignee"))
        .outerjoin(User, User.id == HumanTask.assignee_id)
        .where(*conditions)
        .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.id)
    )
    with ctx.db.read() as session:
        total = _count(session, HumanTask, conditions)
        page, pages, cut_short = _pages(total, page, all_rows)
        found = session.execute(_window(query, page, all_rows)).all()
        names = _names(ctx, session, scope)
    if not all_rows:
        details = {**filters.as_params(), "bucket": applied or "", "pagina": str(page), "results": str(total)}
        _audit_list(ctx, actor, scope, "report.tasks", details, origin)
    shown_filters = describe_filters(filters, names.organisations, names.processes, cut.now)
    if applied:
        shown_filters.append((N_("Termijn"), BUCKET_LABELS[applied]))
    rows = [_task_row(row, names, cut) for row in found]
    table = ReportTable("open-taken", N_("Open taken"), TASK_COLUMNS, rows, shown_filters, pages > 1)
    return TaskListPage(table, total, page, pages, applied, cut.last_day, messages + cut_short)


def open_instance_list(
    ctx: ServiceContext,
    actor: Actor,
    filters: ReportFilters,
    page: int,
    *,
    all_rows: bool = False,
    origin: Origin | None = None,
) -> InstanceListPage:
    """One page (50 rows, oldest first) of the open instances (running, waiting, in error) behind a
    dashboard number, with their open tasks and the earliest due date among them."""
    now = ctx.clock.now()
    scope = report_scope(ctx, actor, filters, "report.instances")
    conditions = instance_conditions(scope)
    query = (
        select(*_INSTANCE_FIELDS).where(*conditions).order_by(ProcessInstance.started_at, ProcessInstance.id)
    )
    with ctx.db.read() as session:
        total = _count(session, ProcessInstance, conditions)
        page, pages, cut_short = _pages(total, page, all_rows)
        found = session.execute(_window(query, page, all_rows)).all()
        open_tasks = open_tasks_of(session, [row.id for row in found])
        names = _names(ctx, session, scope)
    if not all_rows:
        details = {**filters.as_params(), "pagina": str(page), "results": str(total)}
        _audit_list(ctx, actor, scope, "report.instances", details, origin)
    shown_filters = describe_filters(filters, names.organisations, names.processes, now)
    rows = [_instance_row(row, names, open_tasks.get(row.id, (0, None))) for row in found]
    table = ReportTable("open-zaken", N_("Open zaken"), INSTANCE_COLUMNS, rows, shown_filters, pages > 1)
    return InstanceListPage(table, total, page, pages, cut_short)


# Columns, not entities: a task row holds its draft and an instance row its case reference, both case
# data that a manager's list must not even load.
_TASK_FIELDS = (
    HumanTask.instance_id,
    HumanTask.definition_id,
    HumanTask.organisation_id,
    HumanTask.bpmn_id,
    HumanTask.role,
    HumanTask.due_at,
    HumanTask.deadline_kind,
)
_INSTANCE_FIELDS = (
    ProcessInstance.id,
    ProcessInstance.definition_id,
    ProcessInstance.organisation_id,
    ProcessInstance.status,
    ProcessInstance.started_at,
)


@dataclass(frozen=True)
class _ListNames:
    organisations: dict[int, str]
    processes: dict[str, str]  # process id -> name
    definitions: dict[int, Definition]
    steps: dict[int, dict[str, str]]  # definition id -> element id -> name from the diagram


def _names(ctx: ServiceContext, session: Session, scope: Scope) -> _ListNames:
    known = definitions(session)
    return _ListNames(
        organisation_names(session, scope.organisation_ids),
        {d.process_id: d.name for d in known.values()},
        known,
        {definition_id: step_names(ctx, session, definition_id) for definition_id in known},
    )


def _task_row(row: Any, names: _ListNames, cut: Cutoffs) -> dict[str, Any]:
    definition = names.definitions.get(row.definition_id)
    overdue = row.due_at is not None and row.due_at < cut.now
    today = cut.now.astimezone(AMSTERDAM).date()
    return {
        "process": definition.name if definition else N_("Onbekende procedure"),
        "organisation": names.organisations.get(row.organisation_id, ""),
        "step": names.steps.get(row.definition_id, {}).get(row.bpmn_id, row.bpmn_id),
        "due_at": row.due_at,
        "kind": deadline_kind_label(row.deadline_kind),
        # Calendar days in the Netherlands: due yesterday is one day late, whatever the hour.
        "days_overdue": (today - row.due_at.astimezone(AMSTERDAM).date()).days if overdue else None,
        "holder": row.assignee or _role_label(row.role),
        "progress": _progress_link(row.instance_id),
    }


def _instance_row(row: Any, names: _ListNames, tasks: tuple[int, datetime | None]) -> dict[str, Any]:
    definition = names.definitions.get(row.definition_id)
    return {
        "process": definition.name if definition else N_("Onbekende procedure"),
        "organisation": names.organisations.get(row.organisation_id, ""),
        "status": STATUS_LABELS.get(row.status, row.status),
        "started_at": row.started_at,
        "open_tasks": tasks[0],
        "next_due": tasks[1],
        "progress": _progress_link(row.id),
    }


def _progress_link(instance_id: int) -> dict[str, Any]:
    """The instance's progress page (process structure and dates, no case data; it checks access itself)."""
    return {"text": _PROGRESS, "endpoint": "instances.diagram", "args": {"instance_id": instance_id}}


def _role_label(role: str) -> str:
    try:
        return Message("{role} (rol)", role=ROLE_LABELS[Role(role)])
    except ValueError:
        return role
