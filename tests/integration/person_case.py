"""A case about one person with distinctive values, walked to the approval of its destruction; shared by the
purge and the data-subject export tests. Users drive the services; the clock moves, nothing sleeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tests.factories import login
from tests.processes import test_case_intake as intake
from tests.processes import test_subject_request as request
from webapp.domain.clock import ManualClock
from webapp.services.assignment import save_draft
from webapp.services.cases import start_related
from webapp.services.comments import add_comment
from webapp.services.instances import view_instance
from webapp.services.tasks import complete_task, list_inbox
from webapp.services.timers import fire_due_timers

NAME = "Quirine Zwanenburg"
BIRTH_DATE = "2009-03-17"
MARKER = "KFPURGE-8c41e7"
SEEDED = (NAME, BIRTH_DATE, MARKER, "Zwanenburg")
EXPIRED = "Verstreken bewaartermijn bewaken"


@dataclass
class PersonCase:
    reference: str
    intake_id: int
    request_id: int
    request_decision: int  # the open decision of the inspection request


def open_named_case(ctx: Any, clock: ManualClock) -> PersonCase:
    """A named case about the person, discussed and closed into retention, with a comment and a running
    inspection request (recht = inzage) that names the person."""
    sanne = login(ctx, "hulpverlener")
    instance_id = intake.register(ctx, sanne)
    participants = {**intake.PARTICIPANTS, "client_naam": NAME, "client_geboortedatum": BIRTH_DATE}
    intake.do(ctx, sanne, instance_id, intake.PARTICIPANTS_TASK, participants)
    intake.give_consent(ctx, sanne, instance_id, gegeven_door=[{"rol": "betrokkene", "naam": NAME}])
    intake.do(ctx, sanne, instance_id, intake.CHECK, {"toestemming_dekt": "ja"})
    intake.hold_overleg(ctx, clock, instance_id)
    minutes = {**intake.MINUTES, "verslag_overleg": f"{NAME} ({MARKER}) krijgt een gezinscoach."}
    intake.do(ctx, sanne, instance_id, intake.MINUTES_TASK, minutes)
    intake.do(ctx, sanne, instance_id, intake.CLOSE, intake.CLOSING)
    reference = view_instance(ctx, sanne, instance_id).case_reference
    assert reference is not None
    intake.do(ctx, sanne, instance_id, intake.RETENTION_TASK, {"dossier_kenmerk": reference})
    add_comment(ctx, sanne, reference, f"Moeder van {NAME} belde over {MARKER}.")

    started = start_related(ctx, sanne, reference, "subject_request")
    assert started.next_task_id is not None
    answers = {**request.INTAKE, "betrokkene_naam": NAME, "omschrijving": f"Inzage ({MARKER})"}
    verify = complete_task(ctx, sanne, started.next_task_id, answers).next_task_id
    assert verify is not None
    scope = complete_task(ctx, sanne, verify, request.IDENTITY).next_task_id
    assert scope is not None
    decision = complete_task(ctx, sanne, scope, request.SCOPE_NONE).next_task_id
    assert decision is not None
    return PersonCase(reference, instance_id, started.instance_id, decision)


def finish_request(ctx: Any, case: PersonCase) -> None:
    """Answer the request; the FG first handles the escalation of its (long) passed deadline."""
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    for task in [t for t in list_inbox(ctx, fg) if t.instance_id == case.request_id]:
        escalation = {"escalatie_maatregel": "voorrang", "betrokkene_geinformeerd": True}
        complete_task(ctx, fg, task.id, escalation)
    letter = complete_task(ctx, sanne, case.request_decision, {"besluit": "toewijzen"}).next_task_id
    assert letter is not None
    done = {"antwoord_verzonden_op": "2026-11-10", "uitgevoerde_maatregelen": ["afschrift_verstrekt"]}
    close = complete_task(ctx, sanne, letter, done).next_task_id
    assert close is not None
    assert complete_task(ctx, sanne, close, request.CLOSING).instance_completed


def review_for_destruction(ctx: Any, clock: ManualClock, case: PersonCase) -> int:
    """The review says destroy; the expiry passes, and the FG keeps a draft note naming the person.
    Returns the id of the manager's approval task."""
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    clock.set(intake.REVIEW_DUE + timedelta(seconds=1))
    while fire_due_timers(ctx):
        pass
    intake.do(ctx, sanne, case.intake_id, "Bewaartermijn beoordelen", {"beoordeling": "vernietigen"})
    clock.set(intake.KEEP_UNTIL + timedelta(seconds=1))
    while fire_due_timers(ctx):
        pass
    watch = intake.task_id(ctx, fg, case.intake_id, EXPIRED)
    save_draft(ctx, fg, watch, {"fg_toelichting": f"Nagaan bij {NAME} ({BIRTH_DATE})"})
    manager = login(ctx, "manager")
    (approval,) = [
        t.id
        for t in list_inbox(ctx, manager)
        if t.instance_id == case.intake_id and t.name == "Vernietiging goedkeuren"
    ]
    return approval


APPROVAL = {
    "vernietiging_goedgekeurd": True,
    "goedgekeurd_door": "Mila Teamleider",
    "goedgekeurd_op": "2028-11-14",
}
DESTRUCTION = {
    "vernietigd_op": "2028-11-15",
    "vernietigingsmethode": "digitaal_verwijderd",
    "stukken_van": "2026-11-02",
    "stukken_tot": "2026-11-12",
    "uitgevoerd_door": "Sanne Hulpverlener",
    "partners_geinformeerd": "ja",
}
