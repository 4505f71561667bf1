"""Who may see and do what: pure rules over plain values, deny by default.

Organisation and role come from memberships (user × organisation × role). A task belongs to one
organisation and one role (its lane); only members with that role in that organisation may take it.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.roles import Role

CASE_ROLES = frozenset({Role.PROFESSIONAL, Role.AANDACHTSFUNCTIONARIS, Role.VOORZITTER, Role.FG})


@dataclass(frozen=True)
class Membership:
    organisation_id: int
    role: Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    memberships: frozenset[Membership]

    def has_role(self, organisation_id: int, role: Role | str) -> bool:
        return Membership(organisation_id, Role(role)) in self.memberships

    def organisations_with(self, role: Role) -> set[int]:
        return {m.organisation_id for m in self.memberships if m.role is role}

    @property
    def roles(self) -> set[Role]:
        return {m.role for m in self.memberships}


@dataclass(frozen=True)
class TaskAccess:
    """The facts about a task that decide access."""

    organisation_id: int
    role: Role | str
    assignee_id: int | None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def may_see_task(actor: Actor, task: TaskAccess) -> Decision:
    if task.assignee_id == actor.user_id or actor.has_role(task.organisation_id, task.role):
        return ALLOW
    return Decision(False, "Deze taak hoort bij een rol of organisatie die u niet heeft.")


def may_claim_task(actor: Actor, task: TaskAccess) -> Decision:
    if not actor.has_role(task.organisation_id, task.role):
        return Decision(False, "U heeft niet de rol die deze taak vraagt.")
    if task.assignee_id not in (None, actor.user_id):
        return Decision(False, "Deze taak is al door een collega opgepakt.")
    return ALLOW


def may_complete_task(actor: Actor, task: TaskAccess) -> Decision:
    seen = may_see_task(actor, task)
    if not seen:
        return seen
    if task.assignee_id not in (None, actor.user_id):
        return Decision(False, "Deze taak is opgepakt door een collega; alleen die kan haar afronden.")
    return ALLOW


def may_start_process(actor: Actor, organisation_id: int, start_role: Role | str) -> Decision:
    if actor.has_role(organisation_id, start_role):
        return ALLOW
    return Decision(False, "U mag deze procedure niet starten voor deze organisatie.")


def may_view_instance(
    actor: Actor, organisation_id: int, started_by_id: int | None, task_roles: frozenset[str] = frozenset()
) -> Decision:
    """Case roles of the owning organisation see its cases; another role (a manager acting for the controller
    in a breach, say) sees a case only when the procedure gives that role tasks in it."""
    if started_by_id == actor.user_id:
        return ALLOW
    allowed = CASE_ROLES | {Role(r) for r in task_roles if r in Role._value2member_map_}
    if any(m.organisation_id == organisation_id and m.role in allowed for m in actor.memberships):
        return ALLOW
    return Decision(False, "U heeft geen toegang tot deze zaak.")


def may_deploy(actor: Actor) -> Decision:
    if Role.PROCESS_OWNER in actor.roles or Role.ADMIN in actor.roles:
        return ALLOW
    return Decision(False, "Alleen een procesbeheerder mag processen uitrollen.")


def may_read_register(actor: Actor, organisation_id: int, readers: frozenset[Role]) -> Decision:
    """Registers hold the process's record of a case; each names the roles that read it, and the FG reads
    every register of its own organisation."""
    allowed = readers | {Role.FG}
    if any(m.organisation_id == organisation_id and m.role in allowed for m in actor.memberships):
        return ALLOW
    return Decision(False, "U heeft geen toegang tot dit register.")
