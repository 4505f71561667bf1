"""Break-glass: emergency access to a case outside one's rights (NEN 7513 'noodprocedure', issue 5 item 3).

A professional, aandachtsfunctionaris or voorzitter who is refused a case may open it anyway, with a written
reason, for ``break_glass_hours`` (4 by default). The grant is a ``break_glass`` row; while it holds, the
case file and the procedures of the case show as a whole (``case_scope``), and every read is audited with
action ``emergency_access`` and the reason. The FG(s) of the organisation owning the case get a notice and a
mail. It ends early when its holder ends it, and by itself when the hours are over.

Emergency access reads; it does not give the roles to complete, claim or raise events on the case.
"""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_, Message
from webapp.persistence.models import BreakGlass, ProcessInstance
from webapp.services.case_scope import Grant, active_grant, scope_of, task_facts
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.notifications import notify_break_glass

REASON_FIELD = "reden"
MAX_REASON_LENGTH = 2000
STARTED, ENDED = "break_glass.started", "break_glass.ended"


def _case_instances(session: Session, reference: str) -> list[ProcessInstance]:
    instances = list(
        session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.case_reference == reference)
            .order_by(ProcessInstance.id)
        ).scalars()
    )
    if not instances:
        raise NotFound(N_("Deze zaak bestaat niet."))
    return instances


def _sees_part(session: Session, actor: Actor, instances: list[ProcessInstance]) -> bool:
    """Whether the actor sees any of the case by their own rights (without break-glass)."""
    facts = task_facts(session, [i.id for i in instances])
    return any(scope_of(actor, i, facts[i.id], None) for i in instances)


def may_ask(
    ctx: ServiceContext, actor: Actor, reference: str, *, audit_refusal: bool = False
) -> access.Decision:
    """Whether to offer the actor emergency access to this case. The page that refused the case audited
    that refusal already; the break-glass page itself asks for ``audit_refusal``."""
    with ctx.db.read() as session:
        instances = _case_instances(session, reference)
        decision = access.may_break_glass(actor, has_access=_sees_part(session, actor, instances))
    if not decision and audit_refusal:
        audit_denial(
            ctx,
            STARTED,
            Action.EMERGENCY_ACCESS,
            decision.reason,
            actor_id=actor.user_id,
            object_type="case",
            object_id=reference,
        )
    return decision


def current_grant(ctx: ServiceContext, actor: Actor, reference: str) -> Grant | None:
    with ctx.db.read() as session:
        return active_grant(ctx, session, actor, reference)


def _check_reason(reason: str) -> str:
    written = " ".join(reason.split())
    error = access.break_glass_reason_error(written)
    if error is None and len(written) > MAX_REASON_LENGTH:
        error = Message(
            "Een reden is hoogstens {most} tekens lang; deze telt {count} tekens.",
            most=MAX_REASON_LENGTH,
            count=len(written),
        )
    if error is not None:
        raise FormInvalid({REASON_FIELD: error})
    return written


def _refuse(ctx: ServiceContext, session: Session, actor: Actor, reference: str, reason: str) -> NoReturn:
    session.rollback()
    audit_denial(
        ctx,
        STARTED,
        Action.EMERGENCY_ACCESS,
        reason,
        actor_id=actor.user_id,
        object_type="case",
        object_id=reference,
    )
    raise AccessDenied(reason)


def request_break_glass(
    ctx: ServiceContext,
    actor: Actor,
    reference: str,
    reason: str,
    origin: Origin | None = None,
    *,
    hours: float = access.DEFAULT_BREAK_GLASS_HOURS,
) -> Grant:
    """Open the case to the actor for ``hours`` with the reason given; a grant that still holds is returned
    as it is (asking twice does not extend it)."""
    with ctx.db.write() as session:
        instances = _case_instances(session, reference)
        decision = access.may_break_glass(actor, has_access=_sees_part(session, actor, instances))
        if not decision:
            _refuse(ctx, session, actor, reference, decision.reason)
        written = _check_reason(reason)
        held = active_grant(ctx, session, actor, reference)
        if held is not None:
            return held
        now, owner = ctx.clock.now(), instances[0].organisation_id
        row = BreakGlass(
            user_id=actor.user_id,
            organisation_id=owner,
            case_reference=reference,
            reason=written,
            started_at=now,
            expires_at=access.break_glass_expiry(now, hours),
        )
        session.add(row)
        session.flush()
        _audit(session, ctx, actor, row, STARTED, origin, {"until": row.expires_at.isoformat()})
        notify_break_glass(session, ctx, row.id, reference, owner, actor.display_name)
        return Grant.of(row)


def end_break_glass(ctx: ServiceContext, actor: Actor, reference: str, origin: Origin | None = None) -> bool:
    """End the actor's emergency access to this case now; False when none held."""
    with ctx.db.write() as session:
        held = active_grant(ctx, session, actor, reference)
        if held is None:
            return False
        row = session.get_one(BreakGlass, held.id)
        row.ended_at = ctx.clock.now()
        _audit(session, ctx, actor, row, ENDED, origin, {})
        return True


def _audit(
    session: Session,
    ctx: ServiceContext,
    actor: Actor,
    row: BreakGlass,
    event: str,
    origin: Origin | None,
    details: dict[str, str],
) -> None:
    audit(
        session,
        ctx,
        event,
        Action.EMERGENCY_ACCESS,
        actor_id=actor.user_id,
        origin=origin,
        object_type="case",
        object_id=row.case_reference,
        # The reason is free text that may name the client: it stays in the encrypted break_glass row (which
        # a purge clears); the permanent audit chain only points at that row.
        details={"break_glass": str(row.id), **details},
    )
