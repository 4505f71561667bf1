"""The other outcomes of a retention review: an extension that moves the expiry and the next review, a legal
hold reviewed again on its date, and a change of the record that restarts the term (an event on the case).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import login
from tests.processes.test_retention import (
    CHANGE,
    EXPIRED,
    EXPIRY,
    REVIEW,
    REVIEW_AT,
    REVIEW_RULE,
    SECOND,
    approve_and_destroy,
    next_due,
    open_tasks,
    reach_review,
    start_record,
    task_id,
)
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, TaskNotReady
from webapp.services.context import ServiceContext
from webapp.services.events import list_instance_actions, trigger_event
from webapp.services.instances import view_instance
from webapp.services.registers import list_register
from webapp.services.tasks import complete_task, open_task
from webapp.services.timers import fire_due_timers
from webapp.services.views import InstanceAction

EXTEND: dict[str, Any] = {
    "beoordeling": "verlengen",
    "verlenging_reden": "goed_hulpverlenerschap",
    "verlenging_toelichting": "Behandeling van de jongere loopt weer; het dossier is nodig voor de zorg.",
    "nieuwe_vervaldatum": "2030-06-12",
    "verlenging_goedgekeurd_door": "Mila Teamleider",
}
# Kept until the end of Wednesday 12 June 2030 (midnight CEST); reviewed from 13 April 2030, 00:00 CEST.
NEW_EXPIRY = datetime(2030, 6, 12, 22, tzinfo=UTC)
NEW_REVIEW_AT = datetime(2030, 4, 12, 22, tzinfo=UTC)
HOLD = {
    "beoordeling": "bewaarplicht",
    "bewaarplicht_reden": "klacht",
    "bewaarplicht_herzien_op": "2027-06-01",
}
HOLD_REVIEW_AT = datetime(2027, 6, 1, 7, tzinfo=UTC)  # 09:00 in Amsterdam (CEST)
CHANGED = InstanceAction("dossier_gewijzigd", "Dossier gewijzigd")


def test_extension_moves_the_expiry_and_the_next_review(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id = start_record(ctx, sanne)
    review_id = reach_review(ctx, clock, instance_id)
    assert complete_task(ctx, sanne, review_id, EXTEND).next_task_id is None
    assert open_tasks(ctx, sanne, instance_id) == []
    assert next_due(ctx, instance_id) == NEW_REVIEW_AT

    clock.set(EXPIRY + SECOND)  # the old expiry passes quietly
    assert fire_due_timers(ctx) == 0
    assert open_tasks(ctx, fg, instance_id) == []

    again = reach_review(ctx, clock, instance_id, NEW_REVIEW_AT)
    task = open_task(ctx, sanne, again).task
    # 60 days from 13 April 2030 is 12 June, end of day (CEST): the extended date.
    assert (task.due_at, task.due_rule) == (datetime(2030, 6, 12, 21, 59, 59, tzinfo=UTC), REVIEW_RULE)
    assert next_due(ctx, instance_id) == NEW_EXPIRY
    clock.set(NEW_EXPIRY + SECOND)
    assert fire_due_timers(ctx) == 1
    assert open_tasks(ctx, fg, instance_id) == [(EXPIRED, "fg")]

    approve_and_destroy(ctx, again, instance_id)
    (row,) = list_register(ctx, fg, "destruction").entries
    assert row.fields["dossier_kenmerk"] == "KF-2007-0042"
    assert "verlenging_toelichting" not in row.fields  # the reasons stay in the case, not in the record


def test_legal_hold_is_reviewed_again_and_the_fg_watches_the_passed_expiry(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id = start_record(ctx, sanne)
    review_id = reach_review(ctx, clock, instance_id)
    complete_task(ctx, sanne, review_id, HOLD)
    assert next_due(ctx, instance_id) == HOLD_REVIEW_AT

    clock.set(EXPIRY + SECOND)  # under a legal hold the expiry itself raises nothing
    assert fire_due_timers(ctx) == 0
    assert open_tasks(ctx, fg, instance_id) == []

    clock.set(HOLD_REVIEW_AT + SECOND)
    assert fire_due_timers(ctx) == 1  # the hold's date, and with it the expiry already passed
    again = task_id(ctx, sanne, instance_id, REVIEW)
    assert open_task(ctx, sanne, again).task.due_at == datetime(2027, 8, 2, 21, 59, 59, tzinfo=UTC)  # Mon
    # The hold is over and the term has passed: the FG watches the destruction.
    assert open_tasks(ctx, fg, instance_id) == [(EXPIRED, "fg")]
    assert next_due(ctx, instance_id) is None


def test_a_change_of_the_record_restarts_the_term(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, fg, mila, lotte = (login(ctx, u) for u in ("hulpverlener", "fg", "manager", "rubicon"))
    instance_id = start_record(ctx, sanne)
    assert list_instance_actions(ctx, sanne, instance_id) == [CHANGED]
    assert list_instance_actions(ctx, fg, instance_id) == []
    assert list_instance_actions(ctx, mila, instance_id) == []
    with pytest.raises(AccessDenied):
        trigger_event(ctx, lotte, instance_id, "dossier_gewijzigd")

    clock.advance(timedelta(days=30))
    result = trigger_event(ctx, sanne, instance_id, "dossier_gewijzigd")
    assert result.next_task_id is not None and not result.instance_completed
    assert open_task(ctx, sanne, result.next_task_id).task.name == CHANGE
    assert list_instance_actions(ctx, sanne, instance_id) == []  # not waiting while the change is recorded
    with pytest.raises(TaskNotReady):
        trigger_event(ctx, sanne, instance_id, "dossier_gewijzigd")
    assert next_due(ctx, instance_id) is None

    complete_task(ctx, sanne, result.next_task_id, {"laatste_wijziging_op": "2026-10-01"})
    # 1 October 2046 is a Monday (CEST); the review opens 1 August 2046, 00:00 CEST.
    assert next_due(ctx, instance_id) == datetime(2046, 8, 1, 21, 59, 59, tzinfo=UTC)
    assert list_instance_actions(ctx, sanne, instance_id) == [CHANGED]
    clock.set(REVIEW_AT + SECOND)  # the old review date passes without a task
    assert fire_due_timers(ctx) == 0
    assert open_tasks(ctx, sanne, instance_id) == []
    events = [h.event for h in view_instance(ctx, sanne, instance_id).history]
    assert events.count("Taak afgerond") == 2
