from dataclasses import replace
from datetime import UTC, datetime

from webapp.domain.audit import GENESIS_HASH, Action, AuditEntry, Result, chain_hash

ENTRY = AuditEntry(
    "task.completed", Action.UPDATE, Result.SUCCESS, datetime(2026, 11, 2, 9, tzinfo=UTC), actor_id=1
)


def test_the_hash_covers_the_predecessor_and_every_field() -> None:
    first = chain_hash(GENESIS_HASH, ENTRY)
    assert len(first) == 64
    assert chain_hash(GENESIS_HASH, ENTRY) == first
    assert chain_hash(first, ENTRY) != first
    assert chain_hash(GENESIS_HASH, replace(ENTRY, actor_id=2)) != first
    assert chain_hash(GENESIS_HASH, replace(ENTRY, result=Result.DENIED)) != first
    assert chain_hash(GENESIS_HASH, replace(ENTRY, at=datetime(2026, 11, 2, 9, 1, tzinfo=UTC))) != first
