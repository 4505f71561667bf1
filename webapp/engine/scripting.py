"""The script engine for expressions, conditions, timer expressions and script tasks in diagrams.

Scripts get no ``__import__`` and only a short list of harmless builtins, plus Ketenflow's helpers. This
limits mistakes, but it is not yet a sandbox against a hostile process owner (an attribute walk still
reaches object internals); a compiled, guarded sandbox replaces it in the security work.
"""

from __future__ import annotations

import builtins
from datetime import UTC, date, datetime
from functools import lru_cache
from types import CodeType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from webapp.domain.deadlines import AMSTERDAM, DueRule, compute_deadline, subtract_period

_SAFE_NAMES = [
    "abs",
    "all",
    "any",
    "bool",
    "dict",
    "enumerate",
    "filter",
    "float",
    "int",
    "isinstance",
    "len",
    "list",
    "map",
    "max",
    "min",
    "range",
    "reversed",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "True",
    "False",
    "None",
    "ValueError",
    "TypeError",
    "KeyError",
]
SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in _SAFE_NAMES}


def parse_start(value: str | date | datetime) -> datetime | date:
    """A legal start as stored in task data: an ISO date (the day of receipt) or an ISO datetime."""
    if isinstance(value, datetime | date):
        return value
    text = str(value).strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=AMSTERDAM)


def deadline(
    start: str | date | datetime, period: str, rule: str = "calendar", before: str | None = None
) -> str:
    """ISO 8601 instant (UTC) of a legal deadline, usable as a timer's timeDate expression."""
    due = compute_deadline(parse_start(start), period, DueRule(rule)).due_at
    if before:
        due = subtract_period(due, before)
    return due.astimezone(UTC).isoformat()


HELPERS: dict[str, Any] = {"deadline": deadline}


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> CodeType:
    # Diagrams repeat the same few expressions on every request; compiling once saves most of their cost.
    return compile(source, "<string>", mode)


class _LimitedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        scope = {**self.globals, **(external_context or {}), **context}
        return eval(_compile(expression, "eval"), scope)  # noqa: S307 - limited builtins, see module doc

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.check_for_overwrite(context, external_context or {})
        context.update({**self.globals, **(external_context or {})})
        try:
            exec(_compile(script, "exec"), context)  # noqa: S102 - limited builtins, see module doc
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def make_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=_LimitedEnvironment({"__builtins__": SAFE_BUILTINS, **HELPERS}))
