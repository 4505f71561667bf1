"""Service-layer starts/s and completions/s on one database, plus storage per instance; and the bare loop.

The bare SpiffWorkflow figures start and complete the same diagram with the same data, storing the
self-contained JSON serialization only: no lock, access check, validation, projections, audit or commit.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
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
from webapp.services.mail import MailSettings, dispatch_outbox
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
    """SQLite: the file (after a checkpoint). PostgreSQL: tables, TOAST and indexes after VACUUM FULL, so
    the figure counts live rows and not the dead row versions that autovacuum would hand back for reuse."""
    if url.startswith("sqlite"):
        with ctx.db.engine.connect() as connection:  # move the write-ahead log into the file first
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return os.path.getsize(url.removeprefix("sqlite:///"))
    with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM FULL")
    query = (
        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r'"
    )
    with ctx.db.engine.connect() as connection:
        return int(connection.execute(text(query)).scalar_one())


# The rest of the demo procedure after the timed first step: decide, then send the answer; the instance ends.
REST = ({"identiteit_vastgesteld": True, "besluit": "toewijzen"}, {"verzonden_op": "2026-11-03"})


def measure(url: str, count: int) -> ServiceFigures:
    """Start `count` instances, then complete their first task (both phases timed separately), then the rest
    of each instance, untimed, for the storage a completed instance takes."""
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    ctx = prepared_context(url, clock)
    actor, organisation = signed_in(ctx)
    size_before = database_bytes(ctx, url)
    started_per_s, task_ids = _start(ctx, actor, organisation, count)
    snapshots = [_serialization(ctx, task_id) for task_id in task_ids[:50]]
    completed_per_s, next_ids = _complete(ctx, actor, task_ids)
    for answer in REST:
        next_ids = [tasks.complete_task(ctx, actor, task_id, answer).next_task_id for task_id in next_ids]
    assert next_ids == [None] * count, "the demo procedure did not end"
    # As the worker does in a running system: the mails go out (to a transport that drops them).
    while dispatch_outbox(ctx, MailSettings(_Dropped(), "bench@ketenflow.invalid", "http://bench")):
        pass
    grown = database_bytes(ctx, url) - size_before
    ctx.db.dispose()
    return ServiceFigures(started_per_s, completed_per_s, grown / count, snapshots)


class _Dropped:
    def send(self, message: EmailMessage) -> None:
        pass


def _start(ctx: Any, actor: Any, organisation: int, count: int) -> tuple[float, list[int]]:
    begin = time.perf_counter()
    task_ids = []
    for _ in range(count):
        started = instances.start_process(ctx, actor, PROCESS, organisation)
        assert started.next_task_id is not None
        task_ids.append(started.next_task_id)
    return count / (time.perf_counter() - begin), task_ids


def _complete(ctx: Any, actor: Any, task_ids: list[int]) -> tuple[float, list[Any]]:
    begin = time.perf_counter()
    next_ids = [tasks.complete_task(ctx, actor, task_id, DATA).next_task_id for task_id in task_ids]
    return len(task_ids) / (time.perf_counter() - begin), next_ids


def _parallel_worker(url: str, count: int, barrier: Any, results: Any) -> None:
    ctx = build_context(
        load_settings({"database_url": url}), clock=ManualClock(datetime(2026, 11, 2, tzinfo=UTC))
    )
    actor, organisation = signed_in(ctx)
    barrier.wait()
    begin = time.time()
    _, task_ids = _start(ctx, actor, organisation, count)
    started = time.time()
    barrier.wait()  # both processes complete while both complete
    between = time.time()
    _complete(ctx, actor, task_ids)
    results.put((begin, started, between, time.time()))
    ctx.db.dispose()


def measure_parallel(url: str, count: int, processes: int = 2) -> tuple[float, float]:
    """Starts/s and completions/s of ``processes`` processes at once on one PostgreSQL database, as the web
    processes of the multi-process mode run: the operations of all over the phase's wall time."""
    ctx = prepared_context(url, ManualClock(datetime(2026, 11, 2, tzinfo=UTC)))
    ctx.db.dispose()
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(processes), spawn.Queue()
    share = count // processes
    workers = [
        spawn.Process(target=_parallel_worker, args=(url, share, barrier, results)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    times = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    starts = share * processes / (max(t[1] for t in times) - min(t[0] for t in times))
    completions = share * processes / (max(t[3] for t in times) - min(t[2] for t in times))
    return starts, completions


def bare(snapshots: list[str], count: int) -> tuple[float, float, int]:
    """Bare starts/s, completions/s and the serialized size (bytes) of an ended instance."""
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
    workflow = serializer.deserialize_json(done)  # the rest of one instance, for the size once it ended
    workflow.script_engine = engine
    for answer in REST:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.task_spec.add_data_from_form(task, {**task.data, **answer})
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
    assert workflow.is_completed()
    ended = serializer.serialize_json(workflow)
    return count / start_seconds, count / complete_seconds, len(ended.encode())


def sqlite_url(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'scale.db'}"
