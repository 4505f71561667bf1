"""Deadline compliance (issue 7 item 2) on SQLite and PostgreSQL: the counts per outcome and the shares from
seeded deadline records, the lists behind the numbers with their audit lines, the refusal of non-managers,
and a real breach and a real data-subject request that fill deadline_record through the write path.

The clock stands at Monday 2 November 2026, 09:00 UTC; the default period is December 2025 – November 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import START, login
from tests.processes import test_data_breach as breach
from tests.processes import test_subject_request as subject
from webapp.domain.compliance import DeadlineKind, Outcome, final_outcome, outcome
from webapp.domain.errors import AccessDenied
from webapp.domain.statistics import month_of
from webapp.persistence.models import (
    AuditEvent,
    DeadlineRecord,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
)
from webapp.services.compliance_report import ComplianceView, compliance_list, deadline_compliance
from webapp.services.context import ServiceContext
from webapp.services.report_filters import ReportFilters, default_period

H = timedelta(hours=1)
D = timedelta(days=1)
PROCESS_OF = {
    DeadlineKind.BREACH_AP: "data_breach",
    DeadlineKind.SUBJECT_REQUEST: "subject_request",
    DeadlineKind.CONSENT_ANSWER: "consent",
}


def seed_record(
    ctx: ServiceContext,
    kind: DeadlineKind,
    started: datetime,
    term: timedelta,
    *,
    met: timedelta | None = None,
    extended: timedelta | None = None,
    organisation: str = "weert",
) -> int:
    """A finished instance of the kind's process with one deadline record; offsets count from ``started``."""
    process_id = PROCESS_OF[kind]
    with ctx.db.write() as session:
        organisation_id = session.scalars(
            select(Organisation.id).where(Organisation.code == organisation)
        ).one()
        definition_id = session.scalars(
            select(ProcessDefinition.id).where(ProcessDefinition.process_id == process_id)
        ).first()
        instance = ProcessInstance(
            definition_id=definition_id,
            organisation_id=organisation_id,
            status="completed",
            serialization="",
            started_at=started,
        )
        session.add(instance)
        session.flush()
        session.add(
            DeadlineRecord(
                kind=kind.value,
                instance_id=instance.id,
                organisation_id=organisation_id,
                process_id=process_id,
                month=month_of(started),
                started_at=started,
                due_at=started + term,
                extended_due_at=None if extended is None else started + extended,
                met_at=None if met is None else started + met,
                outcome=final_outcome(
                    started + term,
                    None if extended is None else started + extended,
                    None if met is None else started + met,
                ),
            )
        )
        return instance.id


OCT = datetime(2026, 10, 5, 8, tzinfo=UTC)
SEP = datetime(2026, 9, 7, 8, tzinfo=UTC)
WEEKS4, EXTENDED = 28 * D, 28 * D + 61 * D


def seed_scenario(ctx: ServiceContext) -> dict[str, int]:
    """Weert: breaches on time, late, open past and within the term; requests on time, after an extension,
    late after an extension, late; two consent answers on time. Rubicon: a late breach. Weert in June 2025:
    a late breach, outside the default period."""
    b, s, c = DeadlineKind.BREACH_AP, DeadlineKind.SUBJECT_REQUEST, DeadlineKind.CONSENT_ANSWER
    return {
        "b_on_time": seed_record(ctx, b, OCT, 72 * H, met=48 * H),
        "b_late": seed_record(ctx, b, OCT + D, 72 * H, met=80 * H),
        "b_overdue": seed_record(ctx, b, OCT + 2 * D, 72 * H),
        "b_open": seed_record(ctx, b, START - 2 * H, 72 * H),
        "s_on_time": seed_record(ctx, s, OCT, WEEKS4, met=20 * D),
        "s_extended": seed_record(ctx, s, OCT, WEEKS4, met=40 * D, extended=EXTENDED),
        "s_late_ext": seed_record(ctx, s, SEP - 90 * D, WEEKS4, met=100 * D, extended=EXTENDED),
        "s_late": seed_record(ctx, s, SEP, WEEKS4, met=29 * D),
        "c_1": seed_record(ctx, c, OCT, 7 * D, met=2 * D),
        "c_2": seed_record(ctx, c, OCT, 7 * D, met=7 * D),  # exactly at the reminder: still on time
        "rubicon": seed_record(ctx, b, OCT, 72 * H, met=73 * H, organisation="rubicon"),
        "old": seed_record(ctx, b, datetime(2025, 6, 2, 8, tzinfo=UTC), 72 * H, met=90 * H),
    }


def period(first: str | None = None, **changes: object) -> ReportFilters:
    start, end = default_period(START)
    return ReportFilters(month_from=first or start, month_to=end, **changes)  # type: ignore[arg-type]


def measure(view: ComplianceView, kind: DeadlineKind) -> dict[str, object]:
    (found,) = [m for m in view.measures if m.kind == kind]
    counts = {o.value: found.tally.n(o) for o in Outcome}
    return {**counts, "share": found.tally.share_on_time, "in_term": found.tally.share_in_term}


def test_counts_and_shares_per_kind_for_the_managers_organisation(any_ctx: ServiceContext) -> None:
    seed_scenario(any_ctx)
    view = deadline_compliance(any_ctx, login(any_ctx, "manager"), period())

    # The June 2025 breach is outside the period and Rubicon's is not Weert's; one September request
    # started in June 2026 (within the period).
    assert measure(view, DeadlineKind.BREACH_AP) == {
        "on_time": 1,
        "on_time_extended": 0,
        "late": 1,
        "open_overdue": 1,
        "open": 1,
        "share": pytest.approx(1 / 3),
        "in_term": pytest.approx(1 / 3),
    }
    assert measure(view, DeadlineKind.SUBJECT_REQUEST) == {
        "on_time": 1,
        "on_time_extended": 1,
        "late": 2,
        "open_overdue": 0,
        "open": 0,
        "share": 0.25,
        "in_term": 0.5,
    }
    consent = measure(view, DeadlineKind.CONSENT_ANSWER)
    assert (consent["on_time"], consent["share"]) == (2, 1.0)


def test_month_rows_chart_and_links(any_ctx: ServiceContext) -> None:
    seed_scenario(any_ctx)
    view = deadline_compliance(any_ctx, login(any_ctx, "manager"), period())

    rows = {(r["month"], r["kind"]): r for r in view.table.rows}
    october_breaches = rows[("2026-10", "Datalek gemeld bij de AP binnen 72 uur")]
    assert october_breaches["organisation"] == "Gemeente Weert"
    assert (october_breaches["on_time"], october_breaches["late"], october_breaches["open_overdue"]) == (
        1,
        1,
        1,
    )
    assert october_breaches["denominator"] == 3
    # The count links to its list: that month, that organisation, that kind and outcome.
    assert october_breaches["_links"]["late"]["endpoint"] == "reports.deadlines"
    assert october_breaches["_links"]["late"]["args"] == {
        "van": "2026-10",
        "tot": "2026-10",
        "organisatie": str(_weert(any_ctx)),
        "soort": "breach_ap",
        "uitkomst": "late",
    }
    assert {r["organisation"] for r in view.table.rows} == {"Gemeente Weert"}

    assert view.chart_labels == view.months and view.months[-1] == "2026-11" and len(view.months) == 12
    series = {s["name"]: s["values"] for s in view.chart_series}
    breaches = series["Datalek: AP binnen 72 uur"]
    assert breaches[view.months.index("2026-10")] == pytest.approx(33.3)
    assert breaches[view.months.index("2026-11")] is None  # only a term still running: nothing to count yet
    requests = series["Verzoek: binnen 4 weken"]
    extended = series["Verzoek: verlengde termijn"]
    october = view.months.index("2026-10")
    assert (requests[october], extended[october]) == (50.0, 100.0)
    trend = {r["month"]: r for r in view.trend.rows}
    assert trend["2026-10"]["subject_request"] == 0.5 and trend["2026-10"]["subject_request_extended"] == 1.0


def test_filters_narrow_the_counts(any_ctx: ServiceContext) -> None:
    seed_scenario(any_ctx)
    mila = login(any_ctx, "manager")
    consent_only = deadline_compliance(any_ctx, mila, period(process_id="consent"))
    assert measure(consent_only, DeadlineKind.BREACH_AP)["share"] is None
    assert measure(consent_only, DeadlineKind.CONSENT_ANSWER)["on_time"] == 2

    longer = deadline_compliance(any_ctx, mila, period("2025-06"))
    assert measure(longer, DeadlineKind.BREACH_AP)["late"] == 2  # the June 2025 breach counts now

    eva = deadline_compliance(any_ctx, login(any_ctx, "manager.rubicon"), period())
    assert measure(eva, DeadlineKind.BREACH_AP) == {
        "on_time": 0,
        "on_time_extended": 0,
        "late": 1,
        "open_overdue": 0,
        "open": 0,
        "share": 0.0,
        "in_term": 0.0,
    }


def test_the_sql_outcome_agrees_with_the_domain_rule_at_the_edges(any_ctx: ServiceContext) -> None:
    """Met exactly at the due instant, exactly at the extended one, a second after; open a second before and
    after the term: each list holds exactly the records the domain rule gives that outcome."""
    now = START
    kind = DeadlineKind.SUBJECT_REQUEST
    started = OCT - 60 * D
    cases = {
        seed_record(any_ctx, kind, started, WEEKS4, met=WEEKS4): (WEEKS4, None, WEEKS4),
        seed_record(any_ctx, kind, started, WEEKS4, met=WEEKS4 + timedelta(seconds=1)): (
            WEEKS4,
            None,
            WEEKS4 + timedelta(seconds=1),
        ),
        seed_record(any_ctx, kind, started, WEEKS4, met=EXTENDED, extended=EXTENDED): (
            WEEKS4,
            EXTENDED,
            EXTENDED,
        ),
        seed_record(any_ctx, kind, started, WEEKS4, met=EXTENDED + D, extended=EXTENDED): (
            WEEKS4,
            EXTENDED,
            EXTENDED + D,
        ),
        seed_record(any_ctx, kind, now - WEEKS4 + timedelta(seconds=1), WEEKS4): (WEEKS4, None, None),
        seed_record(any_ctx, kind, now - WEEKS4 - timedelta(seconds=1), WEEKS4): (WEEKS4, None, None),
    }
    mila = login(any_ctx, "manager")
    starts = _starts(any_ctx)
    for result in Outcome:
        listed = compliance_list(any_ctx, mila, period(), kind.value, result.value, 1)
        found = {row["progress"]["args"]["instance_id"] for row in listed.table.rows}
        expected = {
            instance_id
            for instance_id, (due, ext, met) in cases.items()
            if outcome(
                starts[instance_id] + due,
                None if ext is None else starts[instance_id] + ext,
                None if met is None else starts[instance_id] + met,
                now,
            )
            == result
        }
        assert found == expected, result
        assert listed.total == len(expected)


def test_the_list_behind_a_number_is_audited_and_holds_no_case_data(any_ctx: ServiceContext) -> None:
    ids = seed_scenario(any_ctx)
    mila = login(any_ctx, "manager")
    listed = compliance_list(any_ctx, mila, period(), "breach_ap", "late", 1)

    assert (listed.total, listed.page, listed.pages, listed.messages) == (1, 1, 1, [])
    (row,) = listed.table.rows
    assert row["progress"]["args"] == {"instance_id": ids["b_late"]}
    assert row["late"] == 8 * 3600  # met 80 hours after discovery, the term is 72
    assert row["outcome"] == "Te laat" and row["process"] and row["organisation"] == "Gemeente Weert"
    assert [c.key for c in listed.table.columns] == [
        "process",
        "organisation",
        "kind",
        "started_at",
        "due_at",
        "extended_due_at",
        "met_at",
        "outcome",
        "late",
        "progress",
    ]
    assert listed.table.columns[3].label == "Ontdekt op"

    overdue = compliance_list(any_ctx, mila, period(), "breach_ap", "open_overdue", 1)
    assert overdue.table.rows[0]["late"] == (START - (OCT + 2 * D + 72 * H)).total_seconds()

    with any_ctx.db.read() as session:
        line = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "report.deadlines").order_by(AuditEvent.id)
        ).first()
        assert line is not None
        seen = (line.action, line.result, line.object_type, line.actor_id, dict(line.details))
    assert seen[:4] == ("search", "success", "report", mila.user_id)
    assert seen[4]["soort"] == "breach_ap" and seen[4]["uitkomst"] == "late"


def test_unknown_kind_and_outcome_give_a_message_and_no_filter(any_ctx: ServiceContext) -> None:
    seed_scenario(any_ctx)
    listed = compliance_list(any_ctx, login(any_ctx, "manager"), period(), "lekkage", "vroeg", 1)
    assert listed.messages == ["De termijnsoort ‘lekkage’ bestaat niet.", "De uitkomst ‘vroeg’ bestaat niet."]
    assert (listed.kind, listed.outcome) == (None, None)
    assert listed.total == 10  # every Weert deadline of the period
    assert listed.table.columns[3].label == "Begin van de termijn"


def test_pages_of_fifty(any_ctx: ServiceContext) -> None:
    for day in range(51):
        seed_record(any_ctx, DeadlineKind.CONSENT_ANSWER, OCT + day * H, 7 * D, met=D)
    mila = login(any_ctx, "manager")
    second = compliance_list(any_ctx, mila, period(), "consent_answer", None, 2)
    assert (second.total, second.page, second.pages, len(second.table.rows)) == (51, 2, 2, 1)
    assert compliance_list(any_ctx, mila, period(), "consent_answer", None, 9).page == 2
    everything = compliance_list(any_ctx, mila, period(), "consent_answer", None, 1, all_rows=True)
    assert len(everything.table.rows) == 51 and not everything.table.truncated


def test_others_are_refused_and_the_refusal_is_audited(any_ctx: ServiceContext) -> None:
    sanne = login(any_ctx, "hulpverlener")
    with pytest.raises(AccessDenied):
        deadline_compliance(any_ctx, sanne, period())
    with pytest.raises(AccessDenied):
        compliance_list(any_ctx, login(any_ctx, "fg"), period(), "breach_ap", None, 1)
    with any_ctx.db.read() as session:
        lines = session.execute(
            select(AuditEvent.event, AuditEvent.action, AuditEvent.result).where(
                AuditEvent.event.in_(["report.compliance", "report.deadlines"])
            )
        ).all()
    assert sorted(tuple(line) for line in lines) == [
        ("report.compliance", "read", "denied"),
        ("report.deadlines", "search", "denied"),
    ]


def test_a_real_breach_and_subject_request_fill_the_report(any_ctx: ServiceContext) -> None:
    """Through the services: a breach notified to the AP 31,5 hours after discovery, and a data-subject
    request registered and not yet answered."""
    mila, sanne = login(any_ctx, "manager"), login(any_ctx, "hulpverlener")
    instance_id = breach.to_decision(any_ctx)
    breach.do(any_ctx, mila, instance_id, breach.DECIDE_TASK, breach.DECISION)
    breach.do(any_ctx, mila, instance_id, breach.NOTIFY_TASK, breach.NOTIFICATION)
    request_id, _ = subject.register_request(any_ctx, sanne)

    view = deadline_compliance(any_ctx, mila, period())
    assert measure(view, DeadlineKind.BREACH_AP)["on_time"] == 1
    assert measure(view, DeadlineKind.BREACH_AP)["share"] == 1.0
    assert measure(view, DeadlineKind.SUBJECT_REQUEST)["open"] == 1
    listed = compliance_list(any_ctx, mila, period(), "subject_request", "open", 1)
    (row,) = listed.table.rows
    assert row["progress"]["args"] == {"instance_id": request_id}
    assert row["due_at"] == subject.DEADLINE
    on_time = compliance_list(any_ctx, mila, period(), "breach_ap", "on_time", 1)
    assert on_time.table.rows[0]["met_at"] == datetime(2026, 11, 3, 15, 30, tzinfo=UTC)  # 16:30 in Amsterdam


def _weert(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        return session.scalars(select(Organisation.id).where(Organisation.code == "weert")).one()


def _starts(ctx: ServiceContext) -> dict[int, datetime]:
    with ctx.db.read() as session:
        rows = session.execute(select(DeadlineRecord.instance_id, DeadlineRecord.started_at))
        return {instance_id: started for instance_id, started in rows}
