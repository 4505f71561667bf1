"""What a register keeps: the fields a process writes into it, and who may read it.

A user task (or any task) names a register in the BPMN property ``register``; when it completes, the
service writes that register's entry for the instance from the case data — only the fields listed here
(data minimisation). Registers are filled by the processes and never edited behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.domain.roles import Role


@dataclass(frozen=True)
class RegisterField:
    name: str  # the key in the case data
    label: str  # Dutch column/label text
    personal: bool = False  # holds personal data: shown only on the detail page, encrypted later


@dataclass(frozen=True)
class RegisterSpec:
    kind: str  # url-safe id, e.g. "breach"
    title: str  # Dutch, e.g. "Datalekkenregister (art. 33 lid 5 AVG)"
    fields: tuple[RegisterField, ...]
    readers: frozenset[Role] = field(default_factory=lambda: frozenset({Role.FG}))
    status_field: str | None = None  # a case-data key whose value is shown as the entry's status
    due_field: str | None = None  # a case-data key with an ISO date/instant shown as its deadline
    list_fields: tuple[str, ...] = ()  # the (non-personal) fields shown in the list

    def field_names(self) -> set[str]:
        return {f.name for f in self.fields}
