"""Turning a posted task form back into typed task data, and the no-JavaScript "add/remove row" buttons.

Pure functions over the form's JSON Schema and ``request.form.to_dict(flat=False)``. Nothing the user typed
is thrown away: a value that cannot be converted stays the raw string, so validation reports it and the form
shows it again. Only properties of the schema are read, so extra posted names (csrf_token, _rows) never end up
in task data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

Post = Mapping[str, list[str]]
RowAction = tuple[str, str, int | None]

ROWS_BUTTON = "_rows"
TRUE_VALUES = ("on", "true")

_MISSING: Final = object()
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)", re.ASCII)
# "1.000" is a thousand to a Dutch reader and one to a browser; rather an error than a value 1000 times off.
_AMBIGUOUS_THOUSANDS = re.compile(r"[+-]?\d{1,3}\.\d{3}", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# Browsers without a date picker show a text box in which people type the Dutch way: 7-3-2024 or 07/03/2024.
_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", re.ASCII)
_INDEX = re.compile(r"\d{1,4}", re.ASCII)
_ROW_KEY = re.compile(r"(\d{1,4})\.(.+)", re.ASCII)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)


def coerce_form_post(schema: dict[str, Any], post: Post, *, keep_empty_rows: bool = False) -> dict[str, Any]:
    """Typed data for ``schema`` from posted strings; empty fields are left out so ``required`` can fire.

    ``keep_empty_rows`` keeps rows in which nothing was filled in, at their posted position; use it when
    handling a row button, so that ``remove:<name>:<i>`` still points at the row the user saw as row i.
    """
    data: dict[str, Any] = {}
    set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        if not isinstance(prop, dict):
            continue
        if prop.get("type") == "array":
            value = _coerce_array(name, prop, post, keep_empty_rows)
        else:
            value = _coerce_scalar(prop, post.get(name, []))
        if value is not _MISSING:
            data[name] = value
    return data


def _coerce_scalar(prop: dict[str, Any], values: list[str]) -> object:
    raw = values[0] if values else ""
    kind = prop.get("type")
    if kind == "boolean":
        # A checkbox comes after a hidden "false" with the same name, so the last value is the answer and
        # an unticked box posts "false"; a yes/no radio left unanswered posts nothing and stays missing.
        return _coerce_boolean(values[-1] if values else "")
    # Browsers post textarea line breaks as CRLF; task data and length checks should see one character.
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        return _MISSING
    if kind == "integer":
        return int(text) if _INTEGER.fullmatch(text) else text
    if kind == "number":
        return _coerce_number(text)
    if prop.get("format") == "date":
        return _coerce_date(text)
    return text


def _coerce_boolean(raw: str) -> object:
    if raw == "":
        return _MISSING
    if raw in TRUE_VALUES:
        return True
    return False if raw == "false" else raw


def _coerce_number(text: str) -> object:
    if not _NUMBER.fullmatch(text) or _AMBIGUOUS_THOUSANDS.fullmatch(text):
        return text
    normal = text.replace(",", ".")
    return int(normal) if _INTEGER.fullmatch(normal) else float(normal)


def _coerce_date(text: str) -> str:
    """ISO dates as <input type=date> posts them; a typed Dutch date is turned into ISO when it exists."""
    match = _DUTCH_DATE.fullmatch(text)
    if _ISO_DATE.fullmatch(text) or not match:
        return text
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


def _coerce_array(name: str, prop: dict[str, Any], post: Post, keep_empty_rows: bool) -> object:
    items = prop.get("items")
    if isinstance(items, dict) and items.get("type") == "object":
        rows = _coerce_rows(name, items, post, keep_empty_rows)
        return rows if rows else _MISSING
    chosen = [value for value in post.get(name, []) if value != ""]
    return chosen if chosen else _MISSING


def _coerce_rows(name: str, items: dict[str, Any], post: Post, keep_empty: bool) -> list[dict[str, Any]]:
    """Rows from ``<name>.<i>.<field>``, in index order; rows where nothing was filled in are dropped."""
    posted: dict[int, dict[str, list[str]]] = {}
    for key, values in post.items():
        head, dot, rest = key.partition(".")
        match = _ROW_KEY.fullmatch(rest) if head == name and dot else None
        if match:
            posted.setdefault(int(match.group(1)), {})[match.group(2)] = values
    rows = []
    for index in sorted(posted):
        raw = posted[index]
        if keep_empty or _filled_in(items, raw):
            rows.append(coerce_form_post(items, raw))
    return rows


def _filled_in(items: dict[str, Any], raw: dict[str, list[str]]) -> bool:
    """Whether anything was typed or ticked in a row (an unticked box posts its hidden "false")."""
    properties = items.get("properties", {})
    for field, values in raw.items():
        blank = ("", "false") if properties.get(field, {}).get("type") == "boolean" else ("",)
        if any(value.strip() not in blank for value in values):
            return True
    return False


def row_action(post: Post) -> RowAction | None:
    """The pressed row button: ("add", name, None) or ("remove", name, index); None for a normal submit."""
    values = post.get(ROWS_BUTTON) or [""]
    parts = values[0].split(":")
    if len(parts) == 2 and parts[0] == "add" and _NAME.fullmatch(parts[1]):
        return ("add", parts[1], None)
    if len(parts) == 3 and parts[0] == "remove" and _NAME.fullmatch(parts[1]) and _INDEX.fullmatch(parts[2]):
        return ("remove", parts[1], int(parts[2]))
    return None


def apply_row_action(schema: dict[str, Any], data: dict[str, Any], action: RowAction) -> dict[str, Any]:
    """A copy of ``data`` with a row added or removed; a name that is no rows field of the schema is ignored.

    Pass data from ``coerce_form_post(..., keep_empty_rows=True)`` so row indexes match what was posted.
    """
    verb, name, index = action
    prop = schema.get("properties", {}).get(name)
    items = prop.get("items") if isinstance(prop, dict) and prop.get("type") == "array" else None
    if not (isinstance(items, dict) and items.get("type") == "object"):
        return dict(data)
    rows = list(data.get(name) or [])
    if verb == "add":
        rows.append({})
    elif index is not None and index < len(rows):
        del rows[index]
    return {**data, name: rows}
