"""Deadline compliance for managers (issue 7 item 2): per month, organisation and kind of legal deadline, how
many were met on time, after a timely extension, late, or are still open, and the share on time.

Read from ``deadline_record`` (one row per legal deadline of a case, kept by services/statistics.py) with one
grouped query whose CASE expressions decide the outcome the way ``domain.compliance.outcome`` does; the
covering index ix_deadline_record_stats answers it without touching the cases. Counts and dates only: the
lists behind the numbers show process, organisation and the instants, never case contents.

The share on time is *met on time ÷ (finished + still open past the term)*: a deadline still running inside
its term has no outcome yet and is left out, an open one past its term already counts as missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select

from webapp.domain.access import Actor
from webapp.domain.compliance import DEADLINE_KIND_LABELS, OUTCOME_LABELS, DeadlineKind, Outcome
from webapp.domain.messages import N_
from webapp.domain.statistics import months_between
from webapp.persistence.models import DeadlineRecord
from webapp.services.compliance_list import CompliancePage, compliance_list
from webapp.services.compliance_scope import (
    ReportScope,
    deadline_where,
    open_report_scope,
    percent,
)
from webapp.services.context import Origin, ServiceContext
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import Column, ReportTable

# The list behind a number lives in compliance_list.py; both are this report's service.
__all__ = ["CompliancePage", "ComplianceView", "Measure", "Tally", "compliance_list", "deadline_compliance"]

OUTCOMES = tuple(Outcome)
LIST_ENDPOINT = "reports.deadlines"  # the web page of the list behind a number
FINISHED = (Outcome.ON_TIME, Outcome.ON_TIME_EXTENDED, Outcome.LATE)

# One plain sentence per measure with its legal source, shown above the figures.
MEASURE_TEXTS: dict[DeadlineKind, str] = {
    DeadlineKind.BREACH_AP: N_(
        "Een datalek dat gemeld moet worden, is binnen 72 uur na de ontdekking gemeld bij de Autoriteit "
        "Persoonsgegevens (AVG art. 33 lid 1)."
    ),
    DeadlineKind.SUBJECT_REQUEST: N_(
        "Een verzoek van een betrokkene is binnen 4 weken na ontvangst beantwoord, of binnen de met 2 "
        "maanden verlengde termijn als de verlenging op tijd is gemeld (AVG art. 12 lid 3; convenant art. 15 "
        "lid 4)."
    ),
    DeadlineKind.CONSENT_ANSWER: N_(
        "Een toestemmingsverzoek is beantwoord vóór de herinnering die de procedure toestemming 7 dagen na "
        "het vragen stuurt."
    ),
}
# The chart legend has room for about 26 characters; the table next to it carries the full labels.
CHART_NAMES: dict[str, str] = {
    "breach_ap": N_("Datalek: AP binnen 72 uur"),
    "subject_request": N_("Verzoek: binnen 4 weken"),
    "subject_request_extended": N_("Verzoek: verlengde termijn"),
    "consent_answer": N_("Toestemming binnen 7 dagen"),
}
DENOMINATOR_TEXT = N_(
    "Aandeel op tijd = op tijd afgehandeld ÷ (alle afgehandelde + de nog open termijnen die al verstreken "
    "zijn). Termijnen die nog lopen, tellen niet mee. Elke termijn telt in de maand waarin hij begon "
    "(ontdekking, ontvangst of verzoek)."
)

_COUNT_COLUMNS = (
    Column(Outcome.ON_TIME.value, OUTCOME_LABELS[Outcome.ON_TIME], "int"),
    Column(Outcome.ON_TIME_EXTENDED.value, OUTCOME_LABELS[Outcome.ON_TIME_EXTENDED], "int"),
    Column(Outcome.LATE.value, OUTCOME_LABELS[Outcome.LATE], "int"),
    Column(Outcome.OPEN_OVERDUE.value, OUTCOME_LABELS[Outcome.OPEN_OVERDUE], "int"),
    Column(Outcome.OPEN.value, OUTCOME_LABELS[Outcome.OPEN], "int"),
    Column("denominator", N_("Telt mee voor het aandeel"), "int"),
    Column("share_on_time", N_("Aandeel op tijd"), "percent"),
    Column("share_in_term", N_("Aandeel binnen de (verlengde) termijn"), "percent"),
)


@dataclass
class Tally:
    """The counts per outcome of a group of deadlines, and the shares read from them."""

    counts: dict[Outcome, int] = field(default_factory=dict)

    def add(self, outcome: Outcome, n: int) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + n

    def n(self, outcome: Outcome) -> int:
        return self.counts.get(outcome, 0)

    @property
    def denominator(self) -> int:
        return sum(self.n(o) for o in FINISHED) + self.n(Outcome.OPEN_OVERDUE)

    @property
    def share_on_time(self) -> float | None:
        """Met within the first term (a fraction, None when nothing counts yet)."""
        return self.n(Outcome.ON_TIME) / self.denominator if self.denominator else None

    @property
    def share_in_term(self) -> float | None:
        """Met within the term that applied, the extended one included."""
        met = self.n(Outcome.ON_TIME) + self.n(Outcome.ON_TIME_EXTENDED)
        return met / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Measure:
    kind: DeadlineKind
    label: str
    explanation: str
    tally: Tally
    links: dict[str, dict[str, str]]  # outcome (or "all") -> query parameters of the list behind it


@dataclass(frozen=True)
class ComplianceView:
    filters: ReportFilters
    months: list[str]
    measures: list[Measure]
    summary: ReportTable  # per kind over the whole period
    per_month: ReportTable  # per month × kind (on the page)
    per_organisation: ReportTable  # per organisation × kind over the period (on the page)
    # Per month × organisation × kind: a download only, built when asked (13 organisations × 12 months × 3
    # kinds is 468 rows with a link per count, too many to read on a page and the bulk of its time).
    detail_table: Callable[[], ReportTable]
    trend: ReportTable  # the chart's numbers: share on time per month per kind
    chart_labels: list[str]
    chart_series: list[dict[str, Any]]  # {"name": short Dutch label, "values": [percent or None per month]}
    denominator_text: str = DENOMINATOR_TEXT

    @property
    def table(self) -> ReportTable:
        return self.detail_table()


def deadline_compliance(
    ctx: ServiceContext, actor: Actor, filters: ReportFilters, origin: Origin | None = None
) -> ComplianceView:
    """Compliance per month, organisation and kind for the manager's organisations (AccessDenied, audited,
    for anyone else)."""
    now = ctx.clock.now()
    record = DeadlineRecord
    group = (record.kind, record.month, record.organisation_id)
    with open_report_scope(ctx, actor, filters, "report.compliance", origin) as scope:
        # Met deadlines carry their outcome: counted in the index's order. Open ones are read against now.
        met = scope.session.execute(
            select(*group, record.outcome, func.count())
            .where(*deadline_where(scope), record.outcome.is_not(None))
            .group_by(*group, record.outcome)
        )
        counts: dict[tuple[str, str, int], dict[Outcome, int]] = {}
        for kind, month, organisation_id, outcome, n in met:
            counts.setdefault((kind, month, organisation_id), {})[Outcome(str(outcome))] = int(n)
        past_term = func.coalesce(record.extended_due_at, record.due_at) < now
        still_open = scope.session.execute(
            select(*group, func.sum(case((past_term, 1), else_=0)), func.count())
            .where(*deadline_where(scope), record.outcome.is_(None))
            .group_by(*group)
        )
        for kind, month, organisation_id, overdue, n in still_open:
            cell = counts.setdefault((kind, month, organisation_id), {})
            cell[Outcome.OPEN_OVERDUE] = int(overdue or 0)
            cell[Outcome.OPEN] = int(n) - int(overdue or 0)
        rows = [
            (kind, month, organisation_id, cell) for (kind, month, organisation_id), cell in counts.items()
        ]
    return shape_compliance(rows, scope)


def shape_compliance(
    rows: Iterable[tuple[str, str, int, Mapping[Outcome, int]]], scope: ReportScope
) -> ComplianceView:
    """The page's measures, tables and chart from the grouped counts (kind, month, organisation, counts)."""
    filters = scope.filters
    months = months_between(filters.month_from, filters.month_to)
    by_kind = {kind: Tally() for kind in DeadlineKind}
    by_month = {(kind, month): Tally() for kind in DeadlineKind for month in months}
    cells: dict[tuple[str, int, DeadlineKind], Tally] = {}
    by_organisation: dict[tuple[int, DeadlineKind], Tally] = {}
    for kind_text, month, organisation_id, counts in rows:
        kind = DeadlineKind(kind_text)
        cell = cells.setdefault((month, organisation_id, kind), Tally())
        per_organisation = by_organisation.setdefault((organisation_id, kind), Tally())
        for outcome, n in counts.items():
            for tally in (by_kind[kind], by_month.setdefault((kind, month), Tally()), cell, per_organisation):
                tally.add(outcome, n)
    measures = [_measure(kind, by_kind[kind], filters.as_params()) for kind in DeadlineKind]
    summary_rows = [
        _count_row(m.tally, m.kind, {"kind": DEADLINE_KIND_LABELS[m.kind]}, m.links) for m in measures
    ]
    month_rows = [
        _count_row(
            by_month[(kind, month)],
            kind,
            {"month": month, "kind": DEADLINE_KIND_LABELS[kind]},
            _links(kind, {**filters.as_params(), "van": month, "tot": month}),
        )
        for month in months
        for kind in DeadlineKind
        if by_month[(kind, month)].counts
    ]
    organisation_rows = [
        _count_row(
            tally,
            kind,
            {"organisation": scope.organisation_name(organisation_id), "kind": DEADLINE_KIND_LABELS[kind]},
            _links(kind, {**filters.as_params(), "organisatie": str(organisation_id)}),
        )
        for (organisation_id, kind), tally in sorted(
            by_organisation.items(), key=lambda item: (scope.organisation_name(item[0][0]), item[0][1])
        )
    ]
    shares = _shares(months, by_month)
    return ComplianceView(
        filters=filters,
        months=months,
        measures=measures,
        summary=_summary_table(summary_rows, scope),
        per_month=_grouped_table("month", N_("Maand"), N_("Termijnen per maand"), month_rows, scope),
        per_organisation=_grouped_table(
            "organisation", N_("Organisatie"), N_("Termijnen per organisatie"), organisation_rows, scope
        ),
        detail_table=lambda: _detail_table(_detail_rows(cells, scope), scope),
        trend=_trend_table(months, shares, scope),
        chart_labels=months,
        chart_series=[
            {"name": CHART_NAMES[key], "values": [percent(v) for v in values]} for key, _, values in shares
        ],
    )


def _detail_rows(
    cells: dict[tuple[str, int, DeadlineKind], Tally], scope: ReportScope
) -> list[dict[str, Any]]:
    filters = scope.filters
    detail_rows = []
    for (month, organisation_id, kind), tally in sorted(
        cells.items(), key=lambda item: (item[0][0], scope.organisation_name(item[0][1]), item[0][2])
    ):
        params = {**filters.as_params(), "van": month, "tot": month, "organisatie": str(organisation_id)}
        head = {
            "month": month,
            "organisation": scope.organisation_name(organisation_id),
            "kind": DEADLINE_KIND_LABELS[kind],
        }
        detail_rows.append(_count_row(tally, kind, head, _links(kind, params)))
    return detail_rows


def _links(kind: DeadlineKind, params: dict[str, str]) -> dict[str, dict[str, str]]:
    """The query parameters of the list behind each count (by outcome, and "all")."""
    links = {o.value: {**params, "soort": kind.value, "uitkomst": o.value} for o in OUTCOMES}
    links["all"] = {**params, "soort": kind.value}
    return links


def _measure(kind: DeadlineKind, tally: Tally, params: dict[str, str]) -> Measure:
    return Measure(kind, DEADLINE_KIND_LABELS[kind], MEASURE_TEXTS[kind], tally, _links(kind, params))


def _count_row(
    tally: Tally, kind: DeadlineKind, head: dict[str, Any], links: dict[str, dict[str, str]]
) -> dict[str, Any]:
    row: dict[str, Any] = {**head, **{o.value: tally.n(o) for o in OUTCOMES}}
    row["denominator"] = tally.denominator
    row["share_on_time"] = tally.share_on_time
    # Only a data-subject request can be extended; for the others the second share would repeat the first.
    row["share_in_term"] = tally.share_in_term if kind == DeadlineKind.SUBJECT_REQUEST else None
    # Not columns: each count links to its list (charts.html's data_table resolves the endpoint).
    row["_links"] = {o.value: {"endpoint": LIST_ENDPOINT, "args": links[o.value]} for o in OUTCOMES}
    return row


def _summary_table(rows: list[dict[str, Any]], scope: ReportScope) -> ReportTable:
    columns = (Column("kind", N_("Termijn")), *_COUNT_COLUMNS)
    return ReportTable(
        "termijnen-overzicht", N_("Termijnen over de hele periode"), columns, rows, scope.lines
    )


def _grouped_table(
    key: str, label: str, title: str, rows: list[dict[str, Any]], scope: ReportScope
) -> ReportTable:
    columns = (Column(key, label), Column("kind", N_("Termijn")), *_COUNT_COLUMNS)
    name = "termijnen-per-maand" if key == "month" else "termijnen-per-organisatie"
    return ReportTable(name, title, columns, rows, scope.lines)


def _detail_table(rows: list[dict[str, Any]], scope: ReportScope) -> ReportTable:
    columns = (
        Column("month", N_("Maand")),
        Column("organisation", N_("Organisatie")),
        Column("kind", N_("Termijn")),
        *_COUNT_COLUMNS,
    )
    title = N_("Termijnen per maand en organisatie")
    return ReportTable("termijnen-per-maand-en-organisatie", title, columns, rows, scope.lines)


def _shares(
    months: list[str], by_month: dict[tuple[DeadlineKind, str], Tally]
) -> list[tuple[str, str, list[float | None]]]:
    """Share on time per month per kind (key, label, fractions); a month without any counted deadline has
    none. A data-subject request also gets its share within the extended term."""
    series: list[tuple[str, str, list[float | None]]] = []
    for kind in DeadlineKind:
        tallies = [by_month[(kind, month)] for month in months]
        series.append((kind.value, DEADLINE_KIND_LABELS[kind], [t.share_on_time for t in tallies]))
        if kind == DeadlineKind.SUBJECT_REQUEST:
            name = N_("Verzoek van betrokkene beantwoord binnen de verlengde termijn")
            series.append((f"{kind.value}_extended", name, [t.share_in_term for t in tallies]))
    return series


def _trend_table(
    months: list[str], shares: list[tuple[str, str, list[float | None]]], scope: ReportScope
) -> ReportTable:
    columns = (Column("month", N_("Maand")), *(Column(key, name, "percent") for key, name, _ in shares))
    rows = [
        {"month": month, **{key: values[i] for key, _, values in shares}} for i, month in enumerate(months)
    ]
    title = N_("Aandeel op tijd per maand")
    return ReportTable("termijnen-aandeel-per-maand", title, columns, rows, scope.lines)
