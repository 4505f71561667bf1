"""Service-layer starts/s and completions/s on one database, plus storage per instance; and the bare loop.

The bare SpiffWorkflow figures start and complete the same diagram with the same data, storing the
self-contained JSON serialization only: no lock, access check, validation, projections, audit or commit.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_completions import DATA, _serialization
from sqlalchemy import create_engine, text

from webapp import build_context
from webapp.config import load_settings
from webapp.domain.clock import ManualClock
from webapp.services import instances, tasks
from webapp.services.context import Origin
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo
from webapp.services.users import authenticate

PROCESS = "demo_subject_request"


@dataclass
class ServiceFigures:
    starts_per_s: float
    completions_per_s: float
    bytes_per_instance: float
    snapshots: list[str]


def reset_postgres(url: str) -> None:
    """Drop and recreate the bench database (named with our letter, so no other helper's data)."""
    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def prepared_context(url: str, clock: Any = None) -> Any:
    ctx = build_context(load_settings({"database_url": url}), clock=clock)
    ctx.db.create_all()
    deploy_directory(ctx)
    seed_demo(ctx)
    return ctx


def signed_in(ctx: Any) -> tuple[Any, int]:
    actor = authenticate(ctx, "hulpverlener", "ketenflow-demo", Origin())
    assert actor is not None
    return actor, next(iter(actor.memberships)).organisation_id


def database_bytes(ctx: Any, url: str) -> int:
    if url.startswith("sqlite"):
        with ctx.db.engine.connect() as connection:  # move the write-ahead log into the file first
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return os.path.getsize(url.removeprefix("sqlite:///"))
    query = (
        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r'"
    )
    with ctx.db.engine.connect() as connection:
        return int(connection.execute(text(query)).scalar_one())


def measure(url: str, count: int) -> ServiceFigures:
    """Start `count` instances, then complete their first task; time both phases separately."""
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    ctx = prepared_context(url, clock)
    actor, organisation = signed_in(ctx)
    size_before = database_bytes(ctx, url)
    begin = time.perf_counter()
    task_ids = []
    for _ in range(count):
        started = instances.start_process(ctx, actor, PROCESS, organisation)
        assert started.next_task_id is not None
        task_ids.append(started.next_task_id)
    start_seconds = time.perf_counter() - begin
    snapshots = [_serialization(ctx, task_id) for task_id in task_ids[:50]]
    begin = time.perf_counter()
    for task_id in task_ids:
        tasks.complete_task(ctx, actor, task_id, DATA)
    complete_seconds = time.perf_counter() - begin
    grown = database_bytes(ctx, url) - size_before
    ctx.db.dispose()
    return ServiceFigures(count / start_seconds, count / complete_seconds, grown / count, snapshots)


def bare(snapshots: list[str], count: int) -> tuple[float, float, int]:
    """Bare starts/s, completions/s and the serialized size (bytes) after the first completion."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from webapp.engine.scripting import make_script_engine

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    engine = make_script_engine()
    template = serializer.deserialize_json(snapshots[0])
    begin = time.perf_counter()
    started = []
    for _ in range(count):
        workflow = BpmnWorkflow(template.spec, template.subprocess_specs, script_engine=engine)
        workflow.do_engine_steps()
        started.append(serializer.serialize_json(workflow))
    start_seconds = time.perf_counter() - begin
    begin = time.perf_counter()
    done = ""
    for snapshot in started:
        workflow = serializer.deserialize_json(snapshot)
        workflow.script_engine = engine
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.task_spec.add_data_from_form(task, dict(DATA))
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
        done = serializer.serialize_json(workflow)
    complete_seconds = time.perf_counter() - begin
    return count / start_seconds, count / complete_seconds, len(done.encode())


def sqlite_url(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'scale.db'}"
