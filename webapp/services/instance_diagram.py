"""The instance view for process owners and managers (issue 6 item 7): an instance's diagram with where it
stands — the path taken, the open human tasks with their role and due date, the call activities running and
the process they run, the timers waiting with their due times, the steps that failed.

Process structure only, never the case's data: element names come from the diagram (not the task rows,
whose names may carry a multi-instance item), no task data is read, and of the case only its reference.
Who sees it: ``access.may_view_process_state``; every read and every refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, NotFound, ProcessError
from webapp.domain.messages import N_
from webapp.domain.roles import DEFAULT_TASK_ROLE, role_for_lane
from webapp.engine.progress import DoneStep, Element, Outline, Progress, outline, progress
from webapp.persistence.models import HumanTask, Organisation, ProcessInstance
from webapp.services.case_scope import active_grant, scope_of, task_facts
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.definitions import DefinitionSnapshot
from webapp.services.purge import is_tombstone

DONE, CURRENT, WAITING, PROBLEM = "kf-done", "kf-current", "kf-waiting", "kf-problem"
PARTS = ("page", "bpmn", "marks")  # what was read, for the audit line

_KIND_LABELS = (
    (("UserTask", "ManualTask", "NoneTask"), N_("Taak")),
    (("ScriptTask", "ServiceTask"), N_("Automatische stap")),
    (("BusinessRuleTask",), N_("Beslistabel")),
    (("Gateway",), N_("Keuzepunt")),
    (("StartEvent",), N_("Start")),
    (("EndEvent",), N_("Einde")),
    (("CallActivity",), N_("Deelprocedure")),
    (("SubWorkflowTask", "Subprocess"), N_("Deelproces")),
    (("Event", "SendTask", "ReceiveTask"), N_("Gebeurtenis")),
)


def kind_label(kind: str) -> str:
    for suffixes, label in _KIND_LABELS:
        if any(kind.endswith(suffix) for suffix in suffixes):
            return label
    return N_("Stap")


@dataclass(frozen=True)
class StepRow:
    element_id: str
    name: str
    kind: str  # a Dutch label (N_)
    process: str  # the name of the process whose diagram draws it
    at: datetime


@dataclass(frozen=True)
class FailedRow:
    element_id: str
    name: str
    kind: str
    process: str


@dataclass(frozen=True)
class OpenTaskRow:
    element_id: str
    name: str
    process: str
    process_key: str
    role: str
    due_at: datetime | None
    due_rule: str | None


@dataclass(frozen=True)
class CallRow:
    element_id: str
    name: str
    process: str
    process_key: str
    calls: str  # the name of the process it runs
    calls_key: str


@dataclass(frozen=True)
class TimerRow:
    element_id: str
    name: str
    process: str
    process_key: str
    due_at: datetime | None


@dataclass(frozen=True)
class DiagramPart:
    """One diagram file to draw: the instance's own process or a process it called."""

    key: str  # the file's process id: names the diagram in the addresses (?process=)
    name: str
    xml: str
    own: bool
    running: bool
    markers: dict[str, list[str]] = field(default_factory=dict)
    calls: list[CallRow] = field(default_factory=list)
    timers: list[TimerRow] = field(default_factory=list)
    open_tasks: list[OpenTaskRow] = field(default_factory=list)


@dataclass(frozen=True)
class InstanceDiagram:
    instance_id: int
    process_name: str
    version: int
    organisation: str
    case_reference: str | None
    status: str
    started_at: datetime
    ended_at: datetime | None
    next_due_at: datetime | None
    parts: list[DiagramPart]
    steps: list[StepRow]
    open_tasks: list[OpenTaskRow]
    calls: list[CallRow]
    timers: list[TimerRow]
    failed: list[FailedRow]
    available: bool = True  # False: the workflow state is gone (destroyed) or could not be read
    emergency: bool = False  # seen only through break-glass
    sees_case: bool = False  # the reader may open the instance page itself

    def part(self, key: str | None) -> DiagramPart | None:
        """The diagram named by ``key``; None (or "") is the instance's own."""
        if not key:
            return self.parts[0] if self.parts else None
        return next((p for p in self.parts if p.key == key), None)


def instance_diagram(
    ctx: ServiceContext, actor: Actor, instance_id: int, origin: Origin | None = None, *, part: str = "page"
) -> InstanceDiagram:
    with ctx.db.write() as session:
        instance = session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.id == instance_id)
            .options(undefer(ProcessInstance.serialization))
        ).scalar_one_or_none()
        if instance is None:
            raise NotFound(N_("Deze procedure bestaat niet."))
        grant = active_grant(ctx, session, actor, instance.case_reference)
        scope = scope_of(actor, instance, task_facts(session, [instance.id])[instance.id], grant)
        by_role = access.may_view_process_state(actor, instance.organisation_id)
        decision = by_role or access.may_view_process_state(
            actor, instance.organisation_id, sees_instance=scope.whole
        )
        details = {"view": "diagram"} if part == "page" else {"view": "diagram", "part": part}
        if not decision:
            session.rollback()
            audit_denial(
                ctx,
                "instance.read",
                Action.READ,
                decision.reason,
                actor_id=actor.user_id,
                object_type="process_instance",
                object_id=str(instance_id),
                process_instance_id=instance_id,
                details=details,
            )
            raise AccessDenied(decision.reason)
        emergency = not by_role and scope.emergency
        if emergency and grant is not None:
            details = {**details, "break_glass": str(grant.id)}
        audit(
            session,
            ctx,
            "instance.read",
            Action.EMERGENCY_ACCESS if emergency else Action.READ,
            actor_id=actor.user_id,
            origin=origin,
            object_type="process_instance",
            object_id=str(instance.id),
            process_instance_id=instance.id,
            details=details,
        )
        return _build(ctx, session, instance, emergency, sees_case=scope.whole)


def _build(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, emergency: bool, *, sees_case: bool
) -> InstanceDiagram:
    definition = ctx.definitions.get(session, instance.definition_id)
    run = _progress(ctx, instance, definition)
    files = _files(definition, run)
    outlines = {name: outline(definition.bpmn[name]) for name in files}
    names = {name: _process_name(name, outlines[name]) for name in files}
    rows = _task_rows(session, instance.id)
    done = run.done if run else []
    steps = [
        StepRow(
            s.element.bpmn_id, s.element.name, kind_label(s.element.kind), names.get(s.element.file, ""), at
        )
        for s, at in zip(done, _step_times(done, rows, instance.started_at), strict=True)
    ]
    open_tasks = [_open_task(e, rows.get(e.task_id), names) for e in _human(run)]
    calls = [
        CallRow(
            r.element.bpmn_id,
            r.element.name,
            names.get(r.element.file, ""),
            _key(r.element.file),
            names[r.calls],
            _key(r.calls),
        )
        for r in (run.running if run else [])
        if r.calls in names
    ]
    timers = [
        TimerRow(
            t.element.bpmn_id, t.element.name, names.get(t.element.file, ""), _key(t.element.file), t.due_at
        )
        for t in (run.timers if run else [])
    ]
    failed = [
        FailedRow(e.bpmn_id, e.name, kind_label(e.kind), names.get(e.file, ""))
        for e in (run.failed if run else [])
    ]
    parts = [
        _part(name, definition, outlines[name], names, run, (calls, timers, open_tasks)) for name in files
    ]
    return InstanceDiagram(
        instance_id=instance.id,
        process_name=definition.name,
        version=definition.version,
        organisation=session.get_one(Organisation, instance.organisation_id).name,
        case_reference=instance.case_reference,
        status=instance.status,
        started_at=instance.started_at,
        ended_at=instance.ended_at,
        next_due_at=instance.next_due_at,
        parts=parts,
        steps=steps,
        open_tasks=open_tasks,
        calls=calls,
        timers=timers,
        failed=failed,
        available=run is not None,
        emergency=emergency,
        sees_case=sees_case,
    )


def _progress(
    ctx: ServiceContext, instance: ProcessInstance, definition: DefinitionSnapshot
) -> Progress | None:
    """Where the workflow stands; None when its state is gone (destroyed) or cannot be read."""
    if not instance.serialization or is_tombstone(instance.serialization):
        return None
    try:
        return progress(ctx.runtime.load(instance.serialization, definition))
    except (ProcessError, ValueError, KeyError, TypeError):
        return None


def _files(definition: DefinitionSnapshot, run: Progress | None) -> list[str]:
    own = next(iter(definition.bpmn), "")
    touched = run.files if run else [own]
    return [name for name in dict.fromkeys([own, *touched]) if name in definition.bpmn]


def _key(filename: str) -> str:
    return filename.rsplit(".", 1)[0]


def _process_name(filename: str, shape: Outline) -> str:
    return shape.process_names.get(_key(filename)) or _key(filename)


@dataclass(frozen=True)
class _TaskRow:
    role: str
    due_at: datetime | None
    due_rule: str | None
    completed_at: datetime | None


def _task_rows(session: Session, instance_id: int) -> dict[str, _TaskRow]:
    """The human tasks' role, due date and completion by engine task id; never their drafts or data."""
    query = select(
        HumanTask.spiff_task_id, HumanTask.role, HumanTask.due_at, HumanTask.due_rule, HumanTask.completed_at
    ).where(HumanTask.instance_id == instance_id)
    return {
        spiff_id: _TaskRow(role, due_at, due_rule, completed_at)
        for spiff_id, role, due_at, due_rule, completed_at in session.execute(query).all()
    }


def _step_times(done: list[DoneStep], rows: dict[str, _TaskRow], started_at: datetime) -> list[datetime]:
    """When each step finished, on the service clock. The engine stamps steps with the wall clock, which is
    the service clock in production but not under a ManualClock (tests, simulations). So the instance's start
    and each human task's completion (the database holds those on the service clock) are anchors, and a step
    between them is placed at its anchor plus the wall time that passed since."""
    offset = started_at - done[0].stamped_at if done else timedelta(0)
    times = []
    for step in done:
        row = rows.get(step.element.task_id)
        if row is not None and row.completed_at is not None:
            offset = row.completed_at - step.stamped_at
        times.append(step.stamped_at + offset)
    return times


def _human(run: Progress | None) -> list[Element]:
    return [r.element for r in (run.running if run else []) if r.human]


def _open_task(element: Element, row: _TaskRow | None, names: dict[str, str]) -> OpenTaskRow:
    role = row.role if row else (role_for_lane(element.lane) or DEFAULT_TASK_ROLE).value
    return OpenTaskRow(
        element.bpmn_id,
        element.name,
        names.get(element.file, ""),
        _key(element.file),
        role,
        row.due_at if row else None,
        row.due_rule if row else None,
    )


def _part(
    filename: str,
    definition: DefinitionSnapshot,
    shape: Outline,
    names: dict[str, str],
    run: Progress | None,
    rows: tuple[list[CallRow], list[TimerRow], list[OpenTaskRow]],
) -> DiagramPart:
    """The markers of one diagram: done on the path (elements and the flows between them), current on what
    is open, waiting on the timers, problem on a failed step; the strongest wins on an element."""
    markers: dict[str, list[str]] = {}
    if run is not None:
        here = [s for s in run.done if s.element.file == filename]
        now = [r for r in run.running if r.element.file == filename]
        path = [(s.came_from, s.element.bpmn_id) for s in here if s.came_from]
        path += [(r.came_from, r.element.bpmn_id) for r in now if r.came_from]
        for element_id in [s.element.bpmn_id for s in here] + shape.flows_on(path):
            markers[element_id] = [DONE]
        for r in now:
            markers[r.element.bpmn_id] = [CURRENT]
        for t in run.timers:
            if t.element.file == filename:
                markers[t.element.bpmn_id] = [WAITING]
        for e in run.failed:
            if e.file == filename:
                markers[e.bpmn_id] = [PROBLEM]
    calls, timers, open_tasks = rows
    key = _key(filename)
    own = filename == next(iter(definition.bpmn), "")
    running = run is not None and not run.completed and (own or any(c.calls_key == key for c in calls))
    return DiagramPart(
        key=key,
        name=names[filename],
        xml=definition.bpmn[filename],
        own=own,
        running=running,
        markers=markers,
        calls=[c for c in calls if c.process_key == key],
        timers=[t for t in timers if t.process_key == key],
        open_tasks=[t for t in open_tasks if t.process_key == key],
    )
