"""What changed between two versions of a diagram: elements added, removed and changed, with their properties.

A pure function over two BPMN texts (parsed with the catalogue's safe XML parser). Elements are matched by
id, the way bpmn-js and SpiffArena keep them stable across edits; per element we compare what Ketenflow
executes: the name, the SpiffArena properties, the instructions, scripts, conditions, timer expressions,
the called process or decision, and the lane (the role) it sits in.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from lxml import etree

from webapp.domain.messages import N_
from webapp.engine.safe_xml import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"

# The BPMN elements a process owner sees as shapes or arrows on the diagram.
ELEMENT_TYPES = frozenset(
    {
        *("task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask"),
        *("businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"),
        *("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"),
        *("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"),
        *("sequenceFlow", "lane", "dataObjectReference", "dataStoreReference", "textAnnotation"),
    }
)
_ATTRIBUTES = ("calledElement", "sourceRef", "targetRef", "attachedToRef", "cancelActivity", "default")
_SPIFF_TEXTS = ("instructionsForEndUser", "preScript", "postScript", "calledDecisionId", "messageVariable")

# Labels for the properties, in the order a list shows them; spiffworkflow properties follow as they are.
LABELS = {
    "type": N_("Soort element"),
    "name": N_("Naam"),
    "lane": N_("Lane (rol)"),
    "instructionsForEndUser": N_("Instructies"),
    "script": N_("Script"),
    "preScript": N_("Script vooraf"),
    "postScript": N_("Script achteraf"),
    "condition": N_("Voorwaarde"),
    "default": N_("Standaardpijl"),
    "timeDate": N_("Timer (moment)"),
    "timeDuration": N_("Timer (duur)"),
    "timeCycle": N_("Timer (herhaling)"),
    "events": N_("Soort gebeurtenis"),
    "calledElement": N_("Aangeroepen procedure"),
    "calledDecisionId": N_("Beslistabel"),
    "messageVariable": N_("Berichtvariabele"),
    "sourceRef": N_("Van"),
    "targetRef": N_("Naar"),
    "attachedToRef": N_("Vast aan"),
    "cancelActivity": N_("Onderbreekt de taak"),
    "documentation": N_("Toelichting"),
}
_ORDER = {key: index for index, key in enumerate(LABELS)}
TYPE_LABELS = {
    "task": N_("taak"),
    "userTask": N_("gebruikerstaak"),
    "manualTask": N_("handmatige taak"),
    "scriptTask": N_("scripttaak"),
    "serviceTask": N_("servicetaak"),
    "sendTask": N_("verzendtaak"),
    "receiveTask": N_("ontvangsttaak"),
    "businessRuleTask": N_("beslistaak"),
    "callActivity": N_("aanroep van een procedure"),
    "subProcess": N_("deelproces"),
    "startEvent": N_("startgebeurtenis"),
    "endEvent": N_("eindgebeurtenis"),
    "intermediateCatchEvent": N_("tussengebeurtenis (wachten)"),
    "intermediateThrowEvent": N_("tussengebeurtenis (versturen)"),
    "boundaryEvent": N_("randgebeurtenis"),
    "exclusiveGateway": N_("exclusieve splitsing"),
    "parallelGateway": N_("parallelle splitsing"),
    "inclusiveGateway": N_("inclusieve splitsing"),
    "eventBasedGateway": N_("splitsing op gebeurtenis"),
    "sequenceFlow": N_("pijl"),
    "lane": N_("lane (rol)"),
}


@dataclass(frozen=True)
class PropertyChange:
    key: str  # a key of LABELS, or "property:<name>" for a spiffworkflow property
    old: str | None
    new: str | None

    @property
    def label(self) -> str:
        return LABELS.get(self.key, self.key.removeprefix("property:"))


@dataclass(frozen=True)
class ElementChange:
    id: str
    type: str
    name: str
    changes: list[PropertyChange] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)


@dataclass
class BpmnDiff:
    added: list[ElementChange] = field(default_factory=list)  # changes: the new element's properties
    removed: list[ElementChange] = field(default_factory=list)  # changes: the old element's properties
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_bpmn(old_xml: str | None, new_xml: str) -> BpmnDiff:
    """Compare two diagrams by element id (``old_xml`` None: everything is added). Raises UnsafeXml."""
    old = elements_of(old_xml) if old_xml is not None else {}
    new = elements_of(new_xml)
    result = BpmnDiff()
    for element_id, (kind, props) in new.items():
        if element_id not in old:
            result.added.append(_element(element_id, kind, props, {}, props))
            continue
        old_kind, old_props = old[element_id]
        before = {**old_props, "type": old_kind} if old_kind != kind else old_props
        after = {**props, "type": kind} if old_kind != kind else props
        change = _element(element_id, kind, props, before, after)
        if change.changes:
            result.changed.append(change)
    for element_id, (kind, props) in old.items():
        if element_id not in new:
            result.removed.append(_element(element_id, kind, props, props, {}))
    return result


def elements_of(xml: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Element id -> (BPMN type, the properties we compare) for every shape and arrow of every process."""
    root = parse_xml(xml.encode("utf-8"))
    lanes = _lane_membership(root)
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for process in root.iter(f"{{{BPMN}}}process"):
        for element in process.iter():
            if not isinstance(element.tag, str):
                continue
            qname = etree.QName(element)
            element_id = element.get("id")
            if qname.namespace != BPMN or qname.localname not in ELEMENT_TYPES or not element_id:
                continue
            props = _properties(element)
            if element_id in lanes:
                props["lane"] = lanes[element_id]
            found[element_id] = (qname.localname, props)
    return found


def _properties(element: etree._Element) -> dict[str, str]:
    props: dict[str, str] = {}
    if element.get("name"):
        props["name"] = _line(element.get("name"))
    for attribute in _ATTRIBUTES:
        if element.get(attribute) is not None:
            props[attribute] = element.get(attribute) or ""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local == "documentation" and (child.text or "").strip():
            props["documentation"] = _line(child.text)
        elif local == "script":
            props["script"] = _code(child.text)
        elif local == "conditionExpression":
            props["condition"] = _line(child.text)
        elif local.endswith("EventDefinition"):
            props["events"] = ", ".join(
                filter(None, (props.get("events"), local.removesuffix("EventDefinition")))
            )
            for timer in child:
                if isinstance(timer.tag, str) and etree.QName(timer).localname.startswith("time"):
                    props[etree.QName(timer).localname] = _line(timer.text)
        elif local == "extensionElements":
            props.update(_extensions(child))
    return props


def _extensions(extensions: etree._Element) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in extensions.iter(f"{{{SPIFF}}}property"):
        if prop.get("name"):
            props[f"property:{prop.get('name')}"] = prop.get("value") or ""
    for key in _SPIFF_TEXTS:
        node = extensions.find(f"{{{SPIFF}}}{key}")
        if node is not None:
            props[key] = _code(node.text) if key.endswith("Script") else _line(node.text)
    return props


def _lane_membership(root: etree._Element) -> dict[str, str]:
    """Flow node id -> the name of its lane (nested lanes joined outer to inner)."""
    membership: dict[str, list[str]] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        label = _line(lane.get("name")) or lane.get("id", "")
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            membership.setdefault((ref.text or "").strip(), []).append(label)
    return {node: " / ".join(names) for node, names in membership.items()}


def _element(
    element_id: str, kind: str, props: dict[str, str], before: dict[str, str], after: dict[str, str]
) -> ElementChange:
    keys = sorted(set(before) | set(after), key=lambda k: (_ORDER.get(k, len(_ORDER)), k))
    changes = [
        PropertyChange(key, before.get(key), after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    ]
    return ElementChange(element_id, kind, props.get("name", ""), changes)


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def _code(text: str | None) -> str:
    """Scripts keep their line structure (indentation matters in Python); surrounding blank space does not."""
    return "\n".join(line.rstrip() for line in textwrap.dedent(text or "").strip().splitlines())
