"""Downloads of the managers' lists and tables: each one is written to the export log (who, when, what, with
which filter, for which purpose) and to the audit log, in one transaction, before the file leaves.

The export log answers the covenant's question "who took which statistics out, and why" (art. 12.5): the
FG, who answers for the anonymisation, sees every export; a manager sees their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied
from webapp.domain.messages import N_, Message
from webapp.domain.register_specs import REGISTERS
from webapp.domain.roles import Role
from webapp.domain.statistics import deadline_kind_label
from webapp.persistence.models import ExportLog, Organisation, ProcessDefinition, User
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.policy_stats import GROUPINGS

FORMATS = ("csv", "xlsx")
PURPOSE_MIN, PURPOSE_MAX = 10, 500
PAGE_SIZE = 50

# The query parameters of the managers' filters, as the export log names them.
FILTER_LABELS: dict[str, str] = {
    "register": N_("Register"),
    "organisatie": N_("Organisatie"),
    "proces": N_("Procedure"),
    "van": N_("Van"),
    "tot": N_("Tot en met"),
    "termijn": N_("Termijnsoort"),
    "per": N_("Indeling"),
}


def purpose_error(purpose: str) -> str:
    """A Dutch message when the purpose of an export is missing, too short or too long ("" when fine)."""
    text = purpose.strip()
    if not text:
        return N_("Vul in waarvoor u deze cijfers exporteert.")
    if len(text) < PURPOSE_MIN:
        return Message("Beschrijf het doel in minstens {count} tekens.", count=PURPOSE_MIN)
    if len(text) > PURPOSE_MAX:
        return Message(
            "Beschrijf het doel in hoogstens {count} tekens (nu {length}).",
            count=PURPOSE_MAX,
            length=len(text),
        )
    return ""


def record_export(
    ctx: ServiceContext,
    actor: Actor,
    *,
    report: str,
    fmt: str,
    params: dict[str, str],
    rows: int,
    purpose: str | None = None,
    origin: Origin | None = None,
) -> None:
    """Write the export to the export log and the audit log, both or neither."""
    with ctx.db.write() as session:
        session.add(
            ExportLog(
                user_id=actor.user_id,
                at=ctx.clock.now(),
                report=report,
                filters=dict(params),
                format=fmt,
                rows=rows,
                purpose=purpose.strip() if purpose else None,
            )
        )
        audit(
            session,
            ctx,
            "report.exported",
            Action.EXPORT,
            actor_id=actor.user_id,
            origin=origin,
            object_type="report",
            object_id=report,
            # The purpose stays in the export log: it is typed text and the audit chain is kept longer.
            details={"formaat": fmt, "regels": str(rows), "filter": urlencode(sorted(params.items()))},
        )


@dataclass(frozen=True)
class ExportLogEntry:
    at: datetime
    user: str  # display name
    report: str
    filters: list[tuple[str, str]]  # (Dutch label, value as read)
    format: str
    rows: int
    purpose: str | None


@dataclass(frozen=True)
class ExportLogPage:
    entries: list[ExportLogEntry]
    everyone: bool  # True for the FG (every export), False for a manager (their own)
    page: int
    pages: int
    total: int

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.entries)


def list_export_log(
    ctx: ServiceContext, actor: Actor, page: int = 1, origin: Origin | None = None
) -> ExportLogPage:
    """One page of the export log, newest first; reading it is audited like any search."""
    everyone = Role.FG in actor.roles
    if not everyone and Role.MANAGER not in actor.roles:
        reason = N_("Alleen een manager (eigen exports) of de FG (alle exports) ziet het exportlogboek.")
        audit_denial(
            ctx, "report.export_log", Action.SEARCH, reason, actor_id=actor.user_id, object_type="report"
        )
        raise AccessDenied(reason)
    with ctx.db.write() as session:
        query = select(ExportLog, User.display_name).join(User, User.id == ExportLog.user_id)
        counted = select(func.count()).select_from(ExportLog)
        if not everyone:
            query = query.where(ExportLog.user_id == actor.user_id)
            counted = counted.where(ExportLog.user_id == actor.user_id)
        total = session.scalar(counted) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        rows = session.execute(
            query.order_by(ExportLog.at.desc(), ExportLog.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        names = _filter_names(session)
        entries = [
            ExportLogEntry(
                log.at,
                name,
                log.report,
                describe_filter(log.filters, names),
                log.format,
                log.rows,
                log.purpose,
            )
            for log, name in rows
        ]
        audit(
            session,
            ctx,
            "report.export_log",
            Action.SEARCH,
            actor_id=actor.user_id,
            origin=origin,
            object_type="report",
            object_id="exportlog",
            details={"pagina": str(page), "bereik": "alle" if everyone else "eigen"},
        )
    return ExportLogPage(entries, everyone, page, pages, total)


def _filter_names(session: Session) -> dict[str, dict[str, str]]:
    """Names for the ids and codes a stored filter holds, so the log reads as the page did."""
    processes: dict[str, str] = {}
    for process_id, name in session.execute(
        select(ProcessDefinition.process_id, ProcessDefinition.name).order_by(ProcessDefinition.version)
    ):
        processes[process_id] = name
    return {
        "organisatie": {str(i): n for i, n in session.execute(select(Organisation.id, Organisation.name))},
        "proces": processes,
        "register": {kind: spec.title for kind, spec in REGISTERS.items()},
        "per": GROUPINGS,
    }


def describe_filter(
    params: Mapping[str, object], names: Mapping[str, Mapping[str, str]]
) -> list[tuple[str, str]]:
    """A stored filter as (label, value) pairs: known parameters first, in a fixed order, then the rest."""
    ordered = [key for key in FILTER_LABELS if key in params] + sorted(
        k for k in params if k not in FILTER_LABELS
    )
    described = []
    for key in ordered:
        value = str(params[key])
        read = deadline_kind_label(value) if key == "termijn" else names.get(key, {}).get(value, value)
        described.append((FILTER_LABELS.get(key, key), read))
    return described
