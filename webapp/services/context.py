"""What every use case needs: the database, the workflow runtime and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from webapp.domain.audit import Action, AuditEntry, Result
from webapp.domain.clock import Clock
from webapp.engine.runtime import WorkflowRuntime
from webapp.persistence.audit_log import queue_audit
from webapp.persistence.db import Database
from webapp.services.audit_subjects import complete_fields
from webapp.services.definitions import DefinitionCache


@dataclass
class ServiceContext:
    db: Database
    runtime: WorkflowRuntime
    clock: Clock
    forms_dir: str = "forms"
    processes_dir: str = "processes"
    definitions: DefinitionCache = field(default_factory=DefinitionCache)
    secret_key: str = ""  # the application secret: keys the pseudonymous client key of audit lines


@dataclass(frozen=True)
class Origin:
    """Where a request came from (NEN 7513 'access point'): an address and a channel, never a name."""

    address: str | None = None
    channel: str = "web"

    def __str__(self) -> str:
        return f"{self.channel}:{self.address or '-'}"


def audit(
    session: Session,
    ctx: ServiceContext,
    event: str,
    action: Action,
    *,
    result: Result = Result.SUCCESS,
    actor_id: int | None = None,
    origin: Origin | None = None,
    **fields: object,
) -> None:
    # Organisation, role and client key follow from the actor and the object when the caller leaves them out.
    complete_fields(session, ctx.secret_key, action, actor_id, fields)
    queue_audit(
        session,
        AuditEntry(
            event=event,
            action=action,
            result=result,
            at=ctx.clock.now(),
            actor_id=actor_id,
            origin=str(origin) if origin else None,
            **fields,  # type: ignore[arg-type]
        ),
    )


def audit_denial(ctx: ServiceContext, event: str, action: Action, reason: str, **fields: object) -> None:
    """A refusal is recorded in its own transaction: the refused one is rolled back."""
    with ctx.db.write() as session:
        audit(session, ctx, event, action, result=Result.DENIED, reason=reason, **fields)  # type: ignore[arg-type]
