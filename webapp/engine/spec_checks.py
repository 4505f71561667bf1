"""The deploy-time checks SpiffWorkflow's parser skips (SPIFFWORKFLOW_NOTES.md section 1).

Each check looks at parsed task specs and returns problems in Dutch, pinned on the element id.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from webapp.domain.deadlines import DueRule, parse_period
from webapp.domain.legal_rules import RULES, parse_rule_ids
from webapp.domain.register_specs import REGISTERS
from webapp.domain.roles import role_for_lane
from webapp.engine.forms import check_form_schema
from webapp.engine.sandbox_policy import check_source
from webapp.engine.scripting import HELPERS, SAFE_BUILTINS

# An unquoted ISO duration such as PT72H parses as a Python name and only fails when the timer starts.
_LOOKS_LIKE_ISO = re.compile(r"^P(T?\d)")


@dataclass(frozen=True)
class Problem:
    file: str
    element: str | None
    message: str

    def __str__(self) -> str:
        where = f" [{self.element}]" if self.element else ""
        return f"{self.file}{where}: {self.message}"


def check_spec(file: str, spec: Any, forms: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for task_spec in spec.task_specs.values():
        element = getattr(task_spec, "bpmn_id", None)
        if not element:  # SpiffWorkflow's own Start/End/Root specs
            continue
        for message in _check_task_spec(task_spec, forms):
            problems.append(Problem(file, element, message))
    return problems


def _check_task_spec(task_spec: Any, forms: Mapping[str, Any]) -> Iterator[str]:
    for label, source, mode in _code_of(task_spec):
        error = _syntax_error(source, mode)
        if error:
            yield f"{label} is geen geldige Python: {error}"
            continue
        for problem in check_source(source, mode):  # the sandbox's own rules (RestrictedPython policy)
            yield f"{label} is niet toegestaan: {problem}"
    event_definition = getattr(task_spec, "event_definition", None)
    if isinstance(event_definition, TimerEventDefinition):
        yield from _check_timer(event_definition)
    if isinstance(task_spec, UserTask) or getattr(task_spec, "manual", False):
        if role_for_lane(task_spec.lane) is None:
            yield f"de baan (lane) '{task_spec.lane}' hoort bij geen bekende rol"
        yield from _check_task_properties(task_spec, forms)


def _code_of(task_spec: Any) -> Iterator[tuple[str, str, str]]:
    if getattr(task_spec, "script", None):
        yield "het script", task_spec.script, "exec"
    for attr, label in (("prescript", "het prescript"), ("postscript", "het postscript")):
        if getattr(task_spec, attr, None):
            yield label, getattr(task_spec, attr), "exec"
    for condition, target in getattr(task_spec, "cond_task_specs", ()):
        if condition is not None:  # the default flow has none
            yield f"de voorwaarde naar '{target}'", condition.args[0], "eval"


def _syntax_error(source: str, mode: str) -> str | None:
    try:
        ast.parse(source, mode=mode)
    except SyntaxError as error:
        return f"{error.msg} (regel {error.lineno})"
    return None


def _check_timer(definition: TimerEventDefinition) -> Iterator[str]:
    expression = (definition.expression or "").strip()
    error = _syntax_error(expression, "eval")
    if error:
        yield (
            f"de timer-expressie {expression!r} is geen geldige expressie ({error}); "
            'zet een vaste waarde tussen aanhalingstekens, bijvoorbeeld "PT72H"'
        )
        return
    for problem in check_source(expression, "eval"):
        yield f"de timer-expressie is niet toegestaan: {problem}"
    tree = ast.parse(expression, mode="eval").body
    if isinstance(tree, ast.Name) and _LOOKS_LIKE_ISO.match(tree.id):
        yield f'de timer-waarde {expression} moet tussen aanhalingstekens staan: "{expression}"'
        return
    if isinstance(tree, ast.Constant):
        yield from _check_timer_constant(definition, tree.value)
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in HELPERS and name not in SAFE_BUILTINS:
                yield f"de timer-expressie roept een onbekende functie aan: {ast.unparse(node.func)}"
            elif name == "deadline":
                yield from _check_deadline_call(node)


def _check_deadline_call(call: ast.Call) -> Iterator[str]:
    """The constant arguments of deadline(start, period, rule, before=…) are checked now, not when it runs."""
    arguments = dict(zip(("start", "period", "rule", "before"), call.args, strict=False))
    arguments.update({k.arg: k.value for k in call.keywords if k.arg})
    for name in ("period", "rule", "before"):
        node = arguments.get(name)
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        try:
            DueRule(node.value) if name == "rule" else parse_period(node.value)
        except ValueError as error:
            yield f"deadline(...): {name} {node.value!r} is ongeldig ({error})"


def _check_timer_constant(definition: TimerEventDefinition, value: object) -> Iterator[str]:
    if not isinstance(value, str):
        yield f"de timer-waarde {value!r} is geen ISO 8601-tekst"
        return
    try:
        if isinstance(definition, DurationTimerEventDefinition):
            TimerEventDefinition.parse_iso_duration(value)
        elif isinstance(definition, CycleTimerEventDefinition):
            TimerEventDefinition.parse_iso_recurring_interval(value)
        elif isinstance(definition, TimeDateEventDefinition):
            _check_absolute(value)
    except Exception as error:  # SpiffWorkflow raises bare Exception for bad durations
        yield f"de timer-waarde {value!r} is geen geldige ISO 8601-waarde ({error})"


def _check_absolute(value: str) -> None:
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        # SpiffWorkflow would read a naive time in the server's zone with a fixed offset: wrong in summer.
        raise ValueError("geef een tijdzone mee, bijvoorbeeld 2027-01-01T09:00:00+01:00")


def _check_task_properties(task_spec: Any, forms: Mapping[str, Any]) -> Iterator[str]:
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
        filename = properties.get(key)
        if not filename:
            continue
        if filename not in forms:
            yield f"het formulier '{filename}' bestaat niet in forms/"
        elif key == "formJsonSchemaFilename":
            for issue in check_form_schema(forms[filename]):
                yield f"formulier '{filename}': {issue}"
    for rule_id in parse_rule_ids(properties.get("legalRules")):
        if rule_id not in RULES:
            yield f"de wettelijke regel '{rule_id}' (legalRules) bestaat niet"
    if properties.get("register") and properties["register"] not in REGISTERS:
        yield f"het register '{properties['register']}' bestaat niet"
    if properties.get("dueAt") and properties.get("dueIn"):
        yield "geef een termijn met dueIn (een periode) of met dueAt (een veld met de datum), niet met beide"
    if properties.get("dueIn"):
        try:
            parse_period(properties["dueIn"])
            DueRule(properties.get("dueRule", DueRule.CALENDAR))
        except ValueError as error:
            yield f"de termijn (dueIn/dueRule) is ongeldig: {error}"
