"""The need-to-know rules of domain.access (issue 5 items 2 and 3), one rule at a time, on plain values.

Weert owns the case; Rubicon is a partner organisation. The whole of a procedure is for its starter and the
case roles of the owning organisation; a partner, or a role without case rights, sees only the tasks it
takes part in (conv. art. 12.3); break-glass opens a case for a few hours, with a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webapp.domain import access
from webapp.domain.access import Actor, InstanceScope, Membership, TaskAccess
from webapp.domain.roles import Role

WEERT, RUBICON = 3, 9
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def actor(user_id: int, *memberships: tuple[int, Role]) -> Actor:
    return Actor(
        user_id, f"u{user_id}", f"User {user_id}", frozenset(Membership(o, r) for o, r in memberships)
    )


SANNE = actor(1, (WEERT, Role.PROFESSIONAL))
FATIMA = actor(2, (WEERT, Role.AANDACHTSFUNCTIONARIS), (WEERT, Role.PROFESSIONAL))
PETER = actor(3, (WEERT, Role.VOORZITTER))
INGRID = actor(4, (WEERT, Role.FG))
MILA = actor(5, (WEERT, Role.MANAGER))
OMAR = actor(6, (WEERT, Role.PROCESS_OWNER))
KEES = actor(7, (WEERT, Role.ADMIN))
LOTTE = actor(8, (RUBICON, Role.PROFESSIONAL))
AHMED = actor(9, (RUBICON, Role.FG))
EVA = actor(10, (RUBICON, Role.MANAGER))

WEERT_TASK = TaskAccess(WEERT, Role.PROFESSIONAL, None)
MANAGER_TASK = TaskAccess(WEERT, Role.MANAGER, None)
RUBICON_TASK = TaskAccess(RUBICON, Role.PROFESSIONAL, None)
TASKS = {11: WEERT_TASK, 12: MANAGER_TASK, 13: RUBICON_TASK}


def scope(who: Actor, *, started_by: int | None = None, emergency: bool = False) -> InstanceScope:
    return access.instance_scope(who, WEERT, started_by, TASKS, emergency=emergency)


# --- may_view_instance: the whole procedure ---------------------------------------------------------------


@pytest.mark.parametrize("who", [SANNE, FATIMA, PETER, INGRID])
def test_the_case_roles_of_the_owning_organisation_see_the_whole_procedure(who: Actor) -> None:
    assert access.may_view_instance(who, WEERT, started_by_id=None)


@pytest.mark.parametrize("who", [MILA, OMAR, KEES, LOTTE, AHMED, EVA])
def test_no_one_else_sees_the_whole_procedure(who: Actor) -> None:
    refused = access.may_view_instance(who, WEERT, started_by_id=None)
    assert not refused
    assert refused.reason == "U heeft geen toegang tot deze zaak."


def test_the_starter_sees_the_procedure_they_started() -> None:
    assert access.may_view_instance(LOTTE, WEERT, started_by_id=LOTTE.user_id)


def test_a_role_the_procedure_gives_tasks_no_longer_opens_the_whole_procedure() -> None:
    """Formerly a manager with a task in a breach saw the whole case; now only that task (instance_scope)."""
    assert not access.may_view_instance(MILA, WEERT, None, frozenset({"manager"}))


# --- instance_scope: need to know within a procedure (conv. art. 12.3) -------------------------------------


@pytest.mark.parametrize("who", [SANNE, FATIMA, PETER, INGRID])
def test_a_case_role_sees_every_task(who: Actor) -> None:
    seen = scope(who)
    assert seen.whole and not seen.emergency
    assert seen.task_ids == frozenset(TASKS)
    assert seen.shows_task(None) and all(seen.shows_task(t) for t in TASKS)


def test_a_partner_sees_only_the_tasks_of_its_own_organisation() -> None:
    seen = scope(LOTTE)
    assert seen.allowed and not seen.whole
    assert seen.task_ids == {13}
    assert seen.shows_task(13) and not seen.shows_task(11) and not seen.shows_task(12)
    assert not seen.shows_task(None)  # nothing about the procedure as a whole: no case-level comments


def test_a_manager_sees_only_the_task_of_the_manager_lane() -> None:
    assert scope(MILA).task_ids == {12}
    assert not scope(MILA).whole


def test_a_task_handed_to_someone_is_in_their_view() -> None:
    tasks = {21: TaskAccess(WEERT, Role.PROFESSIONAL, assignee_id=LOTTE.user_id)}
    assert access.instance_scope(LOTTE, WEERT, None, tasks).task_ids == {21}


@pytest.mark.parametrize("who", [OMAR, KEES, AHMED, EVA])
def test_who_takes_no_part_sees_nothing(who: Actor) -> None:
    seen = scope(who)
    assert not seen and seen == access.NO_SCOPE


def test_the_fg_of_a_partner_does_not_see_its_professionals_tasks() -> None:
    assert not scope(AHMED)


def test_break_glass_opens_the_whole_procedure_and_marks_it() -> None:
    seen = scope(LOTTE, emergency=True)
    assert seen.whole and seen.emergency and seen.task_ids == frozenset(TASKS)
    assert not scope(SANNE, emergency=True).emergency  # her own rights suffice: not an emergency read


# --- may_read_register ------------------------------------------------------------------------------------


def test_the_fg_reads_every_register_of_its_own_organisation_only() -> None:
    readers = frozenset({Role.VOORZITTER})
    assert access.may_read_register(INGRID, WEERT, readers)
    assert access.may_read_register(PETER, WEERT, readers)
    assert not access.may_read_register(AHMED, WEERT, readers)
    assert not access.may_read_register(SANNE, WEERT, readers)
    assert not access.may_read_register(MILA, WEERT, readers)


# --- break-glass -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [SANNE, FATIMA, PETER, LOTTE])
def test_who_works_on_cases_may_ask_break_glass(who: Actor) -> None:
    assert access.may_break_glass(who)


@pytest.mark.parametrize("who", [INGRID, MILA, OMAR, KEES, AHMED, EVA])
def test_other_roles_may_not_ask_break_glass(who: Actor) -> None:
    refused = access.may_break_glass(who)
    assert not refused and "Noodtoegang is alleen mogelijk" in refused.reason


def test_break_glass_is_not_for_a_case_one_sees_already() -> None:
    refused = access.may_break_glass(LOTTE, has_access=True)
    assert not refused and "al toegang" in refused.reason


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("", "Schrijf op waarom u noodtoegang nodig heeft."),
        ("   \n ", "Schrijf op waarom u noodtoegang nodig heeft."),
        ("Acuut gevaar kind", "Geef een reden van minstens 20 tekens; deze telt 17 tekens."),
        ("  Acuut    gevaar   kind  ", "Geef een reden van minstens 20 tekens; deze telt 17 tekens."),
        ("Acuut gevaar voor het kind, VT belt", None),
        ("x" * 20, None),
    ],
)
def test_a_break_glass_reason_has_at_least_twenty_characters(reason: str, error: str | None) -> None:
    assert access.break_glass_reason_error(reason) == error


def test_break_glass_lasts_the_configured_hours() -> None:
    assert access.break_glass_expiry(NOW) == NOW + timedelta(hours=4)
    assert access.break_glass_expiry(NOW, 0.5) == NOW + timedelta(minutes=30)
    with pytest.raises(ValueError):
        access.break_glass_expiry(NOW, 0)


@pytest.mark.parametrize(
    ("now", "ended", "active"),
    [
        (NOW - timedelta(seconds=1), None, False),  # not yet started
        (NOW, None, True),
        (NOW + timedelta(hours=4) - timedelta(seconds=1), None, True),
        (NOW + timedelta(hours=4), None, False),  # expired: refused again
        (NOW + timedelta(hours=1), NOW + timedelta(minutes=30), False),  # ended early
    ],
)
def test_a_grant_holds_from_its_start_until_it_expires_or_ends(
    now: datetime, ended: datetime | None, active: bool
) -> None:
    assert access.break_glass_active(NOW, NOW + timedelta(hours=4), ended, now) is active
