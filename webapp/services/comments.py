"""Comments on a case and on its tasks: visible to whoever may see the case, audited without their text."""

from __future__ import annotations

import re
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_, Message
from webapp.persistence.models import Comment, HumanTask, ProcessInstance
from webapp.services.cases import CaseAccess, CommentView, comments_of, open_case
from webapp.services.context import Origin, ServiceContext, audit, audit_denial

MAX_COMMENT_LENGTH = 4000
# Control characters other than tab and newline: invisible, and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_comment(body: str) -> str:
    """The text as it will be stored, or a Dutch error for the field ``body``."""
    text = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise FormInvalid({"body": N_("Schrijf eerst uw opmerking.")})
    if len(text) > MAX_COMMENT_LENGTH:
        message = Message(
            "Een opmerking is hoogstens {most} tekens lang; deze telt {count} tekens.",
            most=MAX_COMMENT_LENGTH,
            count=len(text),
        )
        raise FormInvalid({"body": message})
    return text


def add_comment(
    ctx: ServiceContext,
    actor: Actor,
    case_reference: str,
    body: str,
    task_id: int | None = None,
    origin: Origin | None = None,
) -> int:
    """Place a comment on the case, or on one of its tasks; returns its id."""
    with ctx.db.write() as session:
        case = open_case(ctx, session, actor, case_reference, "comment.created", Action.CREATE)
        text = clean_comment(body)
        instance_id = _target(case, task_id)
        if case.scopes[instance_id].emergency:  # break-glass reads a case; it does not add to it
            session.rollback()
            reason = N_("Met noodtoegang kunt u deze zaak inzien, niet aanvullen.")
            audit_denial(
                ctx,
                "comment.created",
                Action.CREATE,
                reason,
                actor_id=actor.user_id,
                object_type="case",
                object_id=case_reference,
                process_instance_id=instance_id,
            )
            raise AccessDenied(reason)
        comment = Comment(
            instance_id=instance_id,
            task_id=task_id,
            author_id=actor.user_id,
            body=text,
            created_at=ctx.clock.now(),
        )
        session.add(comment)
        session.flush()
        audit(
            session,
            ctx,
            "comment.created",
            Action.CREATE,
            actor_id=actor.user_id,
            origin=origin,
            object_type="comment",
            object_id=str(comment.id),
            process_instance_id=instance_id,
            task_id=task_id,
        )
        return comment.id


def _target(case: CaseAccess, task_id: int | None) -> int:
    """The instance a comment belongs to: the task's, or the first procedure of the case this actor sees as
    a whole (who sees only their own tasks of a case comments on those tasks, conv. art. 12.3)."""
    if task_id is None:
        if not case.whole_ids:
            raise FormInvalid({"task_id": N_("Kies een van uw taken bij deze zaak.")})
        return case.whole_ids[0]
    for task in case.tasks:
        if task.id == task_id:
            return task.instance_id
    raise FormInvalid({"task_id": N_("Kies een taak van deze zaak.")})


def add_task_comment(
    ctx: ServiceContext, actor: Actor, task_id: int, body: str, origin: Origin | None = None
) -> int:
    return add_comment(ctx, actor, case_reference_of_task(ctx, task_id), body, task_id, origin)


def list_task_comments(
    ctx: ServiceContext, actor: Actor, task_id: int, origin: Origin | None = None
) -> list[CommentView]:
    """The comments on one task, oldest first, for whoever may see its case; reading them is audited."""
    reference = case_reference_of_task(ctx, task_id)
    with ctx.db.write() as session:
        case = open_case(ctx, session, actor, reference, "comment.read", Action.READ)
        instance_id = next((t.instance_id for t in case.tasks if t.id == task_id), None)
        if instance_id is None:  # the case has a procedure this actor sees, but not this task's
            _refuse(ctx, session, actor, task_id)
        audit(
            session,
            ctx,
            "comment.read",
            Action.READ,
            actor_id=actor.user_id,
            origin=origin,
            object_type="human_task",
            object_id=str(task_id),
            process_instance_id=instance_id,
            task_id=task_id,
        )
        return comments_of(session, [instance_id], task_id)


def _refuse(ctx: ServiceContext, session: Session, actor: Actor, task_id: int) -> NoReturn:
    reason = N_("U heeft geen toegang tot deze zaak.")
    session.rollback()
    audit_denial(
        ctx,
        "comment.read",
        Action.READ,
        reason,
        actor_id=actor.user_id,
        object_type="human_task",
        object_id=str(task_id),
        task_id=task_id,
    )
    raise AccessDenied(reason)


def case_reference_of_task(ctx: ServiceContext, task_id: int) -> str:
    with ctx.db.read() as session:
        found = session.execute(
            select(ProcessInstance.case_reference)
            .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
            .where(HumanTask.id == task_id)
        ).one_or_none()
    if found is None:
        raise NotFound(N_("Deze taak bestaat niet."))
    if found[0] is None:
        raise NotFound(N_("Deze taak hoort niet bij een zaak."))
    reference: str = found[0]
    return reference
