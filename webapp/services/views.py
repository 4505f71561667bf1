"""Plain read models handed to the web layer, so that it never touches SQLAlchemy models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TaskView:
    id: int
    name: str
    process_name: str
    instance_id: int
    case_reference: str | None
    organisation: str
    role: str
    state: str
    assignee: str | None
    assigned_to_me: bool
    due_at: datetime | None
    due_rule: str | None
    created_at: datetime
    completed_at: datetime | None = None
    completed_by: str | None = None
    out_for_review: bool = False  # mine, delegated: the assignee is the reviewer until they hand it back


@dataclass(frozen=True)
class TaskForm:
    task: TaskView
    instructions: str
    schema: dict[str, Any] | None
    uischema: dict[str, Any] | None
    data: dict[str, Any]


@dataclass(frozen=True)
class StartableProcess:
    process_id: str
    name: str
    version: int
    organisations: list[tuple[int, str]]


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    event: str
    actor: str | None
    result: str
    detail: str | None


@dataclass(frozen=True)
class InstanceView:
    id: int
    process_name: str
    version: int
    organisation: str
    case_reference: str | None
    status: str
    started_at: datetime
    started_by: str | None
    ended_at: datetime | None
    next_due_at: datetime | None
    last_error: str | None
    tasks: list[TaskView] = field(default_factory=list)
    history: list[HistoryLine] = field(default_factory=list)
    emergency_until: datetime | None = None  # seen through break-glass, until then


@dataclass(frozen=True)
class StartResult:
    instance_id: int
    next_task_id: int | None


@dataclass(frozen=True)
class CompleteResult:
    instance_id: int
    next_task_id: int | None
    instance_completed: bool


@dataclass(frozen=True)
class RegisterEntryView:
    id: int
    kind: str
    instance_id: int
    organisation: str
    case_reference: str | None
    status: str | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    due_at: datetime | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class RegisterView:
    kind: str
    title: str
    columns: list[tuple[str, str]]  # (field name, Dutch label) shown in the list
    labels: dict[str, str]
    entries: list[RegisterEntryView]


@dataclass(frozen=True)
class InstanceAction:
    message_name: str
    label: str
