"""The files of ``processes/`` and ``forms/`` and the deployed versions: export for version control, and the
deploy that ``ketenflow run`` does at start.

Versions deployed in the studio live in the database. ``export_processes`` writes the active versions back
as files, so they can be committed. ``deploy_new_files`` is the start-up deploy: it deploys a file only when
its process has no active version yet, or when its content (the bundle: the file, the files it calls, its
decision tables and forms) was never deployed as any version of that process. A restart therefore never
replaces a version deployed in the studio with the older file it came from; ``ketenflow deploy`` (explicit)
still deploys every changed file, and is the way back to an earlier file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from webapp.persistence.models import ProcessDefinition
from webapp.services.context import ServiceContext
from webapp.services.deploy import DeployResult, check_processes, deploy_bundle


@dataclass
class ExportResult:
    written: list[str] = field(default_factory=list)  # relative paths: "processes/x.bpmn", "forms/y.json"
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def export_processes(ctx: ServiceContext, processes_dir: Path, forms_dir: Path) -> ExportResult:
    """Write the active versions' BPMN, DMN and forms, one file per name; unchanged files are left alone.

    A file can be in several bundles (a called process, a shared form or decision table): a process's own
    file comes from its own active version, anything else from the most recently deployed version."""
    with ctx.db.read() as session:
        active = session.execute(
            select(ProcessDefinition)
            .where(ProcessDefinition.active.is_(True))
            .order_by(ProcessDefinition.deployed_at, ProcessDefinition.id)
        ).scalars()
        chosen: dict[tuple[str, str], tuple[tuple[Any, ...], str]] = {}
        for rank, definition in enumerate(active):
            for filename, text in {**definition.bpmn, **definition.dmn}.items():
                own = filename.rsplit(".", 1)[0] == definition.process_id
                _keep(chosen, ("processes", filename), (own, rank), text)
            for filename, schema in definition.forms.items():
                _keep(chosen, ("forms", filename), (False, rank), _form_text(schema))
    result = ExportResult()
    folders = {"processes": processes_dir, "forms": forms_dir}
    for (folder, filename), (_, text) in sorted(chosen.items()):
        path = folders[folder] / filename
        label = f"{folder}/{filename}"
        if path.is_file() and _same(path, text, folder):
            result.unchanged.append(label)
            continue
        (result.written if path.is_file() else result.created).append(label)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return result


def _keep(
    chosen: dict[tuple[str, str], tuple[tuple[Any, ...], str]],
    key: tuple[str, str],
    priority: tuple[Any, ...],
    text: str,
) -> None:
    if key not in chosen or chosen[key][0] <= priority:
        chosen[key] = (priority, text)


def _form_text(schema: Any) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"  # the layout of forms/


def _same(path: Path, text: str, folder: str) -> bool:
    current = path.read_text(encoding="utf-8")
    if current == text:
        return True
    if folder == "forms":  # the same form written with other spacing is not a change
        try:
            return bool(json.loads(current) == json.loads(text))
        except json.JSONDecodeError:
            return False
    return False


def deploy_new_files(ctx: ServiceContext) -> DeployResult:
    """The start-up deploy (see the module text): new processes and files never deployed before."""
    report = check_processes(ctx)
    result = DeployResult(problems=report.problems)
    with ctx.db.write() as session:
        for bundle in report.bundles:
            versions = session.execute(
                select(ProcessDefinition.version, ProcessDefinition.sha256, ProcessDefinition.active).where(
                    ProcessDefinition.process_id == bundle.process_id
                )
            ).all()
            active = next((v.version for v in versions if v.active), None)
            if active is not None and bundle.sha256 in {v.sha256 for v in versions}:
                result.unchanged.append((bundle.process_id, active))
                continue
            version, created = deploy_bundle(session, ctx, bundle, None)
            (result.deployed if created else result.unchanged).append((bundle.process_id, version))
    return result
