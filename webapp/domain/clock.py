"""The one notion of "now" in Ketenflow.

Every service takes a clock instead of calling ``datetime.now`` so that tests can move time across legal
deadlines without sleeping, and so that all stored instants are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; used by tests, benchmarks and the test-run of diagrams."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = as_utc(instant)


def as_utc(instant: datetime) -> datetime:
    """Refuse naive datetimes: a naive value has no defined instant and would silently shift by hours."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: a timezone is required")
    return instant.astimezone(UTC)
