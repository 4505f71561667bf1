"""Rebuilding the managers' summary tables from the source rows, on SQLite and PostgreSQL.

Real procedures run through the services with a moved clock (a breach notified in time, one notified late
with its warning cancelled, a data-subject request answered after an extension, consent inside a case
intake and on its own, work of a second organisation). The tables the write paths kept must equal what the
rebuild computes from the instances, tasks and (encrypted) register entries: that checks the hooks count
right. Then the rebuild repairs damaged tables, keeps what a destroyed case leaves, and runs from the CLI.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from tests.factories import START, home_organisation, login
from tests.processes.test_case_intake import named_case_in_planning
from tests.processes.test_data_breach import (
    CLOSE,
    CLOSE_TASK,
    DECIDE_TASK,
    DECISION,
    INFORM,
    NOTICE,
    NOTICE_TASK,
    NOTIFICATION,
    NOTIFY_TASK,
    SUBJECTS_TASK,
    T48,
    T72,
    do,
    to_decision,
)
from tests.processes.test_subject_request import CLOSING, DEADLINE
from tests.processes.test_subject_request import to_decision as request_to_decision
from tests.processes.test_subject_request_deadlines import EXT_DEADLINE
from tests.processes.test_subject_request_deadlines import NOTICE as EXTENSION_NOTICE
from webapp import build_context
from webapp.cli import main
from webapp.config import load_settings
from webapp.domain.clock import ManualClock
from webapp.domain.compliance import Outcome, outcome
from webapp.domain.deadlines import AMSTERDAM
from webapp.persistence.models import (
    DeadlineRecord,
    MonthlyCount,
    Organisation,
    PolicyCount,
    ProcessInstance,
    RegisterEntry,
    StepDuration,
)
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process
from webapp.services.statistics_rebuild import TABLES, rebuild_statistics
from webapp.services.tasks import complete_task
from webapp.services.timers import fire_due_timers

SECOND = timedelta(seconds=1)
CONSENT_ADULT = {"leeftijd": 17, "wilsbekwaam": True}
CONSENT_ASKED = {
    "gevraagd_op": "2026-11-02",
    "informatietekst_versie": "2026-01",
    "gewezen_op_intrekken": True,
}
CONSENT_GIVEN = {
    "toestemming_antwoord": "gegeven",
    "beantwoord_op": "2026-11-04",
    "doel": "casusoverleg",
    "gegevenscategorieen": ["identificatie", "gezin"],
    "ontvangers": ["rubicon"],
    "geldig_tot": "2027-05-31",
    "methode": "schriftelijk",
    "gegeven_door": [{"rol": "betrokkene", "naam": "Sam Jansen"}],
}
LATE_NOTIFICATION = {
    **NOTIFICATION,
    "gemeld_bij_ap_op": "2026-11-05T13:15",
    "reden_vertraging": "Omvang pas na onderzoek van de leverancier bekend.",
}
REFUSAL = {"besluit": "weigeren", "weigeringsgrond": "rechten_anderen", "motivering": "Identiteit melder"}
LETTER = {"antwoord_verzonden_op": "2027-01-10", "brief_vermeldt": ["redenen", "klacht_ap", "rechter"]}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


# --- the procedures ----------------------------------------------------------------------------------------


def breach_in_time(ctx: ServiceContext) -> int:
    mila = login(ctx, "manager")
    instance_id = to_decision(ctx, convenantgegevens=False)
    for name, data in [
        (DECIDE_TASK, DECISION),
        (NOTIFY_TASK, NOTIFICATION),
        (SUBJECTS_TASK, INFORM),
        (NOTICE_TASK, NOTICE),
        (CLOSE_TASK, CLOSE),
    ]:
        do(ctx, mila, instance_id, name, data)
    return instance_id


def breach_notified_late(ctx: ServiceContext, clock: ManualClock) -> int:
    """The warning at 48 hours, the FG's escalation at 72; the decision and notification come after."""
    mila, fg = login(ctx, "manager"), login(ctx, "fg")
    instance_id = to_decision(ctx, convenantgegevens=False)
    for moment in (T48, T72):
        clock.set(moment + SECOND)
        assert fire_due_timers(ctx) == 1
    clock.advance(timedelta(hours=3))
    do(ctx, mila, instance_id, DECIDE_TASK, DECISION)
    do(ctx, mila, instance_id, NOTIFY_TASK, LATE_NOTIFICATION)  # the warning falls away: cancelled
    do(ctx, fg, instance_id, "Escalatie: meldtermijn AP verstreken", {"fg_actie_termijn": "Besproken."})
    return instance_id


def request_with_extension(ctx: ServiceContext, clock: ManualClock) -> int:
    """Extended, refused within the extended term, closed in December."""
    sanne = login(ctx, "hulpverlener")
    instance_id, decide_id = request_to_decision(ctx, sanne)
    extension_id = complete_task(ctx, sanne, decide_id, {"besluit": "verlengen"}).next_task_id
    assert extension_id is not None
    decide_ext = complete_task(ctx, sanne, extension_id, EXTENSION_NOTICE).next_task_id
    assert decide_ext is not None
    refusal_id = complete_task(ctx, sanne, decide_ext, REFUSAL).next_task_id
    assert refusal_id is not None
    close_id = complete_task(ctx, sanne, refusal_id, LETTER).next_task_id
    assert close_id is not None
    clock.set(datetime(2026, 12, 3, 10, tzinfo=UTC))
    assert complete_task(ctx, sanne, close_id, CLOSING).instance_completed
    return instance_id


def consent_given(ctx: ServiceContext, username: str, answer: bool = True) -> int:
    """A consent asked on its own; answered when ``answer``, else left with the answer task open."""
    actor = login(ctx, username)
    started = start_process(ctx, actor, "consent", home_organisation(actor))
    assert started.next_task_id is not None
    ask_id = complete_task(ctx, actor, started.next_task_id, CONSENT_ADULT).next_task_id
    assert ask_id is not None
    record_id = complete_task(ctx, actor, ask_id, CONSENT_ASKED).next_task_id
    assert record_id is not None
    if answer:
        complete_task(ctx, actor, record_id, CONSENT_GIVEN)
    return started.instance_id


def run_procedures(ctx: ServiceContext, clock: ManualClock) -> dict[str, int]:
    found = {
        "breach_in_time": breach_in_time(ctx),
        "breach_late": breach_notified_late(ctx, clock),
        "case": named_case_in_planning(ctx, login(ctx, "hulpverlener")),
        "consent": consent_given(ctx, "hulpverlener"),
        "consent_rubicon": consent_given(ctx, "rubicon", answer=False),
    }
    found["request"] = request_with_extension(ctx, clock)
    return found


# --- reading the tables -------------------------------------------------------------------------------------


COLUMNS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "stat_monthly_count": (MonthlyCount, ("month", "process_id", "organisation_id", "measure", "n")),
    "stat_step_duration": (
        StepDuration,
        ("month", "process_id", "bpmn_id", "organisation_id", "bucket", "n", "step_name"),
    ),
    "deadline_record": (
        DeadlineRecord,
        (
            "kind",
            "instance_id",
            "organisation_id",
            "process_id",
            "month",
            "started_at",
            "due_at",
            "extended_due_at",
            "outcome",
            "met_at",
        ),
    ),
    "stat_policy_count": (PolicyCount, ("month", "organisation_id", "register", "dimension", "value", "n")),
}


def snapshot(ctx: ServiceContext) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of the four tables without its id; a policy counter at zero counts nothing."""
    tables: dict[str, set[tuple[Any, ...]]] = {}
    with ctx.db.read() as session:
        for table, (model, names) in COLUMNS.items():
            rows = session.execute(select(*(getattr(model, n) for n in names)))
            tables[table] = {tuple(row) for row in rows if not (model is PolicyCount and row[-1] == 0)}
    return tables


def monthly(ctx: ServiceContext, process_id: str, measure: str) -> dict[tuple[str, str], int]:
    """(month, organisation code) -> count."""
    with ctx.db.read() as session:
        query = (
            select(MonthlyCount.month, Organisation.code, MonthlyCount.n)
            .join(Organisation, Organisation.id == MonthlyCount.organisation_id)
            .where(MonthlyCount.process_id == process_id, MonthlyCount.measure == measure)
        )
        return {(month, code): n for month, code, n in session.execute(query)}


def deadline(ctx: ServiceContext, instance_id: int) -> Any:
    """The instance's deadline record, as a row of its columns."""
    columns = [getattr(DeadlineRecord, name) for name in COLUMNS["deadline_record"][1]]
    with ctx.db.read() as session:
        return session.execute(select(*columns).where(DeadlineRecord.instance_id == instance_id)).one()


# --- tests -------------------------------------------------------------------------------------------------


def test_the_write_paths_count_what_a_rebuild_computes(any_ctx: ServiceContext, clock: ManualClock) -> None:
    ids = run_procedures(any_ctx, clock)
    kept = snapshot(any_ctx)
    assert all(kept[table] for table in TABLES)

    checked = rebuild_statistics(any_ctx, write=False)
    assert checked.changed == dict.fromkeys(TABLES, 0) and checked.consistent
    assert checked.rows == {table: len(kept[table]) for table in TABLES}
    assert snapshot(any_ctx) == kept

    rebuilt = rebuild_statistics(any_ctx)
    assert (rebuilt.written, rebuilt.consistent, rebuilt.kept_deadlines) == (True, True, 0)
    assert snapshot(any_ctx) == kept

    # What the tables say, in numbers a manager would check by hand.
    november, december = ("2026-11", "weert"), ("2026-12", "weert")
    assert monthly(any_ctx, "data_breach", "instance_started") == {november: 2}
    assert monthly(any_ctx, "data_breach", "instance_completed") == {november: 1}  # the late one runs on
    assert monthly(any_ctx, "data_breach", "task_cancelled") == {november: 1}  # the 48-hour warning
    assert monthly(any_ctx, "data_breach", "task_completed_late") == {november: 2}  # decision, notification
    assert monthly(any_ctx, "subject_request", "instance_completed") == {december: 1}
    assert monthly(any_ctx, "consent", "instance_started") == {november: 1, ("2026-11", "rubicon"): 1}

    in_time, late = deadline(any_ctx, ids["breach_in_time"]), deadline(any_ctx, ids["breach_late"])
    assert (in_time.kind, in_time.started_at, in_time.due_at) == ("breach_ap", local("2026-11-02T10:00"), T72)
    assert in_time.met_at == local("2026-11-03T16:30")
    assert outcome(in_time.due_at, None, in_time.met_at, clock.now()) == Outcome.ON_TIME
    assert late.met_at == local("2026-11-05T13:15")
    assert outcome(late.due_at, None, late.met_at, clock.now()) == Outcome.LATE

    request = deadline(any_ctx, ids["request"])
    assert (request.kind, request.month, request.due_at) == ("subject_request", "2026-11", DEADLINE)
    assert request.extended_due_at == EXT_DEADLINE
    assert request.met_at is not None and request.met_at.astimezone(AMSTERDAM).date().isoformat() == (
        "2027-01-10"
    )
    assert outcome(request.due_at, request.extended_due_at, request.met_at, clock.now()) == (
        Outcome.ON_TIME_EXTENDED
    )
    consent = deadline(any_ctx, ids["consent"])
    assert (consent.kind, consent.started_at) == ("consent_answer", local("2026-11-02T00:00"))
    assert outcome(consent.due_at, None, consent.met_at, clock.now()) == Outcome.ON_TIME
    unanswered = deadline(any_ctx, ids["consent_rubicon"])
    assert unanswered.met_at is None
    assert outcome(unanswered.due_at, None, None, clock.now()) == Outcome.OPEN_OVERDUE


def test_a_rebuild_repairs_damaged_tables(any_ctx: ServiceContext, clock: ManualClock) -> None:
    ids = run_procedures(any_ctx, clock)
    kept = snapshot(any_ctx)
    with any_ctx.db.write() as session:
        session.execute(delete(MonthlyCount).where(MonthlyCount.process_id == "data_breach"))
        session.execute(update(StepDuration).values(n=StepDuration.n + 1))
        session.execute(delete(DeadlineRecord).where(DeadlineRecord.instance_id == ids["request"]))
        organisation = session.scalars(select(ProcessInstance.organisation_id)).first()
        session.execute(
            insert(PolicyCount).values(
                month="2020-01",
                organisation_id=organisation,
                register="breach",
                dimension="x",
                value="y",
                n=3,
            )
        )
    checked = rebuild_statistics(any_ctx, write=False)
    breach_counters = {row for row in kept["stat_monthly_count"] if row[1] == "data_breach"}
    assert checked.changed == {
        "stat_monthly_count": len(breach_counters),
        "stat_step_duration": len(kept["stat_step_duration"]),
        "deadline_record": 1,
        "stat_policy_count": 1,
    }
    assert not checked.consistent
    assert rebuild_statistics(any_ctx).changed == checked.changed
    assert snapshot(any_ctx) == kept
    assert rebuild_statistics(any_ctx, write=False).consistent


def test_the_deadline_of_a_destroyed_register_entry_is_kept(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    """The destruction of a case removes its consent entry (purge.py); its deadline record cannot be
    recomputed and stays. The entry's policy counts can no longer be counted: they go."""
    consent_id = consent_given(any_ctx, "hulpverlener")
    before = snapshot(any_ctx)
    with any_ctx.db.write() as session:
        session.execute(delete(RegisterEntry).where(RegisterEntry.instance_id == consent_id))
    report = rebuild_statistics(any_ctx)
    assert report.kept_deadlines == 1
    after = snapshot(any_ctx)
    assert after["deadline_record"] == before["deadline_record"]
    assert after["stat_monthly_count"] == before["stat_monthly_count"]
    assert {row[2] for row in before["stat_policy_count"]} == {"consent"}
    assert after["stat_policy_count"] == set()
    assert report.changed["stat_policy_count"] == len(before["stat_policy_count"])


def test_the_command_checks_and_rebuilds(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KETENFLOW_DATABASE_URL", fresh_database_url)
    assert main(["init-db"]) == 0
    assert main(["deploy"]) == 0
    assert main(["seed-demo"]) == 0
    ctx = build_context(load_settings(), clock=ManualClock(START))
    consent_given(ctx, "hulpverlener")
    capsys.readouterr()
    assert main(["rebuild-statistics", "--controleer"]) == 0
    assert "in orde: de tabellen kloppen" in capsys.readouterr().out
    with ctx.db.write() as session:
        session.execute(delete(MonthlyCount))
    assert main(["rebuild-statistics", "--controleer"]) == 1
    out = capsys.readouterr().out
    assert "stat_monthly_count: 2 regels, 2 anders dan opgeslagen" in out  # started, steps completed
    assert "NIET in orde" in out
    assert main(["rebuild-statistics"]) == 0
    assert "klaar: de overzichtstabellen zijn opnieuw berekend" in capsys.readouterr().out
    assert main(["rebuild-statistics", "--controleer"]) == 0
    ctx.db.dispose()
