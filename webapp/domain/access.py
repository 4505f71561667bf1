"""Who may see and do what: pure rules over plain values, deny by default.

Organisation and role come from memberships (user × organisation × role). A task belongs to one
organisation and one role (its lane); only members with that role in that organisation may take it.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.messages import N_, Message
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
    language: str = "nl"  # the language the person reads Ketenflow in: nl (default) or en

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
    return Decision(False, N_("Deze taak hoort bij een rol of organisatie die u niet heeft."))


def may_claim_task(actor: Actor, task: TaskAccess) -> Decision:
    if not actor.has_role(task.organisation_id, task.role):
        return Decision(False, N_("U heeft niet de rol die deze taak vraagt."))
    if task.assignee_id not in (None, actor.user_id):
        return Decision(False, N_("Deze taak is al door een collega opgepakt."))
    return ALLOW


def may_complete_task(actor: Actor, task: TaskAccess) -> Decision:
    seen = may_see_task(actor, task)
    if not seen:
        return seen
    if task.assignee_id not in (None, actor.user_id):
        return Decision(False, N_("Deze taak is opgepakt door een collega; alleen die kan haar afronden."))
    return ALLOW


def may_start_process(actor: Actor, organisation_id: int, start_role: Role | str) -> Decision:
    if actor.has_role(organisation_id, start_role):
        return ALLOW
    return Decision(False, N_("U mag deze procedure niet starten voor deze organisatie."))


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
    return Decision(False, N_("U heeft geen toegang tot deze zaak."))


def may_deploy(actor: Actor) -> Decision:
    if Role.PROCESS_OWNER in actor.roles or Role.ADMIN in actor.roles:
        return ALLOW
    return Decision(False, N_("Alleen een procesbeheerder mag processen uitrollen."))


def may_read_register(actor: Actor, organisation_id: int, readers: frozenset[Role]) -> Decision:
    """Registers hold the process's record of a case; each names the roles that read it, and the FG reads
    every register of its own organisation."""
    allowed = readers | {Role.FG}
    if any(m.organisation_id == organisation_id and m.role in allowed for m in actor.memberships):
        return ALLOW
    return Decision(False, N_("U heeft geen toegang tot dit register."))


# --- Handing tasks on: reassigning, delegating for review, drafts -----------------------------------------
#
# Delegation follows Camunda: the assignee who delegates stays the task's owner (``delegated_by_id``); the
# reviewer becomes the assignee, looks at the task and hands it back ("terug"), and only the owner completes
# it once it is back. While a task is out for review nobody completes, releases, reassigns or saves a draft
# on it: the owner's draft stays private to the owner (a reviewer saving one would overwrite it), and the
# owner may take the task back early ("terughalen") when the reviewer is unavailable.


@dataclass(frozen=True)
class TaskAssignment:
    """The facts about a task that decide who holds it and who may hand it on."""

    organisation_id: int
    role: Role | str
    assignee_id: int | None
    delegated_by_id: int | None = None

    @property
    def access(self) -> TaskAccess:
        return TaskAccess(self.organisation_id, self.role, self.assignee_id)

    @property
    def delegated(self) -> bool:
        return self.delegated_by_id is not None


_OUT_FOR_REVIEW = N_("Deze taak ligt ter beoordeling bij een collega; wacht tot die haar teruggeeft.")
_UNDER_MY_REVIEW = N_(
    "Deze taak is u ter beoordeling gegeven: geef haar terug; wie haar aan u gaf, rondt haar af."
)


def _while_delegated(actor: Actor, task: TaskAssignment) -> Decision:
    return Decision(False, _UNDER_MY_REVIEW if task.assignee_id == actor.user_id else _OUT_FOR_REVIEW)


def _may_hand_on(actor: Actor, task: TaskAssignment, verb: str) -> Decision:
    """Whether the actor holds the task (or may take it) so as to hand it to someone else."""
    if task.delegated:
        return _while_delegated(actor, task)
    if not actor.has_role(task.organisation_id, task.role):
        return Decision(False, N_("U heeft niet de rol die deze taak vraagt."))
    if task.assignee_id not in (None, actor.user_id):
        return Decision(
            False, Message("Deze taak is opgepakt door een collega; alleen die kan haar {verb}.", verb=verb)
        )
    return ALLOW


def _is_colleague(actor: Actor, task: TaskAssignment, colleague: Actor) -> Decision:
    if colleague.user_id == actor.user_id:
        return Decision(False, N_("Kies een collega; een taak voor uzelf pakt u op met ‘Oppakken’."))
    if not colleague.has_role(task.organisation_id, task.role):
        return Decision(False, N_("Deze persoon heeft niet de rol die deze taak vraagt in deze organisatie."))
    return ALLOW


def may_reassign_task(actor: Actor, task: TaskAssignment, colleague: Actor) -> Decision:
    """The assignee (or, for an unclaimed task, anyone with its role) gives it to a colleague with the same
    role in the same organisation."""
    return _may_hand_on(actor, task, N_("overdragen")) and _is_colleague(actor, task, colleague)


def may_delegate_task(actor: Actor, task: TaskAssignment, reviewer: Actor) -> Decision:
    """A reviewer is a colleague with the task's role in its organisation: they see what the task sees."""
    return _may_hand_on(actor, task, N_("ter beoordeling geven")) and _is_colleague(actor, task, reviewer)


def may_hand_back_task(actor: Actor, task: TaskAssignment) -> Decision:
    """The reviewer hands the task back; the owner may also take it back."""
    if not task.delegated:
        return Decision(False, N_("Deze taak is niet ter beoordeling gegeven."))
    if actor.user_id in (task.assignee_id, task.delegated_by_id):
        return ALLOW
    return Decision(
        False, N_("Alleen de beoordelaar of wie de taak ter beoordeling gaf, kan haar teruggeven.")
    )


def may_release_assigned_task(actor: Actor, task: TaskAssignment) -> Decision:
    if task.delegated:
        return _while_delegated(actor, task)
    if task.assignee_id != actor.user_id:
        return Decision(False, N_("Alleen wie de taak heeft opgepakt kan haar teruggeven."))
    return ALLOW


def may_complete_assigned_task(actor: Actor, task: TaskAssignment) -> Decision:
    """``may_complete_task`` plus delegation: nobody completes a task out for review until it is back."""
    seen = may_see_task(actor, task.access)
    if not seen:
        return seen
    if task.delegated:
        return _while_delegated(actor, task)
    return may_complete_task(actor, task.access)


def may_save_draft(actor: Actor, task: TaskAssignment) -> Decision:
    """A draft belongs to the assignee; saving one on an unclaimed task claims it, so that no colleague
    completes the task over it."""
    seen = may_see_task(actor, task.access)
    if not seen:
        return seen
    if task.delegated:
        return _while_delegated(actor, task)
    if task.assignee_id is None:
        return may_claim_task(actor, task.access)
    if task.assignee_id != actor.user_id:
        return Decision(
            False, N_("Deze taak is opgepakt door een collega; alleen die kan er een concept bewaren.")
        )
    return ALLOW
