"""When a case is destroyed: after the approval in the retention procedure, and by the FG from the case page.

The destruction is never a free "delete case" action. It follows the approval in "Bewaartermijn en
vernietiging": completing a task in a procedure whose destruction was approved runs the purge (the approval
itself, the destruction record, the FG's watch after the expiry date). When the purge has to wait — another
procedure of the case still runs — the FG of the case's organisation finds it on the case page and runs it
once those procedures have ended. Both paths call ``purge.purge_case``, which checks the approval itself.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, KetenflowError, NotFound
from webapp.domain.messages import N_
from webapp.domain.roles import Role
from webapp.persistence.models import HumanTask, ProcessInstance
from webapp.services.context import Origin, ServiceContext, audit_denial
from webapp.services.definitions import DefinitionSnapshot
from webapp.services.purge import DESTRUCTION_TASK, FINISHED, PurgeResult, is_tombstone, purge_case

log = logging.getLogger(__name__)

APPROVED_REASON = N_("Vernietiging goedgekeurd in de procedure 'Bewaartermijn en vernietiging'.")
FG_REASON = N_(
    "Vernietiging na goedkeuring in de procedure 'Bewaartermijn en vernietiging', uitgevoerd door de FG."
)


def can_destroy(definition: DefinitionSnapshot) -> bool:
    """Whether a version holds the destruction step at all (only procedures that include the retention
    procedure do): the others skip the hook's query on every completion."""
    return _holds_destruction(definition.sha256, tuple(definition.bpmn.values()))


@lru_cache(maxsize=256)
def _holds_destruction(_sha256: str, diagrams: tuple[str, ...]) -> bool:
    return any(f'id="{DESTRUCTION_TASK}"' in xml for xml in diagrams)


def destroy_after_retention_step(
    ctx: ServiceContext, actor: Actor, instance_id: int, origin: Origin | None = None
) -> PurgeResult | None:
    """The hook after a task completes: purge the case if its destruction was approved in this instance.

    Runs after the completion has committed: a purge that must wait (another procedure still runs) leaves the
    completion standing; the refusal is audited and the FG sees the pending destruction on the case page.
    """
    with ctx.db.read() as session:
        reference = _approved_case(session, instance_id)
    if reference is None:
        return None
    try:
        return purge_case(ctx, reference, actor=actor, origin=origin, reason=APPROVED_REASON)
    except KetenflowError:
        log.info("Vernietiging van een zaak wacht op lopende procedures (procedure %s)", instance_id)
        return None


def _approved_case(session: Session, instance_id: int) -> str | None:
    approved = exists().where(HumanTask.instance_id == instance_id, HumanTask.bpmn_id == DESTRUCTION_TASK)
    reference: str | None = session.execute(
        select(ProcessInstance.case_reference).where(ProcessInstance.id == instance_id, approved)
    ).scalar_one_or_none()
    return reference


def destruction_pending(ctx: ServiceContext, actor: Actor, case_reference: str) -> bool:
    """Whether the case page offers this actor "Vernietiging uitvoeren": the FG of the case's organisation,
    an approved destruction, and something of the case not destroyed yet."""
    with ctx.db.read() as session:
        instances = _instances(session, case_reference)
        if not instances or not actor.has_role(instances[0].organisation_id, Role.FG):
            return False
        ids = [i.id for i in instances]
        approved = session.execute(
            select(HumanTask.id).where(HumanTask.instance_id.in_(ids), HumanTask.bpmn_id == DESTRUCTION_TASK)
        ).first()
        if approved is None:
            return False
        finished = [i.id for i in instances if i.status in FINISHED]
        states = session.execute(
            select(ProcessInstance.serialization).where(ProcessInstance.id.in_(finished))
        ).scalars()
        return any(not is_tombstone(state) for state in states) or len(finished) < len(instances) - 1


def destroy_case_as_fg(
    ctx: ServiceContext, actor: Actor, case_reference: str, origin: Origin | None = None
) -> PurgeResult:
    """The FG of the case's organisation runs the approved destruction from the case page."""
    with ctx.db.read() as session:
        instances = _instances(session, case_reference)
        owner = instances[0].organisation_id if instances else None
    if owner is None:
        raise NotFound(N_("Deze zaak bestaat niet."))
    if not actor.has_role(owner, Role.FG):
        reason = N_("Alleen de FG van de organisatie van de zaak voert een goedgekeurde vernietiging uit.")
        audit_denial(
            ctx,
            "case_destroyed",
            Action.DELETE,
            reason,
            actor_id=actor.user_id,
            object_type="case",
            object_id=case_reference,
        )
        raise AccessDenied(reason)
    return purge_case(ctx, case_reference, actor=actor, origin=origin, reason=FG_REASON)


def _instances(session: Session, case_reference: str) -> list[ProcessInstance]:
    return list(
        session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.case_reference == case_reference)
            .order_by(ProcessInstance.id)
        ).scalars()
    )
