"""The builtins diagram code may use: what the diagrams in ``processes/`` need, with sizes checked.

Constructors that build a collection or a text are wrapped so that they refuse, before building, an input
longer than the limits and count what they built; ``isinstance`` still accepts ``str``, ``list`` … as types.
Nothing here reaches a type's internals, runs code, or touches files, the network or the clock.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from webapp.domain.messages import N_
from webapp.engine.sandbox import budget_now, check_planned, made, measure_text
from webapp.engine.sandbox_policy import ScriptRefused


def _fits(iterable: Any) -> Any:
    """An input with a length is refused before it is copied; a generator counts its own steps."""
    if hasattr(iterable, "__len__"):
        check_planned(N_("een verzameling"), len(iterable), budget_now().limits.items)
    return iterable


def _list(iterable: Iterable[Any] = ()) -> list[Any]:
    return made(list(_fits(iterable)))  # type: ignore[no-any-return]


def _tuple(iterable: Iterable[Any] = ()) -> tuple[Any, ...]:
    return made(tuple(_fits(iterable)))  # type: ignore[no-any-return]


def _set(iterable: Iterable[Any] = ()) -> set[Any]:
    return made(set(_fits(iterable)))  # type: ignore[no-any-return]


def _dict(*args: Any, **kwargs: Any) -> dict[Any, Any]:
    return made(dict(*(_fits(arg) for arg in args), **kwargs))  # type: ignore[no-any-return]


def _sorted(
    iterable: Iterable[Any], *, key: Callable[[Any], Any] | None = None, reverse: bool = False
) -> Any:
    return made(sorted(_fits(iterable), key=key, reverse=reverse))


def _str(value: Any = "", *args: Any) -> str:
    if type(value) not in (str, int, float, bool):
        measure_text(value, budget_now().limits.text)
    return made(str(value, *args))  # type: ignore[no-any-return]


def _range(*args: int) -> range:
    numbers = range(*args)
    try:
        length = len(numbers)
    except OverflowError:  # longer than the machine can count
        length = sys.maxsize
    check_planned(N_("een reeks (range)"), length, budget_now().limits.items)
    return numbers


def _sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    # sum(lists, []) copies the growing list at every step: quadratic, and not needed to add numbers.
    if type(start) not in (int, float, bool):
        raise ScriptRefused(N_("sum() telt alleen getallen op"))
    return made(sum(iterable, start))


def _round(number: Any, ndigits: int | None = None) -> Any:
    # round(5, -10**9) computes 10**(10**9) first.
    if isinstance(ndigits, int) and abs(ndigits) > 100:
        raise ScriptRefused(N_("round(): het aantal cijfers moet tussen -100 en 100 liggen"))
    return round(number, ndigits)


_AS_TYPE: dict[Any, type] = {
    _list: list,
    _tuple: tuple,
    _set: set,
    _dict: dict,
    _str: str,
    _range: range,
}


def _isinstance(value: Any, kinds: Any) -> bool:
    if isinstance(kinds, tuple):
        kinds = tuple(_AS_TYPE.get(kind, kind) for kind in kinds)
    else:
        kinds = _AS_TYPE.get(kinds, kinds)
    return isinstance(value, kinds)


SAFE_BUILTINS: dict[str, Any] = {
    "abs": abs,
    "all": all,
    "any": any,
    "bool": bool,
    "dict": _dict,
    "enumerate": enumerate,
    "filter": filter,
    "float": float,
    "int": int,
    "isinstance": _isinstance,
    "len": len,
    "list": _list,
    "map": map,
    "max": max,
    "min": min,
    "range": _range,
    "reversed": reversed,
    "round": _round,
    "set": _set,
    "sorted": _sorted,
    "str": _str,
    "sum": _sum,
    "tuple": _tuple,
    "zip": zip,
    "True": True,
    "False": False,
    "None": None,
    "ValueError": ValueError,
    "TypeError": TypeError,
    "KeyError": KeyError,
}
