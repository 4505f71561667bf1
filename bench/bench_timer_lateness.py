"""Timer lateness (due → fired) with the timer worker as ``ketenflow run`` starts it.

Starts instances of a small diagram whose timer is due 3 seconds after the start, on a SQLite file
database with the real clock, while ``run_worker`` polls with the default interval in a thread, exactly as
``ketenflow run`` does. Lateness is the time between a job's due instant and the audit event of its firing.

    .venv/bin/python bench/bench_timer_lateness.py [--instances 300]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from webapp import build_context
from webapp.config import PROJECT_ROOT, Settings, load_settings
from webapp.persistence.models import AuditEvent, Job
from webapp.services import instances
from webapp.services.context import Origin
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo
from webapp.services.timers import run_worker
from webapp.services.users import authenticate

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="bench_timer" name="Timerproef" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT3S"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=300)
    args = parser.parse_args()
    poll = Settings().timer_poll_seconds
    with tempfile.TemporaryDirectory() as tmp:
        processes = Path(tmp, "processes")
        processes.mkdir()
        (processes / "bench_timer.bpmn").write_text(DIAGRAM, encoding="utf-8")
        settings = load_settings(
            {
                "database_url": f"sqlite:///{tmp}/bench.db",
                "processes_dir": str(processes),
                "forms_dir": str(PROJECT_ROOT / "forms"),
            }
        )
        ctx = build_context(settings)
        ctx.db.create_all()
        assert deploy_directory(ctx).ok
        seed_demo(ctx)
        actor = authenticate(ctx, "hulpverlener", "ketenflow-demo", Origin())
        assert actor is not None
        organisation = next(iter(actor.memberships)).organisation_id
        stop = threading.Event()
        worker = threading.Thread(target=run_worker, args=(ctx, "bench", stop, poll), daemon=True)
        worker.start()
        due: dict[int, float] = {}
        for _ in range(args.instances):
            time.sleep(0.01)  # spread the due instants over a few seconds, as real work arrives
            started = instances.start_process(ctx, actor, "bench_timer", organisation)
            with ctx.db.read() as session:
                job = session.execute(select(Job).where(Job.instance_id == started.instance_id)).scalar_one()
                due[started.instance_id] = job.due_at.timestamp()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with ctx.db.read() as session:
                if session.scalar(select(func.count()).select_from(Job)) == 0:
                    break
            time.sleep(0.2)
        stop.set()
        worker.join()
        with ctx.db.read() as session:
            fired = session.execute(
                select(AuditEvent.process_instance_id, AuditEvent.at).where(AuditEvent.event == "timer.fired")
            ).all()
    lateness = sorted(at.timestamp() - due[instance_id] for instance_id, at in fired)
    assert len(lateness) == args.instances, f"fired {len(lateness)} of {args.instances}"
    p99 = lateness[min(len(lateness) - 1, round(0.99 * len(lateness)))]
    print(f"worker poll interval: {poll:.1f} s; {len(lateness)} timers, each fired once")
    print(
        f"timer lateness: p50 {statistics.median(lateness):.2f} s, p99 {p99:.2f} s, max {lateness[-1]:.2f} s "
        "(target: at most 2 s)"
    )


if __name__ == "__main__":
    main()
