"""The studio's process list, a process's versions, a version's diagram and the diff between two versions.

A process is every ``.bpmn`` of the studio's sources (files with the studio's edits laid over them) and every
process that was ever deployed, even if its file is gone. Per deployed version: who deployed it and when,
the forms its bundle carries, and how many instances still run on it. Process owners and administrators
only (``access.may_deploy``); a refusal is audited. Reading the structure of a process is no access to
personal data, so reads are not audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.errors import NotFound
from webapp.domain.messages import N_, Message
from webapp.engine.safe_xml import UnsafeXml, parse_xml
from webapp.persistence.models import ProcessDefinition, ProcessInstance, StudioFile, User
from webapp.services.context import ServiceContext
from webapp.services.definitions import DefinitionSnapshot
from webapp.services.studio_diff import BPMN, BpmnDiff, diff_bpmn
from webapp.services.studio_sources import ensure_studio, load_sources

RUNNING = ("running", "waiting", "error")  # the states of an instance that still lives on its version
UNKNOWN_PROCESS = N_("Deze procedure bestaat niet in de studio.")


@dataclass(frozen=True)
class VersionSummary:
    version: int
    deployed_at: datetime
    deployed_by: str | None  # a person's name; None: deployed from the files (ketenflow deploy)
    active: bool
    forms: list[str]
    counts: dict[str, int]  # running | waiting | error -> number of instances

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ProcessSummary:
    process_id: str
    name: str
    in_studio: bool  # the studio has a diagram for it (a file or an edit)
    versions: list[VersionSummary] = field(default_factory=list)  # newest first
    pending: list[str] = field(default_factory=list)  # studio edits that differ from the active version

    @property
    def filename(self) -> str:
        return f"{self.process_id}.bpmn"

    @property
    def active(self) -> VersionSummary | None:
        return next((v for v in self.versions if v.active), None)

    @property
    def total(self) -> int:
        return sum(v.total for v in self.versions)


@dataclass(frozen=True)
class FileChange:
    name: str
    change: str  # added | removed | changed


@dataclass
class VersionComparison:
    process_id: str
    name: str
    versions: list[int]  # every version, oldest first
    old: int | None  # None: there is no earlier version to compare with
    new: int
    diff: BpmnDiff
    files: list[FileChange]  # the bundle's other files (called diagrams, decisions, forms)


def list_processes(ctx: ServiceContext, actor: Actor) -> list[ProcessSummary]:
    ensure_studio(ctx, actor, "studio.list")
    with ctx.db.read() as session:
        return _summaries(ctx, session)


def process_summary(ctx: ServiceContext, actor: Actor, process_id: str) -> ProcessSummary:
    ensure_studio(ctx, actor, "studio.versions", process_id[:60])
    with ctx.db.read() as session:
        found = [s for s in _summaries(ctx, session) if s.process_id == process_id]
    if not found:
        raise NotFound(UNKNOWN_PROCESS)
    return found[0]


def version_source(ctx: ServiceContext, actor: Actor, process_id: str, version: int) -> tuple[str, str]:
    """A deployed version's own diagram: its file name and XML."""
    ensure_studio(ctx, actor, "studio.version", process_id[:60])
    with ctx.db.read() as session:
        snapshot = _snapshot(ctx, session, process_id, version)
    filename = own_file(snapshot)
    return filename, snapshot.bpmn[filename]


def compare_versions(
    ctx: ServiceContext, actor: Actor, process_id: str, old: int | None = None, new: int | None = None
) -> VersionComparison:
    """The diff from ``old`` to ``new``; by default from the version before the active one to the active."""
    ensure_studio(ctx, actor, "studio.diff", process_id[:60])
    with ctx.db.read() as session:
        rows = session.execute(
            select(ProcessDefinition.version, ProcessDefinition.active)
            .where(ProcessDefinition.process_id == process_id)
            .order_by(ProcessDefinition.version)
        ).all()
        if not rows:
            raise NotFound(N_("Van deze procedure is nog geen versie uitgerold."))
        versions = [version for version, _ in rows]
        if new is None:
            new = next((version for version, active in rows if active), versions[-1])
        if old is None:
            old = max((v for v in versions if v < new), default=None)
        after = _snapshot(ctx, session, process_id, new)
        before = _snapshot(ctx, session, process_id, old) if old is not None else None
    own = own_file(after)
    old_xml = before.bpmn[own_file(before)] if before else None
    return VersionComparison(
        process_id=process_id,
        name=after.name,
        versions=versions,
        old=old,
        new=new,
        diff=diff_bpmn(old_xml, after.bpmn[own]) if before is not None else BpmnDiff(),
        files=_file_changes(before, after, own) if before is not None else [],
    )


def own_file(snapshot: DefinitionSnapshot) -> str:
    """The process's own diagram in its bundle (named after the process; the catalogue puts it first)."""
    named = f"{snapshot.process_id}.bpmn"
    return named if named in snapshot.bpmn else next(iter(snapshot.bpmn))


def _snapshot(ctx: ServiceContext, session: Session, process_id: str, version: int) -> DefinitionSnapshot:
    definition_id = session.scalar(
        select(ProcessDefinition.id).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.version == version
        )
    )
    if definition_id is None:
        raise NotFound(Message("Versie {version} van deze procedure bestaat niet.", version=version))
    return ctx.definitions.get(session, definition_id)


def _file_changes(before: DefinitionSnapshot, after: DefinitionSnapshot, own: str) -> list[FileChange]:
    changes = []
    for old_files, new_files in (
        (before.bpmn, after.bpmn),
        (before.dmn, after.dmn),
        (before.forms, after.forms),
    ):
        for name in sorted(set(old_files) | set(new_files)):
            if name == own:
                continue
            if name not in old_files:
                changes.append(FileChange(name, "added"))
            elif name not in new_files:
                changes.append(FileChange(name, "removed"))
            elif old_files[name] != new_files[name]:
                changes.append(FileChange(name, "changed"))
    return changes


def _summaries(ctx: ServiceContext, session: Session) -> list[ProcessSummary]:
    sources = load_sources(ctx, session)
    summaries: dict[str, ProcessSummary] = {}
    for filename in sorted(sources.files):
        if filename.endswith(".bpmn"):
            process_id = filename.removesuffix(".bpmn")
            summaries[process_id] = ProcessSummary(
                process_id, _name_in(sources.files[filename], process_id), in_studio=True
            )
    counts = _instance_counts(session)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    rows = session.execute(
        select(
            ProcessDefinition.id,
            ProcessDefinition.process_id,
            ProcessDefinition.version,
            ProcessDefinition.name,
            ProcessDefinition.deployed_at,
            ProcessDefinition.deployed_by_id,
            ProcessDefinition.active,
        ).order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())
    ).all()
    edits = [
        (kind, name, content)
        for kind, name, content in session.execute(
            select(StudioFile.kind, StudioFile.name, StudioFile.content)
        )
    ]
    for definition_id, process_id, version, name, deployed_at, deployed_by_id, active in rows:
        summary = summaries.setdefault(process_id, ProcessSummary(process_id, name, in_studio=False))
        snapshot = ctx.definitions.get(session, definition_id)
        forms = sorted(f for f in snapshot.forms if not f.endswith(".uischema.json"))
        summary.versions.append(
            VersionSummary(
                version=version,
                deployed_at=deployed_at,
                deployed_by=names.get(deployed_by_id) if deployed_by_id is not None else None,
                active=active,
                forms=forms,
                counts={status: counts.get((definition_id, status), 0) for status in RUNNING},
            )
        )
        if active:
            summary.pending = _pending(edits, snapshot, summary.filename)
    return sorted(summaries.values(), key=lambda s: (s.name.casefold(), s.process_id))


def _instance_counts(session: Session) -> dict[tuple[int, str], int]:
    query = (
        select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
        .where(ProcessInstance.status.in_(RUNNING))
        .group_by(ProcessInstance.definition_id, ProcessInstance.status)
    )
    return {(definition_id, status): number for definition_id, status, number in session.execute(query)}


def _pending(edits: list[tuple[str, str, str]], active: DefinitionSnapshot, own: str) -> list[str]:
    """The studio edits of this process's bundle whose content is not what the active version runs."""
    pending = []
    for kind, name, content in edits:
        if kind == "form" and name in active.forms:
            try:
                same = json.loads(content) == active.forms[name]
            except json.JSONDecodeError:
                same = False
        elif kind == "dmn" and name in active.dmn:
            same = content == active.dmn[name]
        elif kind == "bpmn" and (name in active.bpmn or name == own):
            same = content == active.bpmn.get(name)
        else:
            continue
        if not same:
            pending.append(name)
    return sorted(pending)


def _name_in(data: bytes, process_id: str) -> str:
    """The process's name as its diagram gives it (a draft has no deployed name yet)."""
    try:
        root = parse_xml(data)
    except UnsafeXml:
        return process_id
    names = (p.get("name") for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == process_id)
    return next(names, None) or process_id
