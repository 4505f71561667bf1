"""The FG's audit search (NEN 7513 'organisation view'; BIO 8.15): the audit lines of an organisation.

An FG (or administrator) of an organisation sees what its people did and everything done with its cases,
filtered, newest first, 50 a page, and exports the filtered list. Searching and exporting the audit are
themselves audited: who looked at whose log is a log line too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.domain.messages import Message
from webapp.domain.roles import Role
from webapp.persistence.models import (
    AuditEvent,
    BreakGlass,
    HumanTask,
    Membership,
    Organisation,
    ProcessInstance,
    User,
)
from webapp.services.audit_filters import FIELDS, AuditFilter, parse_audit_filter
from webapp.services.client_keys import case_client_key
from webapp.services.context import Origin, ServiceContext, audit, audit_denial

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000  # lines in one export; a longer period is exported in parts


@dataclass(frozen=True)
class AuditLine:
    """One audit line as a person reads it: names instead of ids, never the content of the data."""

    id: int
    at: datetime
    event: str
    action: str
    result: str
    actor: str | None  # display name; None for the system (timers)
    actor_username: str | None
    organisation: str | None
    role: str | None
    origin: str | None
    object_type: str | None
    object_id: str | None
    case_reference: str | None
    task_name: str | None
    reason: str | None
    details: dict[str, Any]

    @property
    def break_glass(self) -> bool:
        """Emergency access: the break-glass procedure itself, or a read allowed on a written reason."""
        return (
            self.action == Action.EMERGENCY_ACCESS
            or self.event.startswith("break_glass")
            or "break_glass" in self.details
        )


@dataclass(frozen=True)
class UserChoice:
    username: str
    name: str


@dataclass(frozen=True)
class AuditSearchPage:
    lines: list[AuditLine]
    filter: AuditFilter  # what is applied: empty when the request held a value that makes no sense
    form: dict[str, str]  # what the filter form shows: the values as they were sent
    errors: dict[str, str]
    total: int
    pages: int
    users: list[UserChoice]
    organisations: list[str]
    notices: list[str] = field(default_factory=list)

    @property
    def first_number(self) -> int:
        return (self.filter.page - 1) * PAGE_SIZE + 1 if self.lines else 0

    @property
    def last_number(self) -> int:
        return (self.filter.page - 1) * PAGE_SIZE + len(self.lines)


@dataclass(frozen=True)
class AuditExport:
    lines: list[AuditLine]
    filter: AuditFilter
    truncated: bool  # more lines matched than one export holds


def lines_query() -> Select[AuditEvent, str, str, str, str | None, str]:
    return (
        select(
            AuditEvent,
            User.display_name,
            User.username,
            Organisation.name,
            ProcessInstance.case_reference,
            HumanTask.name,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.actor_org_id)
        .outerjoin(ProcessInstance, ProcessInstance.id == AuditEvent.process_instance_id)
        .outerjoin(HumanTask, HumanTask.id == AuditEvent.task_id)
    )


def to_lines(session: Session, rows: Sequence[Any]) -> list[AuditLine]:
    """Audit lines, with the written reason of each break-glass grant they name read from its (encrypted)
    row: the audit chain itself holds only the grant's id."""
    lines = [to_line(row) for row in rows]
    grant_ids = {int(line.details["break_glass"]) for line in lines if "break_glass" in line.details}
    if not grant_ids:
        return lines
    grants = select(BreakGlass.id, BreakGlass.reason).where(BreakGlass.id.in_(grant_ids))
    reasons = {grant_id: reason for grant_id, reason in session.execute(grants)}
    return [
        replace(line, reason=reasons.get(int(line.details["break_glass"]), line.reason))
        if "break_glass" in line.details and not line.reason
        else line
        for line in lines
    ]


def to_line(row: Any) -> AuditLine:
    event, name, username, organisation, reference, task_name = row
    return AuditLine(
        id=event.id,
        at=event.at,
        event=event.event,
        action=event.action,
        result=event.result,
        actor=name,
        actor_username=username,
        organisation=organisation,
        role=event.actor_role,
        origin=event.origin,
        object_type=event.object_type,
        object_id=event.object_id,
        case_reference=reference,
        task_name=task_name,
        reason=event.reason,
        details=dict(event.details or {}),
    )


def _scope(organisations: list[int]) -> ColumnElement[bool]:
    """What the organisation's log holds: its people's actions, and every action on its cases."""
    its_instances = select(ProcessInstance.id).where(ProcessInstance.organisation_id.in_(organisations))
    return or_(AuditEvent.actor_org_id.in_(organisations), AuditEvent.process_instance_id.in_(its_instances))


def _conditions(
    ctx: ServiceContext, session: Session, organisations: list[int], wanted: AuditFilter
) -> list[ColumnElement[bool]]:
    conditions = [_scope(organisations)]
    start, end = wanted.period()
    if start is not None:
        conditions.append(AuditEvent.at >= start)
    if end is not None:
        conditions.append(AuditEvent.at < end)
    if wanted.user:
        user_id = session.scalar(select(User.id).where(User.username == wanted.user))
        conditions.append(AuditEvent.actor_id == user_id)
    if wanted.action:
        conditions.append(AuditEvent.action == wanted.action)
    if wanted.result:
        conditions.append(AuditEvent.result == wanted.result)
    if wanted.object_type:
        conditions.append(AuditEvent.object_type == wanted.object_type)
    if wanted.case:
        conditions.append(AuditEvent.client_key == case_client_key(ctx, wanted.case))
    return conditions


def _readable_organisations(ctx: ServiceContext, actor: Actor, event: str, action: Action) -> list[int]:
    organisations = access.audit_organisations(actor)
    if not organisations:
        reason = access.may_read_audit(actor, -1).reason
        audit_denial(ctx, event, action, reason, actor_id=actor.user_id, object_type="audit_log")
        raise AccessDenied(reason)
    return organisations


def _user_choices(session: Session, organisations: list[int]) -> list[UserChoice]:
    rows = session.execute(
        select(User.username, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_(organisations))
        .distinct()
        .order_by(User.display_name)
    ).all()
    return [UserChoice(username, name) for username, name in rows]


def search_audit(
    ctx: ServiceContext, actor: Actor, params: Mapping[str, str], origin: Origin | None = None
) -> AuditSearchPage:
    """One page of the organisation's audit, newest first; the search itself is audited."""
    organisations = _readable_organisations(ctx, actor, "audit.search", Action.SEARCH)
    with ctx.db.write() as session:
        known = set(session.execute(select(User.username)).scalars())
        wanted, errors = parse_audit_filter(params, known)
        where = and_(*_conditions(ctx, session, organisations, wanted))
        total = session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        applied, notices = wanted, list[str]()
        if wanted.page > pages:
            notices.append(
                Message(
                    "Pagina {page} bestaat niet (meer); u ziet pagina {last}, de laatste.",
                    page=wanted.page,
                    last=pages,
                )
            )
            applied = replace(wanted, page=pages)
        rows = session.execute(
            lines_query()
            .where(where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((applied.page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        _audit_use(session, ctx, actor, organisations, "audit.search", Action.SEARCH, applied, total, origin)
        users = _user_choices(session, organisations)
        names = [session.get_one(Organisation, o).name for o in organisations]
        lines = to_lines(session, rows)
    form = {name: str(params.get(name) or "").strip() for name in FIELDS} if errors else applied.query()
    return AuditSearchPage(lines, applied, form, errors, total, pages, users, names, notices)


def export_audit(
    ctx: ServiceContext, actor: Actor, params: Mapping[str, str], origin: Origin | None = None
) -> AuditExport:
    """Every line the filter finds (up to EXPORT_LIMIT), newest first; the export itself is audited.

    A filter that makes no sense is refused (FormInvalid) rather than exporting the whole log unasked."""
    organisations = _readable_organisations(ctx, actor, "audit.export", Action.EXPORT)
    with ctx.db.write() as session:
        wanted, errors = parse_audit_filter(params, set(session.execute(select(User.username)).scalars()))
        if errors:
            raise FormInvalid(errors)
        wanted = replace(wanted, page=1)
        rows = session.execute(
            lines_query()
            .where(*_conditions(ctx, session, organisations, wanted))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(EXPORT_LIMIT + 1)
        ).all()
        lines = to_lines(session, rows[:EXPORT_LIMIT])
        _audit_use(
            session, ctx, actor, organisations, "audit.export", Action.EXPORT, wanted, len(lines), origin
        )
    return AuditExport(lines, wanted, truncated=len(rows) > EXPORT_LIMIT)


def _audit_use(
    session: Session,
    ctx: ServiceContext,
    actor: Actor,
    organisations: list[int],
    event: str,
    action: Action,
    applied: AuditFilter,
    found: int,
    origin: Origin | None,
) -> None:
    """Which filter was used and how many lines it found; a case filter is kept as the client key only."""
    filters = applied.query(case=None, page=1)
    audit(
        session,
        ctx,
        event,
        action,
        actor_id=actor.user_id,
        origin=origin,
        actor_org_id=organisations[0],
        actor_role=_audit_role(actor, organisations[0]),
        object_type="audit_log",
        client_key=case_client_key(ctx, applied.case) if applied.case else None,
        details={**filters, "results": str(found)},
    )


def _audit_role(actor: Actor, organisation_id: int) -> str:
    return Role.FG.value if actor.has_role(organisation_id, Role.FG) else Role.ADMIN.value
