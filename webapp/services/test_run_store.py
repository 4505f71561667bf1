"""The studio's test-runs: what a view of one shows, and where they are kept — rows of ``studio_test_run``,
keyed by a random id, with an expiry.

A test-run is a rehearsal, not a case: it makes no ``process_instance``, task, timer, notification or
register. Its state — the bundle it runs, the serialized workflow, the simulated clock, the steps taken — is
too big for the session cookie, and under several web processes (gunicorn) the next click may reach another
process, so it is kept in the database: one row per run, the state as encrypted JSON (typed answers may be
personal data). A request takes the run under its row lock, acts and saves in one transaction
(``RunStore.using``), so two clicks on the same run in two processes never interleave. Runs last while they
are used (``IDLE``); each person keeps at most ``PER_PERSON`` and all together at most ``LIMIT`` (the least
recently used go first), so the table stays small.
"""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, true, update
from sqlalchemy.orm import Session

from webapp.domain.errors import KetenflowError, NotFound
from webapp.domain.messages import N_, Message
from webapp.engine.catalogue import Bundle
from webapp.engine.spec_checks import Problem
from webapp.persistence.db import Database
from webapp.persistence.models import StudioTestRun

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
    """A run as a request works on it: read from its row, saved back when the request is done."""

    run_id: str
    owner_id: int
    process_id: str
    process_name: str
    bundle: Bundle  # the catalogue Bundle it runs: the studio's sources when it started, maybe unsaved ones
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


# Serialises additions on PostgreSQL (a transaction-level advisory lock), so that two processes starting runs
# at once cannot both count below a limit; SQLite's write transaction does that already.
_ADD_LOCK = zlib.crc32(b"studio_test_run.add")


class RunStore:
    """The rules of keeping runs; the runs themselves are rows of ``studio_test_run``."""

    def __init__(self, idle: timedelta = IDLE, per_person: int = PER_PERSON, limit: int = LIMIT) -> None:
        self._idle, self._per_person, self._limit = idle, per_person, limit

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(16)

    def add(self, session: Session, run: StoredRun, now: datetime, *, replacing: str | None = None) -> None:
        """Keep a new run; first drop ``replacing`` (a run begun again), the idle ones, and the least recently
        used ones beyond the person's and the global limit — in the caller's transaction."""
        run.touched = now
        table = StudioTestRun
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(_ADD_LOCK)))
        if replacing is not None:
            session.execute(delete(table).where(table.run_id == replacing, table.owner_id == run.owner_id))
        session.execute(delete(table).where(table.touched_at < now - self._idle))
        _drop_least_recently_used(session, table.owner_id == run.owner_id, keep=self._per_person - 1)
        _drop_least_recently_used(session, true(), keep=self._limit - 1)
        session.execute(
            insert(table).values(
                run_id=run.run_id,
                owner_id=run.owner_id,
                process_id=run.process_id,
                started_at=run.started_at,
                touched_at=now,
                state=_state_json(run),
            )
        )

    @contextmanager
    def using(self, db: Database, run_id: str, owner_id: int, now: datetime) -> Iterator[StoredRun]:
        """The run, for the person who started it only (anyone else hears that it does not exist), under its
        row lock for the whole block; what the block changes is saved when it ends. A refusal
        (KetenflowError) saves the run as the block left it, as a run kept in memory would stay, and is
        raised after the commit; any other error rolls everything back."""
        refusal: KetenflowError | None = None
        found = False
        with db.write() as session:
            row = session.execute(
                select(StudioTestRun.id, StudioTestRun.touched_at, StudioTestRun.state)
                .where(StudioTestRun.run_id == run_id, StudioTestRun.owner_id == owner_id)
                .with_for_update()
            ).one_or_none()
            if row is not None and now - row.touched_at > self._idle:
                session.execute(delete(StudioTestRun).where(StudioTestRun.id == row.id))  # as if pruned
            elif row is not None:
                found = True
                run = _from_state(row.state, run_id, owner_id, touched=now)
                try:
                    yield run
                except KetenflowError as error:
                    refusal = error
                changes: dict[str, Any] = {"touched_at": now}
                state = _state_json(run)
                if state != row.state:  # a view changes nothing: no need to seal the state again
                    changes["state"] = state
                session.execute(update(StudioTestRun).where(StudioTestRun.id == row.id).values(changes))
        if not found:
            raise NotFound(UNKNOWN_RUN)
        if refusal is not None:
            raise refusal

    def count(self, db: Database) -> int:
        with db.read() as session:
            return session.scalar(select(func.count()).select_from(StudioTestRun)) or 0


def _drop_least_recently_used(session: Session, which: ColumnElement[bool], keep: int) -> None:
    """Of the runs ``which`` selects, drop the least recently used until ``keep`` are left."""
    count = session.scalar(select(func.count()).select_from(StudioTestRun).where(which)) or 0
    if count > keep:
        oldest = (
            select(StudioTestRun.id)
            .where(which)
            .order_by(StudioTestRun.touched_at, StudioTestRun.id)
            .limit(count - keep)
        )
        session.execute(delete(StudioTestRun).where(StudioTestRun.id.in_(oldest.scalar_subquery())))


# --- the state as JSON -------------------------------------------------------------------------------------


def _state_json(run: StoredRun) -> str:
    """Everything of the run but what its row's columns hold (id, owner, when it was last used)."""
    bundle = run.bundle
    state = {
        "process_id": run.process_id,
        "process_name": run.process_name,
        "bundle": {
            "process_id": bundle.process_id,
            "name": bundle.name,
            "bpmn": bundle.bpmn,
            "dmn": bundle.dmn,
            "forms": bundle.forms,
            "start_role": bundle.start_role,
        },
        "own_file": run.own_file,
        "started_at": run.started_at.isoformat(),
        "now": run.now.isoformat(),
        "serialized": run.serialized,
        "path": [
            [step.bpmn_id, step.name, step.at.isoformat(), step.file, step.came_from] for step in run.path
        ],
        "log": [
            [_text_out(line.text), line.at.isoformat(), _instant_out(line.due_at), line.due_rule]
            for line in run.log
        ],
        "open_tasks": {
            task_id: [due.name, due.created_at.isoformat(), _instant_out(due.due_at), due.due_rule]
            for task_id, due in run.open_tasks.items()
        },
        "done_ids": sorted(run.done_ids),
        "completions": run.completions,
        "ended": run.ended,
    }
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))


def _from_state(text: str, run_id: str, owner_id: int, *, touched: datetime) -> StoredRun:
    state = json.loads(text)
    bundle = state["bundle"]
    return StoredRun(
        run_id=run_id,
        owner_id=owner_id,
        process_id=state["process_id"],
        process_name=state["process_name"],
        bundle=Bundle(
            process_id=bundle["process_id"],
            name=bundle["name"],
            bpmn=bundle["bpmn"],
            dmn=bundle["dmn"],
            forms=bundle["forms"],
            start_role=bundle["start_role"],
        ),  # its sha256 is computed again from the same content
        own_file=state["own_file"],
        started_at=datetime.fromisoformat(state["started_at"]),
        now=datetime.fromisoformat(state["now"]),
        serialized=state["serialized"],
        path=[
            PathStep(bpmn_id, name, datetime.fromisoformat(at), file, came_from)
            for bpmn_id, name, at, file, came_from in state["path"]
        ],
        log=[
            LogLine(datetime.fromisoformat(at), _text_in(text), _instant_in(due_at), due_rule)
            for text, at, due_at, due_rule in state["log"]
        ],
        open_tasks={
            task_id: TaskDue(name, datetime.fromisoformat(created_at), _instant_in(due_at), due_rule)
            for task_id, (name, created_at, due_at, due_rule) in state["open_tasks"].items()
        },
        done_ids=set(state["done_ids"]),
        completions=state["completions"],
        ended=state["ended"],
        touched=touched,
    )


def _text_out(text: str) -> str | dict[str, Any]:
    """A Message keeps its template and parameters, so the log is still read in the reader's language."""
    if isinstance(text, Message):
        return {"template": text.template, "params": text.params}
    return text


def _text_in(stored: str | dict[str, Any]) -> str:
    if isinstance(stored, dict):
        return Message(stored["template"], **stored["params"])
    return stored


def _instant_out(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _instant_in(stored: str | None) -> datetime | None:
    return datetime.fromisoformat(stored) if stored else None
