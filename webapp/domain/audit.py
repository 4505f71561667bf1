"""The audit vocabulary (NEN 7513, BIO 8.15; DOMAIN.md section 5) and the hash chain over audit rows.

An audit line names who did what to which object with what result; it never holds the content of personal
data. ``client_key`` is a pseudonymous key, not a name or BSN.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    SEARCH = "search"
    EXPORT = "export"
    PRINT = "print"
    TRANSFER = "transfer"
    CONSENT_CHANGE = "consent_change"
    EMERGENCY_ACCESS = "emergency_access"
    LOGIN = "login"
    LOGOUT = "logout"


class Result(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    ERROR = "error"


@dataclass(frozen=True)
class AuditEntry:
    """One line to append; the persistence layer adds the id and the chain hash."""

    event: str  # specific name, e.g. "task.completed"
    action: Action
    result: Result
    at: datetime
    actor_id: int | None = None
    actor_org_id: int | None = None
    actor_role: str | None = None
    origin: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    client_key: str | None = None
    process_instance_id: int | None = None
    task_id: int | None = None
    reason: str | None = None
    details: dict[str, str] = field(default_factory=dict)


GENESIS_HASH = "0" * 64


def chain_hash(previous_hash: str, entry: AuditEntry) -> str:
    """sha256 over the previous row's hash and this row's canonical JSON: changing or removing a row breaks
    every hash after it."""
    return chain_hash_of_fields(previous_hash, asdict(entry))


def chain_hash_of_fields(previous_hash: str, fields: dict[str, Any]) -> str:
    """The same, from the entry's fields as ``asdict`` gives them (the writer has them at hand)."""
    payload = {**fields, "at": fields["at"].isoformat()}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()
