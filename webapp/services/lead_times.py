"""Lead times per step for managers (issue 7 item 2): how many times a step was completed in the period, and
its median and 90th percentile, read from the duration histograms (stat_step_duration) summed over the months
and organisations of the filter; and per month the share of steps completed after their due date
(stat_monthly_count). Counts and durations only, no case data.

A histogram bucket is 25 % wider than the one before it, so a percentile read from it is accurate to within
25 % (domain/statistics.py); the page says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.messages import N_, Message
from webapp.domain.statistics import months_between, percentile
from webapp.persistence.models import MonthlyCount, ProcessDefinition, StepDuration
from webapp.services.compliance_scope import ReportScope, open_report_scope, percent
from webapp.services.context import Origin, ServiceContext
from webapp.services.dashboard_steps import step_names
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import Column, ReportTable
from webapp.services.statistics import TASK_COMPLETED, TASK_COMPLETED_LATE

ACCURACY_TEXT = N_(
    "De mediaan en het 90e percentiel zijn geschat uit doorlooptijden die in klassen zijn geteld; ze kloppen "
    "tot op 25 % nauwkeurig."
)
MEDIAN_TEXT = N_(
    "Doorlooptijd is de tijd van het ontstaan van een stap tot het afronden ervan. De helft van de stappen "
    "was sneller klaar dan de mediaan, negen op de tien sneller dan het 90e percentiel."
)
LATE_TEXT = N_(
    "Aandeel te laat = stappen die na hun uiterste datum zijn afgerond ÷ alle afgeronde stappen, per maand "
    "van afronden."
)
_UNITS = (
    (86400.0, N_("Mediaan in dagen")),
    (3600.0, N_("Mediaan in uren")),
    (60.0, N_("Mediaan in minuten")),
)


@dataclass(frozen=True)
class StepLeadTime:
    process_id: str
    process: str
    bpmn_id: str
    step: str
    completed: int
    median: float | None  # seconds
    p90: float | None


@dataclass(frozen=True)
class LeadTimeView:
    filters: ReportFilters
    steps: list[StepLeadTime]
    table: ReportTable  # per process and step: completed, median, 90th percentile
    chart_process: str | None  # the name of the process whose steps the bar chart shows
    chart_labels: list[str]  # its step names
    chart_series: list[dict[str, Any]]  # one series: the medians in ``chart_unit``
    chart_unit: str  # Dutch axis label, e.g. "Mediaan in dagen"
    late: ReportTable  # per month: completed, completed late, share late
    late_labels: list[str]
    late_series: list[dict[str, Any]]  # share late per month, in percent
    accuracy_text: str = ACCURACY_TEXT
    median_text: str = MEDIAN_TEXT
    late_text: str = LATE_TEXT


def lead_times(
    ctx: ServiceContext, actor: Actor, filters: ReportFilters, origin: Origin | None = None
) -> LeadTimeView:
    """Lead times per step of the manager's organisations (AccessDenied, audited, for anyone else)."""
    with open_report_scope(ctx, actor, filters, "report.lead_times", origin) as scope:
        histogram_rows = scope.session.execute(
            select(
                StepDuration.process_id,
                StepDuration.bpmn_id,
                func.max(StepDuration.step_name),
                StepDuration.bucket,
                func.sum(StepDuration.n),
                func.max(StepDuration.month),
            )
            .where(*_where(StepDuration, scope))
            # In the order of ix_step_duration_report: grouped while scanning it, no sort of 100,000 rows.
            .group_by(StepDuration.process_id, StepDuration.bpmn_id, StepDuration.bucket)
        )
        current = _current_step_names(ctx, scope.session)
        steps = shape_steps(
            [
                (p, b, current.get((p, b)) or name, bucket, int(n or 0), last)
                for p, b, name, bucket, n, last in histogram_rows
            ],
            scope,
        )
        monthly = scope.session.execute(
            select(MonthlyCount.month, MonthlyCount.measure, func.sum(MonthlyCount.n))
            .where(
                *_where(MonthlyCount, scope), MonthlyCount.measure.in_([TASK_COMPLETED, TASK_COMPLETED_LATE])
            )
            .group_by(MonthlyCount.month, MonthlyCount.measure)
        )
        late_counts: dict[str, dict[str, int]] = defaultdict(dict)
        for month, measure, n in monthly:
            late_counts[month][measure] = int(n or 0)
    return _view(scope, steps, late_counts)


def _current_step_names(ctx: ServiceContext, session: Session) -> dict[tuple[str, str], str]:
    """(process, step id) → the step's name in the process's newest version: a renamed step reads as it is
    called now, whatever version counted it."""
    newest = session.execute(
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.id)).group_by(
            ProcessDefinition.process_id
        )
    )
    return {
        (process_id, step_id): name
        for process_id, definition_id in newest
        for step_id, name in step_names(ctx, session, definition_id).items()
    }


def _where(model: type[StepDuration] | type[MonthlyCount], scope: ReportScope) -> list[Any]:
    filters = scope.filters
    where = [
        model.month >= filters.month_from,
        model.month <= filters.month_to,
        model.organisation_id.in_(scope.organisation_ids),
    ]
    if filters.process_id:
        where.append(model.process_id == filters.process_id)
    return where


def shape_steps(
    rows: Iterable[tuple[str, str, str, int, int, str]], scope: ReportScope
) -> list[StepLeadTime]:
    """Merge the histogram rows (process, step id, step name, bucket, count, last month) per step; the step is
    named as it was named most recently. Sorted by process name, then step name."""
    histograms: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    names: dict[tuple[str, str], tuple[str, str]] = {}  # step -> (last month, name)
    for process_id, bpmn_id, step_name, bucket, n, month in rows:
        key = (process_id, bpmn_id)
        histogram = histograms[key]
        histogram[bucket] = histogram.get(bucket, 0) + int(n or 0)
        names[key] = max(names.get(key, ("", "")), (month, step_name))
    steps = [
        StepLeadTime(
            process_id=process_id,
            process=scope.process_name(process_id),
            bpmn_id=bpmn_id,
            step=names[(process_id, bpmn_id)][1] or bpmn_id,
            completed=sum(histogram.values()),
            median=percentile(histogram, 0.5),
            p90=percentile(histogram, 0.9),
        )
        for (process_id, bpmn_id), histogram in histograms.items()
    ]
    return sorted(steps, key=lambda s: (s.process.lower(), s.step.lower(), s.bpmn_id))


def chart_unit(seconds: Iterable[float | None]) -> tuple[float, str]:
    """The unit the bar chart of medians reads best in: days from two days, else hours from an hour, else
    minutes; returns (seconds per unit, Dutch axis label)."""
    longest = max((s for s in seconds if s is not None), default=0.0)
    if longest >= 2 * 86400:
        return _UNITS[0]
    if longest >= 3600:
        return _UNITS[1]
    return _UNITS[2]


def _view(
    scope: ReportScope, steps: list[StepLeadTime], late_counts: dict[str, dict[str, int]]
) -> LeadTimeView:
    filters = scope.filters
    chosen = filters.process_id or _busiest(steps)
    shown = [s for s in steps if s.process_id == chosen]
    size, unit = chart_unit(s.median for s in shown)
    medians = [None if s.median is None else round(s.median / size, 1) for s in shown]
    months = months_between(filters.month_from, filters.month_to)
    late_rows: list[dict[str, Any]] = []
    shares: list[float | None] = []
    for month in months:
        done = late_counts.get(month, {}).get(TASK_COMPLETED, 0)
        late = late_counts.get(month, {}).get(TASK_COMPLETED_LATE, 0)
        shares.append(late / done if done else None)
        late_rows.append({"month": month, "completed": done, "late": late, "share": shares[-1]})
    return LeadTimeView(
        filters=filters,
        steps=steps,
        table=_step_table(steps, scope),
        chart_process=scope.process_name(chosen) if chosen else None,
        chart_labels=[s.step for s in shown],
        chart_series=[{"name": N_("Mediaan"), "values": medians}],
        chart_unit=unit,
        late=_late_table(late_rows, scope),
        late_labels=months,
        late_series=[{"name": N_("Aandeel te laat"), "values": [percent(v) for v in shares]}],
    )


def _busiest(steps: list[StepLeadTime]) -> str | None:
    """Without a process in the filter, the chart shows the process with the most completed steps."""
    totals: dict[str, int] = defaultdict(int)
    for step in steps:
        totals[step.process_id] += step.completed
    return max(sorted(totals), key=lambda p: totals[p], default=None)


def _step_table(steps: list[StepLeadTime], scope: ReportScope) -> ReportTable:
    columns = (
        Column("process", N_("Procedure")),
        Column("step", N_("Stap")),
        Column("completed", N_("Afgerond"), "int"),
        Column("median", N_("Mediaan"), "duration"),
        Column("p90", N_("90e percentiel"), "duration"),
    )
    rows = [
        {"process": s.process, "step": s.step, "completed": s.completed, "median": s.median, "p90": s.p90}
        for s in steps
    ]
    return ReportTable("doorlooptijden-per-stap", N_("Doorlooptijd per stap"), columns, rows, scope.lines)


def _late_table(rows: list[dict[str, Any]], scope: ReportScope) -> ReportTable:
    columns = (
        Column("month", N_("Maand")),
        Column("completed", N_("Stappen afgerond"), "int"),
        Column("late", N_("Waarvan te laat"), "int"),
        Column("share", N_("Aandeel te laat"), "percent"),
    )
    title = N_("Stappen te laat afgerond per maand")
    return ReportTable("doorlooptijden-te-laat-per-maand", title, columns, rows, scope.lines)


def chart_title(view: LeadTimeView) -> str:
    """The bar chart's title names the process it shows."""
    if view.chart_process is None:
        return N_("Mediaan per stap")
    return Message("Mediaan per stap: {process}", process=view.chart_process)
