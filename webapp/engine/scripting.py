"""The script engine for expressions, conditions, timer expressions and script tasks in diagrams.

Process owners write this code, so it runs in a sandbox: compiled with RestrictedPython under Ketenflow's
policy (``sandbox_policy``: no imports, no ``_`` names, no introspection, no own functions or classes),
with guarded attribute, item and write access and size-checked operators (``sandbox_guards``), a short
list of builtins (``sandbox_builtins``) plus Ketenflow's helpers, and bounded time and memory per
evaluation (``sandbox``). Every failure reaches SpiffWorkflow as a ``ScriptError`` with a Dutch message
that names no internals; the runtime turns it into the instance's ``ProcessError``.
"""

from __future__ import annotations

import types
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from webapp.domain.deadlines import (
    AMSTERDAM,
    DueRule,
    Period,
    compute_deadline,
    parse_period,
    subtract_period,
)
from webapp.domain.messages import N_, Message
from webapp.engine.sandbox import DEFAULT_LIMITS, Limits, ScriptLimitExceeded, run, untraced
from webapp.engine.sandbox_builtins import SAFE_BUILTINS
from webapp.engine.sandbox_guards import GUARDS
from webapp.engine.sandbox_policy import FILENAME, ScriptRefused, compiled

__all__ = ["HELPERS", "SAFE_BUILTINS", "ScriptError", "deadline", "make_script_engine", "parse_start"]


def parse_start(value: str | date | datetime) -> datetime | date:
    """A legal start as stored in task data: an ISO date (the day of receipt) or an ISO datetime."""
    if isinstance(value, datetime | date):
        return value
    text = str(value).strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=AMSTERDAM)


# Memoised: a waiting timer's expression is evaluated again on every engine step of its instance, and the
# answer depends on the arguments only (the holiday calendar is fixed per year).
@lru_cache(maxsize=4096)
def deadline(
    start: str | date | datetime, period: str, rule: str = "calendar", before: str | None = None
) -> str:
    """ISO 8601 instant (UTC) of a legal deadline, usable as a timer's timeDate expression."""
    due = compute_deadline(parse_start(start), period, DueRule(rule)).due_at
    if before:
        due = subtract_period(due, before)
    return due.astimezone(UTC).isoformat()


def _bounded_deadline(
    start: str | date | datetime, period: str, rule: str = "calendar", before: str | None = None
) -> str:
    """``deadline`` for diagram code: it runs untraced, so its arguments must keep its work small."""
    if not isinstance(start, str | date | datetime):
        raise TypeError(N_("deadline(): het begin moet een datum (tekst) zijn"))
    for text in (period, rule, before or ""):
        if not isinstance(text, str) or len(text) > 40:
            raise TypeError(N_("deadline(): periode, regel en 'before' zijn korte teksten"))
    if isinstance(start, str) and len(start) > 40:
        raise ValueError(N_("deadline(): het begin is geen datum"))
    for length in (period, before):
        if length and _days_in(parse_period(length)) > _MAX_DAYS:
            raise ValueError(N_("deadline(): een termijn mag hoogstens 100 jaar zijn"))
    if rule == DueRule.WORKING_DAYS and _days_in(parse_period(period)) > _MAX_WORKING_DAYS:
        raise ValueError(N_("deadline(): een termijn in werkdagen mag hoogstens 3660 dagen zijn"))
    return deadline(start, period, rule, before)


_MAX_DAYS = 36_600  # a calendar period is one date calculation, whatever its length
_MAX_WORKING_DAYS = 3_660  # working days are counted one by one: at most a few milliseconds


def _days_in(period: Period) -> int:
    return (
        366 * period.years + 31 * period.months + 7 * period.weeks + period.days
        + (period.hours + period.minutes // 60) // 24
    )  # fmt: skip


HELPERS: dict[str, Any] = {"deadline": untraced(_bounded_deadline)}
# Last in every scope, so that task data can never replace a guard or the builtins.
_PROTECTED: dict[str, Any] = {"__builtins__": SAFE_BUILTINS, **GUARDS}


class ScriptError(WorkflowTaskException):  # type: ignore[misc]
    """A diagram's code failed or was refused; ``user_message`` is the Dutch text for the instance."""

    def __init__(self, user_message: str, task: Any) -> None:
        super().__init__(user_message, task=task)
        self.user_message = user_message


class _SandboxEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    def __init__(self, limits: Limits) -> None:
        super().__init__({**HELPERS, **_PROTECTED})
        self.limits = limits

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        code = compiled(expression, "eval")
        return run(code, {**self.globals, **(external_context or {}), **context, **_PROTECTED}, self.limits)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code = compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update({**self.globals, **(external_context or {}), **_PROTECTED})
        try:
            run(code, context, self.limits)
            _check_storable(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


_STORABLE = (str, int, float, bool, type(None), list, tuple, dict, date, datetime)


def _check_storable(code: types.CodeType, context: dict[str, Any]) -> None:
    """What a script leaves in the case must be saved as JSON: no set, range, generator or dict view.

    Only the names the script mentions are looked at (``co_names``), a bounded number of values deep.
    """
    for name in code.co_names:
        stack, seen = [context.get(name)], 0
        while stack and seen < 10_000:
            value, seen = stack.pop(), seen + 1
            if not isinstance(value, _STORABLE) and not callable(value):
                raise ScriptRefused(
                    Message(
                        "'{name}' kan niet in de zaak worden bewaard; "
                        "gebruik een lijst, tekst, getal of een dict",
                        name=name,
                    )
                )
            if isinstance(value, list | tuple):
                stack.extend(value)
            elif isinstance(value, dict):
                stack.extend(value.values())


class _SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException:
            raise
        except Exception as error:
            shown = expression if len(expression) <= 80 else expression[:77] + "..."
            raise ScriptError(
                Message("de expressie '{expression}' {reason}", expression=shown, reason=_reason(error)), task
            ) from None

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        try:
            return bool(self.environment.execute(script, task.data, external_context or {}))
        except SpiffWorkflowException:
            raise
        except Exception as error:
            line = _script_line(error)
            where = Message(" (regel {line})", line=line) if line else ""
            raise ScriptError(
                Message("het script{where} {reason}", where=where, reason=_reason(error)), task
            ) from None


def _reason(error: Exception) -> str:
    """Dutch, short, and without the values involved: an exception's text may quote case data."""
    if isinstance(error, ScriptLimitExceeded):
        return Message("is gestopt: {why}", why=str(error))
    if isinstance(error, ScriptRefused):
        return Message("is geweigerd: {why}", why=str(error))
    if isinstance(error, NameError):
        return Message("gebruikt '{name}', dat geen veld van de zaak is", name=getattr(error, "name", "?"))
    detail = error.args[0] if error.args and isinstance(error.args[0], str) else ""
    if isinstance(error, KeyError | IndexError | AttributeError) or len(detail) > 200:
        detail = ""
    if detail:
        return Message("gaf een fout: {kind} ({detail})", kind=type(error).__name__, detail=detail)
    return Message("gaf een fout: {kind}", kind=type(error).__name__)


def _script_line(error: Exception) -> int | None:
    trace: types.TracebackType | None = error.__traceback__
    line: int | None = getattr(error, "line", None)  # ScriptLimitExceeded knows where the budget ran out
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == FILENAME:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def make_script_engine(limits: Limits = DEFAULT_LIMITS) -> PythonScriptEngine:
    return _SandboxScriptEngine(environment=_SandboxEnvironment(limits))
