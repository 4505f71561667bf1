"""The guards RestrictedPython-compiled diagram code calls, and the builtins it may use.

Attribute access is an allow-list per type (the methods of text, numbers, lists, dicts, sets, dates); every
other object (functions, types, generators, exceptions …) has no attribute a script can read. Item access
and writes work on the plain data types only. Each operation that can build a value goes through
``sandbox.made`` or a check before building; see ``sandbox`` for why.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from webapp.domain.messages import N_, Message
from webapp.engine.sandbox import budget_now, charge, check_planned, made, measure_text
from webapp.engine.sandbox_policy import ScriptRefused


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STR_METHODS = _words(
    "capitalize casefold center count endswith find index isalnum isalpha isascii isdecimal isdigit "
    "islower isnumeric isspace istitle isupper join ljust lower lstrip partition removeprefix "
    "removesuffix replace rfind rindex rjust rpartition rsplit rstrip split splitlines startswith strip "
    "swapcase title upper zfill"
)
_DATE_ATTRIBUTES = _words("year month day weekday isoweekday isoformat isocalendar toordinal")
_DATETIME_ATTRIBUTES = _DATE_ATTRIBUTES | _words(
    "hour minute second microsecond date time timestamp utcoffset"
)
_ATTRIBUTES: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    list: _words("append clear copy count extend index insert pop remove reverse sort"),
    dict: _words("clear copy get items keys pop popitem setdefault update values"),
    set: _words(
        "add clear copy difference difference_update discard intersection intersection_update isdisjoint "
        "issubset issuperset pop remove symmetric_difference union update"
    ),
    tuple: frozenset(["count", "index"]),
    int: frozenset(["bit_length"]),
    float: frozenset(["is_integer"]),
    date: _DATE_ATTRIBUTES,
    datetime: _DATETIME_ATTRIBUTES,
    time: _words("hour minute second microsecond isoformat"),
    timedelta: _words("days seconds microseconds total_seconds"),
}
_GROWING = (list, dict, set)
_BUILDING = _words("copy union difference intersection symmetric_difference split")
_SUBSCRIPTABLE = (str, list, tuple, dict, range)


_KIND_NAMES = {
    str: N_("tekst"),
    int: N_("getal"),
    float: N_("getal"),
    bool: N_("ja/nee-waarde"),
    list: N_("lijst"),
    tuple: N_("tupel"),
    dict: N_("dict"),
    set: N_("verzameling"),
    type(None): "None",
}


def _kind(value: Any) -> str:
    """Dutch for the kind of value a script touched: functions, types and generators are all 'object'."""
    return _KIND_NAMES.get(type(value), N_("functie") if callable(value) else N_("object"))


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    if name.startswith("_") or name not in _ATTRIBUTES.get(type(obj), ()):
        raise ScriptRefused(
            Message("'{name}' van een {kind} is in scripts niet toegestaan", name=name, kind=_kind(obj))
        )
    value = getattr(obj, name)
    return _guarded_method(obj, name, value) if callable(value) else value


def _guarded_method(obj: Any, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if type(obj) is str and name in _TEXT_PLANS:
            args = _TEXT_PLANS[name](obj, args, kwargs)
        before = len(obj) if type(obj) in _GROWING else None
        result = method(*args, **kwargs)
        if before is not None:
            _grown(obj, before)
        # Text methods build new text; of the others only these build a new collection (``get``, ``pop``
        # and the like hand out what the collection already held, which was counted when it was built).
        return made(result) if type(obj) is str or name in _BUILDING else result

    return call


def _grown(container: Any, before: int) -> None:
    limit = budget_now().limits.items
    check_planned(N_("een verzameling"), len(container), limit)
    charge(max(0, len(container) - before))


def _width_plan(text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    width = args[0] if args else kwargs.get("width", 0)
    if isinstance(width, int):
        check_planned(N_("een tekst"), width, budget_now().limits.text)
    return args


def _replace_plan(text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        old, new = args[0], args[1]
        count = text.count(old) if old else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        planned = len(text) + count * (len(new) - len(old))
        check_planned(N_("een tekst"), planned, budget_now().limits.text)
    return args


def _join_plan(text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    if not args:
        return args
    parts = list(args[0])
    charge(len(parts))
    planned = sum(len(part) for part in parts if isinstance(part, str)) + len(text) * max(0, len(parts) - 1)
    check_planned(N_("een tekst"), planned, budget_now().limits.text)
    return (parts, *args[1:])


_TEXT_PLANS: dict[str, Callable[[str, tuple[Any, ...], dict[str, Any]], tuple[Any, ...]]] = {
    "center": _width_plan,
    "ljust": _width_plan,
    "rjust": _width_plan,
    "zfill": _width_plan,
    "replace": _replace_plan,
    "join": _join_plan,
}


def guarded_getitem(obj: Any, key: Any) -> Any:
    if not isinstance(obj, _SUBSCRIPTABLE):
        raise ScriptRefused(Message("een {kind} kan in scripts niet worden geïndexeerd", kind=_kind(obj)))
    result = obj[key]
    return made(result) if isinstance(key, slice) else result


class _Writable:
    """What ``x[k] = v`` and ``del x[k]`` reach: a list or dict, with its growth counted."""

    __slots__ = ("_target",)
    _target: list[Any] | dict[Any, Any]

    def __init__(self, target: list[Any] | dict[Any, Any]) -> None:
        object.__setattr__(self, "_target", target)

    def __setitem__(self, key: Any, value: Any) -> None:
        before = len(self._target)
        self._target[key] = value
        _grown(self._target, before)

    def __delitem__(self, key: Any) -> None:
        del self._target[key]

    def __setattr__(self, name: str, value: Any) -> None:
        raise ScriptRefused(Message("attributen wijzigen is in scripts niet toegestaan"))

    def __delattr__(self, name: str) -> None:
        raise ScriptRefused(Message("attributen wijzigen is in scripts niet toegestaan"))


def guarded_write(obj: Any) -> _Writable:
    if type(obj) not in (list, dict):
        raise ScriptRefused(Message("een {kind} kan in scripts niet worden gewijzigd", kind=_kind(obj)))
    return _Writable(obj)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "|": operator.or_, "^": operator.xor, "&": operator.and_,
}  # fmt: skip
_IN_PLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand,
}  # fmt: skip


def _plan(symbol: str, left: Any, right: Any) -> None:
    """Refuse, before Python builds it, a result of ``left <symbol> right`` over the limits."""
    limits = budget_now().limits
    ints = type(left) in (int, bool) and type(right) in (int, bool)
    if symbol == "*":
        if ints:
            check_planned(N_("een getal"), left.bit_length() + right.bit_length(), limits.int_bits)
            return
        count, sequence = (left, right) if isinstance(left, int) else (right, left)
        if isinstance(count, int) and isinstance(sequence, str | bytes):
            check_planned(N_("een tekst"), len(sequence) * count, limits.text)
        elif isinstance(count, int) and isinstance(sequence, list | tuple):
            check_planned(N_("een verzameling"), len(sequence) * count, limits.items)
    elif symbol == "**" and ints and right > 0 and abs(left) > 1:
        check_planned(N_("een getal"), left.bit_length() * right, limits.int_bits)
    elif symbol == "<<" and ints and right > 0 and left:
        check_planned(N_("een getal"), left.bit_length() + right, limits.int_bits)
    elif symbol == "%" and isinstance(left, str | bytes):
        raise ScriptRefused(N_("tekst opmaken met % is niet toegestaan; gebruik een f-string"))


def guarded_operator(symbol: str, left: Any, right: Any) -> Any:
    _plan(symbol, left, right)
    return made(_BINARY[symbol](left, right))


def guarded_in_place(symbol: str, target: Any, value: Any) -> Any:
    _plan(symbol[:-1], target, value)
    before = len(target) if type(target) in _GROWING else None
    result = _IN_PLACE[symbol](target, value)
    if before is not None and result is target:
        _grown(target, before)
        return result
    return made(result)


def shown(value: Any) -> Any:
    """A value placed in an f-string: its text must fit the limit (see ``sandbox.measure_text``)."""
    if type(value) not in (str, int, float, bool):
        measure_text(value, budget_now().limits.text)
    return value


def guarded_iter(obj: Iterable[Any]) -> Iterator[Any]:
    # A Python generator: each item resumes it, which the tracer sees and counts, also in a loop on one
    # line or a comprehension, and also when a builtin such as sum() drives it.
    yield from obj


def loop_test(value: Any) -> Any:
    """The test of a ``while`` loop; being a Python call, each pass is counted by the tracer."""
    return value


GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": guarded_iter,
    "_loop_": loop_test,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": guarded_write,
    "_inplacevar_": guarded_in_place,
    "_op_": guarded_operator,
    "_shown_": shown,
    "_made_": made,
}
