"""The items of the import report (``import_report``) and the XML helpers its checks share."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from webapp.domain.messages import N_

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
B = f"{{{BPMN_NS}}}"  # lxml's "{namespace}tag" prefixes
S = f"{{{SPIFF_NS}}}"


# Element kinds as a process owner reads them (the page shows the kind, the name and the id).
KIND_LABELS = {
    "process": N_("proces"),
    "lane": N_("baan (lane)"),
    "userTask": N_("gebruikerstaak"),
    "manualTask": N_("handmatige taak"),
    "sendTask": N_("verzendtaak"),
    "receiveTask": N_("ontvangsttaak"),
    "serviceTask": N_("servicetaak"),
    "scriptTask": N_("scripttaak"),
    "businessRuleTask": N_("beslistaak"),
    "task": N_("taak"),
    "callActivity": N_("aanroep (call activity)"),
    "subProcess": N_("subproces"),
    "transaction": N_("transactie"),
    "adHocSubProcess": N_("ad-hocsubproces"),
    "startEvent": N_("startgebeurtenis"),
    "endEvent": N_("eindgebeurtenis"),
    "boundaryEvent": N_("grensgebeurtenis"),
    "intermediateCatchEvent": N_("tussengebeurtenis (opvangen)"),
    "intermediateThrowEvent": N_("tussengebeurtenis (werpen)"),
    "sequenceFlow": N_("pijl (sequence flow)"),
    "messageFlow": N_("berichtenstroom"),
    "complexGateway": N_("complexe splitsing"),
    "dataStoreReference": N_("gegevensopslag (data store)"),
    "decision": N_("beslissing"),
    "definitions": N_("bestand"),
}


@dataclass(frozen=True)
class ImportItem:
    """One thing to change: on an element (its id, kind and name) or on the file (element None)."""

    element: str | None
    kind: str
    name: str
    message: str
    suggestion: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def local(node: etree._Element) -> str:
    """An element's tag without its namespace; "" for comments and processing instructions."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def item(element: etree._Element, message: str, suggestion: str = "") -> ImportItem:
    kind = local(element)
    return ImportItem(element.get("id"), kind, element.get("name") or "", message, suggestion)


def has_flow(process: etree._Element) -> bool:
    return any(child.tag == f"{B}sequenceFlow" for child in process)


def spiff_property(element: etree._Element, name: str) -> str | None:
    for prop in element.iter(f"{S}property"):
        value = prop.get("value")
        if prop.get("name") == name and value:
            return str(value)
    return None


def spiff_text(element: etree._Element, tag: str) -> str | None:
    found = element.find(f".//{S}{tag}")
    return (found.text or "").strip() or None if found is not None else None


def message_of(element: etree._Element) -> etree._Element | None:
    """The named bpmn:message that ``messageRef`` points to, or None."""
    ref = element.get("messageRef")
    return _named_messages(element.getroottree().getroot()).get(ref) if ref else None


@lru_cache(maxsize=4)  # one index per diagram, not one search per element: a 5 MB file has many elements
def _named_messages(root: etree._Element) -> dict[str, etree._Element]:
    return {m.get("id") or "": m for m in root.iter(f"{B}message") if m.get("name")}
