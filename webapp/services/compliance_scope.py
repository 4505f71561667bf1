"""What the compliance and lead-time reports share: the access check (a refusal is audited), the
organisations the reader follows within the filter, the names of organisations and processes, the filter as
the lines an export prints above its table, and the outcome of a deadline record as SQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.compliance import DeadlineKind, Outcome
from webapp.domain.errors import AccessDenied
from webapp.domain.messages import N_, Message
from webapp.persistence.models import DeadlineRecord, Organisation, ProcessDefinition
from webapp.services.context import Origin, ServiceContext, audit_denial
from webapp.services.report_filters import ReportFilters


@dataclass(frozen=True)
class ReportScope:
    session: Session
    actor: Actor
    filters: ReportFilters
    organisation_ids: list[int]  # the reader's organisations, narrowed by the filter
    organisations: dict[int, str]
    processes: dict[str, str]  # process id -> name of its newest version
    lines: list[tuple[str, str]]  # the filter as (label, value) lines for the exports

    def organisation_name(self, organisation_id: int) -> str:
        return self.organisations.get(organisation_id, str(organisation_id))

    def process_name(self, process_id: str) -> str:
        return self.processes.get(process_id, process_id)


@contextmanager
def open_report_scope(
    ctx: ServiceContext,
    actor: Actor,
    filters: ReportFilters,
    event: str,
    origin: Origin | None = None,
    *,
    action: Action = Action.READ,
) -> Iterator[ReportScope]:
    """A transaction over the reader's part of the statistics; AccessDenied (audited) unless they may view
    the managers' reports. A search (``action`` SEARCH) writes its audit line in this transaction."""
    decision = access.may_view_reports(actor)
    if not decision:
        audit_denial(
            ctx,
            event,
            action,
            decision.reason,
            actor_id=actor.user_id,
            origin=origin,
            object_type="report",
            object_id=event.removeprefix("report."),
        )
        raise AccessDenied(decision.reason)
    own = access.report_organisations(actor)
    if filters.organisation_id is not None:
        # The filter was checked against the reader's choices; one from elsewhere finds nothing.
        own = [o for o in own if o == filters.organisation_id]
    opener = ctx.db.write if action == Action.SEARCH else ctx.db.read
    with opener() as session:
        organisations = {
            organisation_id: name
            for organisation_id, name in session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(own))
            )
        }
        processes: dict[str, str] = {}
        for process_id, name in session.execute(
            select(ProcessDefinition.process_id, ProcessDefinition.name).order_by(ProcessDefinition.version)
        ):
            processes[process_id] = name  # the newest version's name wins
        lines = filter_lines(filters, organisations, processes)
        yield ReportScope(session, actor, filters, own, organisations, processes, lines)


def filter_lines(
    filters: ReportFilters, organisations: dict[int, str], processes: dict[str, str]
) -> list[tuple[str, str]]:
    """The filter as an export prints it above the table."""
    organisation = (
        organisations.get(filters.organisation_id, str(filters.organisation_id))
        if filters.organisation_id is not None
        else N_("alle eigen organisaties")
    )
    process = (
        processes.get(filters.process_id, filters.process_id) if filters.process_id else N_("alle procedures")
    )
    period = Message("{first} t/m {last}", first=filters.month_from, last=filters.month_to)
    return [(N_("Organisatie"), organisation), (N_("Procedure"), process), (N_("Periode"), period)]


def percent(fraction: float | None) -> float | None:
    """A share as a percentage with one decimal, for the charts (None stays None: nothing to count)."""
    return None if fraction is None else round(fraction * 100, 1)


def outcome_conditions(now: datetime) -> dict[Outcome, ColumnElement[bool]]:
    """``domain.compliance.outcome`` as SQL conditions, one per outcome (they exclude each other)."""
    record = DeadlineRecord
    final = func.coalesce(record.extended_due_at, record.due_at)
    return {
        Outcome.ON_TIME: record.met_at <= record.due_at,
        Outcome.ON_TIME_EXTENDED: and_(
            record.met_at > record.due_at, record.met_at <= record.extended_due_at
        ),
        Outcome.LATE: record.met_at > final,
        Outcome.OPEN_OVERDUE: and_(record.met_at.is_(None), final < now),
        Outcome.OPEN: and_(record.met_at.is_(None), final >= now),
    }


def deadline_where(scope: ReportScope) -> list[ColumnElement[bool]]:
    """The deadline records in the reader's scope and the filter's period and process."""
    filters = scope.filters
    where = [
        DeadlineRecord.kind.in_([kind.value for kind in DeadlineKind]),
        DeadlineRecord.month >= filters.month_from,
        DeadlineRecord.month <= filters.month_to,
        DeadlineRecord.organisation_id.in_(scope.organisation_ids),
    ]
    if filters.process_id:
        where.append(DeadlineRecord.process_id == filters.process_id)
    return where
