"""Rate limits count across processes (they live in the database) and reopen when the window has passed."""

from __future__ import annotations

from datetime import timedelta

from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext
from webapp.services.rate_limits import Limit, hit, reset

LIMIT = Limit(attempts=3, period=timedelta(minutes=10))


def test_the_fourth_attempt_in_a_window_is_refused_until_the_window_ends(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    verdicts = [hit(any_ctx, "login:198.51.100.7", LIMIT) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == timedelta(minutes=10)

    clock.advance(timedelta(minutes=4))
    refused = hit(any_ctx, "login:198.51.100.7", LIMIT)
    assert not refused.allowed and refused.retry_after == timedelta(minutes=6)

    clock.advance(timedelta(minutes=6))
    assert hit(any_ctx, "login:198.51.100.7", LIMIT).allowed


def test_keys_are_counted_apart_and_a_reset_clears_one(any_ctx: ServiceContext) -> None:
    for _ in range(3):
        hit(any_ctx, "login:a", LIMIT)
    assert hit(any_ctx, "login:b", LIMIT).allowed
    reset(any_ctx, "login:a")
    assert hit(any_ctx, "login:a", LIMIT).allowed
