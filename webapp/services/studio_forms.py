"""The studio's form editor: list the forms, open one, preview an edited schema, check typed input, save.

A preview goes through the same checks as the catalogue (``check_form_schema``, via ``ketenflow
check-processes``), so a schema that previews without problems is one the next deploy accepts. Saving stores a
``studio_file`` row (audited by ``save_source``); deployed versions keep the forms of their own snapshot and a
process takes the new form with its next deploy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from webapp.domain.access import Actor
from webapp.domain.errors import FormInvalid, NotFound
from webapp.domain.messages import N_, Message
from webapp.engine.forms import Field, check_form_schema, form_fields, validate_form_data
from webapp.persistence.models import StudioFile
from webapp.services.context import Origin, ServiceContext
from webapp.services.studio_sources import (
    check_name,
    check_studio,
    ensure_studio,
    load_sources,
    read_source,
    save_source,
)

SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
# Python's JSON reader and jsonschema recurse per level; real forms are a few levels deep.
MAX_DEPTH = 40

# json's own messages (English, without position) in Dutch; the position is added as line and column.
_JSON_MESSAGES = {
    "Expecting value": N_("hier wordt een waarde verwacht"),
    "Expecting ',' delimiter": N_("hier ontbreekt een komma"),
    "Expecting ':' delimiter": N_("hier ontbreekt een dubbele punt"),
    "Expecting property name enclosed in double quotes": N_(
        "hier hoort een naam tussen dubbele aanhalingstekens (en geen komma na het laatste onderdeel)"
    ),
    "Unterminated string starting at": N_("deze tekst tussen aanhalingstekens wordt niet afgesloten"),
    "Extra data": N_("na het einde van de JSON staat nog tekst"),
    "Invalid control character at": N_("een tekst bevat een regeleinde of tab; schrijf \\n of \\t"),
    "Invalid \\escape": N_("ongeldige backslash-code in een tekst"),
    "Invalid \\uXXXX escape": N_("ongeldige \\u-code in een tekst"),
}
_JSON_AT = N_("Geen geldige JSON op regel {line}, kolom {column}: {problem}.")
_TOO_DEEP = Message("Het formulier is te diep genest (meer dan {depth} niveaus).", depth=MAX_DEPTH)


@dataclass(frozen=True)
class FormEntry:
    """One form in the studio's list."""

    name: str
    title: str
    uischema: str | None  # the name of its ui schema, when there is one
    edited_at: datetime | None  # when the studio last saved it; None: the file as it is in forms/
    used_by: tuple[str, ...]  # names of the processes whose check bundles take this form


@dataclass(frozen=True)
class FormSource:
    """The texts the editor opens with."""

    name: str
    schema_text: str
    uischema_name: str
    uischema_text: str  # "" when the form has no ui schema
    edited: bool
    used_by: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """A Dutch problem with the schema ("schema") or the ui schema ("uischema"); JSON errors have a place."""

    part: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class FormPreview:
    """What the editor shows beside the text: the fields the professionals will see, or the problems."""

    schema: dict[str, Any] | None = None
    uischema: dict[str, Any] | None = None
    fields: list[Field] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.schema is not None and not self.problems


def ui_name_for(name: str) -> str:
    return name[: -len(SCHEMA_SUFFIX)] + UI_SUFFIX


def form_name(raw: str) -> str:
    """The file name for a new form typed as ``naam`` or ``naam.schema.json``; FormInvalid when unusable."""
    stem = raw.strip().removesuffix(SCHEMA_SUFFIX)
    if not stem:
        raise FormInvalid({"name": N_("Vul een naam in, bijvoorbeeld 'intake_gesprek'.")})
    name = stem + SCHEMA_SUFFIX
    check_name(name, "form")
    return name


# --- reading ----------------------------------------------------------------------------------------------


def list_forms(ctx: ServiceContext, actor: Actor) -> list[FormEntry]:
    """Every form of the studio (files and studio edits), with the processes that use it."""
    used_by = _users_of_forms(ctx, actor)  # checks access first
    with ctx.db.read() as session:
        sources = load_sources(ctx, session)
        saved = {
            row.name: row.updated_at
            for row in session.execute(select(StudioFile).where(StudioFile.kind == "form")).scalars()
        }
    texts = {name: schema for name, schema in sources.forms.items() if not name.endswith(UI_SUFFIX)}
    names = sorted(set(texts) | {p.file for p in sources.problems if not p.file.endswith(UI_SUFFIX)})
    entries = []
    for name in names:
        schema = texts.get(name)
        title = schema.get("title") if isinstance(schema, dict) else None
        ui = ui_name_for(name) if name.endswith(SCHEMA_SUFFIX) else ""
        entries.append(
            FormEntry(
                name=name,
                title=str(title) if isinstance(title, str) else "",
                uischema=ui if ui in sources.forms else None,
                edited_at=saved.get(name) or saved.get(ui),
                used_by=used_by.get(name, ()),
            )
        )
    return entries


def open_form(ctx: ServiceContext, actor: Actor, name: str) -> FormSource:
    """The current schema text (studio edit or file) and its ui schema, for the editor."""
    _ensure_studio(ctx, actor)
    if not name.endswith(SCHEMA_SUFFIX):
        raise NotFound(N_("Dit formulier bestaat niet in de studio."))
    try:
        schema_text = read_source(ctx, actor, name)  # NotFound for an unknown form
    except FormInvalid as bad_name:  # no name the studio can hold, so no form of the studio either
        raise NotFound(N_("Dit formulier bestaat niet in de studio.")) from bad_name
    ui_name = ui_name_for(name)
    try:
        ui_text = read_source(ctx, actor, ui_name)
    except NotFound:
        ui_text = ""
    with ctx.db.read() as session:
        edited = session.execute(
            select(StudioFile.id).where(StudioFile.kind == "form", StudioFile.name.in_([name, ui_name]))
        ).first()
    return FormSource(
        name=name,
        schema_text=schema_text,
        uischema_name=ui_name,
        uischema_text=ui_text,
        edited=edited is not None,
        used_by=_users_of_forms(ctx, actor).get(name, ()),
    )


def _users_of_forms(ctx: ServiceContext, actor: Actor) -> dict[str, tuple[str, ...]]:
    """form name -> the names of the processes whose bundles (as the check makes them) take it."""
    users: dict[str, set[str]] = {}
    for bundle in check_studio(ctx, actor).bundles:
        for form in bundle.forms:
            users.setdefault(form, set()).add(bundle.name or bundle.process_id)
    return {form: tuple(sorted(names)) for form, names in users.items()}


# --- previewing and checking ------------------------------------------------------------------------------


def preview_form(ctx: ServiceContext, actor: Actor, schema_text: str, uischema_text: str = "") -> FormPreview:
    """The fields the professionals would see for this text, or the Dutch problems that stop it."""
    _ensure_studio(ctx, actor)
    return build_preview(schema_text, uischema_text)


def build_preview(schema_text: str, uischema_text: str = "") -> FormPreview:
    preview = FormPreview()
    schema = _read("schema", schema_text, preview.problems)
    uischema = _read("uischema", uischema_text, preview.problems) if uischema_text.strip() else {}
    if uischema is not _UNREADABLE and not isinstance(uischema, dict):
        preview.problems.append(Problem("uischema", N_("De weergave (uischema) moet een JSON-object zijn.")))
    if schema is not _UNREADABLE:
        preview.problems[:0] = [Problem("schema", message) for message in _schema_problems(schema)]
    if preview.problems:
        return preview
    preview.schema, preview.uischema = schema, uischema
    preview.fields = form_fields(schema, uischema)
    return preview


def check_input(preview: FormPreview, data: dict[str, Any]) -> dict[str, str]:
    """The Dutch messages a professional would get for ``data`` (typed by ``coerce_form_post``)."""
    if not preview.ok or preview.schema is None:
        return {}
    return validate_form_data(preview.schema, data)


_UNREADABLE = object()  # JSON's own null is a value (and a wrong one for a form), so failure is marked apart
_SURROGATE = N_("Een tekst bevat een ongeldige \\u-code (een losse surrogaat, zoals \\ud800).")


def _read(part: str, text: str, problems: list[Problem]) -> Any:
    """The JSON document, or _UNREADABLE with the reason: no JSON, too deep, or a text no page can hold."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        problem = _JSON_MESSAGES.get(error.msg, N_("de tekst is hier niet te lezen"))
        message = Message(_JSON_AT, line=error.lineno, column=error.colno, problem=problem)
        problems.append(Problem(part, message, error.lineno, error.colno))
        return _UNREADABLE
    except RecursionError:
        value = None
        depth = MAX_DEPTH + 1
    else:
        depth = _depth(value)
    if depth > MAX_DEPTH:
        problems.append(Problem(part, _TOO_DEEP))
        return _UNREADABLE
    # A lone surrogate (\\ud800) is valid JSON, but no page or database can hold it.
    if any(isinstance(text, str) and not text.isascii() and _lone(text) for text in _walk(value)):
        problems.append(Problem(part, _SURROGATE))
        return _UNREADABLE
    return value


def _schema_problems(schema: Any) -> list[str]:
    """The catalogue's checks (they refuse references and forms demanding more rows than a page shows)."""
    return check_form_schema(schema)


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max((_depth(child, level + 1) for child in children), default=level)


def _walk(value: Any) -> Iterator[Any]:
    """Every value inside a JSON document, and every object key, depth first."""
    yield value
    if isinstance(value, dict):
        for key, child in value.items():
            yield key
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _lone(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


# --- writing ----------------------------------------------------------------------------------------------


def save_form(
    ctx: ServiceContext,
    actor: Actor,
    name: str,
    schema_text: str,
    uischema_text: str = "",
    origin: Origin | None = None,
) -> FormPreview:
    """Store the schema (and a changed ui schema) if the catalogue would accept it, else return the problems.

    Nothing is stored when there is a problem; the caller shows the problems beside the typed text.
    """
    current = open_form(ctx, actor, name)  # access, name and existence
    preview = build_preview(schema_text, uischema_text)
    if not preview.ok:
        return preview
    save_source(ctx, actor, name, schema_text, origin)
    if uischema_text.strip() != current.uischema_text.strip():
        save_source(
            ctx, actor, current.uischema_name, uischema_text if uischema_text.strip() else "{}", origin
        )
    return preview


def create_form(ctx: ServiceContext, actor: Actor, raw_name: str, origin: Origin | None = None) -> str:
    """A new form with one example field; FormInvalid (Dutch, under "name") for a bad or taken name."""
    _ensure_studio(ctx, actor)
    name = form_name(raw_name)
    try:
        read_source(ctx, actor, name)
    except NotFound:
        pass
    else:
        raise FormInvalid({"name": N_("Er is al een formulier met deze naam. Kies een andere naam.")})
    stem = name.removesuffix(SCHEMA_SUFFIX)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": stem.replace("_", " ").capitalize(),
        "type": "object",
        "required": ["toelichting"],
        "properties": {"toelichting": {"type": "string", "title": "Toelichting", "maxLength": 2000}},
    }
    save_source(ctx, actor, name, json.dumps(schema, indent=2, ensure_ascii=False) + "\n", origin)
    return name


def _ensure_studio(ctx: ServiceContext, actor: Actor) -> None:
    ensure_studio(ctx, actor, "studio.form")
