from webapp.domain import access
from webapp.domain.access import Actor, Membership, TaskAccess
from webapp.domain.roles import Role, role_for_lane

WEERT, RUBICON = 3, 9


def actor(user_id: int, *memberships: tuple[int, Role]) -> Actor:
    return Actor(
        user_id, f"u{user_id}", f"User {user_id}", frozenset(Membership(o, r) for o, r in memberships)
    )


PROFESSIONAL = actor(1, (WEERT, Role.PROFESSIONAL))
COLLEAGUE = actor(2, (WEERT, Role.PROFESSIONAL))
FG = actor(3, (WEERT, Role.FG))
OUTSIDER = actor(4, (RUBICON, Role.PROFESSIONAL))


def test_a_task_is_for_members_with_its_role_in_its_organisation() -> None:
    task = TaskAccess(WEERT, Role.PROFESSIONAL, None)
    assert access.may_see_task(PROFESSIONAL, task)
    assert access.may_complete_task(PROFESSIONAL, task)
    assert not access.may_see_task(FG, task)
    assert not access.may_see_task(OUTSIDER, task)


def test_a_claimed_task_is_completed_only_by_its_assignee() -> None:
    task = TaskAccess(WEERT, Role.PROFESSIONAL, assignee_id=PROFESSIONAL.user_id)
    assert access.may_complete_task(PROFESSIONAL, task)
    refused = access.may_complete_task(COLLEAGUE, task)
    assert not refused
    assert "collega" in refused.reason
    assert not access.may_claim_task(COLLEAGUE, task)


def test_claiming_needs_the_role() -> None:
    assert not access.may_claim_task(FG, TaskAccess(WEERT, Role.PROFESSIONAL, None))
    assert access.may_claim_task(FG, TaskAccess(WEERT, Role.FG, None))


def test_starting_and_viewing_follow_organisation_and_role() -> None:
    assert access.may_start_process(PROFESSIONAL, WEERT, Role.PROFESSIONAL)
    assert not access.may_start_process(OUTSIDER, WEERT, Role.PROFESSIONAL)
    assert access.may_view_instance(FG, WEERT, started_by_id=None)
    assert not access.may_view_instance(OUTSIDER, WEERT, started_by_id=None)
    manager = actor(5, (WEERT, Role.MANAGER))
    assert not access.may_view_instance(manager, WEERT, started_by_id=None)  # managers see counts, not cases


def test_only_process_owners_and_admins_deploy() -> None:
    assert not access.may_deploy(PROFESSIONAL)
    assert access.may_deploy(actor(6, (WEERT, Role.PROCESS_OWNER)))


def test_lane_names_map_to_roles() -> None:
    assert role_for_lane("Professional") is Role.PROFESSIONAL
    assert role_for_lane("FG") is Role.FG
    assert role_for_lane("Functionaris gegevensbescherming") is Role.FG
    assert role_for_lane("  aandachtsfunctionaris ") is Role.AANDACHTSFUNCTIONARIS
    assert role_for_lane("process_owner") is Role.PROCESS_OWNER
    assert role_for_lane(None) is Role.PROFESSIONAL
    assert role_for_lane("Boekhouding") is None
