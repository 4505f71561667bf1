"""Camunda's (7 and 8) ways of saying what Ketenflow says with lanes and SpiffArena properties.

Each hint is a (message, suggestion) pair in Dutch; ``import_report`` pins it on the element. Camunda 7
writes attributes (``camunda:formKey``, ``camunda:assignee`` …; Activiti and Flowable use the same names in
their own namespaces), Camunda 8 writes ``zeebe:`` extension elements.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from lxml import etree

from webapp.domain.messages import N_, Message
from webapp.domain.roles import ROLE_LABELS, role_for_lane

CAMUNDA_NAMESPACES = (
    "http://camunda.org/schema/1.0/bpmn",
    "http://activiti.org/bpmn",
    "http://flowable.org/bpmn",
)
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"

Hint = tuple[str, str]
_PERIOD = re.compile(r"\bP(?:\d+[YMWD])+(?:T(?:\d+[HMS])+)?\b|\bPT(?:\d+[HMS])+\b")


def camunda_attribute_items(element: etree._Element, namespace: str) -> Iterator[Hint]:
    for local in ("formKey", "formRef"):
        value = element.get(f"{{{namespace}}}{local}")
        if value:
            yield form_hint(value)
    assignee = element.get(f"{{{namespace}}}assignee") or element.get(f"{{{namespace}}}candidateUsers")
    if assignee:
        yield assignee_hint(assignee)
    groups = element.get(f"{{{namespace}}}candidateGroups")
    if groups:
        yield groups_hint(groups)
    due = element.get(f"{{{namespace}}}dueDate")
    if due:
        yield due_hint(due)


def zeebe_items(extension: etree._Element) -> Iterator[Hint]:
    kind = etree.QName(extension).localname
    if kind == "formDefinition":
        value = extension.get("formKey") or extension.get("formId") or extension.get("externalReference")
        if value:
            yield form_hint(value)
    elif kind == "assignmentDefinition":
        assignee = extension.get("assignee") or extension.get("candidateUsers")
        if assignee:
            yield assignee_hint(assignee)
        if extension.get("candidateGroups"):
            yield groups_hint(extension.get("candidateGroups") or "")
    elif kind == "taskSchedule" and extension.get("dueDate"):
        yield due_hint(extension.get("dueDate") or "")
    elif kind == "calledDecision" and extension.get("decisionId"):
        yield (
            Message(
                "Camunda-beslissing '{decision}' (zeebe:calledDecision).",
                decision=extension.get("decisionId"),
            ),
            Message(
                "Ketenflow noemt de beslistabel met spiffworkflow:calledDecisionId: '{decision}'.",
                decision=extension.get("decisionId"),
            ),
        )


def form_hint(value: str) -> Hint:
    stem = re.split(r"[:/]", value.strip())[-1].rsplit(".", 1)[0] or "formulier"
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_") or "formulier"
    return (
        Message("Camunda-formulier '{form}' (formKey): Ketenflow kent die formulieren niet.", form=value),
        Message(
            "Kies een formulier uit forms/ met spiffworkflow:property formJsonSchemaFilename, bijvoorbeeld "
            "'{stem}.schema.json' (in de studio: 'Formulier').",
            stem=stem,
        ),
    )


def assignee_hint(value: str) -> Hint:
    return (
        Message("Camunda wijst de taak toe aan '{who}' (assignee).", who=value),
        N_(
            "Ketenflow geeft een taak aan een rol, niet aan een vaste persoon: leg de taak in de baan van "
            "die rol; een medewerker met de rol pakt haar op of draagt haar over aan een collega."
        ),
    )


def groups_hint(value: str) -> Hint:
    groups = [g.strip() for g in value.split(",") if g.strip()]
    roles = [role for role in (role_for_lane(g) for g in groups) if role is not None]
    if roles:
        where = Message(
            "Leg de taak in de baan '{lane}' (de rol {role}).",
            lane=ROLE_LABELS[roles[0]],
            role=roles[0].value,
        )
    else:
        where = Message(
            "Leg de taak in de baan van de rol die haar uitvoert: {roles}.",
            roles=", ".join(ROLE_LABELS.values()),
        )
    return (Message("Camunda-groepen '{groups}' (candidateGroups).", groups=value), where)


def due_hint(value: str) -> Hint:
    period = _PERIOD.search(value)
    suggestion = (
        Message(
            "Ketenflow zet een termijn met spiffworkflow:property dueIn = '{period}' en dueRule (calendar, "
            "working_days of hours); een datum uit de zaak met dueAt.",
            period=period.group(0),
        )
        if period
        else N_(
            "Ketenflow zet een termijn met spiffworkflow:property dueIn (een ISO-periode, bijvoorbeeld P5D) "
            "en dueRule (calendar, working_days of hours); een datum uit de zaak met dueAt."
        )
    )
    return Message("Camunda-termijn '{due}' (dueDate).", due=value), suggestion


_CAMUNDA_EXPRESSION = re.compile(r"^[$#]\{(?P<body>.*)\}$", re.DOTALL)
_REPLACEMENTS = (
    (re.compile(r"&&"), " and "),
    (re.compile(r"\|\|"), " or "),
    (re.compile(r"!(?!=)"), " not "),
    (re.compile(r"\btrue\b"), "True"),
    (re.compile(r"\bfalse\b"), "False"),
    (re.compile(r"\bnull\b"), "None"),
    (re.compile(r"\beq\b"), "=="),
    (re.compile(r"\bne\b"), "!="),
    (re.compile(r"\bgt\b"), ">"),
    (re.compile(r"\blt\b"), "<"),
    (re.compile(r"\bge\b"), ">="),
    (re.compile(r"\ble\b"), "<="),
    (re.compile(r"execution\.getVariable\(\s*[\"'](\w+)[\"']\s*\)"), r"\1"),
)
_FEEL_EQUALS = re.compile(r"(?<![<>=!])=(?!=)")


def python_condition(text: str) -> str | None:
    """The Python for a Camunda ``${…}`` or a FEEL ``=…`` condition, or None when it is neither.

    The translation covers the usual operators; when the result is still no valid Python, the suggestion
    shows the body as it was so the process owner rewrites it."""
    stripped = text.strip()
    match = _CAMUNDA_EXPRESSION.match(stripped)
    if match:
        body = match.group("body")
    elif stripped.startswith("="):
        body = _FEEL_EQUALS.sub("==", stripped[1:])
    else:
        return None
    for pattern, replacement in _REPLACEMENTS:
        body = pattern.sub(replacement, body)
    body = " ".join(body.split())
    try:
        ast.parse(body, mode="eval")
    except SyntaxError:
        return body or "…"
    return body
