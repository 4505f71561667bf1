"""Deployed process versions, cached in memory.

A deployed version never changes (only its ``active`` flag does), so its bundle — diagram XML, decision
tables, form schemas — is read from the database once per process and then served from memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from webapp.persistence.models import ProcessDefinition


@dataclass(frozen=True)
class DefinitionSnapshot:
    id: int
    process_id: str
    version: int
    name: str
    sha256: str
    bpmn: dict[str, str]
    dmn: dict[str, str]
    forms: dict[str, Any]
    start_role: str

    def form(self, filename: str | None) -> dict[str, Any] | None:
        schema = self.forms.get(filename) if filename else None
        return schema if isinstance(schema, dict) else None


class DefinitionCache:
    def __init__(self) -> None:
        self._by_id: dict[int, DefinitionSnapshot] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, definition_id: int) -> DefinitionSnapshot:
        found = self._by_id.get(definition_id)
        if found is None:
            row = session.get_one(ProcessDefinition, definition_id)
            found = snapshot_of(row)
            with self._lock:
                self._by_id[definition_id] = found
        return found


def snapshot_of(row: ProcessDefinition) -> DefinitionSnapshot:
    return DefinitionSnapshot(
        id=row.id,
        process_id=row.process_id,
        version=row.version,
        name=row.name,
        sha256=row.sha256,
        bpmn=dict(row.bpmn),
        dmn=dict(row.dmn),
        forms=dict(row.forms),
        start_role=row.start_role,
    )
