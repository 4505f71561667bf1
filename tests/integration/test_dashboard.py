"""The managers' dashboard and its lists on SQLite and PostgreSQL: open tasks with known due dates around a
ManualClock, and every count, bucket, list row and audit line checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import START, login
from webapp.domain.errors import AccessDenied
from webapp.persistence.models import (
    AuditEvent,
    HumanTask,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from webapp.services.context import ServiceContext
from webapp.services.dashboard import dashboard_overview, open_instance_list, open_task_list
from webapp.services.dashboard_lists import EXPORT_LIMIT, PAGE_SIZE
from webapp.services.report_filters import ReportFilters
from webapp.services.statistics import (
    INSTANCE_COMPLETED,
    INSTANCE_STARTED,
    TASK_COMPLETED,
    TASK_COMPLETED_LATE,
    count,
)

DAY = timedelta(days=1)
DEMO, BREACH = "demo_subject_request", "data_breach"
FOUR_WEEKS, HOURS_72 = "calendar:P4W", "hours:PT72H"
# START is Monday 2 November 2026, 10:00 in Amsterdam; this week ends on Sunday 8 November, 24:00 (23:00 UTC).
WEEK_END = datetime(2026, 11, 8, 23, 0, tzinfo=UTC)
FILTERS = ReportFilters(month_from="2026-10", month_to="2026-11")


class Seed:
    """Open work written straight into the projections: an instance per task, with a case reference and a
    task name carrying a client's name, which no manager's view may show."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        with ctx.db.read() as session:
            self.orgs = dict(session.execute(select(Organisation.code, Organisation.id)).all())
            self.definitions = dict(
                session.execute(select(ProcessDefinition.process_id, ProcessDefinition.id)).all()
            )
            self.users = dict(session.execute(select(User.username, User.id)).all())
        self.n = self.tasks = 0

    def instance(self, *, process: str = DEMO, org: str = "weert", status: str = "running") -> int:
        self.n += 1
        with self.ctx.db.write() as session:
            instance = ProcessInstance(
                definition_id=self.definitions[process],
                organisation_id=self.orgs[org],
                case_reference=f"KF-GEHEIM{self.n:04d}",
                status=status,
                serialization="",
                started_at=START - (100 - self.n) * timedelta(hours=1),
            )
            session.add(instance)
            session.flush()
            return instance.id

    def task(
        self,
        due_at: datetime | None,
        *,
        process: str = DEMO,
        org: str = "weert",
        kind: str | None = FOUR_WEEKS,
        state: str = "open",
        assignee: str | None = None,
        instance_id: int | None = None,
    ) -> int:
        instance_id = instance_id or self.instance(process=process, org=org)
        self.tasks += 1
        with self.ctx.db.write() as session:
            task = HumanTask(
                instance_id=instance_id,
                definition_id=self.definitions[process],
                spiff_task_id=f"task-{self.tasks}",
                bpmn_id="decide_request" if process == DEMO else "triage_breach",
                name="Beslissen – Jan de Vries",  # a multi-instance item: case data
                role="professional",
                organisation_id=self.orgs[org],
                assignee_id=self.users[assignee] if assignee else None,
                state=state,
                due_at=due_at,
                deadline_kind=kind if due_at else None,
                created_at=START - 50 * DAY,
            )
            session.add(task)
            session.flush()
            return task.id


@pytest.fixture
def seeded(any_ctx: ServiceContext) -> Seed:
    seed = Seed(any_ctx)
    seed.task(START - 2 * DAY, assignee="hulpverlener")  # overdue under a week
    seed.task(START - 10 * DAY)  # one to four weeks
    seed.task(START - 40 * DAY, process=BREACH, kind=HOURS_72)  # over four weeks: the longest
    seed.task(START)  # due now: not overdue yet
    seed.task(WEEK_END - timedelta(minutes=1))  # Sunday 23:59 in Amsterdam: this week
    seed.task(WEEK_END, process=BREACH, kind=HOURS_72)  # Monday 00:00: later
    seed.task(None)  # no due date
    seed.task(START - 3 * DAY, org="rubicon")  # another organisation's
    seed.task(START - 3 * DAY, state="completed")  # done: not open work
    seed.instance(status="waiting")
    seed.instance(status="error", process=BREACH)
    seed.instance(status="completed")
    seed.instance(org="rubicon")
    return seed


def test_the_cards_count_open_work_of_the_managers_own_organisation(
    any_ctx: ServiceContext, seeded: Seed
) -> None:
    view = dashboard_overview(any_ctx, login(any_ctx, "manager"), FILTERS)

    # 8 Weert instances were started for tasks (one of them completed its task but stays running), plus a
    # waiting and an error instance; the completed one and Rubicon's do not count.
    assert view.open_instances.value == 10
    assert view.open_tasks.value == 7
    assert view.overdue.value == 3
    assert view.due_week.value == 2
    assert view.longest_overdue_seconds == (40 * DAY).total_seconds()
    assert view.week_last_day.isoformat() == "2026-11-08"
    assert view.overdue.link.list == "tasks" and view.overdue.link.params["bucket"] == "overdue"
    assert view.open_instances.link.list == "instances"


def test_every_table_counts_per_row_and_links_to_its_list(any_ctx: ServiceContext, seeded: Seed) -> None:
    view = dashboard_overview(any_ctx, login(any_ctx, "manager"), FILTERS)
    by_process = {row["process"]: row for row in view.by_process.rows}
    demo, breach = by_process["Verzoek van betrokkene (demo)"], by_process["Datalek afhandelen"]

    assert (demo["open_instances"], demo["open_tasks"], demo["overdue"], demo["due_week"]) == (7, 5, 2, 2)
    assert (demo["later"], demo["no_due"]) == (0, 1)
    assert (breach["open_instances"], breach["open_tasks"], breach["overdue"], breach["later"]) == (
        3,
        2,
        1,
        1,
    )
    assert by_process["Totaal"]["open_tasks"] == 7
    assert demo["_links"]["overdue"].params == {"proces": DEMO, "bucket": "overdue"}
    assert demo["_links"]["open_instances"].list == "instances"

    by_organisation = {row["organisation"]: row for row in view.by_organisation.rows}
    assert set(by_organisation) == {"Gemeente Weert", "Totaal"}
    assert by_organisation["Gemeente Weert"]["open_tasks"] == 7

    by_kind = {row["kind"]: row for row in view.by_kind.rows}
    assert by_kind["4 weken"]["open_tasks"] == 4 and by_kind["4 weken"]["overdue"] == 2
    assert by_kind["72 uur"]["overdue"] == 1 and by_kind["72 uur"]["later"] == 1
    assert by_kind["zonder termijn"]["no_due"] == 1
    assert by_kind["4 weken"]["_links"]["overdue"].params == {"termijn": FOUR_WEEKS, "bucket": "overdue"}

    age = [(row["bucket"], row["open_tasks"]) for row in view.overdue_age.rows]
    assert age == [
        ("Minder dan 1 week te laat", 1),
        ("1 tot 4 weken te laat", 1),
        ("Meer dan 4 weken te laat", 1),
        ("Totaal te laat", 3),
    ]
    assert view.process_chart.labels == ["Datalek afhandelen", "Verzoek van betrokkene (demo)"]
    assert view.process_chart.series[0]["values"] == [1, 2]  # overdue per process


def test_filters_narrow_to_a_process_and_a_deadline_kind(any_ctx: ServiceContext, seeded: Seed) -> None:
    manager = login(any_ctx, "manager")
    breach = dashboard_overview(
        any_ctx, manager, ReportFilters(process_id=BREACH, month_from="2026-10", month_to="2026-11")
    )
    assert (breach.open_instances.value, breach.open_tasks.value, breach.overdue.value) == (3, 2, 1)

    four_weeks = dashboard_overview(
        any_ctx, manager, ReportFilters(deadline_kind=FOUR_WEEKS, month_from="2026-10", month_to="2026-11")
    )
    assert (four_weeks.open_tasks.value, four_weeks.overdue.value, four_weeks.due_week.value) == (4, 2, 2)
    assert four_weeks.open_instances.value == 10  # instances have no deadline kind


def test_the_trend_reads_the_monthly_counts_of_the_period(any_ctx: ServiceContext, seeded: Seed) -> None:
    october = datetime(2026, 10, 15, 12, tzinfo=UTC)
    with any_ctx.db.write() as session:
        weert, rubicon = seeded.orgs["weert"], seeded.orgs["rubicon"]
        count(session, october, DEMO, weert, INSTANCE_STARTED, 4)
        count(session, october, BREACH, weert, INSTANCE_STARTED, 1)
        count(session, october, DEMO, weert, TASK_COMPLETED, 8)
        count(session, october, DEMO, weert, TASK_COMPLETED_LATE, 2)
        count(session, START, DEMO, weert, INSTANCE_COMPLETED, 3)
        count(session, october, DEMO, rubicon, INSTANCE_STARTED, 50)  # not the manager's
        count(session, datetime(2026, 9, 1, 12, tzinfo=UTC), DEMO, weert, INSTANCE_STARTED, 7)  # before it
    view = dashboard_overview(any_ctx, login(any_ctx, "manager"), FILTERS)

    rows = {row["month"]: row for row in view.trend.rows}
    assert list(rows) == ["2026-10", "2026-11"]
    assert rows["2026-10"][INSTANCE_STARTED] == 5
    assert rows["2026-10"][TASK_COMPLETED] == 8 and rows["2026-10"][TASK_COMPLETED_LATE] == 2
    assert rows["2026-10"]["late_share"] == pytest.approx(0.25)
    assert rows["2026-11"][INSTANCE_COMPLETED] == 3 and rows["2026-11"]["late_share"] is None
    assert next(s["values"] for s in view.trend_chart.series) == [5, 0]

    only_breach = dashboard_overview(
        any_ctx,
        login(any_ctx, "manager"),
        ReportFilters(process_id=BREACH, month_from="2026-10", month_to="2026-11"),
    )
    assert only_breach.trend.rows[0][INSTANCE_STARTED] == 1


def test_the_overdue_list_shows_no_case_data_and_is_audited(any_ctx: ServiceContext, seeded: Seed) -> None:
    manager = login(any_ctx, "manager")
    found = open_task_list(any_ctx, manager, FILTERS, "overdue", 1)

    assert found.total == 3 and found.bucket == "overdue"
    assert [row["days_overdue"] for row in found.table.rows] == [40, 10, 2]  # the earliest due date first
    first, last = found.table.rows[0], found.table.rows[-1]
    assert first["process"] == "Datalek afhandelen" and first["kind"] == "72 uur"
    assert last["step"] == "Identiteit controleren en beslissen"  # the diagram's name, not the task row's
    assert last["holder"] == "Sanne Hulpverlener" and found.table.rows[1]["holder"] == "Professional (rol)"
    assert last["progress"]["endpoint"] == "instances.diagram"
    text = repr(found.table.rows)
    assert "KF-GEHEIM" not in text and "Jan de Vries" not in text
    with any_ctx.db.read() as session:
        line = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.tasks")).one()
        facts = (line.action, line.result, line.object_type, line.actor_id, line.details)
    assert facts[:4] == ("search", "success", "report", manager.user_id)
    assert facts[4]["bucket"] == "overdue" and facts[4]["results"] == "3"


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("overdue_week", 1),
        ("overdue_month", 1),
        ("overdue_long", 1),
        ("due_week", 2),
        ("later", 1),
        ("no_due", 1),
    ],
)
def test_each_bucket_lists_its_tasks(
    any_ctx: ServiceContext, seeded: Seed, bucket: str, expected: int
) -> None:
    assert open_task_list(any_ctx, login(any_ctx, "manager"), FILTERS, bucket, 1).total == expected


def test_an_unknown_bucket_says_so_and_lists_every_open_task(any_ctx: ServiceContext, seeded: Seed) -> None:
    found = open_task_list(any_ctx, login(any_ctx, "manager"), FILTERS, "gisteren", 1)
    assert found.bucket is None and found.total == 7
    assert found.messages == ["De keuze ‘gisteren’ bestaat niet; u ziet alle open taken."]


def test_lists_page_by_fifty_and_exports_take_every_row(any_ctx: ServiceContext) -> None:
    seed = Seed(any_ctx)
    instance = seed.instance()
    for _ in range(PAGE_SIZE + 5):
        seed.task(START + DAY, instance_id=instance)
    manager = login(any_ctx, "manager")

    second = open_task_list(any_ctx, manager, FILTERS, None, 2)
    assert (second.total, second.page, second.pages, len(second.table.rows)) == (55, 2, 2, 5)
    beyond = open_task_list(any_ctx, manager, FILTERS, None, 9)
    assert beyond.page == 2  # a page past the end shows the last one
    everything = open_task_list(any_ctx, manager, FILTERS, None, 1, all_rows=True)
    assert len(everything.table.rows) == 55 and not everything.table.truncated
    assert EXPORT_LIMIT == 100_000


def test_the_instance_list_shows_open_instances_with_their_next_due_date(
    any_ctx: ServiceContext, seeded: Seed
) -> None:
    manager = login(any_ctx, "manager")
    found = open_instance_list(any_ctx, manager, FILTERS, 1)

    assert found.total == 10
    statuses = sorted(row["status"] for row in found.table.rows)
    assert statuses.count("Loopt") == 8 and "Wacht op termijn" in statuses and "Fout" in statuses
    with_due = [row for row in found.table.rows if row["next_due"] == START - 40 * DAY]
    assert (
        len(with_due) == 1
        and with_due[0]["open_tasks"] == 1
        and with_due[0]["process"] == "Datalek afhandelen"
    )
    assert "KF-GEHEIM" not in repr(found.table.rows)
    with any_ctx.db.read() as session:
        line = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.instances")).one()
        assert line.action == "search" and line.details["results"] == "10"


def test_only_managers_see_it_and_only_for_their_organisations(any_ctx: ServiceContext, seeded: Seed) -> None:
    with pytest.raises(AccessDenied):
        dashboard_overview(any_ctx, login(any_ctx, "hulpverlener"), FILTERS)
    with pytest.raises(AccessDenied):
        open_task_list(any_ctx, login(any_ctx, "fg"), FILTERS, None, 1)
    other = ReportFilters(organisation_id=seeded.orgs["rubicon"], month_from="2026-10", month_to="2026-11")
    with pytest.raises(AccessDenied):
        open_instance_list(any_ctx, login(any_ctx, "manager"), other, 1)
    with any_ctx.db.read() as session:
        refused = set(session.scalars(select(AuditEvent.event).where(AuditEvent.result == "denied")))
    assert refused >= {"report.dashboard", "report.tasks", "report.instances"}

    rubicon = dashboard_overview(any_ctx, login(any_ctx, "manager.rubicon"), FILTERS)
    assert (rubicon.open_tasks.value, rubicon.overdue.value, rubicon.open_instances.value) == (1, 1, 2)
