"""The pure rules behind the managers' statistics: months, duration histograms and their percentiles,
deadline kinds, legal deadline outcomes and the closed-list values that policy statistics count."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.domain.compliance import (
    DEADLINE_KIND_LABELS,
    OUTCOME_LABELS,
    DeadlineKind,
    Outcome,
    deadline_facts,
    deadline_kinds_of,
    outcome,
)
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.policy_dimensions import POLICY_DIMENSIONS, policy_values
from webapp.domain.statistics import (
    BUCKET_COUNT,
    bucket_lower_bound,
    deadline_kind,
    deadline_kind_label,
    duration_bucket,
    month_of,
    months_between,
    percentile,
)

FOUR_YEARS = 4 * 365 * 86400.0
durations = st.floats(min_value=0, max_value=FOUR_YEARS, allow_nan=False)


# --- months ------------------------------------------------------------------------------------------------


def test_a_month_is_the_month_in_amsterdam() -> None:
    assert month_of(datetime(2026, 10, 31, 22, 59, tzinfo=UTC)) == "2026-10"  # 23:59 CET
    assert month_of(datetime(2026, 10, 31, 23, 0, tzinfo=UTC)) == "2026-11"  # midnight in Amsterdam
    assert month_of(datetime(2026, 6, 30, 22, 0, tzinfo=UTC)) == "2026-07"  # CEST: UTC+2
    assert month_of(date(2027, 1, 31)) == "2027-01"


def test_months_between_runs_across_years_and_not_backwards() -> None:
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_between("2026-11", "2026-11") == ["2026-11"]
    assert months_between("2027-01", "2026-12") == []


# --- duration histograms -----------------------------------------------------------------------------------


def test_buckets_start_at_a_minute_and_grow_by_a_quarter() -> None:
    assert [duration_bucket(s) for s in (0, 59.99, 60, 74.99, 75)] == [0, 0, 1, 1, 2]
    assert bucket_lower_bound(0) == 0.0 and bucket_lower_bound(1) == 60.0
    assert bucket_lower_bound(2) == pytest.approx(75.0)
    assert duration_bucket(100 * FOUR_YEARS) == BUCKET_COUNT - 1  # the last bucket is open-ended


@pytest.mark.parametrize("bucket", range(1, BUCKET_COUNT))
def test_a_duration_on_a_bound_belongs_to_the_bucket_that_starts_there(bucket: int) -> None:
    bound = bucket_lower_bound(bucket)
    assert duration_bucket(bound) == bucket
    assert duration_bucket(math.nextafter(bound, 0)) == bucket - 1


@given(durations, durations)
def test_the_bucket_grows_with_the_duration(first: float, second: float) -> None:
    low, high = sorted((first, second))
    assert duration_bucket(low) <= duration_bucket(high)


@given(durations)
def test_the_bucket_bounds_contain_the_duration(seconds: float) -> None:
    bucket = duration_bucket(seconds)
    assert 0 <= bucket < BUCKET_COUNT
    assert bucket_lower_bound(bucket) <= seconds
    if bucket < BUCKET_COUNT - 1:
        assert seconds < bucket_lower_bound(bucket + 1)


def _histogram(values: list[float]) -> dict[int, int]:
    histogram: dict[int, int] = {}
    for value in values:
        histogram[duration_bucket(value)] = histogram.get(duration_bucket(value), 0) + 1
    return histogram


@given(
    st.lists(durations, min_size=1, max_size=200),
    st.floats(min_value=0.01, max_value=1.0, allow_nan=False),
)
def test_a_percentile_of_the_histogram_lies_in_the_bucket_of_the_exact_one(
    values: list[float], fraction: float
) -> None:
    exact = sorted(values)[math.ceil(fraction * len(values)) - 1]  # the smallest value with enough below
    bucket = duration_bucket(exact)
    estimate = percentile(_histogram(values), fraction)
    assert estimate is not None
    assert bucket_lower_bound(bucket) <= estimate * (1 + 1e-9)
    assert estimate <= bucket_lower_bound(bucket + 1) * (1 + 1e-9)


def test_percentiles_of_a_known_histogram() -> None:
    # Ten steps in the bucket from 60 to 75 seconds, ten in the one from 75 to 93.75.
    histogram = {1: 10, 2: 10}
    assert percentile(histogram, 0.5) == pytest.approx(75.0)
    assert percentile(histogram, 1.0) == pytest.approx(93.75)
    assert percentile(histogram, 0.25) == pytest.approx(60 * 1.25**0.5)  # geometric, halfway the bucket
    assert percentile({0: 4}, 0.5) == pytest.approx(30.0)  # the first bucket is linear from zero
    assert percentile({}, 0.5) is None
    assert percentile({3: 0, 4: -2}, 0.5) is None  # counters that moved away count nothing


# --- deadline kinds ----------------------------------------------------------------------------------------


def test_the_kind_of_deadline_a_task_carries() -> None:
    assert deadline_kind("PT72H", "hours", None) == "hours:PT72H"
    assert deadline_kind("P4W", None, None) == "calendar:P4W"  # calendar days unless the task says else
    assert deadline_kind("P5D", "working_days", None) == "working_days:P5D"
    assert deadline_kind(None, None, "antwoord_uiterlijk") == "date"
    assert deadline_kind(None, None, None) is None
    assert len(deadline_kind("P" + "1Y" * 40, "calendar", None) or "") == 40  # fits its column


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("hours:PT72H", "72 uur"),
        ("calendar:P4W", "4 weken"),
        ("calendar:P2M4W", "2 maanden en 4 weken"),
        ("working_days:P5D", "5 werkdagen"),
        ("date", "datum uit de zaak"),
        (None, "zonder termijn"),
        ("calendar:nonsense", "calendar:nonsense"),  # an unreadable kind is shown as stored
    ],
)
def test_deadline_kinds_read_as_dutch_periods(kind: str | None, label: str) -> None:
    assert deadline_kind_label(kind) == label


# --- legal deadlines: facts and outcomes --------------------------------------------------------------------

DUE = datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
EXTENDED = datetime(2027, 2, 1, 22, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("extended", "met", "now", "expected"),
    [
        (None, DUE, DUE, Outcome.ON_TIME),
        (None, DUE + timedelta(seconds=1), DUE, Outcome.LATE),
        (EXTENDED, DUE + timedelta(days=1), DUE, Outcome.ON_TIME_EXTENDED),
        (EXTENDED, EXTENDED + timedelta(seconds=1), DUE, Outcome.LATE),
        (None, None, DUE, Outcome.OPEN),
        (None, None, DUE + timedelta(seconds=1), Outcome.OPEN_OVERDUE),
        (EXTENDED, None, DUE + timedelta(days=1), Outcome.OPEN),  # the extended term still runs
        (EXTENDED, None, EXTENDED + timedelta(seconds=1), Outcome.OPEN_OVERDUE),
    ],
)
def test_outcome_of_a_deadline(
    extended: datetime | None, met: datetime | None, now: datetime, expected: Outcome
) -> None:
    assert outcome(DUE, extended, met, now) == expected
    assert OUTCOME_LABELS[expected]


def test_a_breach_runs_72_hours_from_its_discovery_unless_it_is_not_notified() -> None:
    found = {"ontdekt_op": "2026-11-02T10:00", "besluit_ap": "melden", "gemeld_bij_ap_op": "2026-11-03T16:30"}
    (fact,) = deadline_facts("breach", found)
    assert fact.kind == DeadlineKind.BREACH_AP
    assert fact.started_at == datetime(2026, 11, 2, 10, tzinfo=AMSTERDAM)
    assert fact.due_at == datetime(2026, 11, 5, 9, tzinfo=UTC)
    assert fact.met_at == datetime(2026, 11, 3, 16, 30, tzinfo=AMSTERDAM)
    undecided = deadline_facts("breach", {"ontdekt_op": "2026-11-02T10:00", "gemeld_bij_ap_op": "2026-11-03"})
    assert [f.met_at for f in undecided] == [None]  # a date without the decision to notify is not a notice
    assert deadline_facts("breach", {**found, "besluit_ap": "niet_melden"}) == []
    assert deadline_facts("breach", {"besluit_ap": "melden"}) == []  # no legal start, no deadline
    assert deadline_facts("breach", {"ontdekt_op": "gisteren"}) == []


def test_a_request_runs_four_weeks_or_with_an_extension_two_months_more() -> None:
    request = {"ontvangen_op": "2026-11-02", "antwoord_verzonden_op": "2027-01-10"}
    (plain,) = deadline_facts("subject_request", request)
    assert (plain.due_at, plain.extended_due_at) == (DUE, None)
    assert plain.met_at == datetime(2027, 1, 10, 22, 59, 59, tzinfo=UTC)  # a day counts until its end
    (extended,) = deadline_facts("subject_request", {**request, "verlengd": True})
    assert (extended.due_at, extended.extended_due_at) == (DUE, EXTENDED)
    assert outcome(extended.due_at, extended.extended_due_at, extended.met_at, EXTENDED) == (
        Outcome.ON_TIME_EXTENDED
    )


def test_consent_is_answered_before_the_reminder_a_week_after_asking() -> None:
    (fact,) = deadline_facts("consent", {"gevraagd_op": "2026-11-02", "beantwoord_op": "2026-11-09"})
    assert fact.due_at == datetime(2026, 11, 9, 22, 59, 59, tzinfo=UTC)
    assert outcome(fact.due_at, None, fact.met_at, fact.due_at) == Outcome.ON_TIME
    assert deadline_facts("case", {"gevraagd_op": "2026-11-02"}) == []


def test_every_deadline_kind_belongs_to_one_register_and_has_a_label() -> None:
    assert deadline_kinds_of("breach") == [DeadlineKind.BREACH_AP]
    assert deadline_kinds_of("subject_request") == [DeadlineKind.SUBJECT_REQUEST]
    assert deadline_kinds_of("consent") == [DeadlineKind.CONSENT_ANSWER]
    assert deadline_kinds_of("case") == []
    assert set(DEADLINE_KIND_LABELS) == set(DeadlineKind)


# --- policy dimensions --------------------------------------------------------------------------------------


def test_policy_counts_closed_choices_only() -> None:
    fields = {
        "kanaal": "brief",
        "rechten": ["inzage", "rectificatie"],
        "verzoeker": "betrokkene",
        "leeftijdsgroep": "x" * 101,  # not a short choice
        "besluit": "eerste regel\ntweede regel",  # free text
        "betrokkene_naam": "Jan Jansen",  # not a dimension
    }
    assert policy_values("subject_request", fields) == {
        ("kanaal", "brief"),
        ("rechten", "inzage"),
        ("rechten", "rectificatie"),
        ("verzoeker", "betrokkene"),
    }
    assert policy_values("case", {"signalen_geweld": False, "leeftijdscategorie": 12}) == {
        ("signalen_geweld", "nee"),
        ("leeftijdscategorie", "12"),
    }
    assert policy_values("case", {"bespreekwijze": {"op": "naam"}, "reden_afsluiting": ""}) == set()
    assert policy_values("unknown", {"kanaal": "brief"}) == set()
    many = [f"keuze{n}" for n in range(30)]
    assert len(policy_values("subject_request", {"rechten": many})) == 20  # a list is capped


@given(st.dictionaries(st.sampled_from(POLICY_DIMENSIONS["breach"]), st.text(max_size=120)))
def test_policy_values_are_short_single_lines_of_known_dimensions(fields: dict[str, str]) -> None:
    for dimension, value in policy_values("breach", fields):
        assert dimension in POLICY_DIMENSIONS["breach"]
        assert 0 < len(value) <= 100 and "\n" not in value
