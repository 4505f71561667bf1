"""The timer path of DESIGN.md section 2: claim due jobs with a lease, then fire each under its instance lock.

A worker that dies keeps its lease only until ``locked_until``; then another takes the job. The instance
lock and the re-check of the job under it make a double firing impossible.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import undefer

from webapp.domain.audit import Action, Result
from webapp.domain.errors import ProcessError
from webapp.persistence.models import Job, ProcessInstance
from webapp.services.context import ServiceContext, audit
from webapp.services.notifications import run_notifications
from webapp.services.projections import TIMER_JOB, sync_instance

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=60)
DEFAULT_POLL_SECONDS = 0.5
MAX_BACKOFF = timedelta(hours=1)
# After this many failures a job waits for an administrator (the incidents page) instead of retrying itself.
MAX_AUTOMATIC_ATTEMPTS = 10
ANALYZE_EVERY_SECONDS = 24 * 3600


def claim_due_jobs(
    ctx: ServiceContext, worker_id: str, batch: int = 50, lease: timedelta = DEFAULT_LEASE
) -> list[int]:
    now = ctx.clock.now()
    with ctx.db.write() as session:
        query = (
            select(Job)
            .where(
                Job.kind == TIMER_JOB,
                Job.due_at < now,  # strictly: SpiffWorkflow fires a timer only after its instant
                Job.attempts < MAX_AUTOMATIC_ATTEMPTS,
                or_(Job.locked_until.is_(None), Job.locked_until < now),
            )
            .order_by(Job.due_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        jobs = list(session.execute(query).scalars())
        for job in jobs:
            job.locked_by, job.locked_until = worker_id, now + lease
        return [job.id for job in jobs]


def fire_job(ctx: ServiceContext, worker_id: str, job_id: int) -> bool:
    """Fire one claimed job; False when it was no longer ours or no longer due."""
    now = ctx.clock.now()
    failure: ProcessError | None = None
    with ctx.db.write() as session:
        job = session.get(Job, job_id)
        if job is None:
            return False
        instance = session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.id == job.instance_id)
            .options(undefer(ProcessInstance.serialization))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        session.refresh(job)
        if job.locked_by != worker_id:
            return False  # our lease ran out and another worker has it
        if job.due_at >= now:  # moved by a completion since we claimed it: give it back
            job.locked_by, job.locked_until = None, None
            return False
        loaded = ctx.runtime.load(
            instance.serialization, ctx.definitions.get(session, instance.definition_id)
        )
        open_before = ctx.runtime.ready_task_ids(loaded)
        try:
            ctx.runtime.fire_due_timers(loaded, ctx.clock)
            sync_instance(session, ctx, instance, loaded, open_before)
            audit(
                session,
                ctx,
                "timer.fired",
                Action.UPDATE,
                object_type="process_instance",
                object_id=str(instance.id),
                process_instance_id=instance.id,
                origin=None,
            )
        except ProcessError as error:
            failure = error
    if failure is not None:
        _record_failure(ctx, job_id, failure)
    return failure is None


def _record_failure(ctx: ServiceContext, job_id: int, error: ProcessError) -> None:
    with ctx.db.write() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        job.attempts += 1
        job.last_error = str(error)
        job.locked_by = None
        job.locked_until = ctx.clock.now() + min(timedelta(minutes=2**job.attempts), MAX_BACKOFF)
        instance = session.get_one(ProcessInstance, job.instance_id)
        instance.last_error = str(error)
        audit(
            session,
            ctx,
            "timer.failed",
            Action.UPDATE,
            result=Result.ERROR,
            object_type="process_instance",
            object_id=str(instance.id),
            process_instance_id=instance.id,
        )
    log.warning("timer job %s failed (attempt recorded); instance kept its last good state", job_id)


def fire_due_timers(
    ctx: ServiceContext, worker_id: str = "local", batch: int = 50, lease: timedelta = DEFAULT_LEASE
) -> int:
    """Claim and fire every due timer; returns how many fired."""
    fired = 0
    while True:
        job_ids = claim_due_jobs(ctx, worker_id, batch, lease)
        if not job_ids:
            return fired
        fired += sum(fire_job(ctx, worker_id, job_id) for job_id in job_ids)
        if len(job_ids) < batch:
            return fired


def run_worker(
    ctx: ServiceContext,
    worker_id: str,
    stop: threading.Event,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    lease: timedelta = DEFAULT_LEASE,
) -> None:
    """Poll until stopped. A due timer waits at most one poll interval plus the time to fire it."""
    log.info("timer worker %s started, polling every %.1f s", worker_id, poll_seconds)
    next_analyze = time.monotonic()
    while not stop.is_set():
        try:
            if time.monotonic() >= next_analyze:  # at start, then daily: the tables grow
                ctx.db.refresh_planner_statistics()
                next_analyze = time.monotonic() + ANALYZE_EVERY_SECONDS
            fire_due_timers(ctx, worker_id, lease=lease)
            run_notifications(ctx, worker_id)  # deadline reminders and escalations, then the mail outbox
        except Exception:  # a database hiccup must not kill the worker; the lease makes a retry safe
            log.exception("timer worker %s: poll failed; retrying", worker_id)
        stop.wait(poll_seconds)
