"""Row clean-ups of the case destruction (``purge``): drafts, task names, notices and their mails, and the
reasons of emergency access. Bulk statements where the column is plain; row by row where it is encrypted."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, or_, select, update
from sqlalchemy.orm import Session

from webapp.domain.messages import N_
from webapp.persistence.models import BreakGlass, HumanTask, Notification, Outbox
from webapp.services.mail import NOTICE_PREFIX

ERASED_REASON = N_("Vernietigd met de zaak.")


def bulk(session: Session, statement: Executable) -> int:
    """Run a bulk DELETE or UPDATE; the number of rows it touched."""
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(cast(CursorResult[Any], result).rowcount)


def clear_drafts(session: Session, ids: list[int]) -> int:
    statement = (
        update(HumanTask)
        .where(HumanTask.instance_id.in_(ids), HumanTask.draft_saved_at.is_not(None))
        .values(draft=None, draft_by_id=None, draft_saved_at=None)
    )
    return bulk(session, statement)


def plain_task_names(session: Session, ids: list[int]) -> int:
    """A multi-instance task's name carries its item ("Partner informeren – …"); the item may be a person."""
    rows = session.execute(
        select(HumanTask).where(
            HumanTask.instance_id.in_(ids), HumanTask.state != "open", HumanTask.name.contains(" – ")
        )
    ).scalars()
    changed = 0
    for row in rows:
        row.name, changed = row.name.split(" – ", 1)[0], changed + 1
    return changed


def purge_notifications(
    session: Session, reference: str, ids: list[int], keep_tasks: set[int]
) -> tuple[int, int]:
    """Notices about the case's tasks and pages, and their mails; those about a task of the retention that
    is still open stay (its assignee still has to act)."""
    task_ids = set(session.execute(select(HumanTask.id).where(HumanTask.instance_id.in_(ids))).scalars())
    links = [f"/cases/{reference}", *(f"/instances/{i}" for i in ids)]
    prefixes = [f"task:{t}:" for t in sorted(task_ids - keep_tasks)]
    rows = session.execute(
        select(Notification.id, Notification.key).where(
            or_(
                Notification.link.in_(links),
                Notification.link.like(f"/cases/{reference}/%"),
                *(Notification.key.startswith(p, autoescape=True) for p in prefixes),
            )
        )
    ).all()
    kept = tuple(f"task:{t}:" for t in keep_tasks)
    doomed = {row_id: key for row_id, key in rows if not key.startswith(kept)}
    mail_keys = [f"{NOTICE_PREFIX}{key}" for key in doomed.values()]
    mails = bulk(session, delete(Outbox).where(Outbox.key.in_(mail_keys))) if mail_keys else 0
    mails += sum(
        bulk(session, delete(Outbox).where(Outbox.key.startswith(f"{NOTICE_PREFIX}{p}", autoescape=True)))
        for p in prefixes
    )
    notes = bulk(session, delete(Notification).where(Notification.id.in_(doomed))) if doomed else 0
    return notes, mails


def erase_break_glass_reasons(session: Session, reference: str) -> int:
    """The written reason for emergency access may describe the person; the grant itself stays. (The reason
    is encrypted, so it is compared here, not in SQL.)"""
    rows = session.execute(select(BreakGlass).where(BreakGlass.case_reference == reference)).scalars()
    changed = 0
    for row in rows:
        if row.reason != ERASED_REASON:
            row.reason, changed = ERASED_REASON, changed + 1
    return changed
