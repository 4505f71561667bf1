"""The pure rules for handing tasks on: reassigning, delegating for review and back, completing while a task
is out for review, and drafts. Deny by default; every refusal carries a Dutch reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from webapp.domain import access
from webapp.domain.access import Actor, Decision, Membership, TaskAssignment
from webapp.domain.roles import Role

WEERT, RUBICON = 3, 9
HandOn = Callable[[Actor, TaskAssignment, Actor], Decision]


def person(user_id: int, *memberships: tuple[int, Role]) -> Actor:
    return Actor(
        user_id, f"u{user_id}", f"User {user_id}", frozenset(Membership(o, r) for o, r in memberships)
    )


OWNER = person(1, (WEERT, Role.PROFESSIONAL))
COLLEAGUE = person(2, (WEERT, Role.PROFESSIONAL))
THIRD = person(3, (WEERT, Role.PROFESSIONAL))
FG = person(4, (WEERT, Role.FG))
OUTSIDER = person(5, (RUBICON, Role.PROFESSIONAL))
NOBODY = Actor(0, "", "", frozenset())


def task(assignee: Actor | None = None, delegated_by: Actor | None = None) -> TaskAssignment:
    return TaskAssignment(
        WEERT,
        Role.PROFESSIONAL,
        assignee.user_id if assignee else None,
        delegated_by.user_id if delegated_by else None,
    )


UNCLAIMED = task()
MINE = task(OWNER)
OUT_FOR_REVIEW = task(COLLEAGUE, delegated_by=OWNER)  # OWNER gave it to COLLEAGUE for review

NO_ROLE = "Deze persoon heeft niet de rol die deze taak vraagt in deze organisatie."
SELF = "Kies een collega; een taak voor uzelf pakt u op met ‘Oppakken’."
WAIT_FOR_REVIEW = "Deze taak ligt ter beoordeling bij een collega; wacht tot die haar teruggeeft."
UNDER_REVIEW = "Deze taak is u ter beoordeling gegeven: geef haar terug; wie haar aan u gaf, rondt haar af."


def refused(decision: Decision) -> str:
    assert not decision, "expected a refusal"
    assert decision.reason, "a refusal needs a reason"
    return decision.reason


@pytest.mark.parametrize("hand_on", [access.may_reassign_task, access.may_delegate_task])
def test_the_holder_hands_a_task_to_a_colleague_with_its_role_in_its_organisation(hand_on: HandOn) -> None:
    assert hand_on(OWNER, MINE, COLLEAGUE)
    assert hand_on(OWNER, UNCLAIMED, COLLEAGUE)  # an unclaimed task: anyone with its role
    assert refused(hand_on(OWNER, MINE, FG)) == NO_ROLE  # same organisation, other role
    assert refused(hand_on(OWNER, MINE, OUTSIDER)) == NO_ROLE  # same role, other organisation
    assert refused(hand_on(OWNER, MINE, NOBODY)) == NO_ROLE  # an unknown or inactive account
    assert refused(hand_on(OWNER, MINE, OWNER)) == SELF


@pytest.mark.parametrize(
    ("hand_on", "verb"),
    [(access.may_reassign_task, "overdragen"), (access.may_delegate_task, "ter beoordeling geven")],
)
def test_only_the_holder_or_for_an_unclaimed_task_a_role_member_hands_it_on(
    hand_on: HandOn, verb: str
) -> None:
    assert refused(hand_on(COLLEAGUE, MINE, THIRD)) == (
        f"Deze taak is opgepakt door een collega; alleen die kan haar {verb}."
    )
    assert refused(hand_on(FG, UNCLAIMED, COLLEAGUE)) == "U heeft niet de rol die deze taak vraagt."
    assert refused(hand_on(OUTSIDER, UNCLAIMED, COLLEAGUE)) == "U heeft niet de rol die deze taak vraagt."


def test_a_task_out_for_review_is_not_handed_on_by_anyone() -> None:
    for rule in (access.may_reassign_task, access.may_delegate_task):
        assert refused(rule(OWNER, OUT_FOR_REVIEW, THIRD)) == WAIT_FOR_REVIEW
        assert refused(rule(COLLEAGUE, OUT_FOR_REVIEW, THIRD)) == UNDER_REVIEW
        assert refused(rule(THIRD, OUT_FOR_REVIEW, OWNER)) == WAIT_FOR_REVIEW


def test_the_reviewer_hands_back_and_the_owner_may_take_it_back() -> None:
    assert access.may_hand_back_task(COLLEAGUE, OUT_FOR_REVIEW)
    assert access.may_hand_back_task(OWNER, OUT_FOR_REVIEW)
    assert refused(access.may_hand_back_task(THIRD, OUT_FOR_REVIEW)) == (
        "Alleen de beoordelaar of wie de taak ter beoordeling gaf, kan haar teruggeven."
    )
    assert refused(access.may_hand_back_task(OWNER, MINE)) == "Deze taak is niet ter beoordeling gegeven."


def test_nobody_completes_a_task_out_for_review_and_the_owner_does_once_it_is_back() -> None:
    assert refused(access.may_complete_assigned_task(COLLEAGUE, OUT_FOR_REVIEW)) == UNDER_REVIEW
    assert refused(access.may_complete_assigned_task(OWNER, OUT_FOR_REVIEW)) == WAIT_FOR_REVIEW
    assert refused(access.may_complete_assigned_task(FG, OUT_FOR_REVIEW)) == (
        "Deze taak hoort bij een rol of organisatie die u niet heeft."
    )
    back = task(OWNER)
    assert access.may_complete_assigned_task(OWNER, back)
    assert "alleen die kan haar afronden" in refused(access.may_complete_assigned_task(COLLEAGUE, back))
    # Without delegation the rule is the one that always held.
    for actor in (OWNER, COLLEAGUE, FG, OUTSIDER):
        for facts in (UNCLAIMED, MINE):
            expected = access.may_complete_task(actor, facts.access)
            assert access.may_complete_assigned_task(actor, facts) == expected


def test_releasing_is_for_the_holder_and_not_while_out_for_review() -> None:
    assert access.may_release_assigned_task(OWNER, MINE)
    assert refused(access.may_release_assigned_task(COLLEAGUE, MINE)) == (
        "Alleen wie de taak heeft opgepakt kan haar teruggeven."
    )
    assert refused(access.may_release_assigned_task(OWNER, UNCLAIMED)).startswith("Alleen wie")
    assert refused(access.may_release_assigned_task(COLLEAGUE, OUT_FOR_REVIEW)) == UNDER_REVIEW


@pytest.mark.parametrize(
    ("actor", "facts", "reason"),
    [
        (OWNER, MINE, None),
        (OWNER, UNCLAIMED, None),  # saving a draft claims it
        (COLLEAGUE, MINE, "Deze taak is opgepakt door een collega; alleen die kan er een concept bewaren."),
        (FG, UNCLAIMED, "Deze taak hoort bij een rol of organisatie die u niet heeft."),
        (OUTSIDER, MINE, "Deze taak hoort bij een rol of organisatie die u niet heeft."),
        # The reviewer would overwrite the owner's draft; the owner does not hold the task while it is out.
        (COLLEAGUE, OUT_FOR_REVIEW, UNDER_REVIEW),
        (OWNER, OUT_FOR_REVIEW, WAIT_FOR_REVIEW),
    ],
)
def test_a_draft_belongs_to_whoever_holds_the_task(
    actor: Actor, facts: TaskAssignment, reason: str | None
) -> None:
    decision = access.may_save_draft(actor, facts)
    assert decision.allowed is (reason is None)
    assert decision.reason == (reason or "")


def test_the_facts_carry_the_plain_access_facts() -> None:
    assert OUT_FOR_REVIEW.access == access.TaskAccess(WEERT, Role.PROFESSIONAL, COLLEAGUE.user_id)
    assert OUT_FOR_REVIEW.delegated and not MINE.delegated
    # The assignee of a task out for review sees it even without the role (defensive: reviewers have it).
    assert access.may_see_task(COLLEAGUE, OUT_FOR_REVIEW.access)
