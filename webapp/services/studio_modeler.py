"""What the studio's modeler needs: a diagram's text, saving it, and the choices its properties panel offers.

The texts come from ``studio_sources`` (the files with the process owners' edits laid over them). A save
stores only well-formed, safe BPMN: a broken file in the studio would fail every later check and deploy,
while the person who made it still has it in their editor and can correct it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webapp.domain.access import Actor
from webapp.domain.errors import FormInvalid, NotFound
from webapp.domain.legal_rules import RULES
from webapp.domain.messages import N_, Message
from webapp.engine.safe_xml import UnsafeXml, parse_xml
from webapp.services.context import Origin, ServiceContext
from webapp.services.studio_sources import ensure_studio, kind_of, load_sources, read_source, save_source

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"


@dataclass(frozen=True)
class FormChoice:
    """A form a user task can name: its schema file, the matching layout file if there is one, its title."""

    schema: str
    ui_schema: str | None
    title: str


@dataclass(frozen=True)
class ModelerChoices:
    forms: list[FormChoice]
    process_ids: list[str]  # the executable process of a .bpmn file has the file's stem as its id
    legal_rules: list[str]


def open_diagram(ctx: ServiceContext, actor: Actor, name: str) -> str:
    """The studio's current text of a ``.bpmn`` diagram (access is checked before the name is looked at)."""
    ensure_studio(ctx, actor, "studio.read")
    if kind_of(name) != "bpmn":
        raise NotFound(N_("Dit bestand bestaat niet in de studio."))
    return read_source(ctx, actor, name)


def save_diagram(
    ctx: ServiceContext, actor: Actor, name: str, xml: str | None, origin: Origin | None = None
) -> None:
    """Store the modeler's XML for ``name`` (audited by ``save_source``); refuse what is not safe BPMN.

    ``xml`` is None when the request carried no diagram: still refused only after the access check."""
    ensure_studio(ctx, actor, "studio.save")
    if xml is None:
        raise FormInvalid({"xml": N_("Er kwam geen diagram mee; er is niets opgeslagen.")})
    if kind_of(name) != "bpmn":
        raise FormInvalid({"name": N_("Alleen .bpmn-diagrammen worden hier opgeslagen.")})
    if not xml.strip():
        raise FormInvalid({"xml": N_("Het diagram is leeg; er is niets opgeslagen.")})
    try:
        root = parse_xml(xml.encode("utf-8"))
    except UnsafeXml as error:
        raise FormInvalid(
            {"xml": Message("Het diagram is niet opgeslagen: {reason}.", reason=str(error))}
        ) from None
    if not str(root.tag).startswith("{" + BPMN_NS + "}"):
        raise FormInvalid({"xml": N_("Het diagram is niet opgeslagen: dit is geen BPMN-diagram.")})
    save_source(ctx, actor, name, xml, origin)


def modeler_choices(ctx: ServiceContext, actor: Actor) -> ModelerChoices:
    """The studio's forms (with their layout files), process ids and the known legal rules."""
    ensure_studio(ctx, actor, "studio.read")
    with ctx.db.read() as session:
        sources = load_sources(ctx, session)
    forms = [
        FormChoice(name, _ui_schema_for(name, sources.forms), _title(sources.forms[name], name))
        for name in sorted(sources.forms)
        if name.endswith(SCHEMA_SUFFIX)
    ]
    process_ids = sorted(name[: -len(".bpmn")] for name in sources.files if name.endswith(".bpmn"))
    return ModelerChoices(forms, process_ids, sorted(RULES))


def _ui_schema_for(schema_name: str, forms: dict[str, Any]) -> str | None:
    ui_name = schema_name[: -len(SCHEMA_SUFFIX)] + UI_SUFFIX
    return ui_name if ui_name in forms else None


def _title(schema: Any, fallback: str) -> str:
    title = schema.get("title") if isinstance(schema, dict) else None
    return title.strip() if isinstance(title, str) and title.strip() else fallback
