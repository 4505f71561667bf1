from datetime import UTC, date, datetime

import pytest

from webapp.domain.deadlines import (
    DueRule,
    compute_deadline,
    describe_period,
    is_working_day,
    parse_period,
    subtract_period,
)


def test_four_weeks_from_a_monday_ends_at_the_end_of_the_monday_four_weeks_later() -> None:
    deadline = compute_deadline(date(2026, 11, 2), "P4W", DueRule.CALENDAR)
    assert deadline.due_at == datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Amsterdam (CET)
    assert deadline.rule_text == "4 weken"
    assert not deadline.extended


def test_a_period_ending_on_second_christmas_day_and_a_weekend_moves_to_the_next_working_day() -> None:
    deadline = compute_deadline(date(2026, 11, 28), "P4W", DueRule.CALENDAR)  # 26 Dec 2026 is a Saturday
    assert deadline.due_at.date() == date(2026, 12, 28)
    assert deadline.extended
    assert deadline.rule_text == "4 weken, verlengd tot de eerstvolgende werkdag"


def test_summer_time_is_respected_at_the_end_of_the_day() -> None:
    deadline = compute_deadline(date(2026, 6, 1), "P4W", DueRule.CALENDAR)  # 29 June 2026, a Monday
    assert deadline.due_at == datetime(2026, 6, 29, 21, 59, 59, tzinfo=UTC)  # CEST is UTC+2


def test_hours_run_through_nights_weekends_and_holidays() -> None:
    discovered = datetime(2026, 12, 24, 16, 30, tzinfo=UTC)
    deadline = compute_deadline(discovered, "PT72H", DueRule.HOURS)
    assert deadline.due_at == datetime(2026, 12, 27, 16, 30, tzinfo=UTC)
    assert deadline.rule_text == "72 uur"


def test_working_days_skip_weekends_kings_day_and_liberation_day() -> None:
    # Friday 24 April 2026; Monday 27 April is King's Day; 5 May is a holiday under the Algemene termijnenwet.
    deadline = compute_deadline(date(2026, 4, 24), "P5D", DueRule.WORKING_DAYS)
    assert deadline.due_at.date() == date(2026, 5, 4)  # 28, 29, 30 April, 1 and 4 May
    deadline = compute_deadline(date(2026, 5, 1), "P2D", DueRule.WORKING_DAYS)
    assert deadline.due_at.date() == date(2026, 5, 6)
    assert deadline.rule_text == "2 werkdagen"


def test_good_friday_is_a_working_day_for_the_algemene_termijnenwet() -> None:
    assert is_working_day(date(2026, 4, 3))
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday


def test_a_month_is_a_calendar_month() -> None:
    deadline = compute_deadline(date(2027, 1, 31), "P1M", DueRule.CALENDAR)
    assert deadline.due_at.date() == date(2027, 3, 1)  # 28 Feb 2027 is a Sunday


def test_reminder_seven_days_before_a_deadline() -> None:
    due = compute_deadline(date(2026, 11, 2), "P4W", DueRule.CALENDAR).due_at
    assert subtract_period(due, "P7D") == datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "4W", "P", "PT", "P1W2DT3H", "PXD", "P-1D"])
def test_invalid_periods_are_refused_with_a_dutch_reason(text: str) -> None:
    with pytest.raises(ValueError, match="termijn"):
        parse_period(text)


def test_hours_do_not_fit_a_calendar_rule() -> None:
    with pytest.raises(ValueError, match="uren"):
        compute_deadline(date(2026, 11, 2), "PT72H", DueRule.CALENDAR)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        compute_deadline(datetime(2026, 11, 2, 9), "P4W", DueRule.CALENDAR)


def test_periods_are_described_in_dutch() -> None:
    assert describe_period(parse_period("P1Y2M")) == "1 jaar en 2 maanden"
    assert describe_period(parse_period("P1D")) == "1 dag"
    assert describe_period(parse_period("PT1H30M")) == "1 uur en 30 minuten"
