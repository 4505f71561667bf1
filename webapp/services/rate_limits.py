"""Fixed-window rate limits kept in the database, so every web process counts the same attempts.

Used for sign-in attempts per address and API calls per token. A window is ``period`` long from its first
hit; ``hit`` counts one attempt and says whether it is still within the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.persistence.models import RateLimitBucket
from webapp.services.context import ServiceContext


@dataclass(frozen=True)
class Limit:
    attempts: int
    period: timedelta


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: timedelta  # zero when allowed


def hit(ctx: ServiceContext, key: str, limit: Limit) -> Verdict:
    """Count one attempt under ``key`` (no personal data: hash usernames before using them in a key)."""
    now = ctx.clock.now()
    with ctx.db.write() as session:
        bucket = session.scalar(select(RateLimitBucket).where(RateLimitBucket.key == key).with_for_update())
        if bucket is None or now >= bucket.window_start + limit.period:
            if bucket is None:
                bucket = RateLimitBucket(key=key, window_start=now, hits=0)
                session.add(bucket)
            bucket.window_start, bucket.hits = now, 0
        bucket.hits += 1
        if bucket.hits <= limit.attempts:
            return Verdict(True, timedelta(0))
        return Verdict(False, _remaining(bucket.window_start + limit.period, now))


def reset(ctx: ServiceContext, key: str) -> None:
    with ctx.db.write() as session:
        bucket = session.get(RateLimitBucket, key)
        if bucket is not None:
            session.delete(bucket)


def _remaining(until: datetime, now: datetime) -> timedelta:
    return max(until - now, timedelta(seconds=1))
