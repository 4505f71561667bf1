"""The studio's test-runs: what a view of one shows, and where they are kept — a small in-process store,
keyed by a random id, with an expiry.

A test-run is a rehearsal, not a case: it never touches the database (no ``process_instance``, no tasks,
timers, notifications or registers). Its state — the serialized workflow, the simulated clock, the steps
taken — lives here, server-side, because it is too big for the session cookie. Runs last while they are used
(``IDLE``); each person keeps at most ``PER_PERSON`` and the process at most ``LIMIT`` (oldest go first), so
memory stays bounded. Under several server processes (gunicorn) a run lives in the process that started it;
the default server (waitress, threads) has one.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from webapp.domain.errors import KetenflowError, NotFound
from webapp.domain.messages import N_
from webapp.engine.spec_checks import Problem

IDLE = timedelta(hours=2)
PER_PERSON = 5
LIMIT = 200

UNKNOWN_RUN = N_(
    "Deze testrun bestaat niet (meer). Een testrun vervalt na twee uur zonder gebruik of wanneer u er "
    "meer dan vijf tegelijk begint; begin een nieuwe."
)


@dataclass(frozen=True)
class PathStep:
    """An element the run passed, with the simulated moment."""

    bpmn_id: str
    name: str
    at: datetime
    file: str  # the diagram that draws it: the process's own, or a called process's
    came_from: str | None  # the element before it, for the sequence flow taken


@dataclass(frozen=True)
class LogLine:
    at: datetime
    text: str  # a Message: translated for the reader by the web layer
    due_at: datetime | None = None
    due_rule: str | None = None


@dataclass(frozen=True)
class TaskDue:
    """What a task got when it opened: the simulated moment and its due date, computed like a real task's."""

    name: str
    created_at: datetime
    due_at: datetime | None
    due_rule: str | None


class TestRunRefused(KetenflowError):
    """The diagram cannot be test-run; ``problems`` are the check's findings for its bundle."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class TestRunPlan:
    __test__ = False
    process_id: str
    file: str
    name: str
    problems: list[Problem]


@dataclass(frozen=True)
class TestRun:
    __test__ = False
    run_id: str
    process_id: str
    name: str
    started_at: datetime


@dataclass(frozen=True)
class TestTask:
    __test__ = False
    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    role: str
    instructions: str
    form: str | None
    schema: dict[str, Any] | None
    uischema: dict[str, Any] | None
    data: dict[str, Any]  # what the form shows first: the case's values, else the schema's examples
    created_at: datetime
    due_at: datetime | None
    due_rule: str | None


@dataclass(frozen=True)
class TestTimer:
    __test__ = False
    bpmn_id: str
    name: str
    due_at: datetime | None
    in_own_diagram: bool


@dataclass(frozen=True)
class TestRunView:
    __test__ = False
    run_id: str
    process_id: str
    name: str
    started_at: datetime
    now: datetime
    path: list[PathStep]
    tasks: list[TestTask]
    timers: list[TestTimer]
    log: list[LogLine]
    ended: bool
    own_file: str
    flows_done: list[str]  # sequence flows of the own diagram the run took


@dataclass
class StoredRun:
    run_id: str
    owner_id: int
    process_id: str
    process_name: str
    bundle: Any  # the catalogue Bundle it runs (sha256, process_id, bpmn, dmn, forms)
    own_file: str  # the process's own diagram file (the bundle's first)
    started_at: datetime
    now: datetime
    serialized: str = ""
    path: list[PathStep] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    open_tasks: dict[str, TaskDue] = field(default_factory=dict)
    done_ids: set[str] = field(default_factory=set)  # SpiffWorkflow task ids already on the path
    completions: dict[str, int] = field(default_factory=dict)  # bpmn id -> the simulated person who did it
    ended: bool = False
    touched: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class RunStore:
    def __init__(self, idle: timedelta = IDLE, per_person: int = PER_PERSON, limit: int = LIMIT) -> None:
        self._runs: dict[str, StoredRun] = {}
        self._lock = threading.Lock()
        self._idle, self._per_person, self._limit = idle, per_person, limit

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(16)

    def add(self, run: StoredRun, now: datetime) -> None:
        run.touched = now
        with self._lock:
            self._prune(now)
            mine = sorted(
                (r for r in self._runs.values() if r.owner_id == run.owner_id), key=lambda r: _when(r)
            )
            for old in mine[: max(0, len(mine) - self._per_person + 1)]:
                self._runs.pop(old.run_id, None)
            if len(self._runs) >= self._limit:
                oldest = min(self._runs.values(), key=_when)
                self._runs.pop(oldest.run_id, None)
            self._runs[run.run_id] = run

    def get(self, run_id: str, owner_id: int, now: datetime) -> StoredRun:
        """The run, for the person who started it only; anyone else hears that it does not exist."""
        with self._lock:
            self._prune(now)
            run = self._runs.get(run_id)
            if run is None or run.owner_id != owner_id:
                raise NotFound(UNKNOWN_RUN)
            run.touched = now
            return run

    def drop(self, run_id: str) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def __len__(self) -> int:
        return len(self._runs)

    def _prune(self, now: datetime) -> None:
        expired = [key for key, run in self._runs.items() if now - _when(run) > self._idle]
        for key in expired:
            del self._runs[key]


def _when(run: StoredRun) -> datetime:
    return run.touched or run.started_at
