"""The managers' dashboard (issue 7 items 1 and 3): open, due and overdue work of the manager's own
organisations, per process, organisation and deadline kind, how long overdue, and the trend per month.

Counts, dates, process and step names, organisations and roles only: never case contents. Every number
carries the list behind it (a :class:`ListLink`: which list and its query parameters; the web builds the
address). The queries are in dashboard_queries.py, the lists behind the numbers in dashboard_lists.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from webapp.domain.access import Actor
from webapp.domain.messages import N_
from webapp.services.context import ServiceContext
from webapp.services.dashboard_lists import (
    EXPORT_LIMIT,
    InstanceListPage,
    TaskListPage,
    open_instance_list,
    open_task_list,
)
from webapp.services.dashboard_queries import (
    DUE_WEEK,
    OVERDUE,
    cutoffs,
    definitions,
    monthly_counts,
    open_instance_groups,
    open_task_groups,
    organisation_names,
    report_scope,
)
from webapp.services.dashboard_tables import (
    TREND_MEASURES,
    Chart,
    ListLink,
    Tally,
    count_row,
    count_table,
    describe_filters,
    kind_rows,
    list_params,
    overdue_chart,
    overdue_table,
    process_chart,
    trend_chart,
    trend_table,
)
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import ReportTable

__all__ = [
    "EXPORT_LIMIT",
    "Chart",
    "DashboardView",
    "Figure",
    "InstanceListPage",
    "ListLink",
    "TaskListPage",
    "dashboard_overview",
    "open_instance_list",
    "open_task_list",
]


@dataclass(frozen=True)
class Figure:
    """A number on the dashboard and the list behind it."""

    value: int
    link: ListLink


@dataclass(frozen=True)
class DashboardView:
    filters: ReportFilters
    now: datetime
    week_last_day: date  # the Sunday that ends "this week"
    open_instances: Figure
    open_tasks: Figure
    overdue: Figure
    due_week: Figure
    longest_overdue_seconds: float | None
    by_process: ReportTable
    by_organisation: ReportTable
    by_kind: ReportTable
    overdue_age: ReportTable
    trend: ReportTable
    process_chart: Chart
    overdue_chart: Chart
    trend_chart: Chart

    @property
    def tables(self) -> dict[str, ReportTable]:
        """The page's tables by export name (?tabel=…)."""
        tables = (self.by_process, self.by_organisation, self.by_kind, self.overdue_age, self.trend)
        return {table.name: table for table in tables}


@dataclass
class _Tallies:
    total: Tally = field(default_factory=Tally)
    by_process: dict[str, Tally] = field(default_factory=dict)
    by_organisation: dict[int, Tally] = field(default_factory=dict)
    by_kind: dict[str | None, Tally] = field(default_factory=dict)

    def targets(self, process: str, organisation: int, kind: str | None, *, tasks: bool) -> list[Tally]:
        found = [
            self.total,
            self.by_process.setdefault(process, Tally()),
            self.by_organisation.setdefault(organisation, Tally()),
        ]
        if tasks:
            found.append(self.by_kind.setdefault(kind, Tally()))
        return found


@dataclass(frozen=True)
class _Names:
    organisations: dict[int, str]
    processes: dict[str, str]  # process id -> name; "" for tasks of no known process


def dashboard_overview(ctx: ServiceContext, actor: Actor, filters: ReportFilters) -> DashboardView:
    """The dashboard of the actor's organisations (AccessDenied, audited, for anyone but a manager).

    Open work is counted now (the period filter does not apply to it); the trend covers the filter's
    months. The deadline-kind filter applies to tasks only: instances have no deadline kind."""
    cut = cutoffs(ctx.clock.now())
    scope = report_scope(ctx, actor, filters, "report.dashboard")
    with ctx.db.read() as session:
        known = definitions(session)
        tallies = _Tallies(by_organisation={o: Tally() for o in scope.organisation_ids})
        for instances in open_instance_groups(session, scope):
            process = known[instances.definition_id].process_id
            for tally in tallies.targets(process, instances.organisation_id, None, tasks=False):
                tally.instances += instances.n
        for tasks in open_task_groups(session, scope, cut):
            process = known[tasks.definition_id].process_id if tasks.definition_id in known else ""
            for tally in tallies.targets(process, tasks.organisation_id, tasks.deadline_kind, tasks=True):
                tally.add(tasks.bucket, tasks.n, tasks.earliest_due)
        counts = monthly_counts(session, scope, filters.month_from, filters.month_to, TREND_MEASURES)
        organisations = organisation_names(session, scope.organisation_ids)
    processes = {d.process_id: d.name for d in known.values()}
    processes[""] = N_("Onbekende procedure")
    names = _Names(organisations, processes)
    return _view(filters, cut.now, cut.last_day, tallies, counts, names)


def _view(
    filters: ReportFilters,
    now: datetime,
    last_day: date,
    tallies: _Tallies,
    counts: dict[tuple[str, str], int],
    names: _Names,
) -> DashboardView:
    shown = describe_filters(filters, names.organisations, names.processes, now)
    total = tallies.total
    by_process = _process_rows(filters, tallies, names, now)
    by_organisation = _organisation_rows(filters, tallies, names, now)
    by_kind = kind_rows(filters, tallies.by_kind, now)
    overdue_age = overdue_table(filters, total, now, shown)
    trend = trend_table(filters, counts, shown)
    whole = (total, filters, now)
    return DashboardView(
        filters=filters,
        now=now,
        week_last_day=last_day,
        open_instances=Figure(total.instances, ListLink("instances", list_params(filters, instances=True))),
        open_tasks=Figure(total.tasks, ListLink("tasks", list_params(filters))),
        overdue=Figure(total.overdue, ListLink("tasks", list_params(filters, bucket=OVERDUE))),
        due_week=Figure(total.buckets[DUE_WEEK], ListLink("tasks", list_params(filters, bucket=DUE_WEEK))),
        longest_overdue_seconds=total.overdue_seconds(now),
        by_process=count_table(
            "dashboard-procedures",
            N_("Open werk per procedure"),
            ("process", N_("Procedure")),
            by_process,
            whole,
            shown,
        ),
        by_organisation=count_table(
            "dashboard-organisaties",
            N_("Open werk per organisatie"),
            ("organisation", N_("Organisatie")),
            by_organisation,
            whole,
            shown,
        ),
        by_kind=count_table(
            "dashboard-termijnsoorten",
            N_("Open taken per termijnsoort"),
            ("kind", N_("Termijnsoort")),
            by_kind,
            whole,
            shown,
            instances=False,
        ),
        overdue_age=overdue_age,
        trend=trend,
        process_chart=process_chart(by_process, "process"),
        overdue_chart=overdue_chart(overdue_age),
        trend_chart=trend_chart(trend),
    )


def _process_rows(
    filters: ReportFilters, tallies: _Tallies, names: _Names, now: datetime
) -> list[dict[str, Any]]:
    """Every process with open work, by name."""
    named = sorted((names.processes.get(p) or p, p) for p in tallies.by_process)
    return [
        count_row("process", name, tallies.by_process[p], now, list_params(filters, proces=p))
        for name, p in named
    ]


def _organisation_rows(
    filters: ReportFilters, tallies: _Tallies, names: _Names, now: datetime
) -> list[dict[str, Any]]:
    """Every organisation of the scope, also those without open work (a manager wants to see the zero)."""
    named = sorted((names.organisations.get(o) or str(o), o) for o in tallies.by_organisation)
    return [
        count_row(
            "organisation", name, tallies.by_organisation[o], now, list_params(filters, organisatie=str(o))
        )
        for name, o in named
    ]
