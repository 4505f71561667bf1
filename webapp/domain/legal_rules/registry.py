"""Legal rules that a form answer must satisfy beyond its JSON Schema.

A user task names its rules in the BPMN property ``legalRules`` (comma-separated rule ids). After the
schema check, the task-completion service runs each named rule with the answers and the data the case
already holds; any error refuses the completion, the task stays open and the typed answers are kept.
Each message names the rule it enforces, in Dutch (for example "Convenant art. 8: …").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# Keys the service adds to the case data a rule sees (never stored in the case): the acting user's id, the
# user id that last completed each task of the case (by BPMN id), and the current instant (ISO 8601, UTC).
CONTEXT_ACTOR = "_actor_id"
CONTEXT_COMPLETED_BY = "_completed_by"
CONTEXT_NOW = "_now"

# (answers of this task, data the case held before this task) -> {field: Dutch message naming the rule}
Rule = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, str]]

RULES: dict[str, Rule] = {}


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        if rule_id in RULES:
            raise ValueError(f"legal rule {rule_id!r} is defined twice")
        RULES[rule_id] = function
        return function

    return register


def check_rules(
    rule_ids: list[str], answers: Mapping[str, Any], case_data: Mapping[str, Any]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for rule_id in rule_ids:
        for field, message in RULES[rule_id](answers, case_data).items():
            errors.setdefault(field, message)
    return errors


def parse_rule_ids(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]
