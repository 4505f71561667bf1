"""The pure shaping behind the compliance and lead-time pages: shares and their denominator, the tables and
chart series made from grouped counts, histogram rows merged per step, the chart's unit, the filter lines."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.domain.access import Actor
from webapp.domain.compliance import DeadlineKind, Outcome
from webapp.domain.statistics import duration_bucket
from webapp.services.compliance_report import Tally, shape_compliance
from webapp.services.compliance_scope import ReportScope, filter_lines, percent
from webapp.services.lead_times import chart_unit, shape_steps
from webapp.services.report_filters import ReportFilters

FILTERS = ReportFilters(month_from="2026-09", month_to="2026-11")
ORGS = {1: "Gemeente Weert", 2: "Gemeente Leudal"}
PROCESSES = {"data_breach": "Datalek afhandelen", "consent": "Toestemming"}


def scope(filters: ReportFilters = FILTERS) -> ReportScope:
    # The shaping never touches the session or the actor.
    none: Any = None
    return ReportScope(none, Actor(0, "manager", "Mila", frozenset()), filters, [1, 2], ORGS, PROCESSES, [])


def tally(**counts: int) -> Tally:
    result = Tally()
    for name, n in counts.items():
        result.add(Outcome(name), n)
    return result


def test_the_denominator_is_finished_plus_open_past_the_term() -> None:
    counted = tally(on_time=3, on_time_extended=2, late=1, open_overdue=2, open=7)
    assert (
        counted.denominator == 8
    )  # 3 + 2 + 1 finished, 2 open past the term; the 7 still running do not count
    assert counted.share_on_time == 3 / 8
    assert counted.share_in_term == 5 / 8


def test_nothing_to_count_gives_no_share() -> None:
    running = tally(open=4)
    assert (running.denominator, running.share_on_time, running.share_in_term) == (0, None, None)
    assert percent(None) is None and percent(1 / 3) == 33.3


def test_shape_compliance_fills_every_month_and_sums_per_kind() -> None:
    rows = [
        ("breach_ap", "2026-09", 1, {Outcome.ON_TIME: 2, Outcome.LATE: 2}),
        ("breach_ap", "2026-09", 2, {Outcome.ON_TIME: 1}),
        ("breach_ap", "2026-11", 1, {Outcome.OPEN: 1}),
        ("subject_request", "2026-10", 1, {Outcome.ON_TIME_EXTENDED: 1, Outcome.OPEN_OVERDUE: 1}),
    ]
    view = shape_compliance(rows, scope())

    assert view.months == ["2026-09", "2026-10", "2026-11"]
    breaches = next(m for m in view.measures if m.kind == DeadlineKind.BREACH_AP)
    assert (breaches.tally.n(Outcome.ON_TIME), breaches.tally.denominator) == (3, 5)
    assert breaches.links["late"] == {
        "van": "2026-09",
        "tot": "2026-11",
        "soort": "breach_ap",
        "uitkomst": "late",
    }
    assert breaches.links["all"] == {"van": "2026-09", "tot": "2026-11", "soort": "breach_ap"}

    series = {s["name"]: s["values"] for s in view.chart_series}
    assert series == {
        "Datalek: AP binnen 72 uur": [60.0, None, None],
        "Verzoek: binnen 4 weken": [None, 0.0, None],
        "Verzoek: verlengde termijn": [None, 50.0, None],
        "Toestemming binnen 7 dagen": [None, None, None],
    }
    assert [c.label for c in view.trend.columns][1:3] == [
        "Datalek gemeld bij de AP binnen 72 uur",
        "Verzoek van betrokkene beantwoord binnen 4 weken",
    ]

    # Detail rows: sorted by month, then organisation name; the second share only for data-subject requests.
    heads = [(r["month"], r["organisation"], r["kind"]) for r in view.table.rows]
    assert heads[:2] == [
        ("2026-09", "Gemeente Leudal", "Datalek gemeld bij de AP binnen 72 uur"),
        ("2026-09", "Gemeente Weert", "Datalek gemeld bij de AP binnen 72 uur"),
    ]
    leudal = view.table.rows[0]
    assert (leudal["on_time"], leudal["share_on_time"], leudal["share_in_term"]) == (1, 1.0, None)
    assert leudal["_links"]["on_time"] == {
        "endpoint": "reports.deadlines",
        "args": {
            "van": "2026-09",
            "tot": "2026-09",
            "organisatie": "2",
            "soort": "breach_ap",
            "uitkomst": "on_time",
        },
    }
    request = next(r for r in view.table.rows if r["month"] == "2026-10")
    assert (request["share_on_time"], request["share_in_term"]) == (0.0, 0.5)

    # The summary has a row per kind, the trend table a row per month with fractions.
    assert [r["kind"] for r in view.summary.rows] == [
        "Datalek gemeld bij de AP binnen 72 uur",
        "Verzoek van betrokkene beantwoord binnen 4 weken",
        "Toestemmingsverzoek beantwoord vóór de herinnering",
    ]
    assert [r["breach_ap"] for r in view.trend.rows] == [0.6, None, None]


def test_shape_steps_merges_rows_and_names_a_step_as_last_seen() -> None:
    hour, day = duration_bucket(3600), duration_bucket(86400)
    rows = [
        ("data_breach", "triage", "Oude naam", hour, 4, "2026-09"),
        ("data_breach", "triage", "Nieuwe naam", hour, 1, "2026-10"),
        ("data_breach", "triage", "Nieuwe naam", day, 5, "2026-10"),
        ("consent", "ask", "Vragen", hour, 2, "2026-10"),
    ]
    steps = shape_steps(rows, scope())

    assert [(s.process, s.step, s.completed) for s in steps] == [
        ("Datalek afhandelen", "Nieuwe naam", 10),
        ("Toestemming", "Vragen", 2),
    ]
    triage = steps[0]
    assert triage.median is not None and 3600 / 1.25 <= triage.median <= 3600 * 1.25
    assert triage.p90 is not None and 86400 / 1.25 <= triage.p90 <= 86400 * 1.25


@pytest.mark.parametrize(
    ("longest", "unit"),
    [
        (None, "Mediaan in minuten"),
        (1800, "Mediaan in minuten"),
        (3600, "Mediaan in uren"),
        (3 * 86400, "Mediaan in dagen"),
    ],
)
def test_chart_unit(longest: float | None, unit: str) -> None:
    assert chart_unit([None, longest])[1] == unit


def test_filter_lines_name_what_was_chosen() -> None:
    everything = filter_lines(FILTERS, ORGS, PROCESSES)
    assert everything == [
        ("Organisatie", "alle eigen organisaties"),
        ("Procedure", "alle procedures"),
        ("Periode", "2026-09 t/m 2026-11"),
    ]
    chosen = ReportFilters(organisation_id=2, process_id="consent", month_from="2026-01", month_to="2026-01")
    assert [value for _, value in filter_lines(chosen, ORGS, PROCESSES)] == [
        "Gemeente Leudal",
        "Toestemming",
        "2026-01 t/m 2026-01",
    ]
