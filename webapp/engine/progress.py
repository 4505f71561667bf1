"""Where a running workflow stands, by BPMN element and diagram file: the path it took, the elements open
now (a human task waiting for a person, a call activity or subprocess running), the timers waiting and the
steps that failed. For the instance view that colours an instance's diagram.

Plain values only, and never task data: the SpiffWorkflow task tree stays in the engine. Each element
names the file of the bundle whose diagram holds it (a called process has its own file).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from webapp.engine.runtime import LoadedWorkflow
from webapp.engine.safe_xml import UnsafeXml, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class Element:
    """One BPMN element of one diagram file, as a task of the workflow met it."""

    task_id: str  # SpiffWorkflow's task id: matches ``human_task.spiff_task_id`` for a human task
    bpmn_id: str
    name: str
    kind: str  # the spec class: UserTask, ExclusiveGateway, TimerEvent … (for a readable label)
    file: str  # the bundle's file that draws it
    lane: str | None = None


@dataclass(frozen=True)
class DoneStep:
    """A completed element. ``came_from`` is the element before it on the path (for its sequence flow).
    ``stamped_at`` is SpiffWorkflow's own real-time stamp of the state change: it orders the steps; the
    service prefers the time the database holds for a human task."""

    element: Element
    came_from: str | None
    stamped_at: datetime


@dataclass(frozen=True)
class Running:
    """An element open now: a human task waiting, or a call activity / subprocess running.
    ``calls`` is the file of the process a call activity runs."""

    element: Element
    human: bool
    calls: str | None = None
    came_from: str | None = None  # the flow the token took to get here is part of the path


@dataclass(frozen=True)
class Timer:
    element: Element
    due_at: datetime | None  # None: the moment is not known yet


@dataclass(frozen=True)
class Progress:
    own_file: str
    done: list[DoneStep] = field(default_factory=list)
    running: list[Running] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    failed: list[Element] = field(default_factory=list)
    completed: bool = False

    @property
    def files(self) -> list[str]:
        """The diagram files the run touched: its own first, then called processes in order of first use."""
        seen = [self.own_file]
        for element in [s.element for s in self.done] + [r.element for r in self.running]:
            if element.file not in seen:
                seen.append(element.file)
        for run in self.running:
            if run.calls and run.calls not in seen:
                seen.append(run.calls)
        return seen


def progress(loaded: LoadedWorkflow) -> Progress:
    workflow = loaded._wf
    own_file = _file_of(workflow)
    done: list[DoneStep] = []
    running: list[Running] = []
    failed: list[Element] = []
    for task in workflow.get_tasks():
        element = _element(task)
        if element is None:
            continue
        if task.state == TaskState.COMPLETED:
            stamped = datetime.fromtimestamp(float(task.last_state_change), UTC)
            done.append(DoneStep(element, _came_from(task), stamped))
        elif task.state == TaskState.READY and task.task_spec.manual:
            running.append(Running(element, human=True, came_from=_came_from(task)))
        elif task.state == TaskState.STARTED and task.id in workflow.subprocesses:
            called = workflow.subprocesses[task.id]
            calls = _file_of(called) if _file_of(called) != element.file else None
            running.append(Running(element, human=False, calls=calls, came_from=_came_from(task)))
        elif task.state == TaskState.ERROR:
            failed.append(element)
    done.sort(key=lambda step: step.stamped_at)
    return Progress(
        own_file=own_file,
        done=done,
        running=running,
        timers=_timers(workflow),
        failed=failed,
        completed=bool(workflow.is_completed()),
    )


def _timers(workflow: Any) -> list[Timer]:
    found = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        element = _element(task)
        if element is None or not isinstance(definition, TimerEventDefinition):
            continue
        found.append(Timer(element, _due(task)))
    return sorted(found, key=lambda t: (t.due_at is None, t.due_at or datetime.min.replace(tzinfo=UTC)))


def _due(task: Any) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):  # a cycle: the next firing
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:  # the ISO text SpiffWorkflow stored; parsed here so that a plain datetime leaves the engine
        due = datetime.fromisoformat(value)
    except ValueError:
        return None
    return due if due.tzinfo else due.replace(tzinfo=UTC)


def _element(task: Any) -> Element | None:
    """The BPMN element of a task; None for SpiffWorkflow's own helper tasks (start, joins, splits)."""
    spec = task.task_spec
    bpmn_id = getattr(spec, "bpmn_id", None)
    if not bpmn_id:
        return None
    return Element(
        task_id=str(task.id),
        bpmn_id=bpmn_id,
        name=str(spec.bpmn_name or bpmn_id),
        kind=type(spec).__name__,
        file=_file_of(task.workflow),
        lane=getattr(spec, "lane", None),
    )


def _came_from(task: Any) -> str | None:
    """The nearest earlier element in the same diagram: the source of the flow the token took."""
    parent = task.parent
    while parent is not None:
        bpmn_id = getattr(parent.task_spec, "bpmn_id", None)
        if bpmn_id:
            return str(bpmn_id) if parent.workflow is task.workflow else None
        parent = parent.parent
    return None


def _file_of(workflow: Any) -> str:
    # Specs built from the bundle carry the bundle's file name; older ones may carry a path.
    return posixpath.basename(str(getattr(workflow.spec, "file", "") or ""))


@dataclass(frozen=True)
class Outline:
    """What the instance view needs of a diagram file besides the workflow: the names of its processes and
    its sequence flows by (source, target), to colour the flows the path took."""

    process_names: dict[str, str]
    flows: dict[tuple[str, str], list[str]]

    def flows_on(self, path: list[tuple[str, str]]) -> list[str]:
        return [flow for pair in path for flow in self.flows.get(pair, [])]


def outline(xml: str) -> Outline:
    """The outline of a deployed diagram file (checked at deploy; unreadable: an empty outline)."""
    try:
        root = parse_xml(xml.encode("utf-8"))
    except (UnsafeXml, etree.XMLSyntaxError):
        return Outline({}, {})
    names = {
        str(p.get("id")): str(p.get("name") or p.get("id"))
        for p in root.iter(f"{{{BPMN_NS}}}process")
        if p.get("id")
    }
    flows: dict[tuple[str, str], list[str]] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        source, target, flow_id = flow.get("sourceRef"), flow.get("targetRef"), flow.get("id")
        if source and target and flow_id:
            flows.setdefault((str(source), str(target)), []).append(str(flow_id))
    return Outline(names, flows)
