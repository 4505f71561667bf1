"""The one seam through which SpiffWorkflow reads the time.

SpiffWorkflow's timer module calls ``datetime.now(timezone.utc)`` when a timer starts waiting and when
``refresh_timers`` asks whether it is due. We replace that module's ``datetime`` name with a subclass whose
``now`` asks the clock of the current engine call (a context variable, so threads do not share it), falling
back to the real time outside such a call.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from webapp.domain.clock import Clock

_current: contextvars.ContextVar[Clock | None] = contextvars.ContextVar("ketenflow_clock", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        clock = _current.get()
        if clock is None:
            return datetime.now(tz)
        instant = clock.now()
        return instant.astimezone(tz) if tz is not None else instant.astimezone(UTC).replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


@contextmanager
def engine_time(clock: Clock) -> Iterator[None]:
    """Run the enclosed engine calls as if it were ``clock.now()``."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)
