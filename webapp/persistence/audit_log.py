"""Appending to the hash-chained audit log.

Entries gathered during a unit of work are appended just before it commits, under a lock on the chain's
head row, so the chain stays linear with many writers and the lock is held only for the append itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from webapp.domain.audit import GENESIS_HASH, AuditEntry, chain_hash, chain_hash_of_fields
from webapp.persistence.models import AUDIT_EVENTS, AUDIT_HEAD, AuditEvent

_PENDING = "ketenflow_pending_audit"
_HEAD = AUDIT_HEAD
_EVENTS = AUDIT_EVENTS
# Built once: this runs in every write transaction.
_EXTEND_FROM = (
    update(_HEAD)
    .where(_HEAD.c.id == 1, _HEAD.c.last_hash == bindparam("expected"))
    .values(last_hash=bindparam("last"))
)
_READ_HEAD = select(_HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
_SET_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("last"))
_APPEND = insert(_EVENTS)


def queue_audit(session: Session, entry: AuditEntry) -> None:
    session.info.setdefault(_PENDING, []).append(entry)


class _ChainHead:
    """The newest chain hash as this process last wrote it: a guess that saves a read on most commits."""

    last: str | None = None


def flush_audit(session: Session) -> None:
    pending: list[AuditEntry] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # Optimistic: extend the chain from the hash we last wrote; the conditional UPDATE (which also takes the
    # head row's lock) tells whether another writer came in between, and then we read the head and redo.
    expected = _ChainHead.last
    connection = session.connection()  # Core, not ORM: these rows are written once and never read back here
    if expected is not None:
        rows, last = _chained(expected, pending)
        moved = connection.execute(_EXTEND_FROM, {"expected": expected, "last": last})
        if moved.rowcount == 1:
            connection.execute(_APPEND, rows)
            _ChainHead.last = last
            return
    head = connection.execute(_READ_HEAD).scalar()
    if head is None:
        connection.execute(insert(_HEAD).values(id=1, last_hash=GENESIS_HASH))
    rows, last = _chained(head or GENESIS_HASH, pending)
    connection.execute(_SET_HEAD, {"last": last})
    connection.execute(_APPEND, rows)
    _ChainHead.last = last


def _chained(previous: str, pending: list[AuditEntry]) -> tuple[list[dict[str, object]], str]:
    rows = []
    for entry in pending:
        fields = asdict(entry)
        digest = chain_hash_of_fields(previous, fields)
        rows.append({**fields, "prev_hash": previous, "hash": digest})
        previous = digest
    return rows, previous


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
