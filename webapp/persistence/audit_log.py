"""Appending to the hash-chained audit log.

Entries gathered during a unit of work are appended just before it commits, under a lock on the chain's
head row, so the chain stays linear with many writers and the lock is held only for the append itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.audit import GENESIS_HASH, AuditEntry, chain_hash
from webapp.persistence.models import AuditEvent, AuditHead

_PENDING = "ketenflow_pending_audit"


def queue_audit(session: Session, entry: AuditEntry) -> None:
    session.info.setdefault(_PENDING, []).append(entry)


def flush_audit(session: Session) -> None:
    pending: list[AuditEntry] = session.info.pop(_PENDING, [])
    if not pending:
        return
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS_HASH)
        session.add(head)
    previous = head.last_hash
    for entry in pending:
        digest = chain_hash(previous, entry)
        session.add(AuditEvent(**asdict(entry), prev_hash=previous, hash=digest))
        previous = digest
    head.last_hash = previous


def discard_audit(session: Session) -> None:
    session.info.pop(_PENDING, None)


def verify_chain(session: Session) -> Iterator[int]:
    """Ids of rows whose hash no longer matches their content or predecessor (a changed or removed row)."""
    previous = GENESIS_HASH
    for row in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        entry = AuditEntry(**{k: getattr(row, k) for k in AuditEntry.__dataclass_fields__})
        if row.prev_hash != previous or row.hash != chain_hash(previous, entry):
            yield row.id
        previous = row.hash
