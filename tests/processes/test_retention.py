"""Scenario tests for retention and destruction (processes/retention.bpmn): the review 60 days before expiry,
destruction after approval with a destruction record that holds no content, who sees which task, and the
destruction register.

The helpers here are shared with test_retention_paths.py and test_retention_rules.py. Users drive the
services; time only moves through the ManualClock, and timers fire through fire_due_timers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login
from tests.processes.scenario import next_due, open_tasks, task_id
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.persistence.models import Job
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process, view_instance
from webapp.services.registers import list_register, view_register_entry
from webapp.services.tasks import complete_task, open_task
from webapp.services.timers import fire_due_timers

PROCESS = "retention"
SECOND = timedelta(seconds=1)
RECORD: dict[str, Any] = {
    "dossier_kenmerk": "KF-2007-0042",
    "bewaargrond": "wgbo",
    "bewaartermijn": "P20Y",
    "laatste_wijziging_op": "2007-03-15",
}
# Last change 15 March 2007 + 20 years = Monday 15 March 2027, end of day in Amsterdam (CET).
EXPIRY = datetime(2027, 3, 15, 22, 59, 59, tzinfo=UTC)
# The review opens at the start of the day 60 days earlier: 14 January 2027, 00:00 in Amsterdam.
REVIEW_AT = datetime(2027, 1, 13, 22, 59, 59, tzinfo=UTC)
REVIEW_RULE = "60 dagen vanaf het ontstaan van de taak"

RECORD_TASK, REVIEW, APPROVE = (
    "Bewaartermijn vastleggen",
    "Bewaartermijn beoordelen",
    "Vernietiging goedkeuren",
)
DESTROY, EXPIRED = "Vernietigen en verklaring opstellen", "Verstreken bewaartermijn bewaken"
CHANGE = "Wijziging van het dossier vastleggen"

APPROVAL = {
    "vernietiging_goedgekeurd": True,
    "goedgekeurd_door": "Mila Teamleider",
    "goedgekeurd_op": "2027-01-20",
}
DESTRUCTION: dict[str, Any] = {
    "vernietigd_op": "2027-03-16",
    "vernietigingsmethode": "digitaal_en_papier",
    "stukken_van": "1999-02-01",
    "stukken_tot": "2007-03-15",
    "uitgevoerd_door": "Sanne Hulpverlener",
    "partners_geinformeerd": "niet_van_toepassing",
}


def start_record(ctx: ServiceContext, actor: Actor, **record: Any) -> int:
    started = start_process(ctx, actor, PROCESS, home_organisation(actor))
    assert started.next_task_id is not None
    result = complete_task(ctx, actor, started.next_task_id, {**RECORD, **record})
    assert result.next_task_id is None and not result.instance_completed  # now it waits
    return started.instance_id


def reach_review(ctx: ServiceContext, clock: ManualClock, instance_id: int, at: datetime = REVIEW_AT) -> int:
    """Move the clock just past the review instant; returns the id of the open review task."""
    clock.set(at + SECOND)
    assert fire_due_timers(ctx) == 1
    return task_id(ctx, login(ctx, "hulpverlener"), instance_id, REVIEW)


def approve_and_destroy(ctx: ServiceContext, review_id: int, instance_id: int) -> None:
    sanne, mila = login(ctx, "hulpverlener"), login(ctx, "manager")
    complete_task(ctx, sanne, review_id, {"beoordeling": "vernietigen"})
    complete_task(ctx, mila, task_id(ctx, mila, instance_id, APPROVE), APPROVAL)
    complete_task(ctx, sanne, task_id(ctx, sanne, instance_id, DESTROY), DESTRUCTION)


def test_review_approval_and_destruction_leave_a_record_without_content(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan, mila, fg = (login(ctx, u) for u in ("hulpverlener", "collega", "manager", "fg"))
    instance_id = start_record(ctx, sanne)
    assert open_tasks(ctx, sanne, instance_id) == []
    assert view_instance(ctx, sanne, instance_id).status == "waiting"
    assert next_due(ctx, instance_id) == REVIEW_AT

    clock.set(REVIEW_AT - SECOND)
    assert fire_due_timers(ctx) == 0
    review_id = reach_review(ctx, clock, instance_id)
    review = open_task(ctx, sanne, review_id).task
    assert (review.due_at, review.due_rule, review.created_at) == (EXPIRY, REVIEW_RULE, REVIEW_AT + SECOND)
    assert open_tasks(ctx, daan, instance_id) == [(REVIEW, "professional")]  # every professional of Weert
    for outsider in (mila, fg, login(ctx, "rubicon")):
        assert open_tasks(ctx, outsider, instance_id) == []
    assert next_due(ctx, instance_id) == EXPIRY

    assert complete_task(ctx, sanne, review_id, {"beoordeling": "vernietigen"}).next_task_id is None
    assert open_tasks(ctx, sanne, instance_id) == []
    assert open_tasks(ctx, mila, instance_id) == [(APPROVE, "manager")]
    approval_id = task_id(ctx, mila, instance_id, APPROVE)
    with pytest.raises(AccessDenied):
        complete_task(ctx, sanne, approval_id, APPROVAL)  # no four eyes by oneself
    assert complete_task(ctx, mila, approval_id, APPROVAL).next_task_id is None
    destroy_id = task_id(ctx, daan, instance_id, DESTROY)
    clock.set(EXPIRY + SECOND)  # not destroyed by the expiry date: the FG watches (convenant art. 17 lid 2)
    assert fire_due_timers(ctx) == 1
    assert open_tasks(ctx, fg, instance_id) == [(EXPIRED, "fg")]
    assert open_tasks(ctx, daan, instance_id) == [(DESTROY, "professional")]  # the work goes on beside it
    clock.set(datetime(2027, 3, 16, 9, tzinfo=UTC))
    assert complete_task(ctx, daan, destroy_id, DESTRUCTION).instance_completed is False
    measure = {"fg_maatregel": "direct_vernietigen", "fg_controle_op": "2027-03-16"}
    assert complete_task(ctx, fg, task_id(ctx, fg, instance_id, EXPIRED), measure).instance_completed

    (row,) = [e for e in list_register(ctx, fg, "destruction").entries if e.instance_id == instance_id]
    assert row.fields == {
        "dossier_kenmerk": "KF-2007-0042",
        "bewaargrond": "wgbo",
        "bewaartermijn": "P20Y",
        "laatste_wijziging_op": "2007-03-15",
        "stukken_van": "1999-02-01",
        "stukken_tot": "2007-03-15",
        "vernietigingsmethode": "digitaal_en_papier",
        "uitgevoerd_door": "Sanne Hulpverlener",
        "goedgekeurd_door": "Mila Teamleider",
        "goedgekeurd_op": "2027-01-20",
        "vernietigd_op": "2027-03-16",
        "partners_geinformeerd": "niet_van_toepassing",
    }
    assert (row.organisation, row.closed_at) == ("Gemeente Weert", clock.now())
    view = list_register(ctx, fg, "destruction")
    assert [name for name, _ in view.columns] == [
        "dossier_kenmerk",
        "bewaargrond",
        "stukken_van",
        "stukken_tot",
        "vernietigd_op",
    ]
    assert view_register_entry(ctx, fg, "destruction", row.id).fields == row.fields
    for reader in (sanne, mila):
        with pytest.raises(AccessDenied):
            list_register(ctx, reader, "destruction")
    assert list_register(ctx, login(ctx, "fg.rubicon"), "destruction").entries == []
    with ctx.db.read() as session:
        assert session.scalars(select(Job).where(Job.instance_id == instance_id)).all() == []


def test_destruction_in_time_needs_no_fg_and_removes_every_timer(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id = start_record(ctx, sanne)
    review_id = reach_review(ctx, clock, instance_id)
    clock.set(datetime(2027, 2, 1, 10, tzinfo=UTC))
    approve_and_destroy(ctx, review_id, instance_id)
    assert view_instance(ctx, sanne, instance_id).status == "completed"
    clock.set(EXPIRY + timedelta(days=400))
    assert fire_due_timers(ctx) == 0
    assert open_tasks(ctx, fg, instance_id) == []
    (row,) = list_register(ctx, fg, "destruction").entries
    assert row.closed_at == datetime(2027, 2, 1, 10, tzinfo=UTC)


def test_a_refused_approval_sends_the_review_back(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, mila = login(ctx, "hulpverlener"), login(ctx, "manager")
    instance_id = start_record(ctx, sanne)
    review_id = reach_review(ctx, clock, instance_id)
    complete_task(ctx, sanne, review_id, {"beoordeling": "vernietigen"})
    approval_id = task_id(ctx, mila, instance_id, APPROVE)
    no = {**APPROVAL, "vernietiging_goedgekeurd": False}
    with pytest.raises(FormInvalid) as missing:
        complete_task(ctx, mila, approval_id, no)
    assert missing.value.errors == {"afwijzing_toelichting": "Dit veld is verplicht."}
    complete_task(ctx, mila, approval_id, {**no, "afwijzing_toelichting": "Klacht van de moeder loopt nog"})

    assert open_tasks(ctx, mila, instance_id) == []
    again = task_id(ctx, sanne, instance_id, REVIEW)
    assert again != review_id
    assert open_task(ctx, sanne, again).task.due_at == EXPIRY  # the same legal deadline
    names = [t.name for t in view_instance(ctx, sanne, instance_id).tasks]
    assert names == [RECORD_TASK, REVIEW, APPROVE, REVIEW]
