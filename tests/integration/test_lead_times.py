"""Lead times per step (issue 7 item 2) on SQLite and PostgreSQL: histograms summed over the months and
organisations of the filter, medians and 90th percentiles within the 25 % the buckets allow, the share of
steps completed late per month, the refusal of non-managers, and steps completed through the services.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import START, login
from tests.processes import test_data_breach as breach
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied
from webapp.domain.statistics import duration_bucket
from webapp.persistence.models import AuditEvent, MonthlyCount, Organisation, StepDuration
from webapp.services.context import ServiceContext
from webapp.services.lead_times import LeadTimeView, StepLeadTime, lead_times
from webapp.services.report_filters import ReportFilters, default_period
from webapp.services.statistics import TASK_COMPLETED, TASK_COMPLETED_LATE

HOUR, DAY = 3600.0, 86400.0


def _organisation(ctx: ServiceContext, code: str) -> int:
    with ctx.db.read() as session:
        return session.scalars(select(Organisation.id).where(Organisation.code == code)).one()


def seed_durations(
    ctx: ServiceContext,
    month: str,
    step: str,
    seconds: float,
    n: int,
    *,
    name: str | None = None,
    process_id: str = "data_breach",
    organisation: str = "weert",
) -> None:
    with ctx.db.write() as session:
        session.add(
            StepDuration(
                month=month,
                process_id=process_id,
                bpmn_id=step,
                organisation_id=_organisation(ctx, organisation),
                bucket=duration_bucket(seconds),
                n=n,
                step_name=name or step,
            )
        )


def seed_counts(
    ctx: ServiceContext, month: str, completed: int, late: int, organisation: str = "weert"
) -> None:
    with ctx.db.write() as session:
        for measure, n in ((TASK_COMPLETED, completed), (TASK_COMPLETED_LATE, late)):
            session.add(
                MonthlyCount(
                    month=month,
                    process_id="data_breach",
                    organisation_id=_organisation(ctx, organisation),
                    measure=measure,
                    n=n,
                )
            )


def period(**changes: object) -> ReportFilters:
    first, last = default_period(START)
    return ReportFilters(month_from=first, month_to=last, **changes)  # type: ignore[arg-type]


def step(view: LeadTimeView, bpmn_id: str) -> StepLeadTime:
    (found,) = [s for s in view.steps if s.bpmn_id == bpmn_id]
    return found


def within(estimate: float | None, exact: float) -> bool:
    """An estimate read from the histogram is off by at most a bucket's width (25 %)."""
    return estimate is not None and exact / 1.25 <= estimate <= exact * 1.25


# A step is named as the newest deployed diagram names it, whatever name it was counted under; a step id the
# diagram does not know ("notify") keeps its id.
NOW_CALLED = "Datalek beoordelen en inperken"


def test_medians_and_percentiles_summed_over_months_and_own_organisations(any_ctx: ServiceContext) -> None:
    # Triage: 6 of about 2 hours in October, 3 more in September, 1 of 10 days: median ~2 h, p90 ~2 h
    # (the 9th of 10); the AP notification: 5 fast (1 h), 5 slow (5 days): median 1 h, p90 5 days.
    seed_durations(any_ctx, "2026-10", "triage_breach", 2 * HOUR, 6, name="Datalek beoordelen")
    seed_durations(any_ctx, "2026-09", "triage_breach", 2 * HOUR, 3, name="Oude naam")
    seed_durations(any_ctx, "2026-09", "triage_breach", 10 * DAY, 1, name="Oude naam")
    seed_durations(any_ctx, "2026-10", "notify", HOUR, 5)
    seed_durations(any_ctx, "2026-10", "notify", 5 * DAY, 5)
    # Not counted: another organisation, and a month before the period.
    seed_durations(any_ctx, "2026-10", "triage_breach", 30 * DAY, 50, organisation="rubicon")
    seed_durations(any_ctx, "2025-01", "triage_breach", 30 * DAY, 50)

    view = lead_times(any_ctx, login(any_ctx, "manager"), period())

    triage = step(view, "triage_breach")
    assert (triage.completed, triage.step, triage.process) == (10, NOW_CALLED, "Datalek afhandelen")
    assert within(triage.median, 2 * HOUR) and within(triage.p90, 2 * HOUR)
    notify = step(view, "notify")
    assert notify.completed == 10
    assert within(notify.median, HOUR) and within(notify.p90, 5 * DAY)
    rows = {r["step"]: r for r in view.table.rows}
    assert rows[NOW_CALLED]["median"] == triage.median and rows["notify"]["p90"] == notify.p90

    # The chart shows the medians of the busiest process's steps, in hours (the longest median is 2 hours).
    assert view.chart_process == "Datalek afhandelen"
    assert view.chart_labels == [NOW_CALLED, "notify"]
    assert view.chart_unit == "Mediaan in uren"
    (series,) = view.chart_series
    assert series["values"] == [round(triage.median / HOUR, 1), round(notify.median / HOUR, 1)]  # type: ignore[operator]


def test_the_process_filter_and_another_manager(any_ctx: ServiceContext) -> None:
    seed_durations(any_ctx, "2026-10", "triage", 2 * HOUR, 6)
    seed_durations(any_ctx, "2026-10", "ask", DAY, 4, process_id="consent")
    seed_durations(any_ctx, "2026-10", "triage", 30 * DAY, 3, organisation="rubicon")
    mila = login(any_ctx, "manager")

    consent = lead_times(any_ctx, mila, period(process_id="consent"))
    assert [(s.process_id, s.bpmn_id, s.completed) for s in consent.steps] == [("consent", "ask", 4)]
    assert consent.chart_labels == ["ask"]

    eva = lead_times(any_ctx, login(any_ctx, "manager.rubicon"), period())
    assert [(s.bpmn_id, s.completed) for s in eva.steps] == [("triage", 3)]
    assert eva.chart_unit == "Mediaan in dagen" and within(eva.steps[0].median, 30 * DAY)


def test_share_of_steps_completed_late_per_month(any_ctx: ServiceContext) -> None:
    seed_counts(any_ctx, "2026-10", completed=10, late=3)
    seed_counts(any_ctx, "2026-09", completed=4, late=0)
    seed_counts(any_ctx, "2026-10", completed=100, late=100, organisation="rubicon")

    view = lead_times(any_ctx, login(any_ctx, "manager"), period())

    rows = {r["month"]: r for r in view.late.rows}
    assert len(rows) == 12
    assert (rows["2026-10"]["completed"], rows["2026-10"]["late"], rows["2026-10"]["share"]) == (10, 3, 0.3)
    assert rows["2026-09"]["share"] == 0.0 and rows["2026-08"]["share"] is None
    (late,) = view.late_series
    assert late["values"][view.late_labels.index("2026-10")] == 30.0


def test_others_are_refused_and_the_refusal_is_audited(any_ctx: ServiceContext) -> None:
    with pytest.raises(AccessDenied):
        lead_times(any_ctx, login(any_ctx, "procesbeheer"), period())
    with any_ctx.db.read() as session:
        lines = session.execute(
            select(AuditEvent.action, AuditEvent.result, AuditEvent.object_type).where(
                AuditEvent.event == "report.lead_times"
            )
        ).all()
    assert [tuple(line) for line in lines] == [("read", "denied", "report")]


def test_steps_completed_through_the_services_are_counted(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    """A breach reported, then triaged 3 hours later and advised on the next day, through the services."""
    sanne, mila, fg = login(any_ctx, "hulpverlener"), login(any_ctx, "manager"), login(any_ctx, "fg")
    instance_id = breach.report(any_ctx, sanne)
    clock.advance(timedelta(hours=3))
    breach.do(any_ctx, mila, instance_id, breach.TRIAGE_TASK, breach.TRIAGE)
    clock.advance(timedelta(hours=20))
    breach.do(any_ctx, fg, instance_id, breach.ADVICE_TASK, breach.ADVICE)

    view = lead_times(any_ctx, mila, period())
    steps = {s.step: s for s in view.steps if s.process_id == "data_breach"}
    assert steps[breach.TRIAGE_TASK].completed == 1 and within(steps[breach.TRIAGE_TASK].median, 3 * HOUR)
    assert within(steps[breach.ADVICE_TASK].median, 20 * HOUR)
    assert steps[breach.REPORT_TASK].completed == 1
    november = {r["month"]: r for r in view.late.rows}["2026-11"]
    assert november["completed"] == 3 and november["late"] == 0
