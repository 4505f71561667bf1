"""Step names for the managers' lists, read from the deployed diagrams rather than from the task rows: the
engine appends a multi-instance item to a task's name ("Partner informeren – <item>"), and that item is case
data a manager may not see."""

from __future__ import annotations

import threading

from lxml import etree
from sqlalchemy.orm import Session

from webapp.engine.safe_xml import UnsafeXml, parse_xml
from webapp.services.context import ServiceContext

_BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Element names by bundle hash: a deployed bundle never changes, so each is parsed once per process.
_STEP_NAMES: dict[str, dict[str, str]] = {}
_STEP_NAMES_LOCK = threading.Lock()


def step_names(ctx: ServiceContext, session: Session, definition_id: int | None) -> dict[str, str]:
    """Element id → name as the diagrams of a version draw them (the process's own file and those it
    calls). The task row's own name is not used: a multi-instance step's name carries an item of the case."""
    if definition_id is None:
        return {}
    definition = ctx.definitions.get(session, definition_id)
    found = _STEP_NAMES.get(definition.sha256)
    if found is None:
        found = {}
        for xml in definition.bpmn.values():
            found = {**_element_names(xml), **found}  # the first file to name an element wins
        with _STEP_NAMES_LOCK:
            _STEP_NAMES[definition.sha256] = found
    return found


def _element_names(xml: str) -> dict[str, str]:
    try:
        root = parse_xml(xml.encode("utf-8"))
    except (UnsafeXml, etree.XMLSyntaxError):
        return {}
    names = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{_BPMN_NS}}}"):
            element_id, name = element.get("id"), element.get("name")
            if element_id and name:
                names[str(element_id)] = " ".join(str(name).split())
    return names
