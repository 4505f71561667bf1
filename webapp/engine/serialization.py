"""Workflow serialization that stores a reference to the deployed bundle instead of a copy of its specs.

SpiffWorkflow's serializer writes the whole parsed diagram (every task spec) into every instance and parses
it back on every load. A deployed bundle never changes and is identified by its sha256, so we store that
reference and take the specs from the process-wide cache: an instance row shrinks to its state, and loading
and saving skip most of their work. A row written with embedded specs still loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

SpecPair = tuple[Any, dict[str, Any]]
BUNDLE_KEY = "ketenflow_bundle"


class SpecCache:
    """Parsed specs by bundle sha256, and the way back from a spec object to its bundle."""

    def __init__(self) -> None:
        self._by_sha: dict[str, SpecPair] = {}
        self._sha_of: dict[int, str] = {}

    def get(self, sha256: str) -> SpecPair | None:
        return self._by_sha.get(sha256)

    def put(self, sha256: str, specs: SpecPair) -> SpecPair:
        kept = self._by_sha.setdefault(sha256, specs)
        self._sha_of[id(kept[0])] = sha256
        return kept

    def sha_of(self, spec: Any) -> str | None:
        return self._sha_of.get(id(spec))


def make_serializer(cache: SpecCache, missing: Callable[[str], SpecPair]) -> BpmnWorkflowSerializer:
    """``missing(sha)`` builds the specs of a bundle that is not cached yet (or raises)."""

    class _BundleReferenceConverter(BpmnWorkflowConverter):  # type: ignore[misc]
        def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
            sha = cache.sha_of(workflow.spec)
            if sha is None:  # not one of ours: keep SpiffWorkflow's self-contained form
                return dict(super().to_dict(workflow))
            dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
            dct["spec"] = {BUNDLE_KEY: sha}
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
            return dct

        def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
            reference = dct.get("spec", {})
            if BUNDLE_KEY not in reference:
                return super().from_dict(dct)
            dct.pop("spec")
            sha = reference[BUNDLE_KEY]
            spec, subprocess_specs = cache.get(sha) or missing(sha)
            workflow = self.target_class(spec, subprocess_specs, deserializing=True)
            workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
            workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
            self.set_default_attributes(workflow, dct)
            self.subprocesses_from_dict(dct["subprocesses"], workflow)
            workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
            return workflow

    config = {**SPIFF_CONFIG, BpmnWorkflow: _BundleReferenceConverter}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
