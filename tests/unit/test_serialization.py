"""Instances store a reference to their deployed bundle, not a copy of the parsed diagram."""

from __future__ import annotations

import json

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from tests.factories import START
from webapp.config import PROJECT_ROOT
from webapp.domain.clock import ManualClock
from webapp.engine.catalogue import check_directory
from webapp.engine.runtime import WorkflowRuntime

INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "omschrijving": "Inzage"}


def _demo_bundle():  # type: ignore[no-untyped-def]
    report = check_directory(PROJECT_ROOT / "processes", PROJECT_ROOT / "forms")
    return next(b for b in report.bundles if b.process_id == "demo_subject_request")


def test_the_stored_state_names_the_bundle_and_round_trips() -> None:
    bundle, runtime, clock = _demo_bundle(), WorkflowRuntime(), ManualClock(START)
    loaded = runtime.start(bundle.sha256, bundle.process_id, bundle.bpmn, bundle.dmn, clock)
    (task,) = runtime.ready_tasks(loaded)
    runtime.complete_task(loaded, task.task_id, INTAKE, clock)
    stored = runtime.dump(loaded)
    assert json.loads(stored)["spec"] == {"ketenflow_bundle": bundle.sha256}
    assert "subprocess_specs" not in json.loads(stored)
    again = runtime.load(stored, bundle)
    assert [t.name for t in runtime.ready_tasks(again)] == ["Identiteit controleren en beslissen"]
    assert runtime.next_due(again) == runtime.next_due(loaded)
    assert runtime.dump(again) == stored


def test_state_with_embedded_specs_still_loads() -> None:
    bundle, runtime, clock = _demo_bundle(), WorkflowRuntime(), ManualClock(START)
    loaded = runtime.start(bundle.sha256, bundle.process_id, bundle.bpmn, bundle.dmn, clock)
    plain = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    self_contained = plain.serialize_json(loaded._wf)
    assert "task_specs" in self_contained
    restored = runtime.load(self_contained)
    assert [t.name for t in runtime.ready_tasks(restored)] == ["Verzoek registreren"]


def test_the_reference_is_much_smaller_than_the_embedded_specs() -> None:
    bundle, runtime, clock = _demo_bundle(), WorkflowRuntime(), ManualClock(START)
    loaded = runtime.start(bundle.sha256, bundle.process_id, bundle.bpmn, bundle.dmn, clock)
    plain = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    assert len(runtime.dump(loaded)) * 2 < len(plain.serialize_json(loaded._wf))  # 7 KB against 20 KB
