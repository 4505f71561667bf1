"""What a diagram made with another tool needs before Ketenflow can run it: the import report.

The catalogue check (``catalogue.check_sources``) says what is wrong once a diagram is meant for Ketenflow;
this report reads a diagram as another modeler saved it (Camunda, Signavio, Trisotech, SpiffArena …) and
lists, per element, what Ketenflow does not execute and what to write instead. It only reads the XML (the
root ``safe_xml.parse_xml`` returned); it changes nothing and never raises on a strange diagram.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from webapp.domain.messages import N_, Message
from webapp.domain.roles import ROLE_LABELS, role_for_lane
from webapp.engine.import_checks import (
    condition_items,
    event_items,
    message_task_items,
    multi_instance_items,
    script_items,
    start_items,
)
from webapp.engine.import_hints import CAMUNDA_NAMESPACES, ZEEBE_NS, camunda_attribute_items, zeebe_items
from webapp.engine.import_items import (
    BPMN_NS,
    B,
    ImportItem,
    has_flow,
    item,
    local,
    spiff_property,
    spiff_text,
)

__all__ = ["ImportItem", "import_report", "known_roles"]

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,180}$")  # a file name the studio accepts


def known_roles() -> str:
    return ", ".join(ROLE_LABELS.values())


def import_report(filename: str, root: etree._Element) -> list[ImportItem]:
    """Everything the diagram needs to become executable in Ketenflow, in document order per kind."""
    localname = etree.QName(root).localname if isinstance(root.tag, str) else ""
    namespace = etree.QName(root).namespace or ""
    if localname != "definitions":
        return [ImportItem(None, "definitions", filename, N_("Dit is geen BPMN- of DMN-diagram."))]
    if "DMN" in namespace:
        return list(_dmn_items(root))
    return list(_bpmn_items(filename, root))


def _bpmn_items(filename: str, root: etree._Element) -> Iterator[ImportItem]:
    processes = root.findall(f"{B}process")
    if not processes:
        yield ImportItem(None, "definitions", filename, N_("Het diagram bevat geen proces."))
        return
    yield from _process_items(filename, root, processes)
    for element in root.iter(f"{B}messageFlow"):
        yield item(
            element,
            N_("Ketenflow voert geen berichtenstromen tussen pools uit."),
            N_(
                "Laat één proces het werk doen; een bericht van buiten meldt een medewerker als gebeurtenis "
                "op de zaak (een opvangend bericht-event met een naam)."
            ),
        )
    for process in processes:
        yield from _element_items(process)


def _process_items(
    filename: str, root: etree._Element, processes: list[etree._Element]
) -> Iterator[ImportItem]:
    stem = filename.rsplit(".", 1)[0]
    ids = [p.get("id") or "" for p in processes]
    called = {c.get("calledElement") for c in root.iter(f"{B}callActivity")}
    for process in processes:
        if process.get("isExecutable") == "false":
            yield item(
                process,
                N_('Het proces is gemarkeerd als niet uitvoerbaar (isExecutable="false").'),
                N_("Zet isExecutable op \"true\" (in de modeler: 'Executable' aanvinken)."),
            )
    if stem not in ids:
        runnable = [i for i, p in zip(ids, processes, strict=True) if has_flow(p)] or ids
        yield ImportItem(
            None,
            "definitions",
            filename,
            Message(
                "Ketenflow voert het proces uit waarvan het id gelijk is aan de bestandsnaam ('{stem}'); "
                "dit bestand heeft de processen: {ids}.",
                stem=stem,
                ids=", ".join(runnable),
            ),
            Message(
                "Sla het diagram op als '{name}.bpmn' of geef het proces het id '{stem}'.",
                name=runnable[0],
                stem=stem,
            )
            if _PLAIN_NAME.match(runnable[0])
            else Message("Geef het proces het id '{stem}'.", stem=stem),
        )
        return
    for process, process_id in zip(processes, ids, strict=True):
        if process_id != stem and process_id not in called and has_flow(process):
            yield item(
                process,
                Message(
                    "Ketenflow voert alleen het proces '{stem}' uit en de processen die het aanroept; "
                    "dit proces wordt nooit gestart.",
                    stem=stem,
                ),
                N_("Roep het aan met een aanroep (call activity) of zet het in een eigen bestand."),
            )


def _element_items(process: etree._Element) -> Iterator[ImportItem]:
    yield from start_items(process)
    for element in process.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element)
        if name.namespace == BPMN_NS:
            yield from _bpmn_element_items(element, name.localname)
        for namespace in CAMUNDA_NAMESPACES:
            yield from (
                item(element, message, suggestion)
                for message, suggestion in camunda_attribute_items(element, namespace)
            )
        if name.namespace == ZEEBE_NS:
            owner = _owning_element(element)
            if owner is not None:
                yield from (item(owner, message, suggestion) for message, suggestion in zeebe_items(element))


def _owning_element(extension: etree._Element) -> etree._Element | None:
    """The BPMN element a zeebe:… extension element describes (above its extensionElements)."""
    parent = extension.getparent()
    while parent is not None and local(parent) == "extensionElements":
        parent = parent.getparent()
    return parent


def _bpmn_element_items(element: etree._Element, kind: str) -> Iterator[ImportItem]:
    if kind == "lane":
        yield from _lane_items(element)
    elif kind == "userTask" and spiff_property(element, "formJsonSchemaFilename") is None:
        yield item(
            element,
            N_("De gebruikerstaak heeft geen formulier."),
            N_(
                "Kies een formulier uit forms/ (spiffworkflow:property formJsonSchemaFilename, in de studio: "
                "'Formulier')."
            ),
        )
    elif kind == "manualTask":
        yield item(
            element,
            N_("Ketenflow voert geen handmatige taken uit."),
            N_(
                "Maak er een gebruikerstaak met een formulier van; de medewerker legt daarin vast wat er "
                "gedaan is."
            ),
        )
    elif kind == "serviceTask":
        yield item(
            element,
            N_("Ketenflow roept geen externe diensten aan (servicetaak)."),
            N_(
                "Maak er een gebruikerstaak van (een medewerker doet het) of een scripttaak (een berekening)."
            ),
        )
    elif kind == "task":
        yield item(
            element,
            N_("Een taak zonder soort doet niets in Ketenflow."),
            N_("Maak er een gebruikerstaak (met formulier) of een scripttaak van."),
        )
    elif kind == "complexGateway":
        yield item(
            element,
            N_("Ketenflow kent geen complexe splitsing."),
            N_("Gebruik een exclusieve, parallelle of inclusieve splitsing."),
        )
    elif kind == "dataStoreReference":
        yield item(
            element,
            N_("Ketenflow kent geen gegevensopslag in een diagram."),
            N_("Haal de gegevensopslag weg; beschrijf het systeem eventueel in een tekstannotatie."),
        )
    elif kind == "scriptTask":
        yield from script_items(element)
    elif kind == "businessRuleTask" and spiff_text(element, "calledDecisionId") is None:
        yield item(
            element,
            N_("De beslistaak noemt geen beslistabel."),
            N_("Kies de beslistabel (DMN) met spiffworkflow:calledDecisionId."),
        )
    elif kind == "callActivity" and not element.get("calledElement"):
        yield item(
            element,
            N_("De aanroep noemt geen proces (calledElement)."),
            N_("Kies het proces dat aangeroepen wordt."),
        )
    elif kind in ("sendTask", "receiveTask"):
        yield from message_task_items(element, kind)
    elif kind == "multiInstanceLoopCharacteristics":
        yield from multi_instance_items(element)
    elif kind == "sequenceFlow":
        yield from condition_items(element)
    elif kind.endswith("EventDefinition"):
        yield from event_items(element, kind)


def _lane_items(lane: etree._Element) -> Iterator[ImportItem]:
    if lane.find(f"{B}childLaneSet/{B}lane") is not None:
        return  # the inner lanes decide who does the work
    name = (lane.get("name") or "").strip()
    if name and role_for_lane(name) is not None:
        return
    message = (
        Message("De baan '{name}' hoort bij geen bekende rol.", name=name)
        if name
        else N_("De baan heeft geen naam; Ketenflow leest de rol uit de naam van de baan.")
    )
    yield item(lane, message, Message("Noem de baan naar een rol: {roles}.", roles=known_roles()))


def _dmn_items(root: etree._Element) -> Iterator[ImportItem]:
    decisions = [d for d in root.iter() if local(d) == "decision"]
    if not decisions:
        yield ImportItem(None, "definitions", "", N_("Het DMN-bestand bevat geen beslissing."))
    for decision in decisions:
        table = next((c for c in decision if local(c) == "decisionTable"), None)
        if table is None:
            yield item(
                decision,
                N_("Ketenflow voert alleen beslistabellen uit (geen losse expressies of andere soorten)."),
                N_("Maak van de beslissing een beslistabel."),
            )
            continue
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in ("UNIQUE", "COLLECT"):  # what SpiffWorkflow's DMN engine evaluates
            yield item(
                decision,
                Message("Ketenflow kent de hit policy '{policy}' niet.", policy=policy),
                N_("Gebruik UNIQUE (één regel past) of COLLECT (alle passende regels)."),
            )
