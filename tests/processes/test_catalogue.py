"""The whole catalogue: every diagram checks clean, every form it names exists and every form is used,
every diagram is laid out for a modeler, and every timer and lane is one Ketenflow can execute."""

from __future__ import annotations

from lxml import etree

from webapp.config import PROJECT_ROOT
from webapp.engine.catalogue import check_directory

PROCESSES, FORMS = PROJECT_ROOT / "processes", PROJECT_ROOT / "forms"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
FLOW_NODES = (
    "task",
    "userTask",
    "scriptTask",
    "manualTask",
    "serviceTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
)


def test_every_diagram_checks_clean() -> None:
    report = check_directory(PROCESSES, FORMS)
    assert [str(p) for p in report.problems] == []
    deployed = {b.process_id for b in report.bundles}
    assert deployed == {p.stem for p in PROCESSES.glob("*.bpmn")}


def test_every_form_is_used_by_a_diagram() -> None:
    used = {name for bundle in check_directory(PROCESSES, FORMS).bundles for name in bundle.forms}
    present = {p.name for p in FORMS.glob("*.json")}
    assert present - used == set(), "forms that no diagram uses"


def test_every_flow_node_is_drawn_for_a_modeler() -> None:
    for path in PROCESSES.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        nodes = {el.get("id") for tag in FLOW_NODES for el in root.iter(f"{BPMN}{tag}")}
        drawn = {el.get("bpmnElement") for el in root.iter(f"{DI}BPMNShape")}
        flows = {el.get("id") for el in root.iter(f"{BPMN}sequenceFlow")}
        edges = {el.get("bpmnElement") for el in root.iter(f"{DI}BPMNEdge")}
        assert nodes - drawn == set(), f"{path.name}: shapes missing"
        assert flows - edges == set(), f"{path.name}: edges missing"


def test_every_process_and_user_task_has_a_dutch_name() -> None:
    for path in PROCESSES.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for element in [*root.iter(f"{BPMN}process"), *root.iter(f"{BPMN}userTask")]:
            assert (element.get("name") or "").strip(), f"{path.name}: {element.get('id')} has no name"
