"""Task forms described by JSON Schema (Draft 2020-12): checking, validating and describing for rendering.

Only a small set of field shapes is supported, so that every form can be rendered as plain, accessible HTML
without JavaScript. Messages are Dutch and never repeat the field's title: they are shown beside the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.validators import validator_for

from webapp.domain.messages import N_, Message

SIMPLE_TYPES = ("string", "integer", "number", "boolean")
STRING_FORMATS = ("date", "date-time")
RADIO_MAX_OPTIONS = 4
TEXTAREA_FROM_LENGTH = 200
YES_NO = (("true", "Ja"), ("false", "Nee"))

# <input type="datetime-local"> posts "2024-05-01T09:30" without seconds or offset; RFC 3339 (the default
# date-time check, which needs an extra package) would reject that, so the local form is accepted too.
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII)
_FORMAT_CHECKER = FormatChecker(formats=["date"])
_TYPES_OK = Draft202012Validator.TYPE_CHECKER.is_type


def _is_datetime(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(_DATETIME.fullmatch(instance) and datetime.fromisoformat(instance))


_FORMAT_CHECKER.checks("date-time", raises=ValueError)(_is_datetime)


@dataclass(frozen=True)
class Field:
    """One form field as the templates render it. Row sub-fields have ``path`` equal to their ``name``.

    ``kind`` is text, textarea, date, datetime, integer, number, boolean (one checkbox), radio, select,
    checkboxes or rows; ``options`` are (posted value, label) pairs, "true"/"false" for a yes/no radio.
    """

    name: str
    path: str
    label: str
    kind: str
    required: bool = False
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    minimum: int | float | None = None
    maximum: int | float | None = None
    max_length: int | None = None
    fields: tuple[Field, ...] = ()
    min_items: int = 0
    max_items: int | None = None


# --- checking a form schema -------------------------------------------------------------------------------


def check_form_schema(schema: dict[str, Any]) -> list[str]:
    """Problems with a form schema, in Dutch; an empty list means the form can be rendered and validated."""
    if not isinstance(schema, dict):
        return ["Het formulierschema moet een JSON-object zijn."]
    # With default=None an unknown $schema gives None instead of jsonschema's silent fallback with a warning.
    cls = validator_for(schema, default=None)
    problems = [] if cls or "$schema" not in schema else [f"Onbekende $schema: {schema['$schema']!r}."]
    cls = cls or Draft202012Validator
    try:
        cls.check_schema(schema)
    except SchemaError as error:
        where = ".".join(str(part) for part in error.path) or "bovenste niveau"
        return [*problems, f"Geen geldig JSON Schema ({where}): {error.message}"]
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return [*problems, "Het formulier moet 'type: object' met 'properties' zijn."]
    problems += _unsafe_problems(schema)
    problems += _required_problems(schema, "")
    for name, prop in schema["properties"].items():
        problems += _property_problems(name, prop, in_rows=False)
    return problems


MAX_ROWS = 50  # a form asks for at most this many rows: more would render a page nobody can fill in


def _unsafe_problems(schema: Any) -> list[str]:
    """What validates as JSON Schema but would break a task page: references (resolved at run time, maybe
    remotely) and forms that demand more rows than a page can show."""
    problems: list[str] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "$ref" in node or "$dynamicRef" in node:
                problems.append("Verwijzingen ($ref) worden niet ondersteund; schrijf het veld uit.")
            rows = node.get("minItems")
            if isinstance(rows, int) and rows > MAX_ROWS:
                problems.append(f"Een lijst vraagt hoogstens {MAX_ROWS} rijen (minItems is {rows}).")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(set(problems))


def _required_problems(schema: dict[str, Any], prefix: str) -> list[str]:
    known = schema.get("properties", {})
    missing = [name for name in schema.get("required", []) if name not in known]
    return [f"Verplicht veld '{prefix}{name}' staat niet in properties." for name in missing]


def _property_problems(name: str, prop: Any, *, in_rows: bool) -> list[str]:
    kind = prop.get("type") if isinstance(prop, dict) else None
    if kind in SIMPLE_TYPES:
        fmt = prop.get("format")
        if fmt is not None and (kind != "string" or fmt not in STRING_FORMATS):
            return [f"Veld '{name}': format '{fmt}' wordt niet ondersteund (alleen date en date-time)."]
        if "enum" in prop and not all(_TYPES_OK(value, kind) for value in prop["enum"]):
            return [f"Veld '{name}': de waarden in enum passen niet bij type '{kind}'."]
        return []
    if kind == "array" and not in_rows:
        return _array_problems(name, prop)
    what = f"type {kind!r}" if kind else "een veld zonder 'type'"
    where = " binnen rijen" if in_rows else ""
    return [f"Veld '{name}': {what} wordt{where} niet ondersteund."]


def _array_problems(name: str, prop: dict[str, Any]) -> list[str]:
    items = prop.get("items")
    if not isinstance(items, dict):
        return [f"Veld '{name}': een lijst heeft 'items' nodig."]
    if items.get("type") == "string" and _options(items):
        return []
    if items.get("type") == "object" and isinstance(items.get("properties"), dict):
        problems = _required_problems(items, f"{name}.")
        for sub, sub_prop in items["properties"].items():
            problems += _property_problems(f"{name}.{sub}", sub_prop, in_rows=True)
        return problems
    return [f"Veld '{name}': alleen lijsten van keuzes (items met enum) of rijen (items van type object)."]


# --- validating posted data ---------------------------------------------------------------------------------


def validate_form_data(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Dutch error messages by field path ("partners.0.organisation"); at most one (the first) per field."""
    validator = Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
    errors: dict[str, str] = {}
    for error in validator.iter_errors(data):
        for path in _error_paths(schema, error):
            errors.setdefault(path, _message(error))
    return errors


def _error_paths(schema: dict[str, Any], error: ValidationError) -> list[str]:
    base = _field_path(schema, list(error.path))
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = (error.schema or {}).get("properties", {})
        return [f"{base}.{name}" if base else name for name in error.instance if name not in allowed]
    if error.validator != "required" or not isinstance(error.instance, dict):
        return [base]
    # jsonschema names the missing property only inside its English message, so recompute which are missing.
    missing = [name for name in error.validator_value if name not in error.instance]
    return [f"{base}.{name}" if base else name for name in missing]


def _field_path(schema: dict[str, Any], path: Sequence[str | int]) -> str:
    """The dotted path, cut off at a list of checkboxes: a wrong choice belongs to the whole group."""
    parts: list[str] = []
    node: Any = schema
    for part in path:
        if isinstance(node, dict) and node.get("type") == "array":
            items = node.get("items")
            if not (isinstance(items, dict) and items.get("type") == "object"):
                break
            node = items
        elif isinstance(node, dict):
            node = node.get("properties", {}).get(part)
        parts.append(str(part))
    return ".".join(parts)


def _dutch_number(value: object) -> str:
    return str(value).replace(".", ",")


def _plural(count: object, one: str, many: str) -> Message:
    return Message(one if count == 1 else many, count=count)


def _items_message(error: ValidationError) -> Message:
    least = error.validator == "minItems"
    items = error.schema.get("items") if isinstance(error.schema, dict) else None
    rows = isinstance(error.instance, list) and any(isinstance(item, dict) for item in error.instance)
    count = error.validator_value
    if rows or (isinstance(items, dict) and items.get("type") == "object"):
        if least:
            return _plural(count, N_("Vul minstens {count} rij in."), N_("Vul minstens {count} rijen in."))
        return _plural(count, N_("Vul hoogstens {count} rij in."), N_("Vul hoogstens {count} rijen in."))
    return Message(
        N_("Kies er minstens {count}.") if least else N_("Kies er hoogstens {count}."), count=count
    )


_KIND = N_("Deze invoer heeft niet de juiste soort waarde.")
_CHOICE = N_("Kies een van de mogelijkheden.")
_TICK = N_("Vink dit aan om verder te gaan.")
_SHAPE = N_("Deze invoer heeft niet de juiste vorm.")
_TYPES = {
    "integer": N_("Vul een geheel getal in, zonder komma of punt."),
    "number": N_("Vul een getal in, zoals 12 of 12,5."),
    "boolean": N_("Kies ja of nee."),
    "string": N_("Vul tekst in."),
}
_FORMATS = {
    "date": N_("Vul een geldige datum in (dd-mm-jjjj)."),
    "date-time": N_("Vul een geldige datum en tijd in."),
}


def _number(template: str) -> Callable[[ValidationError], str]:
    return lambda e: Message(template, number=_dutch_number(e.validator_value))


_MESSAGES: dict[str, Callable[[ValidationError], str]] = {
    "required": lambda e: N_("Dit veld is verplicht."),
    "type": lambda e: _TYPES.get(
        str(e.validator_value), N_("Deze invoer heeft niet de juiste soort waarde.")
    ),
    "enum": lambda e: _CHOICE,
    "oneOf": lambda e: _CHOICE,
    "anyOf": lambda e: _CHOICE,
    "minLength": lambda e: _plural(
        e.validator_value, N_("Gebruik minstens {count} teken."), N_("Gebruik minstens {count} tekens.")
    ),
    "maxLength": lambda e: _plural(
        e.validator_value, N_("Gebruik hoogstens {count} teken."), N_("Gebruik hoogstens {count} tekens.")
    ),
    "minimum": _number(N_("Vul een getal in van {number} of meer.")),
    "maximum": _number(N_("Vul een getal in van {number} of minder.")),
    "exclusiveMinimum": _number(N_("Vul een getal in groter dan {number}.")),
    "exclusiveMaximum": _number(N_("Vul een getal in kleiner dan {number}.")),
    "format": lambda e: _FORMATS.get(str(e.validator_value), _SHAPE),
    "pattern": lambda e: _SHAPE,
    "minItems": _items_message,
    "maxItems": _items_message,
    "uniqueItems": lambda e: N_("Kies elke mogelijkheid maar één keer."),
    "const": lambda e: (
        N_("Vink dit aan om verder te gaan.") if e.validator_value is True else N_("Dit mag niet.")
    ),
    "additionalProperties": lambda _e: N_("Dit veld hoort niet bij dit formulier."),
}


def _message(error: ValidationError) -> str:
    build = _MESSAGES.get(str(error.validator))
    return build(error) if build else N_("Deze invoer is ongeldig.")


# --- describing fields for the templates --------------------------------------------------------------------


def form_fields(schema: dict[str, Any], uischema: dict[str, Any] | None = None) -> list[Field]:
    """The fields of a checked form schema in display order: ``ui:order`` if given, else schema order."""
    return list(_describe_object(schema, uischema or {}))


def _describe_object(schema: dict[str, Any], uischema: dict[str, Any]) -> Iterable[Field]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    for name in _ordered(list(properties), uischema.get("ui:order")):
        yield _describe(name, properties[name], _dict(uischema.get(name)), name in required)


def _ordered(names: list[str], order: Any) -> list[str]:
    """``ui:order`` as in react-jsonschema-form: "*" stands for the rest; unlisted fields are never lost."""
    if not isinstance(order, list):
        return names
    listed = [name for name in order if name in names]
    rest = [name for name in names if name not in listed]
    if "*" not in order:
        return listed + rest
    star = order.index("*")
    before = [name for name in order[:star] if name in names]
    return before + rest + [name for name in order[star + 1 :] if name in names]


def _describe(name: str, prop: dict[str, Any], ui: dict[str, Any], required: bool) -> Field:
    kind = _kind(prop, ui, required)
    items = _dict(prop.get("items"))
    options = _options(items if kind == "checkboxes" else prop, ui)
    sub_fields: tuple[Field, ...] = ()
    if kind == "rows":
        sub_fields = tuple(_describe_object(items, _dict(ui.get("items"))))
    return Field(
        name=name,
        path=name,
        label=str(prop.get("title") or name),
        kind=kind,
        required=required,
        help=str(prop.get("description") or ui.get("ui:help") or ""),
        options=YES_NO if kind == "radio" and prop.get("type") == "boolean" else options,
        minimum=prop.get("minimum"),
        maximum=prop.get("maximum"),
        max_length=prop.get("maxLength"),
        fields=sub_fields,
        min_items=int(prop.get("minItems", 0)),
        max_items=prop.get("maxItems"),
    )


def _kind(prop: dict[str, Any], ui: dict[str, Any], required: bool) -> str:
    widget = ui.get("ui:widget")
    kind = prop.get("type")
    if kind == "array":
        return "rows" if _dict(prop.get("items")).get("type") == "object" else "checkboxes"
    if kind == "boolean":
        # A required yes/no needs an explicit answer; an unticked checkbox cannot tell "nee" from "skipped".
        asks = widget == "radio" or (required and "const" not in prop)
        return "radio" if asks else "boolean"
    options = _options(prop)
    if options:
        if widget in ("radio", "select"):
            return str(widget)
        return "radio" if len(options) <= RADIO_MAX_OPTIONS else "select"
    if kind in ("integer", "number"):
        return str(kind)
    fmt = {"date": "date", "date-time": "datetime"}.get(str(prop.get("format")))
    if fmt:
        return fmt
    long_text = int(prop.get("maxLength", 0)) > TEXTAREA_FROM_LENGTH
    return "textarea" if widget == "textarea" or long_text else "text"


def _options(prop: dict[str, Any], ui: dict[str, Any] | None = None) -> tuple[tuple[str, str], ...]:
    """(value, label) pairs from ``oneOf`` with const+title, from ``enum`` with ``ui:enumNames``, or bare."""
    one_of = prop.get("oneOf")
    if isinstance(one_of, list) and one_of and all(isinstance(o, dict) and "const" in o for o in one_of):
        return tuple((_text(o["const"]), str(o.get("title", _text(o["const"])))) for o in one_of)
    values = prop.get("enum")
    if not isinstance(values, list):
        return ()
    names = (ui or {}).get("ui:enumNames")
    names = names if isinstance(names, list) and len(names) == len(values) else [_text(v) for v in values]
    return tuple((_text(value), str(label)) for value, label in zip(values, names, strict=True))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    """A value as HTML posts it back, so the form can compare posted and stored values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
