"""The studio's sources: the files of ``processes/`` and ``forms/``, the process owners' edits laid over them.

An edit is a ``studio_file`` row named like the file it replaces (or a new file). Checking and deploying in
the studio work on these sources, exactly as ``ketenflow check-processes`` and ``deploy`` work on the
directories. Only process owners and administrators use the studio (``access.may_deploy``); every save is
audited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_, Message
from webapp.engine.catalogue import CheckReport, check_sources
from webapp.engine.spec_checks import Problem
from webapp.persistence.models import StudioFile
from webapp.services.context import Origin, ServiceContext, audit, audit_denial

KINDS = {"bpmn": ".bpmn", "dmn": ".dmn", "form": ".json"}
MAX_BYTES = 5 * 1024 * 1024  # the safe-XML cap of the catalogue, for forms too
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,190}$")


@dataclass
class Sources:
    """Every diagram (file name -> bytes) and form (file name -> schema) the studio works with."""

    files: dict[str, bytes] = field(default_factory=dict)
    forms: dict[str, Any] = field(default_factory=dict)
    edited: set[str] = field(default_factory=set)  # names that come from the studio, not from the files
    problems: list[Problem] = field(default_factory=list)  # forms that are not JSON


def kind_of(name: str) -> str | None:
    return next((kind for kind, suffix in KINDS.items() if name.endswith(suffix)), None)


def check_name(name: str, kind: str) -> str:
    """A plain file name of the right kind, or FormInvalid with a Dutch message."""
    if kind not in KINDS or not _NAME.match(name) or ".." in name or not name.endswith(KINDS[kind]):
        raise FormInvalid(
            {
                "name": Message(
                    "Gebruik een bestandsnaam van letters, cijfers, '_', '-' en '.', eindigend op {suffix}.",
                    suffix=KINDS.get(kind, ""),
                )
            }
        )
    return name


def load_sources(ctx: ServiceContext, session: Session) -> Sources:
    sources = Sources()
    processes, forms = Path(ctx.processes_dir), Path(ctx.forms_dir)
    for path in sorted(processes.iterdir()):
        if path.suffix in (".bpmn", ".dmn"):
            sources.files[path.name] = path.read_bytes()
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(forms.glob("*.json"))}
    for row in session.execute(select(StudioFile)).scalars():
        sources.edited.add(row.name)
        if row.kind == "form":
            texts[row.name] = row.content
        else:
            sources.files[row.name] = row.content.encode("utf-8")
    for name, text in texts.items():
        try:
            sources.forms[name] = json.loads(text)
        except json.JSONDecodeError as error:
            sources.problems.append(
                Problem(name, None, Message("geen geldige JSON: {error}", error=str(error)))
            )
    return sources


def check_studio(ctx: ServiceContext, actor: Actor) -> CheckReport:
    """The catalogue check over the studio's sources (the same checks as ``ketenflow check-processes``)."""
    ensure_studio(ctx, actor, "studio.check")
    with ctx.db.read() as session:
        sources = load_sources(ctx, session)
    report = check_sources(sources.files, sources.forms)
    report.problems[:0] = sources.problems
    return report


def read_source(ctx: ServiceContext, actor: Actor, name: str) -> str:
    """The current text of a diagram or form: the studio's edit if there is one, else the file."""
    kind = kind_of(name)
    if kind is None:
        raise NotFound(N_("Dit bestand bestaat niet in de studio."))
    check_name(name, kind)
    ensure_studio(ctx, actor, "studio.read")
    with ctx.db.read() as session:  # the text, not the row: a row is detached once the session closes
        content = session.scalar(
            select(StudioFile.content).where(StudioFile.kind == kind, StudioFile.name == name)
        )
    if content is not None:
        return content
    path = Path(ctx.forms_dir if kind == "form" else ctx.processes_dir) / name
    if not path.is_file():
        raise NotFound(N_("Dit bestand bestaat niet in de studio."))
    return path.read_text(encoding="utf-8")


def save_source(
    ctx: ServiceContext, actor: Actor, name: str, content: str, origin: Origin | None = None
) -> None:
    """Store an edited (or new) diagram or form in the studio; nothing runs on it until it is deployed."""
    kind = kind_of(name)
    if kind is None:
        raise FormInvalid({"name": N_("Kies een .bpmn-, .dmn- of .json-bestand.")})
    check_name(name, kind)
    ensure_studio(ctx, actor, "studio.save")
    if len(content.encode("utf-8")) > MAX_BYTES:
        raise FormInvalid({"content": N_("Dit bestand is groter dan 5 MB; de studio bewaart het niet.")})
    with ctx.db.write() as session:
        row = session.execute(
            select(StudioFile).where(StudioFile.kind == kind, StudioFile.name == name)
        ).scalar_one_or_none()
        if row is None:
            row = StudioFile(kind=kind, name=name, content=content, updated_at=ctx.clock.now())
            session.add(row)
        row.content, row.updated_by_id, row.updated_at = content, actor.user_id, ctx.clock.now()
        audit(
            session,
            ctx,
            "studio.saved",
            Action.UPDATE,
            actor_id=actor.user_id,
            origin=origin,
            object_type=kind,
            object_id=name[:60],
        )


def ensure_studio(
    ctx: ServiceContext, actor: Actor, event: str, object_id: str | None = None, action: Action = Action.READ
) -> None:
    """The studio is for process owners and administrators only; a refusal is audited. Every studio
    service asks here."""
    decision = access.may_deploy(actor)
    if not decision:
        audit_denial(
            ctx,
            event,
            action,
            decision.reason,
            actor_id=actor.user_id,
            object_type="studio",
            object_id=object_id,
        )
        raise AccessDenied(decision.reason)
