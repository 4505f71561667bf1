"""Checking a diagram in the studio and deploying a process from the studio's sources.

Both run the catalogue check (the one of ``ketenflow check-processes``) over the studio's sources: the files
of ``processes/`` and ``forms/`` with the studio's edits laid over them. A diagram's own problems are those
of its bundle: its file, the diagrams it calls, the decision tables and the forms it uses. Deploying makes a
new version only when that bundle has no problem; running instances keep the version they started on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy.exc import IntegrityError

from webapp.domain.access import Actor
from webapp.domain.audit import Action, Result
from webapp.domain.errors import ConcurrentUpdate, FormInvalid, NotFound
from webapp.domain.messages import N_
from webapp.engine.catalogue import CheckReport, check_sources
from webapp.engine.safe_xml import UnsafeXml, parse_xml
from webapp.engine.spec_checks import Problem
from webapp.services.context import Origin, ServiceContext, audit
from webapp.services.deploy import deploy_bundle
from webapp.services.studio_diff import BPMN, SPIFF
from webapp.services.studio_sources import MAX_BYTES, Sources, ensure_studio, load_sources
from webapp.services.studio_versions import UNKNOWN_PROCESS

_PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,94}$")  # a file stem that can be a BPMN process id
_FORM_KEYS = ("formJsonSchemaFilename", "formUiSchemaFilename")


@dataclass
class DeployOutcome:
    process_id: str
    version: int | None = None  # the active version after deploying (None: refused)
    created: bool = False  # False with a version: the sources equal the active version, nothing changed
    problems: list[Problem] = field(default_factory=list)


def diagram_file(name: str) -> str:
    """``case_intake`` or ``case_intake.bpmn`` -> ``case_intake.bpmn``; NotFound for anything else."""
    stem = name.removesuffix(".bpmn")
    if not _PROCESS_ID.match(stem) or ".." in stem:
        raise NotFound(UNKNOWN_PROCESS)
    return f"{stem}.bpmn"


def check_diagram(ctx: ServiceContext, actor: Actor, name: str, xml: object) -> list[Problem]:
    """The problems of this diagram's bundle with ``xml`` in place of the diagram (nothing is saved)."""
    ensure_studio(ctx, actor, "studio.check", name[:60])
    filename = diagram_file(name)
    if not isinstance(xml, str) or not xml.strip():
        raise FormInvalid({"xml": N_("Stuur het diagram mee als XML-tekst.")})
    if len(xml.encode("utf-8")) > MAX_BYTES:
        raise FormInvalid({"xml": N_("Dit diagram is groter dan 5 MB; de studio controleert het niet.")})
    with ctx.db.read() as session:
        sources = load_sources(ctx, session)
    sources.files[filename] = xml.encode("utf-8")
    return _bundle_check(filename, sources).problems


def check_everything(ctx: ServiceContext, actor: Actor) -> CheckReport:
    """Every problem of every studio source, as ``ketenflow check-processes`` lists them for the files."""
    ensure_studio(ctx, actor, "studio.check")
    with ctx.db.read() as session:
        sources = load_sources(ctx, session)
    return _check(sources)


def deploy_process(
    ctx: ServiceContext, actor: Actor, name: str, origin: Origin | None = None
) -> DeployOutcome:
    """Deploy the studio's current version of a process, or return the problems of its bundle."""
    ensure_studio(ctx, actor, "studio.deploy", name[:60], Action.CREATE)
    filename = diagram_file(name)
    process_id = filename.removesuffix(".bpmn")
    with ctx.db.read() as session:
        sources = load_sources(ctx, session)
    if filename not in sources.files:
        raise NotFound(UNKNOWN_PROCESS)
    report = _bundle_check(filename, sources)
    outcome = DeployOutcome(process_id, problems=report.problems)
    bundle = next((b for b in report.bundles if b.process_id == process_id), None)
    if outcome.problems or bundle is None:
        if not outcome.problems:  # the catalogue gave no bundle and no problem of its own: say so anyway
            outcome.problems = [Problem(filename, None, N_("dit diagram kan niet worden gebundeld"))]
        with ctx.db.write() as session:
            audit(
                session,
                ctx,
                "studio.deploy_refused",
                Action.CREATE,
                result=Result.ERROR,
                actor_id=actor.user_id,
                origin=origin,
                object_type="process_definition",
                object_id=process_id[:60],
                reason=N_("het diagram heeft problemen"),
            )
        return outcome
    try:
        with ctx.db.write() as session:
            outcome.version, outcome.created = deploy_bundle(session, ctx, bundle, actor.user_id, origin)
    except IntegrityError:  # someone deployed the same process at the same moment
        raise ConcurrentUpdate(
            N_("Iemand anders rolde deze procedure zojuist uit. Bekijk de versies en probeer het opnieuw.")
        ) from None
    return outcome


def _check(sources: Sources) -> CheckReport:
    report = check_sources(sources.files, sources.forms)
    report.problems[:0] = sources.problems  # forms that are not JSON
    return report


def _bundle_check(filename: str, sources: Sources) -> CheckReport:
    """The catalogue check of one diagram's bundle: only its own files are parsed (a whole catalogue takes
    half a second), which gives the same bundle and the same problems for it."""
    related = bundle_files(sources.files, filename)
    report = check_sources({n: data for n, data in sources.files.items() if n in related}, sources.forms)
    report.problems[:0] = [p for p in sources.problems if p.file in related]
    report.problems = [p for p in report.problems if p.file in related]
    return report


def bundle_files(files: Mapping[str, bytes], filename: str) -> set[str]:
    """The file names a diagram's bundle is made of: itself, the diagrams it calls (transitively), the
    decision tables and the forms it uses — as far as the (maybe broken) XML lets us find them."""
    related: set[str] = set()
    decisions: dict[str, str] | None = None
    queue = [filename]
    while queue:
        current = queue.pop()
        if current in related:
            continue
        related.add(current)
        root = _root(files.get(current))
        if root is None:
            continue
        for call in root.iter(f"{{{BPMN}}}callActivity"):
            queue.append(f"{call.get('calledElement', '')}.bpmn")
        for prop in root.iter(f"{{{SPIFF}}}property"):
            if prop.get("name") in _FORM_KEYS and prop.get("value"):
                related.add(prop.get("value", ""))
        called = {(el.text or "").strip() for el in root.iter(f"{{{SPIFF}}}calledDecisionId")}
        if called:
            decisions = decisions if decisions is not None else _decision_files(files)
            related.update(decisions[d] for d in called if d in decisions)
    return related


def _decision_files(files: Mapping[str, bytes]) -> dict[str, str]:
    found = {}
    for name, data in files.items():
        root = _root(data) if name.endswith(".dmn") else None
        for decision in root.iter("{*}decision") if root is not None else ():
            found[decision.get("id", "")] = name
    return found


def _root(data: bytes | None) -> etree._Element | None:
    if data is None:
        return None
    try:
        return parse_xml(data)
    except UnsafeXml:
        return None
