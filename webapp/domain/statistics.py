"""Pure rules behind the managers' statistics: months, deadline kinds and duration histograms.

Lead times are kept as histograms with geometric buckets (each bucket 25 % wider than the one before, from
one minute to about two years), so a median or 90th percentile over a million completed tasks is read
from a few dozen counts. The estimate interpolates inside the bucket that holds the percentile; it is off
by at most the bucket's width (25 %), which is far finer than a manager's question ("about two days or
about two weeks?") and is said on the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

from webapp.domain.deadlines import AMSTERDAM, DueRule, describe_period, parse_period
from webapp.domain.messages import N_

BUCKET_GROWTH = 1.25
_FIRST_BOUND = 60.0  # bucket 0 holds everything under a minute
BUCKET_COUNT = 64  # the last bucket is open-ended (from about 1.9 years)

DATE_DEADLINE = "date"  # a deadline the case itself holds (dueAt), not a period


def month_of(instant: datetime | date) -> str:
    """The month an instant falls in, as people in the Netherlands see it: '2026-11'."""
    if isinstance(instant, datetime):
        instant = instant.astimezone(AMSTERDAM)
    return f"{instant.year:04d}-{instant.month:02d}"


def month_start(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def months_between(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive ('2026-01' … '2026-12'); empty when first is after last."""
    start, end = month_start(first), month_start(last)
    months = []
    year, number = start.year, start.month
    while (year, number) <= (end.year, end.month):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def bucket_lower_bound(bucket: int) -> float:
    """Seconds at which a bucket starts (bucket 0 starts at 0)."""
    return 0.0 if bucket <= 0 else _FIRST_BOUND * BUCKET_GROWTH ** (bucket - 1)


def duration_bucket(seconds: float) -> int:
    """The histogram bucket of a duration in seconds."""
    if seconds < _FIRST_BOUND:
        return 0
    bucket = math.floor(math.log(seconds / _FIRST_BOUND, BUCKET_GROWTH)) + 1
    # Guard the float edge: a duration exactly on a bound belongs to the bucket that starts there.
    if bucket_lower_bound(bucket + 1) <= seconds:
        bucket += 1
    elif bucket_lower_bound(bucket) > seconds:
        bucket -= 1
    return min(bucket, BUCKET_COUNT - 1)


def percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """The duration in seconds below which ``fraction`` (0.5 median, 0.9 p90) of the counted tasks fall,
    interpolated inside its bucket; None for an empty histogram."""
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    rank = fraction * total
    seen = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        if count <= 0:
            continue
        if seen + count >= rank:
            low = bucket_lower_bound(bucket)
            high = bucket_lower_bound(bucket + 1)
            share = (rank - seen) / count
            if low == 0.0:
                return high * share
            return float(low * (high / low) ** share)  # geometric, like the buckets
        seen += count
    return bucket_lower_bound(max(histogram) + 1)


def deadline_kind(due_in: str | None, due_rule: str | None, due_at_field: str | None) -> str | None:
    """The kind of legal deadline a task property set makes: 'hours:PT72H', 'calendar:P4W', 'date' …"""
    if due_at_field:
        return DATE_DEADLINE
    if not due_in:
        return None
    return f"{due_rule or DueRule.CALENDAR}:{due_in}"[:40]


def deadline_kind_label(kind: str | None) -> str:
    """Dutch text of a deadline kind, e.g. '72 uur', '4 weken', '5 werkdagen', 'datum uit de zaak'."""
    if not kind:
        return N_("zonder termijn")
    if kind == DATE_DEADLINE:
        return N_("datum uit de zaak")
    rule, _, period_text = kind.partition(":")
    try:
        period = parse_period(period_text)
    except ValueError:
        return kind
    return describe_period(period, working=rule == DueRule.WORKING_DAYS)
