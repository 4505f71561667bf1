"""Bringing a diagram made with another tool into the studio, and saying what it needs to run in Ketenflow.

An upload goes through safe XML (no DTD, no entities, at most 5 MB, UTF-8, a BPMN or DMN root) and is stored
as a studio file (audited by ``save_source``). It is never deployed here: deploying is the process owner's
separate, checked step. The check report joins the catalogue's problems for the file (the same check as
``ketenflow check-processes``) and the import report (``engine/import_report``): what another modeler wrote
that Ketenflow does not execute, with what to write instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.domain.messages import N_, Message
from webapp.engine.import_report import ImportItem, import_report
from webapp.engine.safe_xml import MAX_XML_BYTES, UnsafeXml, parse_xml
from webapp.engine.spec_checks import Problem
from webapp.persistence.models import StudioFile
from webapp.services.context import Origin, ServiceContext
from webapp.services.studio_sources import (
    check_name,
    check_studio,
    ensure_studio,
    kind_of,
    read_source,
    save_source,
)

log = logging.getLogger(__name__)
_UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class ImportCheck:
    """The check report of one studio diagram: the catalogue's problems and the import report's items."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    items: list[ImportItem] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems and not self.items

    def marked_elements(self) -> dict[str, list[str]]:
        """Element id -> the messages about it (for the diagram's markers and overlays)."""
        marked: dict[str, list[str]] = {}
        for problem in self.problems:
            if problem.element:
                marked.setdefault(problem.element, []).append(problem.message)
        for item in self.items:
            if item.element:
                marked.setdefault(item.element, []).append(item.message)
        return marked


def ensure_may_import(ctx: ServiceContext, actor: Actor) -> None:
    ensure_studio(ctx, actor, "studio.import", action=Action.CREATE)


def name_for_upload(uploaded: str, typed: str) -> str:
    """The studio name: what the person typed, else the uploaded file's own name made plain."""
    if typed.strip():
        return typed.strip()
    base = uploaded.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_CHARACTERS.sub("_", base).lstrip("_.-")


def import_diagram(
    ctx: ServiceContext,
    actor: Actor,
    uploaded_name: str,
    data: bytes,
    typed_name: str = "",
    replace: bool = False,
    origin: Origin | None = None,
) -> str:
    """Store an uploaded .bpmn or .dmn in the studio, return its name; FormInvalid on 'file' or 'name'."""
    ensure_may_import(ctx, actor)
    if not data:
        raise FormInvalid({"file": N_("Kies een .bpmn- of .dmn-bestand.")})
    if len(data) > MAX_XML_BYTES:
        raise FormInvalid({"file": N_("Het bestand is groter dan 5 MB; de studio neemt het niet aan.")})
    name = name_for_upload(uploaded_name, typed_name)
    kind = kind_of(name)
    if kind not in ("bpmn", "dmn"):
        raise FormInvalid({"name": N_("Geef een naam die eindigt op .bpmn of .dmn.")})
    check_name(name, kind)
    try:
        root = parse_xml(data)
    except UnsafeXml as unsafe:
        raise FormInvalid(
            {"file": Message("Het bestand is niet ingelezen: {reason}.", reason=str(unsafe))}
        ) from None
    is_dmn = "/DMN/" in str(root.tag)
    if is_dmn != (kind == "dmn"):
        expected = N_("een DMN-beslistabel (.dmn)") if is_dmn else N_("een BPMN-diagram (.bpmn)")
        raise FormInvalid(
            {"name": Message("Het bestand is {kind}; geef het een naam met die extensie.", kind=expected)}
        )
    if not replace and _exists(ctx, name):
        raise FormInvalid(
            {
                "name": Message(
                    "Er is al een diagram '{name}'. Kies een andere naam, of vink 'Vervangen' aan om het te "
                    "overschrijven.",
                    name=name,
                )
            }
        )
    save_source(ctx, actor, name, data.decode("utf-8-sig"), origin)
    return name


def _exists(ctx: ServiceContext, name: str) -> bool:
    with ctx.db.read() as session:
        stored = session.execute(select(StudioFile.id).where(StudioFile.name == name)).first()
    return stored is not None or (Path(ctx.processes_dir) / name).is_file()


def check_import(ctx: ServiceContext, actor: Actor, name: str) -> ImportCheck:
    """The check report of a studio diagram (access: the studio's; NotFound for an unknown name)."""
    text = read_source(ctx, actor, name)
    check = ImportCheck(name)
    try:
        root = parse_xml(text.encode("utf-8"))
    except UnsafeXml as unsafe:
        reason = Message("het bestand is geen geldige of veilige XML: {reason}", reason=str(unsafe))
        check.problems.append(Problem(name, None, reason))
        return check
    check.items = import_report(name, root)
    try:
        report = check_studio(ctx, actor)
    except AccessDenied:
        raise
    except Exception as error:  # a diagram from elsewhere must never turn the report into an error page
        log.warning("the catalogue check failed on the studio's sources (%s)", type(error).__name__)
        check.problems.append(Problem(name, None, N_("De controle kon dit diagram niet lezen.")))
        return check
    check.problems = [p for p in report.problems if p.file == name]
    return check
