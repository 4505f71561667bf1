"""Timer figures: lateness (reusing bench_timer_lateness.py) and the 10,000-timer burst on PostgreSQL.

The burst starts one instance of a diagram with a single timer, then clones its row N-1 times with
INSERT … SELECT (the serialization holds no instance id: the clone check below proves each clone fires and
ends on its own) and gives every clone a due job. Two ``ketenflow worker`` processes then fire them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_timer_lateness import DIAGRAM
from scale_service import reset_postgres, signed_in
from sqlalchemy import func, select, text

from webapp import build_context
from webapp.config import PROJECT_ROOT, load_settings
from webapp.domain.clock import ManualClock
from webapp.persistence.models import AuditEvent, Job, ProcessInstance
from webapp.services import instances
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo

BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
WORKER_LOG = Path(tempfile.gettempdir()) / "ketenflow_bench_scale_workers.log"


def lateness(count: int) -> tuple[float, float]:
    script = BENCH_DIR / "bench_timer_lateness.py"
    out = subprocess.run(  # noqa: S603 - our own argv
        [sys.executable, str(script), "--instances", str(count)], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"p50 ([\d.]+) s, p99 ([\d.]+) s", out)
    assert found, out
    return float(found.group(1)), float(found.group(2))


def _prepare(url: str, count: int, processes: Path) -> None:
    (processes / "bench_timer.bpmn").write_text(DIAGRAM, encoding="utf-8")
    settings = load_settings(
        {"database_url": url, "processes_dir": str(processes), "forms_dir": str(PROJECT_ROOT / "forms")}
    )
    # Started an hour ago: the timer inside the serialization (PT3S) is long due for every clone.
    ctx = build_context(settings, clock=ManualClock(datetime.now(UTC) - timedelta(hours=1)))
    ctx.db.create_all()
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    actor, organisation = signed_in(ctx)
    first = instances.start_process(ctx, actor, "bench_timer", organisation).instance_id
    names = ", ".join(column.name for column in ProcessInstance.__table__.columns if column.name != "id")
    with ctx.db.write() as session:
        job = session.execute(select(Job).where(Job.instance_id == first)).scalar_one()
        session.execute(
            text(
                f"INSERT INTO process_instance ({names}) SELECT {names} FROM process_instance, "  # noqa: S608 - column names from the model
                "generate_series(1, :n) WHERE id = :first"
            ),
            {"n": count - 1, "first": first},
        )
        session.execute(
            text(
                "INSERT INTO job (kind, instance_id, due_at, attempts) SELECT :kind, p.id, :due, 0 "
                "FROM process_instance p WHERE NOT EXISTS (SELECT 1 FROM job j WHERE j.instance_id = p.id)"
            ),
            {"kind": job.kind, "due": job.due_at},
        )
    ctx.db.dispose()


def burst(url: str, count: int) -> dict[str, float]:
    reset_postgres(url)
    with tempfile.TemporaryDirectory() as tmp:
        _prepare(url, count, Path(tmp))
    ctx = build_context(load_settings({"database_url": url}))
    env = dict(os.environ, KETENFLOW_DATABASE_URL=url)
    begin = time.perf_counter()
    command = [str(VENV_BIN / "ketenflow"), "worker"]
    # The workers log every SpiffWorkflow task state change at INFO: into a file, not over the table.
    log = WORKER_LOG.open("w")
    workers = [subprocess.Popen(command, env=env, stderr=log) for _ in range(2)]  # noqa: S603 - our own argv
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with ctx.db.read() as session:
                if session.scalar(select(func.count()).select_from(Job)) == 0:
                    break
            time.sleep(0.1)  # polling the job table, not waiting for a fixed time
        elapsed = time.perf_counter() - begin
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        log.close()
    with ctx.db.read() as session:
        fired = session.execute(
            select(AuditEvent.process_instance_id, func.count())
            .where(AuditEvent.event == "timer.fired")
            .group_by(AuditEvent.process_instance_id)
        ).all()
        ended = session.scalar(
            select(func.count()).select_from(ProcessInstance).where(ProcessInstance.ended_at.is_not(None))
        )
    ctx.db.dispose()
    return {
        "seconds": elapsed,
        "fired_instances": float(len(fired)),
        "fired_twice": float(sum(1 for _, n in fired if n != 1)),
        "ended": float(ended or 0),
    }
