"""Checking the audit chain (BIO 8.15.06: a periodic integrity check): is every line still as written?

Each line stores the hash of its predecessor and a hash over itself (domain.audit.chain_hash); the head row
holds the newest hash. Walking the lines in order finds
- a changed line: its stored hash no longer matches its content;
- removed lines in the middle: a line's ``prev_hash`` is not the hash of the line before it;
- removed lines at the end: the head's hash belongs to no line.
The walk streams the lines, so it runs in constant memory on a log of millions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from webapp.domain.audit import GENESIS_HASH, Action, AuditEntry, Result, chain_hash
from webapp.domain.messages import N_, Message
from webapp.persistence.models import AUDIT_EVENTS, AUDIT_HEAD
from webapp.services.context import Origin, ServiceContext, audit

_ENTRY_FIELDS = tuple(AuditEntry.__dataclass_fields__)
_BATCH = 2000


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # changed | removed | removed_tail
    row_id: int | None
    message: str  # Dutch, for the person running the check


@dataclass(frozen=True)
class ChainReport:
    verified: int  # lines whose hash was recomputed
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_chain(rows: Iterable[Any], head_hash: str | None) -> ChainReport:
    """The walk itself, over rows with the audit columns (oldest first) and the head's hash."""
    problems: list[ChainProblem] = []
    previous, verified, head_seen = GENESIS_HASH, 0, head_hash in (None, GENESIS_HASH)
    last_id: int | None = None
    for row in rows:
        verified, last_id = verified + 1, row.id
        if row.prev_hash != previous:
            problems.append(
                ChainProblem(
                    "removed",
                    row.id,
                    Message(
                        "Vóór regel {id} ontbreken een of meer regels: de keten is daar onderbroken.",
                        id=row.id,
                    ),
                )
            )
        entry = AuditEntry(**{name: getattr(row, name) for name in _ENTRY_FIELDS})
        if row.hash != chain_hash(row.prev_hash, entry):
            problems.append(
                ChainProblem(
                    "changed",
                    row.id,
                    Message("Regel {id} is gewijzigd: de hash past niet meer bij de inhoud.", id=row.id),
                )
            )
        # Lines appended while we walk come after the head we read first; the head must be among the lines.
        head_seen = head_seen or row.hash == head_hash
        previous = row.hash
    if head_hash is None and verified:
        problems.append(
            ChainProblem("removed_tail", None, N_("De kop van de keten ontbreekt: het auditlog is ingekort."))
        )
    elif not head_seen:
        problems.append(
            ChainProblem(
                "removed_tail",
                None,
                Message(
                    "De laatste regels ontbreken: de kop van de keten wijst naar een regel die er niet "
                    "meer is (laatst aanwezige regel: {last}).",
                    last=last_id if last_id is not None else N_("geen"),
                ),
            )
        )
    return ChainReport(verified, problems)


def verify_audit_chain(ctx: ServiceContext, origin: Origin | None = None) -> ChainReport:
    """Walk the whole chain; the check itself is recorded (with its outcome, not its findings' content)."""
    with ctx.db.read() as session:
        head_hash = session.execute(select(AUDIT_HEAD.c.last_hash).where(AUDIT_HEAD.c.id == 1)).scalar()
        rows = session.execute(
            select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.id).execution_options(yield_per=_BATCH)
        )
        report = check_chain(rows, head_hash)
    with ctx.db.write() as session:
        audit(
            session,
            ctx,
            "audit.verified",
            Action.READ,
            result=Result.SUCCESS if report.ok else Result.ERROR,
            origin=origin or Origin(channel="cli"),
            object_type="audit_log",
            details={"verified": str(report.verified), "problems": str(len(report.problems))},
        )
    return report
