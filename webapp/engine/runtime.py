"""The runtime facade: the only place that starts, loads, steps and saves SpiffWorkflow workflows.

Services see plain values (``ReadyTask``, ISO strings, datetimes); the SpiffWorkflow object stays inside a
``LoadedWorkflow``. Every call that may read the time runs under ``engine_time(clock)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from webapp.domain.clock import Clock
from webapp.domain.errors import ProcessError, TaskNotReady
from webapp.domain.messages import N_, Message
from webapp.engine.catalogue import build_specs
from webapp.engine.clock import engine_time
from webapp.engine.scripting import make_script_engine
from webapp.engine.serialization import SpecCache, make_serializer

_TIMER_EVENTS = {"DurationTimerEventDefinition", "TimeDateEventDefinition", "CycleTimerEventDefinition"}


@dataclass(frozen=True)
class WaitingMessage:
    """A message event the instance is waiting for, which a person may trigger (e.g. consent withdrawn)."""

    name: str
    label: str
    lane: str | None


@dataclass(frozen=True)
class ReadyTask:
    """A human task waiting for a person, as the projections need it."""

    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None
    instructions: str
    due_in: str | None
    due_rule: str
    due_from: str | None
    due_at_field: str | None
    due_text: str | None
    data: Mapping[str, Any]


# Parsed specs by bundle sha256, shared by every runtime in the process: a deployed version never changes.
_SPECS = SpecCache()


class SpecSource(Protocol):
    """A deployed bundle: what the runtime needs to parse a version it has not seen yet."""

    @property
    def sha256(self) -> str: ...
    @property
    def process_id(self) -> str: ...
    @property
    def bpmn(self) -> Mapping[str, str]: ...
    @property
    def dmn(self) -> Mapping[str, str]: ...


class LoadedWorkflow:
    """A workflow in memory for the length of one unit of work; never cached across requests."""

    def __init__(self, workflow: BpmnWorkflow) -> None:
        self._wf = workflow


class WorkflowRuntime:
    def __init__(self) -> None:
        self._serializer = make_serializer(_SPECS, _not_loaded)
        self._script_engine = make_script_engine()

    def _specs_for(
        self, sha256: str, process_id: str, bpmn: Mapping[str, str], dmn: Mapping[str, str]
    ) -> Any:
        # Parsing a diagram takes milliseconds; a deployed version never changes, so its sha is a safe key.
        return _SPECS.get(sha256) or _SPECS.put(sha256, build_specs(process_id, bpmn, dmn))

    def start(
        self,
        bundle_sha: str,
        process_id: str,
        bpmn: Mapping[str, str],
        dmn: Mapping[str, str],
        clock: Clock,
        data: Mapping[str, Any] | None = None,
    ) -> LoadedWorkflow:
        spec, subprocess_specs = self._specs_for(bundle_sha, process_id, bpmn, dmn)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self._script_engine)
        if data:
            workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
        loaded = LoadedWorkflow(workflow)
        self._step(loaded, clock)
        return loaded

    def load(self, serialized: str, source: SpecSource | None = None) -> LoadedWorkflow:
        """The workflow of an instance; ``source`` is its deployed version, parsed here if not cached yet."""
        if source is not None:
            self._specs_for(source.sha256, source.process_id, source.bpmn, source.dmn)
        workflow = self._serializer.deserialize_json(serialized)
        workflow.script_engine = self._script_engine  # the engine is not serialized
        return LoadedWorkflow(workflow)

    def instructions(self, source: SpecSource, bpmn_id: str) -> str:
        """The instructions a step of a deployed version gives its user: they belong to the diagram, so a
        task row does not keep its own copy."""
        spec, subprocess_specs = self._specs_for(source.sha256, source.process_id, source.bpmn, source.dmn)
        for process_spec in (spec, *subprocess_specs.values()):
            task_spec = process_spec.task_specs.get(bpmn_id)
            if task_spec is not None:
                return _instructions_of(task_spec)
        return ""

    def dump(self, loaded: LoadedWorkflow) -> str:
        return str(self._serializer.serialize_json(loaded._wf))

    def ready_tasks(self, loaded: LoadedWorkflow) -> list[ReadyTask]:
        return [_ready_task(t) for t in loaded._wf.get_tasks(state=TaskState.READY, manual=True)]

    def ready_task_ids(self, loaded: LoadedWorkflow) -> set[str]:
        return {str(t.id) for t in loaded._wf.get_tasks(state=TaskState.READY, manual=True)}

    def task_properties(self, loaded: LoadedWorkflow, task_id: str) -> dict[str, str]:
        spec = self._task(loaded, task_id).task_spec
        properties = (getattr(spec, "extensions", None) or {}).get("properties", {})
        return dict(properties)

    def waiting_messages(self, loaded: LoadedWorkflow) -> list[WaitingMessage]:
        found: dict[str, WaitingMessage] = {}
        for task in loaded._wf.event_manager.tasks.values():
            definition = task.task_spec.event_definition
            if isinstance(definition, MessageEventDefinition) and definition.name not in found:
                label = task.task_spec.bpmn_name or definition.name
                found[definition.name] = WaitingMessage(definition.name, label, task.task_spec.lane)
        return list(found.values())

    def send_message(
        self, loaded: LoadedWorkflow, name: str, payload: Mapping[str, Any] | None, clock: Clock
    ) -> None:
        event = BpmnEvent(SpiffMessageEventDefinition(name), dict(payload or {}))
        with engine_time(clock):
            try:
                loaded._wf.send_event(event)
            except SpiffWorkflowException as error:
                raise _process_error(error) from None
        self._step(loaded, clock)

    def task_data(self, loaded: LoadedWorkflow, task_id: str) -> dict[str, Any]:
        return dict(self._task(loaded, task_id).data)

    def complete_task(
        self, loaded: LoadedWorkflow, task_id: str, data: Mapping[str, Any], clock: Clock
    ) -> None:
        task = self._task(loaded, task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(
                Message(
                    "De taak staat niet meer open (status {state}).", state=TaskState.get_name(task.state)
                )
            )
        # An answer replaces what the case held under that name. SpiffWorkflow's add_data_from_form
        # deep-merges instead: a list answered again (partners, checkboxes) would keep removed items.
        variable = getattr(task.task_spec, "variable", None)
        if variable:
            task.set_data(**{variable: dict(data)})
        else:
            task.data.update(data)
        with engine_time(clock):
            try:
                task.run()
            except SpiffWorkflowException as error:
                raise _process_error(error) from None
        self._step(loaded, clock)

    def fire_due_timers(self, loaded: LoadedWorkflow, clock: Clock) -> None:
        self._step(loaded, clock)

    def retry_failed(self, loaded: LoadedWorkflow, clock: Clock) -> None:
        """Run again the steps a script or condition error left in ERROR (it survives saving), then carry on:
        the recovery SPIFFWORKFLOW_NOTES section 5 checked. An instance without such a step just steps on."""
        with engine_time(clock):
            try:
                for task in loaded._wf.get_tasks(state=TaskState.ERROR):
                    task.run()
            except SpiffWorkflowException as error:
                raise _process_error(error) from None
        self._step(loaded, clock)

    def _step(self, loaded: LoadedWorkflow, clock: Clock) -> None:
        with engine_time(clock):
            try:
                loaded._wf.refresh_timers()
                loaded._wf.do_engine_steps()
            except SpiffWorkflowException as error:
                raise _process_error(error) from None

    def next_due(self, loaded: LoadedWorkflow) -> datetime | None:
        due = [
            TimerEventDefinition.get_datetime(event.value)
            for event in loaded._wf.waiting_events()
            if event.event_type in _TIMER_EVENTS and isinstance(event.value, str)
        ]
        return min(due, default=None)

    def is_completed(self, loaded: LoadedWorkflow) -> bool:
        return bool(loaded._wf.is_completed())

    def final_data(self, loaded: LoadedWorkflow) -> dict[str, Any]:
        return dict(loaded._wf.data)

    def _task(self, loaded: LoadedWorkflow, task_id: str) -> Any:
        try:
            return loaded._wf.get_task_from_id(UUID(task_id))
        except (TaskNotFoundException, ValueError):
            raise TaskNotReady(N_("Deze taak bestaat niet meer in de procedure.")) from None


def _ready_task(task: Any) -> ReadyTask:
    spec = task.task_spec
    extensions = getattr(spec, "extensions", None) or {}
    properties = extensions.get("properties", {})
    return ReadyTask(
        task_id=str(task.id),
        bpmn_id=spec.bpmn_id,
        name=(spec.bpmn_name or spec.bpmn_id) + _item_suffix(task),
        lane=spec.lane,
        form=properties.get("formJsonSchemaFilename"),
        ui_form=properties.get("formUiSchemaFilename"),
        instructions=_instructions_of(spec),
        due_in=properties.get("dueIn"),
        due_rule=properties.get("dueRule", "calendar"),
        due_from=properties.get("dueFrom"),
        due_at_field=properties.get("dueAt"),
        due_text=properties.get("dueText"),
        data=task.data,
    )


def _instructions_of(spec: Any) -> str:
    extensions = getattr(spec, "extensions", None) or {}
    return str(extensions.get("instructionsForEndUser") or getattr(spec, "documentation", None) or "").strip()


def _not_loaded(sha256: str) -> tuple[Any, dict[str, Any]]:
    raise ProcessError(
        Message("De procesversie {version} van deze zaak is niet geladen.", version=sha256[:12])
    )


def _item_suffix(task: Any) -> str:
    """A multi-instance task names its item ("Partner informeren – Rubicon Jeugdzorg"), so that the inbox
    does not show a row of identical names."""
    item_spec = getattr(getattr(task.parent, "task_spec", None), "input_item", None)
    item = task.data.get(item_spec.bpmn_id) if item_spec is not None else None
    if isinstance(item, dict):
        item = next((v for v in item.values() if isinstance(v, str) and v.strip()), None)
    if isinstance(item, str | int) and not isinstance(item, bool) and str(item).strip():
        return f" – {str(item).strip()[:80]}"
    return ""


def _process_error(error: SpiffWorkflowException) -> ProcessError:
    task = getattr(error, "task", None)
    element = getattr(getattr(task, "task_spec", None), "bpmn_id", None) or "?"
    # A diagram's code failing or refused by the sandbox (scripting.ScriptError) carries a Dutch text that
    # names no internals; SpiffWorkflow's own errors keep their text and notes.
    user_message = getattr(error, "user_message", None)
    if user_message:
        return ProcessError(
            Message(
                "Fout in stap '{element}' van de procedure: {reason}", element=element, reason=user_message
            )
        )
    notes = "; ".join(getattr(error, "notes", []) or [])
    return ProcessError(
        f"Fout in stap '{element}' van de procedure: {error}{' (' + notes + ')' if notes else ''}"
    )
