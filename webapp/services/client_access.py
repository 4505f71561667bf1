"""The client access overview (NEN 7513 'client view'): who did what with one case's data, and when.

For one case, chronologically: who (name, organisation, role), what (action and event), which data (the
procedure, task or register entry), when, the result and whether break-glass was used. The FG of the owning
organisation (or its administrator) reads it, as a page or an export; both are audited, so the overview shows
its own reading too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, NotFound
from webapp.domain.messages import N_
from webapp.persistence.models import AuditEvent, Organisation, ProcessInstance
from webapp.services.audit_search import AuditLine, lines_query, to_lines
from webapp.services.client_keys import case_client_key, normalise_reference
from webapp.services.context import Origin, ServiceContext, audit, audit_denial


@dataclass(frozen=True)
class ClientAccess:
    reference: str
    organisation: str  # the organisation that owns the case
    client_key: str
    lines: list[AuditLine]  # oldest first
    generated_at: datetime

    @property
    def break_glass_count(self) -> int:
        return sum(1 for line in self.lines if line.break_glass)


def client_access(
    ctx: ServiceContext,
    actor: Actor,
    reference: str,
    origin: Origin | None = None,
    *,
    export_format: str | None = None,
) -> ClientAccess:
    """Every audit line about the case, oldest first; reading (or exporting, with ``export_format``) is
    audited under the case's client key."""
    reference = normalise_reference(reference)
    event, action = (
        ("audit.client_export", Action.EXPORT) if export_format else ("audit.client_read", Action.READ)
    )
    key = case_client_key(ctx, reference)
    with ctx.db.write() as session:
        instances = session.execute(
            select(ProcessInstance.id, ProcessInstance.organisation_id)
            .where(ProcessInstance.case_reference == reference)
            .order_by(ProcessInstance.id)
        ).all()
        if not instances:
            raise NotFound(N_("Deze zaak bestaat niet."))
        owner = instances[0].organisation_id
        decision = access.may_read_audit(actor, owner)
        if not decision:
            session.rollback()
            audit_denial(
                ctx,
                event,
                action,
                decision.reason,
                actor_id=actor.user_id,
                object_type="case",
                object_id=reference,
            )
            raise AccessDenied(decision.reason)
        # Lines from before client keys were filled in are found through the case's procedures.
        about_case = or_(
            AuditEvent.client_key == key, AuditEvent.process_instance_id.in_([i.id for i in instances])
        )
        rows = session.execute(lines_query().where(about_case).order_by(AuditEvent.at, AuditEvent.id)).all()
        audit(
            session,
            ctx,
            event,
            action,
            actor_id=actor.user_id,
            origin=origin,
            actor_org_id=owner,
            object_type="case",
            object_id=reference,
            client_key=key,
            details={"format": export_format} if export_format else {},
        )
        organisation = session.get_one(Organisation, owner).name
        lines = to_lines(session, rows)
    return ClientAccess(reference, organisation, key, lines, ctx.clock.now())
