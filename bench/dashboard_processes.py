"""What the deployed processes look like, for bench_dashboard.py: their user tasks (step, lane role, deadline
kind and nominal term) read from the stored BPMN, and the closed-list values their forms offer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import select

from webapp.domain.deadlines import parse_period
from webapp.domain.policy_dimensions import POLICY_DIMENSIONS
from webapp.domain.roles import DEFAULT_TASK_ROLE, role_for_lane
from webapp.domain.statistics import deadline_kind, deadline_kind_label
from webapp.persistence.models import ProcessDefinition
from webapp.services.context import ServiceContext

DAY, HOUR = 86400, 3600
# How often each procedure runs; consent, breaches and requests (30 %) carry a legal deadline record.
WEIGHTS = {
    "case_intake": 30,
    "consent": 20,
    "retention": 20,
    "meldcode": 12,
    "no_consent_registration": 8,
    "data_breach": 4,
    "subject_request": 4,
    "demo_subject_request": 2,
}
REGISTERS = {
    "case_intake": "case",
    "consent": "consent",
    "no_consent_registration": "no_consent",
    "meldcode": "meldcode_report",
    "data_breach": "breach",
    "subject_request": "subject_request",
    "demo_subject_request": "subject_request",
    "retention": "destruction",
}
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}


@dataclass(frozen=True)
class Step:
    bpmn_id: str
    name: str
    role: str
    kind: str | None
    term: int | None  # nominal seconds from the task's creation
    rule: str | None


@dataclass
class Process:
    definition_id: int
    process_id: str
    steps: list[Step]
    choices: dict[str, list[Any]]  # policy dimension -> values its forms offer


# --- what the deployed processes look like ------------------------------------------------------------------


def load_processes(ctx: ServiceContext) -> list[Process]:
    found = []
    with ctx.db.read() as session:
        for definition in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.id)):
            steps = _steps(definition.bpmn[f"{definition.process_id}.bpmn"], definition.process_id)
            register = REGISTERS.get(definition.process_id, "")
            forms = list(definition.forms.values())
            choices = {d: _choices(forms, d) for d in POLICY_DIMENSIONS.get(register, ())}
            found.append(Process(definition.id, definition.process_id, steps, choices))
    return [p for p in found if p.process_id in WEIGHTS and p.steps]


def _steps(xml: str, process_id: str) -> list[Step]:
    root = etree.fromstring(xml.encode())  # our own deployed diagrams
    process = root.find(f"bpmn:process[@id='{process_id}']", NS)
    lanes = {
        ref.text: lane.get("name")
        for lane in process.iterfind(".//bpmn:lane", NS)
        for ref in lane.iterfind("bpmn:flowNodeRef", NS)
    }
    steps = []
    for task in process.iterfind(".//bpmn:userTask", NS):
        props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiff:property", NS)}
        kind = deadline_kind(props.get("dueIn"), props.get("dueRule"), props.get("dueAt"))
        term = _seconds(props["dueIn"]) if props.get("dueIn") else 14 * DAY if kind else None
        role = role_for_lane(lanes.get(task.get("id"))) or DEFAULT_TASK_ROLE
        rule = str(deadline_kind_label(kind)) if kind else None
        steps.append(
            Step(task.get("id"), (task.get("name") or task.get("id"))[:200], role.value, kind, term, rule)
        )
    return steps


def _seconds(text: str) -> int:
    p = parse_period(text)
    days = p.years * 365 + p.months * 30 + p.weeks * 7 + p.days
    return days * DAY + p.hours * HOUR + p.minutes * 60


def _choices(schemas: Iterable[Any], name: str) -> list[Any]:
    """The values a form offers for a field: its enum, its oneOf constants, or yes and no."""
    for schema in schemas:
        found = _find_property(schema, name)
        if found is not None:
            items = found.get("items", found)
            values = items.get("enum") or [o["const"] for o in items.get("oneOf", []) if "const" in o]
            if values:
                return [[v] for v in values] if "items" in found else list(values)
            if items.get("type") == "boolean":
                return [True, False]
    return ["onbekend"]


def _find_property(node: Any, name: str) -> dict[str, Any] | None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get(name), dict):
            return properties[name]
        children: Iterable[Any] = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_property(child, name)
        if found is not None:
            return found
    return None
