"""Service-layer task completions per second on SQLite, next to the bare SpiffWorkflow loop.

Both complete the same task ("Verzoek registreren" of the demo diagram) with the same data on the same
number of instances; the bare loop does only deserialize → complete → engine steps → serialize. The service
layer adds the row lock, the access check, JSON Schema validation, projections, the timer job, the
hash-chained audit events and the commit.

    .venv/bin/python bench/bench_completions.py [--instances 1000]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from webapp import build_context
from webapp.config import load_settings
from webapp.domain.clock import ManualClock
from webapp.services import instances, tasks
from webapp.services.context import Origin
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo
from webapp.services.users import authenticate

DATA = {
    "ontvangen_op": "2026-11-02",
    "recht": "inzage",
    "kanaal": "brief",
    "omschrijving": "Verzoek om inzage.",
}


def service_layer(count: int, workdir: Path) -> tuple[float, list[str]]:
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    ctx = build_context(load_settings({"database_url": f"sqlite:///{workdir / 'bench.db'}"}), clock=clock)
    ctx.db.create_all()
    deploy_directory(ctx)
    seed_demo(ctx)
    actor = authenticate(ctx, "hulpverlener", "ketenflow-demo", Origin())
    assert actor is not None
    organisation = next(iter(actor.memberships)).organisation_id
    task_ids = []
    for _ in range(count):
        started = instances.start_process(ctx, actor, "demo_subject_request", organisation)
        assert started.next_task_id is not None
        task_ids.append(started.next_task_id)
    snapshots = [_serialization(ctx, task_id) for task_id in task_ids]
    begin = time.perf_counter()
    for task_id in task_ids:
        tasks.complete_task(ctx, actor, task_id, DATA)
    elapsed = time.perf_counter() - begin
    ctx.db.dispose()
    return elapsed, snapshots


def _serialization(ctx: object, task_id: int) -> str:
    """The instance's state in SpiffWorkflow's own self-contained format (specs embedded), as the bare loop
    would store it; Ketenflow itself stores a reference to the deployed bundle instead."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    from webapp.persistence.models import HumanTask, ProcessInstance

    with ctx.db.read() as session:  # type: ignore[attr-defined]
        instance_id = session.get_one(HumanTask, task_id).instance_id
        stored = session.get_one(ProcessInstance, instance_id).serialization
    loaded = ctx.runtime.load(stored)  # type: ignore[attr-defined]
    plain = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    return str(plain.serialize_json(loaded._wf))


def bare_engine(snapshots: list[str]) -> float:
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from webapp.engine.scripting import make_script_engine

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    engine = make_script_engine()
    begin = time.perf_counter()
    for snapshot in snapshots:
        workflow = serializer.deserialize_json(snapshot)
        workflow.script_engine = engine
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.task_spec.add_data_from_form(task, dict(DATA))
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
        serializer.serialize_json(workflow)
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        service_seconds, snapshots = service_layer(args.instances, Path(tmp))
    bare_seconds = bare_engine(snapshots)
    n = args.instances
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    per_service, per_bare = 1000 * service_seconds / n, 1000 * bare_seconds / n
    print(f"service layer (SQLite): {n / service_seconds:8.1f} completions/s ({per_service:.2f} ms each)")
    print(f"bare SpiffWorkflow loop: {n / bare_seconds:8.1f} completions/s ({per_bare:.2f} ms each)")
    print(f"ratio service/bare time: {service_seconds / bare_seconds:.2f}x (target <= 3x, >= 300/s)")


if __name__ == "__main__":
    main()
