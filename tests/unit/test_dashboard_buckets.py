"""Where an open task stands against its deadline: the week that ends on Sunday in the Netherlands, and the
overdue buckets (under a week, one to four weeks, longer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webapp.services.dashboard_queries import (
    DUE_WEEK,
    LATER,
    LIST_BUCKETS,
    NO_DUE,
    OVERDUE_LONG,
    OVERDUE_MONTH,
    OVERDUE_WEEK,
    ROW_BUCKETS,
    cutoffs,
    task_bucket,
)

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
HOUR, DAY, WEEK = timedelta(hours=1), timedelta(days=1), timedelta(weeks=1)


def test_this_week_ends_at_midnight_after_sunday_in_amsterdam() -> None:
    cut = cutoffs(MONDAY)
    assert cut.week_end == datetime(2026, 11, 8, 23, 0, tzinfo=UTC)  # Monday 9 November 00:00, winter time
    assert cut.last_day.isoformat() == "2026-11-08"


def test_on_sunday_evening_this_week_is_the_rest_of_that_day() -> None:
    sunday_late = datetime(2026, 11, 8, 22, 30, tzinfo=UTC)  # 23:30 in Amsterdam
    assert cutoffs(sunday_late).week_end == datetime(2026, 11, 8, 23, 0, tzinfo=UTC)
    # Half an hour later it is Monday in Amsterdam, though still Sunday in UTC: a new week.
    monday_early = datetime(2026, 11, 8, 23, 30, tzinfo=UTC)
    assert cutoffs(monday_early).last_day.isoformat() == "2026-11-15"


def test_the_week_of_the_clock_change_ends_in_winter_time() -> None:
    # Summer time ends on Sunday 25 October 2026; the week began in summer time (UTC+2).
    cut = cutoffs(datetime(2026, 10, 21, 12, tzinfo=UTC))
    assert cut.week_end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert cut.last_day.isoformat() == "2026-10-25"


@pytest.mark.parametrize(
    ("due_at", "bucket"),
    [
        (None, NO_DUE),
        (MONDAY - 4 * WEEK - HOUR, OVERDUE_LONG),
        (MONDAY - 4 * WEEK, OVERDUE_MONTH),  # exactly four weeks late: still "one to four weeks"
        (MONDAY - WEEK - HOUR, OVERDUE_MONTH),
        (MONDAY - WEEK, OVERDUE_WEEK),  # exactly a week late: still "under a week"
        (MONDAY - timedelta(seconds=1), OVERDUE_WEEK),
        (MONDAY, DUE_WEEK),  # due this very moment: not late yet
        (datetime(2026, 11, 8, 22, 59, 59, tzinfo=UTC), DUE_WEEK),  # Sunday 23:59:59 in Amsterdam
        (datetime(2026, 11, 8, 23, 0, tzinfo=UTC), LATER),  # Monday 00:00 in Amsterdam
        (MONDAY + 300 * DAY, LATER),
    ],
)
def test_every_open_task_falls_in_one_bucket(due_at: datetime | None, bucket: str) -> None:
    assert task_bucket(due_at, cutoffs(MONDAY)) == bucket


def test_the_lists_offer_every_bucket_and_overdue_as_a_whole() -> None:
    assert set(ROW_BUCKETS) == {OVERDUE_WEEK, OVERDUE_MONTH, OVERDUE_LONG, DUE_WEEK, LATER, NO_DUE}
    assert set(LIST_BUCKETS) == {"overdue", *ROW_BUCKETS}
