"""The case file and comments through the services, against a real database (SQLite and PostgreSQL where
the backend matters): one reference gathers its procedures, the timeline comes from the audit log, each
viewer sees only what they need to know, and comments are kept, ordered and audited without their text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import home_organisation, login
from tests.processes.test_data_breach import REPORT, TRIAGE_TASK
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.persistence.models import AuditEvent, Comment, ProcessInstance
from webapp.services import cases, comments, events, instances, tasks
from webapp.services.context import ServiceContext

DEMO = "demo_subject_request"
INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}
DECISION = {"identiteit_vastgesteld": True, "besluit": "toewijzen"}
# Received Monday 2 November 2026: four weeks later is Monday 30 November, end of day in Amsterdam (CET).
DECISION_DUE = datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
CONSENT_AUTHORITY = {"leeftijd": 17, "wilsbekwaam": True}
CONSENT_REQUEST = {
    "gevraagd_op": "2026-11-02",
    "informatietekst_versie": "2026-01",
    "gewezen_op_intrekken": True,
}
CONSENT_GIVEN = {
    "toestemming_antwoord": "gegeven",
    "beantwoord_op": "2026-11-02",
    "doel": "casusoverleg",
    "gegevenscategorieen": ["identificatie"],
    "ontvangers": ["rubicon"],
    "geldig_tot": "2027-05-31",
    "methode": "schriftelijk",
    "gegeven_door": [{"rol": "betrokkene", "naam": "Sam Jansen"}],
}


def demo_case(ctx: ServiceContext) -> tuple[str, int, int]:
    """A demo request registered by Sanne: (case reference, instance id, the open decision task)."""
    sanne = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, sanne, DEMO, home_organisation(sanne))
    assert started.next_task_id is not None
    decide = tasks.complete_task(ctx, sanne, started.next_task_id, INTAKE).next_task_id
    assert decide is not None
    reference = instances.view_instance(ctx, sanne, started.instance_id).case_reference
    assert reference is not None
    return reference, started.instance_id, decide


def audit_rows(ctx: ServiceContext, event: str) -> list[AuditEvent]:
    with ctx.db.read() as session:
        rows = list(
            session.scalars(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id))
        )
        session.expunge_all()  # keep the loaded rows readable after the read transaction ends
        return rows


def instances_of(ctx: ServiceContext, reference: str) -> list[tuple[int, str, int]]:
    with ctx.db.read() as session:
        query = select(ProcessInstance.id, ProcessInstance.case_reference, ProcessInstance.organisation_id)
        rows = session.execute(
            query.where(ProcessInstance.case_reference == reference).order_by(ProcessInstance.id)
        )
        return [(i, r or "", o) for i, r, o in rows]


def run(ctx: ServiceContext, username: str, instance_id: int, name: str, data: dict[str, Any]) -> None:
    actor = login(ctx, username)
    (task,) = [t for t in tasks.list_inbox(ctx, actor) if t.instance_id == instance_id and t.name == name]
    tasks.complete_task(ctx, actor, task.id, data)


# --- the case file ---------------------------------------------------------------------------------------


def test_one_reference_gathers_its_procedures_open_tasks_and_timeline(any_ctx: ServiceContext) -> None:
    reference, demo_id, decide = demo_case(any_ctx)
    other_reference, _, _ = demo_case(any_ctx)  # another case stays out of this file
    any_ctx.clock.advance(timedelta(hours=1))
    daan = login(any_ctx, "collega")
    related = cases.start_related(any_ctx, daan, reference, "meldcode")

    file = cases.view_case_file(any_ctx, daan, reference)

    assert other_reference != reference
    assert [(p.instance_id, p.process_id, p.status) for p in file.procedures] == [
        (demo_id, DEMO, "running"),
        (related.instance_id, "meldcode", "running"),
    ]
    assert (file.reference, file.organisation) == (reference, "Gemeente Weert")
    # Due first, then the task without a due date; nobody holds them yet and Daan may open both.
    assert [(t.task.id, t.task.due_at, t.task.assignee, t.may_open) for t in file.open_tasks] == [
        (decide, DECISION_DUE, None, True),
        (related.next_task_id, None, None, True),
    ]
    assert [(line.event, line.task_name, line.actor, line.process_name) for line in file.timeline] == [
        ("Procedure gestart", None, "Sanne Hulpverlener", "Verzoek van betrokkene (demo)"),
        ("Taak afgerond", "Verzoek registreren", "Sanne Hulpverlener", "Verzoek van betrokkene (demo)"),
        ("Procedure gestart", None, "Daan Collega", "Meldcode huiselijk geweld en kindermishandeling"),
    ]
    assert file.timeline[2].at == any_ctx.clock.now()
    # Reading the file is audited once per procedure shown, with the case reference and nothing else.
    reads = audit_rows(any_ctx, "case.read")
    assert [(r.actor_id, r.process_instance_id, r.details) for r in reads] == [
        (daan.user_id, demo_id, {"case": reference}),
        (daan.user_id, related.instance_id, {"case": reference}),
    ]
    # Reading leaves no trace in the timeline; a claim does.
    tasks.claim_task(any_ctx, daan, decide)
    again = cases.view_case_file(any_ctx, login(any_ctx, "hulpverlener"), reference)
    assert [line.event for line in again.timeline][-1] == "Taak opgepakt"
    first = again.open_tasks[0].task
    assert (first.id, first.assignee, first.assigned_to_me) == (decide, "Daan Collega", False)


def test_a_completed_task_says_whether_its_due_date_was_met(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne = login(ctx, "hulpverlener")
    on_time, _, decide_on_time = demo_case(ctx)
    late, _, decide_late = demo_case(ctx)
    clock.set(DECISION_DUE - timedelta(days=3))
    tasks.complete_task(ctx, sanne, decide_on_time, DECISION)
    # No worker ran the deadline timer: the task was completed a day and a half after its due date.
    clock.set(DECISION_DUE + timedelta(days=1, hours=12))
    tasks.complete_task(ctx, sanne, decide_late, DECISION)

    def verdicts(reference: str) -> list[tuple[str | None, datetime | None, str | None, bool]]:
        file = cases.view_case_file(ctx, sanne, reference)
        return [(line.task_name, line.due_at, line.verdict, line.late) for line in file.timeline[1:3]]

    assert verdicts(on_time) == [
        ("Verzoek registreren", None, None, False),
        ("Identiteit controleren en beslissen", DECISION_DUE, "op tijd", False),
    ]
    assert verdicts(late)[1] == (
        "Identiteit controleren en beslissen",
        DECISION_DUE,
        "te laat, 2 dagen",
        True,
    )


@pytest.mark.parametrize(
    ("done_after_due", "verdict"),
    [
        (timedelta(0), "op tijd"),
        (-timedelta(days=3), "op tijd"),
        (timedelta(seconds=1), "te laat, 1 dag"),
        (timedelta(days=1), "te laat, 1 dag"),
        (timedelta(days=1, seconds=1), "te laat, 2 dagen"),
        (timedelta(days=9, hours=2), "te laat, 10 dagen"),
    ],
)
def test_the_verdict_counts_each_started_day_late(done_after_due: timedelta, verdict: str) -> None:
    assert cases.deadline_verdict(DECISION_DUE, DECISION_DUE + done_after_due) == verdict


def test_no_verdict_without_a_due_date_or_a_completion() -> None:
    assert cases.deadline_verdict(None, DECISION_DUE) is None
    assert cases.deadline_verdict(DECISION_DUE, None) is None


@pytest.mark.parametrize("username", ["rubicon", "fg.rubicon", "manager.rubicon", "manager", "procesbeheer"])
def test_outsiders_and_roles_without_need_to_know_are_refused_and_audited(
    any_ctx: ServiceContext, username: str
) -> None:
    reference, demo_id, _ = demo_case(any_ctx)
    outsider = login(any_ctx, username)
    with pytest.raises(AccessDenied, match="U heeft geen toegang tot deze zaak"):
        cases.view_case_file(any_ctx, outsider, reference)
    (denied,) = [r for r in audit_rows(any_ctx, "case.read") if r.result == "denied"]
    assert (denied.actor_id, denied.object_type, denied.object_id, denied.process_instance_id) == (
        outsider.user_id,
        "case",
        reference,
        demo_id,
    )
    assert [r for r in audit_rows(any_ctx, "case.read") if r.result == "success"] == []


def test_an_unknown_reference_is_not_found(ctx: ServiceContext) -> None:
    with pytest.raises(NotFound, match="Deze zaak bestaat niet"):
        cases.view_case_file(ctx, login(ctx, "hulpverlener"), "KF-00000000")


@pytest.mark.parametrize("username", ["hulpverlener", "collega", "aandacht", "voorzitter", "fg"])
def test_the_case_roles_of_the_owning_organisation_see_the_case(ctx: ServiceContext, username: str) -> None:
    reference, demo_id, _ = demo_case(ctx)
    file = cases.view_case_file(ctx, login(ctx, username), reference)
    assert [p.instance_id for p in file.procedures] == [demo_id]


def test_a_role_sees_only_the_procedures_that_give_it_tasks(ctx: ServiceContext) -> None:
    """The manager triages a data breach filed under the case, and sees that procedure only."""
    reference, demo_id, _ = demo_case(ctx)
    sanne, mila = login(ctx, "hulpverlener"), login(ctx, "manager")
    breach = instances.start_process(
        ctx, sanne, "data_breach", home_organisation(sanne), case_reference=reference
    )
    assert breach.next_task_id is not None
    tasks.complete_task(ctx, sanne, breach.next_task_id, REPORT)

    file = cases.view_case_file(ctx, mila, reference)

    assert [p.process_id for p in file.procedures] == ["data_breach"]
    assert {line.process_name for line in file.timeline} == {"Datalek afhandelen"}
    assert [(t.task.name, t.may_open) for t in file.open_tasks] == [(TRIAGE_TASK, True)]
    assert [p.instance_id for p in cases.view_case_file(ctx, sanne, reference).procedures] == [
        demo_id,
        breach.instance_id,
    ]


# --- related procedures ----------------------------------------------------------------------------------


def test_a_related_procedure_starts_in_the_case_organisation_with_its_reference(ctx: ServiceContext) -> None:
    reference, demo_id, _ = demo_case(ctx)
    fatima = login(ctx, "aandacht")
    offered = cases.view_case_file(ctx, fatima, reference).related
    assert [p.process_id for p in offered] == ["meldcode", "consent", "subject_request"]

    started = cases.start_related(ctx, fatima, reference, "subject_request")

    weert = home_organisation(login(ctx, "hulpverlener"))
    assert instances_of(ctx, reference) == [
        (demo_id, reference, weert),
        (started.instance_id, reference, weert),
    ]
    assert started.next_task_id is not None
    assert tasks.open_task(ctx, fatima, started.next_task_id).task.case_reference == reference
    (start,) = [
        r for r in audit_rows(ctx, "instance.started") if r.process_instance_id == started.instance_id
    ]
    assert (start.actor_id, start.result) == (fatima.user_id, "success")


def test_a_related_procedure_is_refused_to_outsiders_other_roles_and_other_processes(
    ctx: ServiceContext,
) -> None:
    reference, demo_id, _ = demo_case(ctx)
    with pytest.raises(AccessDenied, match="U heeft geen toegang tot deze zaak"):
        cases.start_related(ctx, login(ctx, "rubicon"), reference, "meldcode")
    # The chair sees the case but starts no meldcode: only professionals of the organisation do.
    peter = login(ctx, "voorzitter")
    assert cases.view_case_file(ctx, peter, reference).related == []
    with pytest.raises(AccessDenied, match="U mag deze procedure niet starten voor deze organisatie"):
        cases.start_related(ctx, peter, reference, "meldcode")
    for process_id in ("data_breach", "case_intake", "bestaat_niet"):
        with pytest.raises(cases.RelatedNotAllowed, match="kan niet vanuit een zaak worden gestart"):
            cases.start_related(ctx, login(ctx, "hulpverlener"), reference, process_id)
    with pytest.raises(NotFound):
        cases.start_related(ctx, login(ctx, "hulpverlener"), "KF-00000000", "meldcode")
    assert [i for i, _, _ in instances_of(ctx, reference)] == [demo_id]
    refusals = [(r.event, r.actor_id) for r in audit_rows(ctx, "instance.started") if r.result == "denied"]
    assert refusals == [
        ("instance.started", login(ctx, "rubicon").user_id),
        ("instance.started", peter.user_id),
    ]


def test_a_valid_consent_in_the_case_offers_its_withdrawal(ctx: ServiceContext) -> None:
    reference, _, _ = demo_case(ctx)
    sanne = login(ctx, "hulpverlener")
    consent = cases.start_related(ctx, sanne, reference, "consent").instance_id
    run(ctx, "hulpverlener", consent, "Leeftijd, gezag en wilsbekwaamheid vastleggen", CONSENT_AUTHORITY)
    run(ctx, "hulpverlener", consent, "Toestemming vragen aan de betrokkene", CONSENT_REQUEST)
    run(ctx, "hulpverlener", consent, "Antwoord op het toestemmingsverzoek vastleggen", CONSENT_GIVEN)

    procedures = {p.process_id: p for p in cases.view_case_file(ctx, sanne, reference).procedures}
    assert [(a.message_name, a.label) for a in procedures["consent"].actions] == [
        ("toestemming_ingetrokken", "Toestemming ingetrokken")
    ]
    assert procedures[DEMO].actions == ()
    assert cases.view_case_file(ctx, login(ctx, "fg"), reference).procedures[1].actions == ()

    events.trigger_event(ctx, sanne, consent, "toestemming_ingetrokken")
    file = cases.view_case_file(ctx, sanne, reference)
    assert (file.timeline[-1].event, file.timeline[-1].process_name) == ("Gebeurtenis gemeld", "Toestemming")
    assert [t.task.name for t in file.open_tasks if t.task.instance_id == consent] == [
        "Intrekking vastleggen"
    ]


# --- comments --------------------------------------------------------------------------------------------


def test_comments_on_the_case_and_a_task_are_kept_in_order_and_audited_without_text(
    any_ctx: ServiceContext,
) -> None:
    reference, demo_id, decide = demo_case(any_ctx)
    sanne, daan = login(any_ctx, "hulpverlener"), login(any_ctx, "collega")
    first = comments.add_comment(any_ctx, sanne, reference, "  Moeder belt morgen terug.\r\nDaarna bellen.  ")
    any_ctx.clock.advance(timedelta(minutes=5))
    second = comments.add_task_comment(any_ctx, daan, decide, "Identiteit\x00 nog\x07 niet gezien <b>.")

    file = cases.view_case_file(any_ctx, login(any_ctx, "fg"), reference)

    assert [(c.id, c.author, c.body, c.task_id, c.task_name) for c in file.comments] == [
        (first, "Sanne Hulpverlener", "Moeder belt morgen terug.\nDaarna bellen.", None, None),
        (
            second,
            "Daan Collega",
            "Identiteit nog niet gezien <b>.",
            decide,
            "Identiteit controleren en beslissen",
        ),
    ]
    assert file.comments[1].at - file.comments[0].at == timedelta(minutes=5)
    assert [c.instance_id for c in file.comments] == [demo_id, demo_id]
    created = audit_rows(any_ctx, "comment.created")
    assert [(r.actor_id, r.object_type, r.object_id, r.task_id, r.details, r.reason) for r in created] == [
        (sanne.user_id, "comment", str(first), None, {}, None),
        (daan.user_id, "comment", str(second), decide, {}, None),
    ]
    assert [line.event for line in file.timeline][-2:] == ["Opmerking geplaatst", "Opmerking geplaatst"]
    assert [c.id for c in comments.list_task_comments(any_ctx, sanne, decide)] == [second]
    (read,) = audit_rows(any_ctx, "comment.read")
    assert (read.actor_id, read.task_id, read.result) == (sanne.user_id, decide, "success")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Schrijf eerst uw opmerking."),
        (" \r\n\t\x00 ", "Schrijf eerst uw opmerking."),
        ("x" * 4001, "Een opmerking is hoogstens 4000 tekens lang; deze telt 4001 tekens."),
    ],
)
def test_a_comment_needs_text_of_at_most_4000_characters(ctx: ServiceContext, body: str, error: str) -> None:
    reference, _, _ = demo_case(ctx)
    with pytest.raises(FormInvalid) as invalid:
        comments.add_comment(ctx, login(ctx, "hulpverlener"), reference, body)
    assert invalid.value.errors == {"body": error}
    assert comment_count(ctx) == 0 and audit_rows(ctx, "comment.created") == []


def test_a_comment_of_exactly_4000_characters_is_kept_whole(ctx: ServiceContext) -> None:
    reference, _, _ = demo_case(ctx)
    comments.add_comment(ctx, login(ctx, "hulpverlener"), reference, "é" * 4000)
    (comment,) = cases.view_case_file(ctx, login(ctx, "hulpverlener"), reference).comments
    assert comment.body == "é" * 4000


def test_a_comment_names_a_task_of_its_own_case(ctx: ServiceContext) -> None:
    reference, _, _ = demo_case(ctx)
    _, _, other_task = demo_case(ctx)
    with pytest.raises(FormInvalid) as invalid:
        comments.add_comment(ctx, login(ctx, "hulpverlener"), reference, "Opmerking", task_id=other_task)
    assert invalid.value.errors == {"task_id": "Kies een taak van deze zaak."}
    assert comment_count(ctx) == 0


def test_outsiders_neither_place_nor_read_comments(any_ctx: ServiceContext) -> None:
    reference, _, decide = demo_case(any_ctx)
    comments.add_comment(any_ctx, login(any_ctx, "hulpverlener"), reference, "Alleen voor Weert.", decide)
    lotte = login(any_ctx, "rubicon")
    with pytest.raises(AccessDenied):
        comments.add_comment(any_ctx, lotte, reference, "Mag ik meelezen?")
    with pytest.raises(AccessDenied):
        comments.add_task_comment(any_ctx, lotte, decide, "Mag ik meelezen?")
    with pytest.raises(AccessDenied):
        comments.list_task_comments(any_ctx, lotte, decide)
    with pytest.raises(NotFound):
        comments.list_task_comments(any_ctx, lotte, 999_999)
    assert comment_count(any_ctx) == 1
    denied = [(r.event, r.actor_id) for r in audit_rows(any_ctx, "comment.created") if r.result == "denied"]
    assert denied == [("comment.created", lotte.user_id)] * 2
    (read,) = audit_rows(any_ctx, "comment.read")
    assert (read.result, read.actor_id) == ("denied", lotte.user_id)


def comment_count(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(Comment)) or 0
