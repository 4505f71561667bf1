"""Shaping the dashboard's grouped counts into rows, links and charts, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.services.dashboard_queries import DUE_WEEK, LATER, NO_DUE, OVERDUE_LONG, OVERDUE_WEEK
from webapp.services.dashboard_tables import (
    ListLink,
    Tally,
    count_row,
    kind_rows,
    list_params,
    overdue_chart,
    overdue_table,
    trend_chart,
    trend_table,
)
from webapp.services.report_filters import ReportFilters

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FILTERS = ReportFilters(organisation_id=3, process_id="data_breach", month_from="2026-09", month_to="2026-11")


def tally() -> Tally:
    t = Tally(instances=4)
    t.add(OVERDUE_WEEK, 2, NOW - timedelta(days=3))
    t.add(OVERDUE_LONG, 1, NOW - timedelta(days=40))
    t.add(DUE_WEEK, 5, NOW + timedelta(days=1))  # not overdue: never the "longest overdue"
    t.add(NO_DUE, 1, None)
    return t


def test_a_tally_sums_its_buckets_and_keeps_the_longest_overdue() -> None:
    t = tally()
    assert (t.tasks, t.overdue, t.count("due_week"), t.count("later")) == (9, 3, 5, 0)
    assert t.overdue_seconds(NOW) == timedelta(days=40).total_seconds()
    assert Tally().overdue_seconds(NOW) is None


def test_list_parameters_keep_the_filter_but_not_the_period() -> None:
    params = list_params(
        ReportFilters(3, "data_breach", "2026-09", "2026-11", "hours:PT72H"), bucket="overdue"
    )
    assert params == {
        "organisatie": "3",
        "proces": "data_breach",
        "termijn": "hours:PT72H",
        "bucket": "overdue",
    }
    assert "termijn" not in list_params(ReportFilters(deadline_kind="hours:PT72H"), instances=True)


def test_each_number_of_a_row_links_to_its_own_list() -> None:
    row = count_row("process", "Datalek", tally(), NOW, {"proces": "data_breach", "termijn": "date"})
    assert (row["open_instances"], row["open_tasks"], row["overdue"], row["no_due"]) == (4, 9, 3, 1)
    assert row["_links"]["open_instances"] == ListLink("instances", {"proces": "data_breach"})
    assert row["_links"]["open_tasks"] == ListLink("tasks", {"proces": "data_breach", "termijn": "date"})
    assert row["_links"]["later"].params["bucket"] == LATER


def test_deadline_kinds_are_named_and_tasks_without_one_come_last() -> None:
    rows = kind_rows(FILTERS, {None: tally(), "hours:PT72H": tally(), "calendar:P4W": tally()}, NOW)
    assert [row["kind"] for row in rows] == ["4 weken", "72 uur", "zonder termijn"]
    assert rows[1]["_links"]["overdue"].params["termijn"] == "hours:PT72H"
    # No filter value means "no kind": that row's tasks are the ones without a due date.
    assert rows[2]["_links"] == {"open_tasks": ListLink("tasks", {**list_params(FILTERS), "bucket": NO_DUE})}


def test_how_long_overdue_has_three_buckets_a_total_and_a_chart_without_the_total() -> None:
    table = overdue_table(FILTERS, tally(), NOW, [])
    assert [row["open_tasks"] for row in table.rows] == [2, 0, 1, 3]
    assert table.rows[-1]["longest_overdue"] == timedelta(days=40).total_seconds()
    chart = overdue_chart(table)
    assert chart.series[0]["values"] == [2, 0, 1]
    assert [link.params["bucket"] for link in chart.links if link] == [
        "overdue_week",
        "overdue_month",
        "overdue_long",
    ]


def test_the_trend_has_every_month_of_the_period_and_the_late_share() -> None:
    counts = {
        ("2026-09", "task_completed"): 4,
        ("2026-09", "task_completed_late"): 1,
        ("2026-11", "instance_started"): 2,
    }
    table = trend_table(FILTERS, counts, [])
    assert [row["month"] for row in table.rows] == ["2026-09", "2026-10", "2026-11"]
    assert table.rows[0]["late_share"] == 0.25 and table.rows[1]["late_share"] is None
    chart = trend_chart(table)
    assert chart.labels == ["2026-09", "2026-10", "2026-11"]
    assert [s["name"] for s in chart.series] == [
        "Zaken gestart",
        "Zaken afgerond",
        "Taken afgerond",
        "Taken te laat afgerond",
    ]
    assert chart.series[0]["values"] == [0, 0, 2]
