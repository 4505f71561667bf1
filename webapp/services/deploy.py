"""Checking and deploying the process catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from webapp.domain.audit import Action
from webapp.engine.catalogue import Bundle, CheckReport, check_directory
from webapp.engine.spec_checks import Problem
from webapp.persistence.models import ProcessDefinition
from webapp.services.context import Origin, ServiceContext, audit


@dataclass
class DeployResult:
    deployed: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_processes(ctx: ServiceContext) -> CheckReport:
    return check_directory(Path(ctx.processes_dir), Path(ctx.forms_dir))


def deploy_directory(ctx: ServiceContext, actor_id: int | None = None) -> DeployResult:
    """Deploy every good file; a broken file deploys nothing and its last good version stays active."""
    report = check_processes(ctx)
    result = DeployResult(problems=report.problems)
    with ctx.db.write() as session:
        for bundle in report.bundles:
            version, created = deploy_bundle(session, ctx, bundle, actor_id)
            (result.deployed if created else result.unchanged).append((bundle.process_id, version))
    return result


def deploy_bundle(
    session: Session, ctx: ServiceContext, bundle: Bundle, actor_id: int | None, origin: Origin | None = None
) -> tuple[int, bool]:
    active = session.execute(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == bundle.process_id, ProcessDefinition.active.is_(True)
        )
    ).scalar_one_or_none()
    if active is not None and active.sha256 == bundle.sha256:
        return active.version, False
    latest = session.scalar(
        select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == bundle.process_id)
    )
    session.execute(
        update(ProcessDefinition)
        .where(ProcessDefinition.process_id == bundle.process_id)
        .values(active=False)
    )
    definition = ProcessDefinition(
        process_id=bundle.process_id,
        version=(latest or 0) + 1,
        name=bundle.name,
        sha256=bundle.sha256,
        bpmn=bundle.bpmn,
        dmn=bundle.dmn,
        forms=bundle.forms,
        start_role=bundle.start_role,
        deployed_at=ctx.clock.now(),
        deployed_by_id=actor_id,
        active=True,
    )
    session.add(definition)
    session.flush()
    audit(
        session,
        ctx,
        "process.deployed",
        Action.CREATE,
        actor_id=actor_id,
        origin=origin,
        object_type="process_definition",
        object_id=f"{bundle.process_id}:{definition.version}",
    )
    return definition.version, True
