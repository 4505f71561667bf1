"""The deadlines behind a number of the compliance page (issue 7 item 2): process, organisation, when the
term began and ended, when it was met, the outcome and how late, with a link to the instance's progress
page. Instants and names only, never case contents; every view is audited as a search."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.compliance import DEADLINE_KIND_LABELS, OUTCOME_LABELS, DeadlineKind, Outcome
from webapp.domain.compliance import outcome as outcome_at
from webapp.domain.messages import N_, Message
from webapp.persistence.models import DeadlineRecord
from webapp.services.compliance_scope import (
    ReportScope,
    deadline_where,
    open_report_scope,
    outcome_conditions,
)
from webapp.services.context import Origin, ServiceContext, audit
from webapp.services.filter_values import shown
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import Column, ReportTable

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
START_LABELS: dict[DeadlineKind, str] = {
    DeadlineKind.BREACH_AP: N_("Ontdekt op"),
    DeadlineKind.SUBJECT_REQUEST: N_("Ontvangen op"),
    DeadlineKind.CONSENT_ANSWER: N_("Gevraagd op"),
}


@dataclass(frozen=True)
class CompliancePage:
    table: ReportTable
    total: int
    page: int
    pages: int
    kind: str | None  # the kind and outcome filtered on (None: not filtered, or not understood)
    outcome: str | None
    messages: list[str]  # Dutch, about the kind or outcome that was not understood

    @property
    def outcome_label(self) -> str | None:
        return OUTCOME_LABELS[Outcome(self.outcome)] if self.outcome else None


def compliance_list(
    ctx: ServiceContext,
    actor: Actor,
    filters: ReportFilters,
    kind: str,
    outcome: str | None,
    page: int,
    *,
    all_rows: bool = False,
    origin: Origin | None = None,
) -> CompliancePage:
    """The deadlines behind a count, 50 per page (or up to EXPORT_LIMIT with ``all_rows``, for exports);
    audited as a search. An unknown kind or outcome gives a Dutch message and is not filtered on."""
    messages: list[str] = []
    chosen_kind = _known(kind, DeadlineKind, messages, N_("De termijnsoort ‘{text}’ bestaat niet."))
    chosen_outcome = _known(outcome, Outcome, messages, N_("De uitkomst ‘{text}’ bestaat niet."))
    now = ctx.clock.now()
    with open_report_scope(ctx, actor, filters, "report.deadlines", origin, action=Action.SEARCH) as scope:
        where = deadline_where(scope)
        if chosen_kind is not None:
            where.append(DeadlineRecord.kind == chosen_kind.value)
        if chosen_outcome is not None:
            where.append(outcome_conditions(now)[chosen_outcome])
        total = int(scope.session.scalar(select(func.count()).select_from(DeadlineRecord).where(*where)) or 0)
        size = EXPORT_LIMIT if all_rows else PAGE_SIZE
        pages = max(1, math.ceil(total / size))
        page = min(max(page, 1), pages)
        query = (
            select(DeadlineRecord)
            .where(*where)
            .order_by(DeadlineRecord.due_at, DeadlineRecord.id)
            .offset((page - 1) * size)
            .limit(size)
        )
        records = list(scope.session.scalars(query))
        _audit_list(ctx, scope, chosen_kind, chosen_outcome, page, origin)
    if all_rows and total > EXPORT_LIMIT:
        messages.append(Message("Alleen de eerste {limit} regels zijn meegenomen.", limit=EXPORT_LIMIT))
    rows = [_list_row(record, now, scope) for record in records]
    table = _list_table(rows, chosen_kind, scope, truncated=total > len(rows))
    kind_value = chosen_kind.value if chosen_kind else None
    outcome_value = chosen_outcome.value if chosen_outcome else None
    return CompliancePage(table, total, page, pages, kind_value, outcome_value, messages)


_Choice = TypeVar("_Choice", DeadlineKind, Outcome)


def _known(text: str | None, choices: type[_Choice], messages: list[str], template: str) -> _Choice | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return choices(value)
    except ValueError:
        messages.append(Message(template, text=shown(value)))
        return None


def _audit_list(
    ctx: ServiceContext,
    scope: ReportScope,
    kind: DeadlineKind | None,
    outcome: Outcome | None,
    page: int,
    origin: Origin | None,
) -> None:
    details = {**scope.filters.as_params(), "pagina": str(page)}
    if kind is not None:
        details["soort"] = kind.value
    if outcome is not None:
        details["uitkomst"] = outcome.value
    audit(
        scope.session,
        ctx,
        "report.deadlines",
        Action.SEARCH,
        actor_id=scope.actor.user_id,
        origin=origin,
        object_type="report",
        object_id="deadlines",
        details=details,
    )


def _list_row(record: DeadlineRecord, now: datetime, scope: ReportScope) -> dict[str, Any]:
    final = record.extended_due_at or record.due_at
    result = _outcome_of(record, now)
    late = None
    if result == Outcome.LATE and record.met_at is not None:
        late = (record.met_at - final).total_seconds()
    elif result == Outcome.OPEN_OVERDUE:
        late = (now - final).total_seconds()
    return {
        "process": scope.process_name(record.process_id),
        "organisation": scope.organisation_name(record.organisation_id),
        "kind": DEADLINE_KIND_LABELS.get(DeadlineKind(record.kind), record.kind),
        "started_at": record.started_at,
        "due_at": record.due_at,
        "extended_due_at": record.extended_due_at,
        "met_at": record.met_at,
        "outcome": OUTCOME_LABELS[result],
        "late": late,
        # The instance's progress page: structure and dates, no case data (charts.html resolves it).
        "progress": {
            "text": N_("Voortgang"),
            "endpoint": "instances.diagram",
            "args": {"instance_id": record.instance_id},
        },
    }


def _outcome_of(record: DeadlineRecord, now: datetime) -> Outcome:
    return outcome_at(record.due_at, record.extended_due_at, record.met_at, now)


def _list_table(
    rows: list[dict[str, Any]], kind: DeadlineKind | None, scope: ReportScope, *, truncated: bool
) -> ReportTable:
    start = START_LABELS[kind] if kind is not None else N_("Begin van de termijn")
    columns = (
        Column("process", N_("Procedure")),
        Column("organisation", N_("Organisatie")),
        Column("kind", N_("Termijn")),
        Column("started_at", start, "datetime"),
        Column("due_at", N_("Uiterlijk"), "datetime"),
        Column("extended_due_at", N_("Verlengd tot"), "datetime"),
        Column("met_at", N_("Afgehandeld op"), "datetime"),
        Column("outcome", N_("Uitkomst")),
        Column("late", N_("Te laat"), "duration"),
        Column("progress", N_("Voortgang"), "link"),
    )
    title = DEADLINE_KIND_LABELS[kind] if kind is not None else N_("Termijnen")
    return ReportTable("termijnen-lijst", title, columns, rows, scope.lines, truncated)
