"""Runs diagram code compiled by ``sandbox_policy`` with guarded access, bounded time and bounded memory.

Time: a trace function (``sys.settrace``, per thread, so it works in the web server's and the worker's
threads where signals cannot) counts every line and loop pass of the diagram code and every Python call made
on its behalf, and stops the code after ``Limits.steps`` of them or ``Limits.seconds`` of the thread's CPU
time. The stop is a ``BaseException`` that code cannot catch (scripts have no ``try``) and helpers do not
swallow (they catch ``Exception`` at most); a run that still ends normally after it is refused anyway.

Memory: no single step may build a large value. Every operator, f-string, collection literal, slice,
allowed method and constructor goes through a guard that refuses, before building, a result over the size
limits (``'a' * 10**9``, ``2 ** 10**10``, ``1 << 10**9``, ``'x'.ljust(10**9)``, ``range(10**9)``) and
charges what was built to a per-run allowance, so that a loop that keeps building bounded values is stopped
too. Values that repeat one object many times (``[s] * 1000``) are measured before they are shown as text.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from webapp.domain.messages import N_, Message
from webapp.engine.sandbox_policy import FILENAME, ScriptRefused


@dataclass(frozen=True)
class Limits:
    seconds: float = 1.0  # CPU time of the running thread, per evaluation
    steps: int = 1_000_000  # lines, loop passes and helper calls, per evaluation
    text: int = 100_000  # characters in one text
    items: int = 100_000  # elements in one list, tuple, set, dict or range
    int_bits: int = 15_000  # one integer; just above the 4300 digits Python itself parses from text
    allocated: int = 2_000_000  # characters and elements built by guarded operations, per evaluation


DEFAULT_LIMITS = Limits()


class ScriptLimitExceeded(ScriptRefused):
    """The code ran too long or built too much; the message is Dutch."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _Exhausted(BaseException):
    """Raised by the trace function; a BaseException so that ``except Exception`` in a helper lets it by."""


class _Budget:
    __slots__ = ("allocated", "deadline", "exhausted", "limits", "line", "line_tracer", "steps")

    def __init__(self, limits: Limits) -> None:
        self.limits, self.steps, self.allocated = limits, 0, 0
        self.deadline = 0.0  # set at the first clock check: most expressions end before it
        self.exhausted: str | None = None
        self.line: int | None = None  # the script's line being run when the budget ran out
        self.line_tracer = self._on_line

    def on_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        self._tick()  # helpers' own calls count too: a helper loop cannot outrun the budget
        return self.line_tracer if frame.f_code.co_filename == FILENAME else None

    def _on_line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.line = frame.f_lineno
            self._tick()
        return self.line_tracer

    def _tick(self) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            self._stop()
        if not self.steps & 15:
            self.check_clock()

    def check_clock(self) -> None:
        now = time.thread_time()
        if not self.deadline:
            self.deadline = now + self.limits.seconds
        elif now > self.deadline:
            self._stop()

    def _stop(self) -> None:
        self.exhausted = Message(
            "de rekentijd is op (grens: {seconds} seconde of {steps} stappen)",
            seconds=self.limits.seconds,
            steps=self.limits.steps,
        )
        raise _Exhausted(self.exhausted)


_local = threading.local()


def run(code: CodeType, scope: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> Any:
    """Evaluate (an expression's code) or execute (a script's code) in ``scope`` under ``limits``."""
    budget = _Budget(limits)
    previous_budget, previous_trace = getattr(_local, "budget", None), sys.gettrace()
    _local.budget = budget
    sys.settrace(budget.on_call)
    try:
        result = eval(code, scope)  # noqa: S307 - RestrictedPython-compiled code with guards, see module doc
    except _Exhausted:
        result = None
    finally:
        sys.settrace(previous_trace)
        _local.budget = previous_budget
    if budget.exhausted:
        raise ScriptLimitExceeded(budget.exhausted, budget.line)
    return result


def untraced(helper: Callable[..., Any]) -> Callable[..., Any]:
    """A trusted helper (``deadline``) run at full speed, without the tracer's per-call cost.

    The helper must bound its own work by checking its arguments; the step and clock check resume when it
    returns. It must not call back into diagram code.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        trace = sys.gettrace()
        sys.settrace(None)
        try:
            result = helper(*args, **kwargs)
        finally:
            sys.settrace(trace)
        budget_now().check_clock()
        return result

    return call


def budget_now() -> _Budget:
    budget: _Budget | None = getattr(_local, "budget", None)
    if budget is None:  # a guard called outside run(): a generator kept from an earlier script
        raise ScriptRefused(Message("deze waarde kan buiten zijn eigen script niet worden gebruikt"))
    return budget


def too_big(what: str, size: int, limit: int) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(
        Message(
            "{what} wordt te groot ({size} > {limit})",
            what=what,
            size=size,
            limit=limit,
        )
    )


def charge(amount: int) -> None:
    """Count characters or elements built; a run that builds more than its allowance is stopped."""
    budget = budget_now()
    budget.allocated += amount
    if budget.allocated > budget.limits.allocated:
        raise ScriptLimitExceeded(
            Message(
                "het geheugen is op (grens: {limit} tekens of elementen)",
                limit=budget.limits.allocated,
            )
        )


_SEQUENCES = (list, tuple, dict, set, frozenset, range)


def made(value: Any) -> Any:
    """Check and count a value a guarded operation has just built."""
    limits = budget_now().limits
    kind = type(value)
    if kind is int:
        if value.bit_length() > limits.int_bits:
            raise too_big(N_("een getal"), value.bit_length(), limits.int_bits)
        return value
    if kind is str or kind is bytes:
        if len(value) > limits.text:
            raise too_big(N_("een tekst"), len(value), limits.text)
    elif kind in _SEQUENCES:
        if len(value) > limits.items:
            raise too_big(N_("een verzameling"), len(value), limits.items)
    else:
        return value
    charge(len(value))
    return value


def check_planned(what: str, size: int, limit: int) -> None:
    """Refuse before building a value of ``size`` (text length, elements, bits) over ``limit``."""
    if size > limit:
        raise too_big(what, size, limit)


def measure_text(value: Any, limit: int) -> None:
    """Refuse a value whose text would exceed ``limit`` characters, without building that text.

    A list may hold one long text a thousand times; its text would be a thousand times as long. The walk
    stops as soon as the estimate passes the limit, so it costs at most ``limit`` steps.
    """
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bytes:
            total += len(item) + 4
        elif kind is dict:
            total += 2
            stack.extend(item.keys())
            stack.extend(item.values())
        elif kind in _SEQUENCES:
            total += 2
            stack.extend(item)
        elif kind is int:
            total += item.bit_length() // 3 + 2
        else:
            total += 32
        if total > limit:
            raise too_big(N_("een tekst"), total, limit)
