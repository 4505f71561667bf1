"""The inbox use case against a real database, once on SQLite and once on PostgreSQL: who sees which tasks,
filters, the counts of every filter choice, sorting by due date, paging and the audit line.

Most tasks here are projection rows written straight into the tables (the inbox never reads the workflow),
so that due dates, claims and organisations can be set exactly; one test runs the demo process for real.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import START, home_organisation, login
from webapp.domain.clock import ManualClock
from webapp.persistence.models import AuditEvent, HumanTask, Organisation, ProcessDefinition, ProcessInstance
from webapp.services import inbox as inbox_service
from webapp.services import tasks
from webapp.services.context import ServiceContext
from webapp.services.inbox import PAGE_SIZE, InboxPage, parse_inbox_filter, show_inbox
from webapp.services.instances import start_process

DAY = timedelta(days=1)


class Tasks:
    """Writes open-task projection rows (with an instance each) for the demo organisations and users."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        with ctx.db.read() as session:
            self.orgs = dict(session.execute(select(Organisation.code, Organisation.id)).all())
            rows = session.execute(select(ProcessDefinition.process_id, ProcessDefinition.id)).all()
        self.definitions = dict(rows)
        self.count = 0

    def add(
        self,
        name: str,
        *,
        org: str = "weert",
        role: str = "professional",
        process: str = "demo_subject_request",
        due_at: datetime | None = None,
        assignee: int | None = None,
        state: str = "open",
        case: str | None = None,
    ) -> int:
        self.count += 1
        with self.ctx.db.write() as session:
            instance = ProcessInstance(
                definition_id=self.definitions[process],
                organisation_id=self.orgs[org],
                case_reference=case or f"KF-TEST{self.count:04d}",
                status="running",
                serialization="",
                started_at=START,
            )
            session.add(instance)
            session.flush()
            task = HumanTask(
                instance_id=instance.id,
                spiff_task_id=f"task-{self.count}",
                bpmn_id="task",
                name=name,
                role=role,
                organisation_id=self.orgs[org],
                assignee_id=assignee,
                state=state,
                due_at=due_at,
                due_rule="4 weken vanaf 02-11-2026" if due_at else None,
                created_at=START + self.count * timedelta(seconds=1),
            )
            session.add(task)
            session.flush()
            return task.id


def names(page: InboxPage) -> list[str]:
    return [t.name for t in page.tasks]


def test_the_inbox_holds_my_tasks_and_the_unclaimed_tasks_of_my_roles(any_ctx: ServiceContext) -> None:
    sanne, daan = login(any_ctx, "hulpverlener"), login(any_ctx, "collega")
    add = Tasks(any_ctx).add
    add("open voor mijn rol")
    add("opgepakt door mij", assignee=sanne.user_id)
    add("opgepakt door een collega", assignee=daan.user_id)
    add("rol van de FG", role="fg")
    add("andere organisatie", org="rubicon")
    add("aan mij toegewezen elders", org="rubicon", assignee=sanne.user_id)
    add("al afgerond", state="completed")
    add("vervallen", state="cancelled", assignee=sanne.user_id)
    page = show_inbox(any_ctx, sanne, {})
    assert sorted(names(page)) == ["aan mij toegewezen elders", "open voor mijn rol", "opgepakt door mij"]
    assert (page.counts.matching, page.counts.mine, page.counts.unclaimed) == (3, 2, 1)
    assert sorted(t.name for t in tasks.list_inbox(any_ctx, daan)) == [
        "open voor mijn rol",
        "opgepakt door een collega",
    ]
    # Someone with no membership that matches sees only what was handed to them, and an empty list is fine.
    assert names(show_inbox(any_ctx, login(any_ctx, "procesbeheer"), {})) == []


def test_every_count_promises_exactly_the_tasks_that_choosing_it_shows(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(any_ctx, "hulpverlener")
    add = Tasks(any_ctx).add
    now = clock.now()
    for n, (process, offset, mine) in enumerate(
        itertools.product(
            ["demo_subject_request", "meldcode", "data_breach"], [-3, -1, 2, None], [False, True]
        )
    ):
        due = None if offset is None else now + offset * DAY
        add(f"taak {n}", process=process, due_at=due, assignee=sanne.user_id if mine else None)
    add("bij een andere zaak", process="meldcode", due_at=now - DAY, case="KF-ANDERE01")
    choices = [*itertools.product(["", "meldcode"], ["", "1"], ["", "me", "none"], [""])]
    choices.append(("data_breach", "", "none", "2026-11-04"))
    for process, overdue, claimed, due_before in choices:
        params = {"process": process, "overdue": overdue, "claimed": claimed, "due_before": due_before}
        page = show_inbox(any_ctx, sanne, params)
        assert page.errors == {}
        assert page.counts.matching == len(page.tasks), params
        chosen = {
            "overdue": show_inbox(any_ctx, sanne, {**params, "overdue": "1"}),
            "claimed_any": show_inbox(any_ctx, sanne, {**params, "claimed": ""}),
            "mine": show_inbox(any_ctx, sanne, {**params, "claimed": "me"}),
            "unclaimed": show_inbox(any_ctx, sanne, {**params, "claimed": "none"}),
        }
        for facet, result in chosen.items():
            assert getattr(page.counts, facet) == len(result.tasks), (params, facet)
        for choice in page.processes:
            shown = show_inbox(any_ctx, sanne, {**params, "process": choice.process_id})
            assert choice.count == len(shown.tasks), (params, choice)
    everything = show_inbox(any_ctx, sanne, {})
    assert everything.counts.matching == 25 and everything.counts.overdue == 13
    assert {c.process_id: c.count for c in everything.processes if c.count} == {
        "demo_subject_request": 8,
        "meldcode": 9,
        "data_breach": 8,
    }


def test_sorted_by_due_date_with_undated_tasks_last_and_paged_on_the_server(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(any_ctx, "hulpverlener")
    add = Tasks(any_ctx).add
    now = clock.now()
    # Added in an order unrelated to their due dates; two share a due date and keep their age order.
    offsets = [(n * 7) % (PAGE_SIZE + 5) for n in range(PAGE_SIZE + 5)]
    for offset in offsets:
        add(f"termijn {offset:02d}", due_at=now + offset * DAY)
    add("zelfde termijn", due_at=now + 3 * DAY)
    add("zonder termijn a")
    add("zonder termijn b")
    first, second = show_inbox(any_ctx, sanne, {}), show_inbox(any_ctx, sanne, {"page": "2"})
    assert (first.pages, len(first.tasks), len(second.tasks)) == (2, PAGE_SIZE, 8)
    assert (first.first_number, first.last_number, second.first_number, second.last_number) == (1, 25, 26, 33)
    shown = names(first) + names(second)
    expected = [f"termijn {o:02d}" for o in range(4)] + ["zelfde termijn"]
    expected += [f"termijn {o:02d}" for o in range(4, PAGE_SIZE + 5)] + [
        "zonder termijn a",
        "zonder termijn b",
    ]
    assert shown == expected
    latest_first = show_inbox(any_ctx, sanne, {"sort": "-due"})
    latest_second = show_inbox(any_ctx, sanne, {"sort": "-due", "page": "2"})
    latest = [f"termijn {o:02d}" for o in range(PAGE_SIZE + 4, 3, -1)] + ["zelfde termijn", "termijn 03"]
    latest += ["termijn 02", "termijn 01", "termijn 00", "zonder termijn b", "zonder termijn a"]
    assert names(latest_first) + names(latest_second) == latest  # undated tasks last either way


def test_a_page_past_the_end_shows_the_last_page_and_says_so(any_ctx: ServiceContext) -> None:
    sanne = login(any_ctx, "hulpverlener")
    add = Tasks(any_ctx).add
    for n in range(PAGE_SIZE + 1):
        add(f"taak {n:02d}")
    page = show_inbox(any_ctx, sanne, {"page": "9"})
    assert (page.filter.page, names(page), page.errors) == (2, ["taak 25"], {})
    assert page.notices == ["Pagina 9 bestaat niet (meer); u ziet pagina 2, de laatste."]
    empty = show_inbox(any_ctx, login(any_ctx, "fg"), {"page": "3"})
    assert (empty.filter.page, empty.pages, empty.tasks) == (1, 1, [])


def test_due_before_includes_the_whole_day_in_amsterdam(any_ctx: ServiceContext) -> None:
    sanne = login(any_ctx, "hulpverlener")
    add = Tasks(any_ctx).add
    add("laatste seconde van 30 november", due_at=datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC))
    add("middernacht 1 december", due_at=datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    add("zonder termijn")
    for typed in ("2026-11-30", "30-11-2026", "30/11/2026"):
        assert names(show_inbox(any_ctx, sanne, {"due_before": typed})) == ["laatste seconde van 30 november"]
    assert inbox_service.start_of_next_day(date(2026, 3, 28)) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert inbox_service.start_of_next_day(date(2026, 3, 29)) == datetime(2026, 3, 29, 22, tzinfo=UTC)  # DST


def test_the_case_filter_finds_a_reference_however_it_is_typed(any_ctx: ServiceContext) -> None:
    sanne = login(any_ctx, "hulpverlener")
    add = Tasks(any_ctx).add
    add("eerste taak van de zaak", case="KF-00C0FFEE")
    add("tweede taak van de zaak", case="KF-00C0FFEE", process="meldcode")
    add("andere zaak", case="KF-0BADCAFE")
    add("zelfde zaak, andere rol", case="KF-00C0FFEE", role="fg")
    for typed in ("KF-00C0FFEE", " kf-00c0ffee "):
        page = show_inbox(any_ctx, sanne, {"case": typed})
        assert sorted(names(page)) == ["eerste taak van de zaak", "tweede taak van de zaak"]
        assert {c.process_id: c.count for c in page.processes if c.count} == {
            "demo_subject_request": 1,
            "meldcode": 1,
        }
    assert names(show_inbox(any_ctx, sanne, {"case": "KF-ONBEKEND"})) == []


def test_a_real_case_shows_its_legal_due_date_and_rule_and_becomes_overdue(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(any_ctx, "hulpverlener")
    started = start_process(any_ctx, sanne, "demo_subject_request", home_organisation(sanne))
    assert started.next_task_id is not None
    intake = {"ontvangen_op": "2026-10-30", "recht": "inzage", "omschrijving": "Inzage in het dossier."}
    decide = tasks.complete_task(any_ctx, sanne, started.next_task_id, intake).next_task_id
    (task,) = show_inbox(any_ctx, sanne, {"process": "demo_subject_request"}).tasks
    assert (task.id, task.due_at) == (decide, datetime(2026, 11, 27, 22, 59, 59, tzinfo=UTC))
    assert task.due_rule == "4 weken vanaf 30-10-2026"
    assert show_inbox(any_ctx, sanne, {"overdue": "1"}).tasks == []
    clock.set(datetime(2026, 11, 27, 23, 0, tzinfo=UTC))
    overdue = show_inbox(any_ctx, sanne, {"overdue": "1"})
    assert [t.id for t in overdue.tasks] == [decide] and overdue.counts.overdue == 1


def test_each_inbox_search_is_audited_with_its_filter_and_without_task_content(
    any_ctx: ServiceContext,
) -> None:
    sanne = login(any_ctx, "hulpverlener")
    Tasks(any_ctx).add("Melding van Jan Jansen beoordelen", case="KF-00C0FFEE")
    show_inbox(any_ctx, sanne, {"case": "kf-00c0ffee", "overdue": "", "page": "1"})
    show_inbox(any_ctx, sanne, {"due_before": "31-02-2026"})
    with any_ctx.db.read() as session:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.event == "inbox.read").order_by(AuditEvent.id)
        ).scalars()
        lines = [(r.action, r.result, r.actor_id, r.object_type, r.details) for r in rows]
    assert lines == [
        ("search", "success", sanne.user_id, "inbox", {"case": "kf-00c0ffee", "results": "1"}),
        ("search", "success", sanne.user_id, "inbox", {"results": "1"}),  # the unfiltered view it showed
    ]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"process": "onbekend"}, "process", "De procedure ‘onbekend’ bestaat niet."),
        ({"due_before": "31-02-2026"}, "due_before", "De datum ‘31-02-2026’ bestaat niet."),
        ({"due_before": "2026-02-31"}, "due_before", "De datum ‘2026-02-31’ bestaat niet."),
        ({"due_before": "31-02"}, "due_before", "‘31-02’ is geen datum."),
        ({"due_before": "morgen"}, "due_before", "‘morgen’ is geen datum."),
        ({"due_before": "9999-12-31"}, "due_before", "Kies een datum tussen 2000 en 2199."),
        ({"page": "-1"}, "page", "Paginanummer ‘-1’ bestaat niet"),
        ({"page": "0"}, "page", "Paginanummer ‘0’ bestaat niet"),
        ({"page": "twee"}, "page", "Paginanummer ‘twee’ bestaat niet"),
        ({"page": "9" * 30}, "page", "Paginanummer ‘999999999"),
        ({"claimed": "iedereen"}, "claimed", "Kies bij ‘Opgepakt’"),
        ({"sort": "naam"}, "sort", "Sorteer op termijn"),
        ({"overdue": "ja"}, "overdue", "Het filter ‘Te laat’ staat aan (1) of uit (leeg)"),
        ({"case": "K" * 41}, "case", "Een zaaknummer heeft hoogstens 40 tekens"),
        ({"case": "KF-\x00"}, "case", "Een zaaknummer heeft hoogstens 40 tekens"),
        ({"page": "²"}, "page", "Paginanummer ‘²’ bestaat niet"),
        ({"due_before": "２０２６-11-30"}, "due_before", "‘２０２６-11-30’ is geen datum."),
    ],
)
def test_a_value_that_makes_no_sense_is_named_and_no_filter_is_applied(
    params: dict[str, str], field: str, message: str
) -> None:
    wanted, errors = parse_inbox_filter({"overdue": "1", "claimed": "me", **params}, {"meldcode"})
    assert list(errors) == [field] and errors[field].startswith(message)
    assert wanted == inbox_service.InboxFilter() and not wanted.narrowed


def test_sensible_values_are_read_and_written_back_as_a_short_query() -> None:
    raw: dict[str, Any] = {
        "process": " meldcode ",
        "case": "KF-1",
        "due_before": "4-12-2026",
        "overdue": "on",
        "claimed": "none",
        "sort": "-due",
        "page": "3",
        "onbekend": "genegeerd",
    }
    wanted, errors = parse_inbox_filter(raw, {"meldcode"})
    assert errors == {}
    assert wanted.query() == {
        "process": "meldcode",
        "case": "KF-1",
        "due_before": "2026-12-04",
        "overdue": "1",
        "claimed": "none",
        "sort": "-due",
        "page": "3",
    }
    assert wanted.query(page=1, sort="due", overdue=False) == {
        "process": "meldcode",
        "case": "KF-1",
        "due_before": "2026-12-04",
        "claimed": "none",
    }
    assert parse_inbox_filter({}, set()) == (inbox_service.InboxFilter(), {})
