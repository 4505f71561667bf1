"""The dashboard's tables and charts, shaped in Python from the few grouped rows of dashboard_queries.py.

Each table is a ReportTable, so the page and its CSV/Excel downloads are made from the same object. A row's
``_links`` maps a column to the list behind that number (a ListLink; the web layer builds the address);
exports read only the columns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import N_
from webapp.domain.statistics import deadline_kind_label, months_between
from webapp.services.dashboard_queries import (
    BUCKET_LABELS,
    DUE_WEEK,
    LATER,
    NO_DUE,
    OVERDUE,
    OVERDUE_BUCKETS,
)
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import Column, ReportTable
from webapp.services.statistics import (
    INSTANCE_COMPLETED,
    INSTANCE_STARTED,
    TASK_COMPLETED,
    TASK_COMPLETED_LATE,
)

TOTAL = N_("Totaal")
TREND_MEASURES = (INSTANCE_STARTED, INSTANCE_COMPLETED, TASK_COMPLETED, TASK_COMPLETED_LATE)
_INSTANCE_COLUMN = Column("open_instances", N_("Open zaken"), "int")
_TASK_COLUMNS = (
    Column("open_tasks", N_("Open taken"), "int"),
    Column("overdue", N_("Te laat"), "int"),
    Column("due_week", N_("Deze week af"), "int"),
    Column("later", N_("Later af"), "int"),
    Column("no_due", N_("Zonder termijn"), "int"),
    Column("longest_overdue", N_("Langst te laat"), "duration"),
)
_TREND_COLUMNS = (
    Column("month", N_("Maand")),
    Column(INSTANCE_STARTED, N_("Zaken gestart"), "int"),
    Column(INSTANCE_COMPLETED, N_("Zaken afgerond"), "int"),
    Column(TASK_COMPLETED, N_("Taken afgerond"), "int"),
    Column(TASK_COMPLETED_LATE, N_("Taken te laat afgerond"), "int"),
    Column("late_share", N_("Deel te laat afgerond"), "percent"),
)
# The buckets a task column counts, and the ?bucket= of the list behind it (None: every open task).
_TASK_BUCKETS: dict[str, str | None] = {
    "open_tasks": None,
    "overdue": OVERDUE,
    "due_week": DUE_WEEK,
    "later": LATER,
    "no_due": NO_DUE,
}


@dataclass(frozen=True)
class ListLink:
    """The list behind a number: ``list`` is "tasks" or "instances", ``params`` its query parameters."""

    list: str
    params: dict[str, str]


def list_params(filters: ReportFilters, *, instances: bool = False, **extra: str) -> dict[str, str]:
    """The query parameters of a list under the dashboard's filter: organisation, process and (for tasks)
    deadline kind. The period does not apply to open work."""
    params = {k: v for k, v in filters.as_params().items() if k in ("organisatie", "proces", "termijn")}
    if instances:
        params.pop("termijn", None)
    params.update(extra)
    return params


def describe_filters(
    filters: ReportFilters, organisations: dict[int, str], processes: dict[str, str], now: datetime
) -> list[tuple[str, str]]:
    """The filter as (label, value) lines, printed above an exported table."""
    organisation = organisations.get(filters.organisation_id or -1, N_("Al uw organisaties"))
    process = processes.get(filters.process_id or "", N_("Alle procedures"))
    kind = deadline_kind_label(filters.deadline_kind) if filters.deadline_kind else N_("Alle termijnsoorten")
    return [
        (N_("Organisatie"), organisation),
        (N_("Procedure"), process),
        (N_("Termijnsoort"), kind),
        (N_("Periode"), f"{filters.month_from} – {filters.month_to}"),
        (N_("Stand op"), f"{now.astimezone(AMSTERDAM):%d-%m-%Y %H:%M}"),
    ]


@dataclass
class Tally:
    """Open work of one row: instances, tasks per bucket and the earliest overdue due date."""

    instances: int = 0
    buckets: Counter[str] = field(default_factory=Counter)
    earliest_overdue: datetime | None = None

    def add(self, bucket: str, n: int, earliest: datetime | None) -> None:
        self.buckets[bucket] += n
        overdue = bucket in OVERDUE_BUCKETS and earliest is not None
        if overdue and (self.earliest_overdue is None or earliest < self.earliest_overdue):  # type: ignore[operator]
            self.earliest_overdue = earliest

    @property
    def tasks(self) -> int:
        return sum(self.buckets.values())

    @property
    def overdue(self) -> int:
        return sum(self.buckets[bucket] for bucket in OVERDUE_BUCKETS)

    def count(self, key: str) -> int:
        if key == "open_instances":
            return self.instances
        if key == "open_tasks":
            return self.tasks
        if key == "overdue":
            return self.overdue
        return self.buckets[key]

    def overdue_seconds(self, now: datetime) -> float | None:
        return (now - self.earliest_overdue).total_seconds() if self.earliest_overdue else None


@dataclass(frozen=True)
class Chart:
    labels: list[str]
    series: list[dict[str, Any]]  # {"name": Dutch text, "values": [numbers]}, as _macros/charts.html takes
    links: list[ListLink | None] = field(default_factory=list)  # per label, when a bar has a list behind it


def count_row(
    key: str, label: str, tally: Tally, now: datetime, params: dict[str, str], *, instances: bool = True
) -> dict[str, Any]:
    """One row of open work; ``params`` are the list parameters of this row (its process, organisation…)."""
    row: dict[str, Any] = {key: label, "longest_overdue": tally.overdue_seconds(now)}
    links: dict[str, ListLink] = {}
    if instances:
        row["open_instances"] = tally.instances
        instance_params = {k: v for k, v in params.items() if k != "termijn"}
        links["open_instances"] = ListLink("instances", instance_params)
    for column, bucket in _TASK_BUCKETS.items():
        row[column] = tally.count(column)
        links[column] = ListLink("tasks", {**params, "bucket": bucket} if bucket else dict(params))
    row["_links"] = links
    return row


def count_table(
    name: str,
    title: str,
    first: tuple[str, str],
    rows: list[dict[str, Any]],
    total: tuple[Tally, ReportFilters, datetime],
    shown: list[tuple[str, str]],
    *,
    instances: bool = True,
) -> ReportTable:
    """A table of open work with a total row; ``first`` is the key and label of the column that names each
    row, ``total`` the tally of everything with the filter and instant it was counted under."""
    tally, filters, now = total
    columns = (Column(*first), *((_INSTANCE_COLUMN,) if instances else ()), *_TASK_COLUMNS)
    summed = count_row(first[0], TOTAL, tally, now, list_params(filters), instances=instances)
    return ReportTable(name, title, columns, [*rows, summed], shown)


def kind_rows(
    filters: ReportFilters, by_kind: dict[str | None, Tally], now: datetime
) -> list[dict[str, Any]]:
    """Per deadline kind, by label; tasks without a deadline kind last. Their row links to the tasks
    without a due date: the filter has no value for "no kind"."""
    kinds = sorted((k for k in by_kind if k), key=lambda k: deadline_kind_label(k).lower())
    rows = [
        count_row(
            "kind", deadline_kind_label(k), by_kind[k], now, list_params(filters, termijn=k), instances=False
        )
        for k in kinds
    ]
    if None in by_kind:
        row = count_row("kind", deadline_kind_label(None), by_kind[None], now, {}, instances=False)
        row["_links"] = {"open_tasks": ListLink("tasks", list_params(filters, bucket=NO_DUE))}
        rows.append(row)
    return rows


def overdue_table(
    filters: ReportFilters, total: Tally, now: datetime, shown: list[tuple[str, str]]
) -> ReportTable:
    """How long overdue: under a week, one to four weeks, longer; and all overdue together."""
    rows = []
    for bucket in (*OVERDUE_BUCKETS, OVERDUE):
        n = total.overdue if bucket == OVERDUE else total.buckets[bucket]
        link = ListLink("tasks", list_params(filters, bucket=bucket))
        rows.append({"bucket": BUCKET_LABELS[bucket], "open_tasks": n, "_links": {"open_tasks": link}})
    rows[-1]["bucket"] = N_("Totaal te laat")
    rows[-1]["longest_overdue"] = total.overdue_seconds(now)
    columns = (
        Column("bucket", N_("Over de termijn")),
        Column("open_tasks", N_("Open taken"), "int"),
        Column("longest_overdue", N_("Langst te laat"), "duration"),
    )
    return ReportTable("dashboard-te-laat", N_("Hoe lang over de termijn"), columns, rows, shown)


def trend_table(
    filters: ReportFilters, counts: dict[tuple[str, str], int], shown: list[tuple[str, str]]
) -> ReportTable:
    rows = []
    for month in months_between(filters.month_from, filters.month_to):
        row: dict[str, Any] = {"month": month}
        for measure in TREND_MEASURES:
            row[measure] = counts.get((month, measure), 0)
        done = row[TASK_COMPLETED]
        row["late_share"] = row[TASK_COMPLETED_LATE] / done if done else None
        rows.append(row)
    return ReportTable("dashboard-trend", N_("Per maand"), _TREND_COLUMNS, rows, shown)


def process_chart(rows: list[dict[str, Any]], label_key: str) -> Chart:
    """Open tasks per row, split by where they stand against their deadline."""
    series = [
        {"name": BUCKET_LABELS[OVERDUE], "values": [row["overdue"] for row in rows]},
        {"name": BUCKET_LABELS[DUE_WEEK], "values": [row["due_week"] for row in rows]},
        {"name": BUCKET_LABELS[LATER], "values": [row["later"] for row in rows]},
        {"name": BUCKET_LABELS[NO_DUE], "values": [row["no_due"] for row in rows]},
    ]
    links: list[ListLink | None] = [row["_links"]["open_tasks"] for row in rows]
    return Chart([row[label_key] for row in rows], series, links)


def overdue_chart(table: ReportTable) -> Chart:
    rows = table.rows[: len(OVERDUE_BUCKETS)]  # not the total
    return Chart(
        [row["bucket"] for row in rows],
        [{"name": N_("Open taken"), "values": [row["open_tasks"] for row in rows]}],
        [row["_links"]["open_tasks"] for row in rows],
    )


def trend_chart(table: ReportTable) -> Chart:
    series = [
        {"name": column.label, "values": [row[column.key] for row in table.rows]}
        for column in table.columns
        if column.key in TREND_MEASURES
    ]
    return Chart([row["month"] for row in table.rows], series)
