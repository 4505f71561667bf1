"""The timer path of DESIGN.md section 2: claim due jobs with a lease, then fire each under its instance lock.

A worker that dies keeps its lease only until ``locked_until``; then another takes the job. The instance
lock and the re-check of the job under it make a double firing impossible.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, undefer

from webapp.domain.audit import Action, Result
from webapp.domain.errors import ProcessError
from webapp.domain.messages import N_
from webapp.persistence.models import Job, ProcessInstance
from webapp.services.client_keys import client_key
from webapp.services.context import ServiceContext, audit
from webapp.services.notifications import run_notifications
from webapp.services.projections import TIMER_JOB, sync_instance
from webapp.services.statistics import discard_since, pending_mark

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


UNEXPECTED = N_("Onverwachte fout bij het afgaan van de timer; het serverlogboek noemt het soort fout.")
# After a failed round the worker gives its claimed jobs back this soon, not after the whole lease.
RETRY_AFTER_FAILED_ROUND = timedelta(seconds=5)
# Jobs fired per transaction: one commit, one audit-chain append and one counter update for the lot, each job
# in its own savepoint so that a failing diagram undoes only its own job.
FIRE_PER_TRANSACTION = 25
# The instance first, under its lock (the order a completion takes them in), then the job as it is now.
_LOCK_INSTANCE_OF_JOB = (
    select(ProcessInstance)
    .where(ProcessInstance.id == select(Job.instance_id).where(Job.id == bindparam("job")).scalar_subquery())
    .options(undefer(ProcessInstance.serialization))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def fire_job(ctx: ServiceContext, worker_id: str, job_id: int) -> bool:
    """Fire one claimed job; False when it was no longer ours or no longer due, or when it failed."""
    return fire_jobs(ctx, worker_id, [job_id]) == 1


def fire_jobs(ctx: ServiceContext, worker_id: str, job_ids: list[int]) -> int:
    """Fire claimed jobs, ``FIRE_PER_TRANSACTION`` per transaction; returns how many fired."""
    fired = 0
    for start in range(0, len(job_ids), FIRE_PER_TRANSACTION):
        fired += _fire_batch(ctx, worker_id, job_ids[start : start + FIRE_PER_TRANSACTION])
    return fired


def _fire_batch(ctx: ServiceContext, worker_id: str, job_ids: list[int]) -> int:
    failures: list[tuple[int, ProcessError]] = []
    fired = 0
    with ctx.db.write() as session:
        for job_id in job_ids:
            counted = pending_mark(session)
            try:
                with session.begin_nested():
                    fired_instance = _fire_in(session, ctx, worker_id, job_id)
            except SQLAlchemyError:
                raise  # the database itself failed: the whole batch is retried (see release_own_jobs)
            except ProcessError as failed:
                discard_since(session, counted)  # the savepoint undid the rows; undo the counts with them
                failures.append((job_id, failed))
                continue
            except Exception as unexpected:  # a bug must not block the other jobs of the batch for ever
                discard_since(session, counted)
                # The type only: an exception's text may quote case data.
                log.error("timer job %s: unexpected %s", job_id, type(unexpected).__name__)
                failures.append((job_id, ProcessError(UNEXPECTED)))
                continue
            if fired_instance is not None:
                fired += 1
                instance_id, reference = fired_instance
                audit(
                    session,
                    ctx,
                    "timer.fired",
                    Action.UPDATE,
                    object_type="process_instance",
                    object_id=str(instance_id),
                    process_instance_id=instance_id,
                    client_key=client_key(ctx.secret_key, reference) if reference else None,
                    origin=None,
                )
    for job_id, error in failures:
        _record_failure(ctx, job_id, error)
    return fired


def _fire_in(
    session: Session, ctx: ServiceContext, worker_id: str, job_id: int
) -> tuple[int, str | None] | None:
    """Fire the job inside the caller's transaction: the instance's id and case reference, or None when the
    job is not ours to fire."""
    now = ctx.clock.now()
    instance = session.execute(_LOCK_INSTANCE_OF_JOB, {"job": job_id}).scalar_one_or_none()
    job = session.get(Job, job_id, populate_existing=True)
    if instance is None or job is None:
        return None
    if job.locked_by != worker_id:
        return None  # our lease ran out and another worker has it
    if job.due_at >= now:  # moved by a completion since we claimed it: give it back
        job.locked_by, job.locked_until = None, None
        return None
    loaded = ctx.runtime.load(instance.serialization, ctx.definitions.get(session, instance.definition_id))
    open_before = ctx.runtime.ready_task_ids(loaded)
    ctx.runtime.fire_due_timers(loaded, ctx.clock)
    sync_instance(session, ctx, instance, loaded, open_before)
    return instance.id, instance.case_reference


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
        fired += fire_jobs(ctx, worker_id, job_ids)
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
            release_own_jobs(ctx, worker_id)
        stop.wait(poll_seconds)


def release_own_jobs(ctx: ServiceContext, worker_id: str) -> int:
    """After a failed round (the database restarted, say), give back the jobs this worker claimed and did not
    fire, due again in a few seconds instead of at the end of the lease; how many. Quiet when the database is
    still away: the lease then does the same, later."""
    retry_at = ctx.clock.now() + RETRY_AFTER_FAILED_ROUND
    try:
        with ctx.db.write() as session:
            released = session.execute(
                update(Job)
                .where(Job.locked_by == worker_id)
                .values(locked_by=None, locked_until=retry_at)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(released, "rowcount", 0))
    except SQLAlchemyError:
        log.warning("timer worker %s: could not give back its jobs yet; their lease will", worker_id)
        return 0
