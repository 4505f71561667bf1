"""Who may see and do what: pure rules over plain values, deny by default.

Organisation and role come from memberships (user × organisation × role). A task belongs to one
organisation and one role (its lane); only members with that role in that organisation may take it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    """The whole instance: for its starter and the case roles of the owning organisation (the initiator's
    dossier, conv. art. 12.1). Anyone else sees at most the tasks they take part in: ``instance_scope``.

    ``task_roles`` no longer widens the view (a manager acting for the controller in a breach sees that
    task, not the case); the parameter stays so that older callers keep working, and is ignored."""
    del task_roles
    if started_by_id == actor.user_id:
        return ALLOW
    if any(m.organisation_id == organisation_id and m.role in CASE_ROLES for m in actor.memberships):
        return ALLOW
    return _NO_CASE_ACCESS


_NO_CASE_ACCESS = Decision(False, N_("U heeft geen toegang tot deze zaak."))


# --- Need to know within a case (conv. art. 12.3) ---------------------------------------------------------
#
# A case lives in the dossier of the organisation that opened it. Its case roles there see every procedure
# of it; a partner organisation, or a role without case rights (a manager handling a breach), sees only
# the tasks it takes part in: those of its own role in its own organisation, and those handed to the person.
# Of such a procedure it sees the tasks, their history and the comments on them, never the rest.


@dataclass(frozen=True)
class InstanceScope:
    """How much of one process instance a person sees."""

    whole: bool = False
    task_ids: frozenset[int] = frozenset()  # with ``whole``: every task; else only these
    emergency: bool = False  # seen only through break-glass

    @property
    def allowed(self) -> bool:
        return self.whole or bool(self.task_ids)

    def __bool__(self) -> bool:
        return self.allowed

    def shows_task(self, task_id: int | None) -> bool:
        """Whether a task (or, for None, something about the instance as a whole) is in view."""
        return self.whole if task_id is None else self.whole or task_id in self.task_ids


NO_SCOPE = InstanceScope()


def instance_scope(
    actor: Actor,
    organisation_id: int,
    started_by_id: int | None,
    tasks: Mapping[int, TaskAccess],
    *,
    emergency: bool = False,
) -> InstanceScope:
    """The part of an instance this actor sees: the whole (starter, case roles of the owning organisation,
    or an active break-glass on its case), the tasks it takes part in, or nothing (deny by default)."""
    if may_view_instance(actor, organisation_id, started_by_id):
        return InstanceScope(whole=True, task_ids=frozenset(tasks))
    if emergency:
        return InstanceScope(whole=True, task_ids=frozenset(tasks), emergency=True)
    return InstanceScope(task_ids=frozenset(i for i, task in tasks.items() if may_see_task(actor, task)))


# --- Break-glass: emergency access to a case beyond one's rights -------------------------------------------
#
# Only the people who act on cases (not managers, process owners or administrators) may ask for it, only
# with a written reason, for a few hours; every read under it is audited with that reason, and the FG of the
# owning organisation is told.

BREAK_GLASS_ROLES = frozenset({Role.PROFESSIONAL, Role.AANDACHTSFUNCTIONARIS, Role.VOORZITTER})
BREAK_GLASS_MIN_REASON = 20
DEFAULT_BREAK_GLASS_HOURS = 4.0


def may_break_glass(actor: Actor, *, has_access: bool = False) -> Decision:
    """Whether the actor may ask emergency access to a case; ``has_access``: they already see (part of) it."""
    if not actor.roles & BREAK_GLASS_ROLES:
        return Decision(
            False,
            N_(
                "Noodtoegang is alleen mogelijk voor professionals, aandachtsfunctionarissen en voorzitters "
                "van een convenantpartner."
            ),
        )
    if has_access:
        return Decision(False, N_("U heeft al toegang tot deze zaak; noodtoegang is niet nodig."))
    return ALLOW


def break_glass_reason_error(reason: str) -> str | None:
    """The Dutch error for a reason that is too short, or None when it will do."""
    written = " ".join(reason.split())
    if not written:
        return N_("Schrijf op waarom u noodtoegang nodig heeft.")
    if len(written) < BREAK_GLASS_MIN_REASON:
        return Message(
            "Geef een reden van minstens {least} tekens; deze telt {count} tekens.",
            least=BREAK_GLASS_MIN_REASON,
            count=len(written),
        )
    return None


def break_glass_expiry(started_at: datetime, hours: float = DEFAULT_BREAK_GLASS_HOURS) -> datetime:
    if hours <= 0:
        raise ValueError("break_glass_hours must be positive")
    return started_at + timedelta(hours=hours)


def break_glass_active(
    started_at: datetime, expires_at: datetime, ended_at: datetime | None, now: datetime
) -> bool:
    """A grant holds from its start until it expires or is ended early, whichever comes first."""
    return ended_at is None and started_at <= now < expires_at


def may_deploy(actor: Actor) -> Decision:
    if Role.PROCESS_OWNER in actor.roles or Role.ADMIN in actor.roles:
        return ALLOW
    return Decision(False, N_("Alleen een procesbeheerder mag processen uitrollen."))


PROCESS_STATE_ANY_ORGANISATION = frozenset({Role.PROCESS_OWNER, Role.ADMIN})
PROCESS_STATE_OWN_ORGANISATION = frozenset({Role.MANAGER, Role.FG})


def may_view_process_state(actor: Actor, organisation_id: int, *, sees_instance: bool = False) -> Decision:
    """An instance's diagram with where it stands (the path taken, the open tasks with their role and due
    date, the timers waiting): the process's structure, never the case's data. Process owners and
    administrators see it for every organisation (they answer for the diagrams); the managers and the FG of
    the owning organisation (deadlines and supervision); and whoever sees the whole instance itself
    (``sees_instance``: ``instance_scope(...).whole``)."""
    if sees_instance or actor.roles & PROCESS_STATE_ANY_ORGANISATION:
        return ALLOW
    if any(
        m.organisation_id == organisation_id and m.role in PROCESS_STATE_OWN_ORGANISATION
        for m in actor.memberships
    ):
        return ALLOW
    return Decision(False, N_("U mag het procesverloop van deze zaak niet inzien."))


def may_read_register(actor: Actor, organisation_id: int, readers: frozenset[Role]) -> Decision:
    """Registers hold the process's record of a case; each names the roles that read it, and the FG reads
    every register of its own organisation."""
    allowed = readers | {Role.FG}
    if any(m.organisation_id == organisation_id and m.role in allowed for m in actor.memberships):
        return ALLOW
    return Decision(False, N_("U heeft geen toegang tot dit register."))


REPORT_READERS = frozenset({Role.MANAGER})
POLICY_STATISTICS_READERS = frozenset({Role.MANAGER, Role.FG})


def report_organisations(actor: Actor) -> list[int]:
    """The organisations whose open, due and overdue work this actor follows: where they are manager."""
    return sorted({m.organisation_id for m in actor.memberships if m.role in REPORT_READERS})


def may_view_reports(actor: Actor) -> Decision:
    """The managers' dashboard, deadline compliance and lead times: counts, dates, steps and roles of the
    manager's own organisations, never case contents."""
    if report_organisations(actor):
        return ALLOW
    return Decision(False, N_("Alleen een manager ziet de overzichten van openstaand werk en termijnen."))


def may_view_policy_statistics(actor: Actor) -> Decision:
    """Anonymised statistics over every organisation of the covenant (art. 2.3 and 12.5): for managers and
    the FG, who answers for the anonymisation."""
    if actor.roles & POLICY_STATISTICS_READERS:
        return ALLOW
    return Decision(False, N_("Alleen een manager of de FG ziet de beleidsstatistieken."))


AUDIT_READERS = frozenset({Role.FG, Role.ADMIN})


def may_read_audit(actor: Actor, organisation_id: int) -> Decision:
    """The audit of an organisation (what its people did, and everything done with its cases) is read by its
    FG, who supervises the processing, and by its administrator, who answers for the log's integrity
    (NEN 7513: access to the log is restricted). Nobody else, whatever other role they hold."""
    if any(m.organisation_id == organisation_id and m.role in AUDIT_READERS for m in actor.memberships):
        return ALLOW
    return Decision(
        False, N_("Alleen de functionaris gegevensbescherming of de beheerder leest dit auditlog.")
    )


def audit_organisations(actor: Actor) -> list[int]:
    """The organisations whose audit this actor reads (``may_read_audit``), lowest id first."""
    return sorted({m.organisation_id for m in actor.memberships if m.role in AUDIT_READERS})


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


_ONLY_HOLDER_REASSIGNS = N_("Deze taak is opgepakt door een collega; alleen die kan haar overdragen.")
_ONLY_HOLDER_DELEGATES = N_(
    "Deze taak is opgepakt door een collega; alleen die kan haar ter beoordeling geven."
)


def _may_hand_on(actor: Actor, task: TaskAssignment, held_by_colleague: str) -> Decision:
    """Whether the actor holds the task (or may take it) so as to hand it to someone else."""
    if task.delegated:
        return _while_delegated(actor, task)
    if not actor.has_role(task.organisation_id, task.role):
        return Decision(False, N_("U heeft niet de rol die deze taak vraagt."))
    if task.assignee_id not in (None, actor.user_id):
        return Decision(False, held_by_colleague)
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
    return _may_hand_on(actor, task, _ONLY_HOLDER_REASSIGNS) and _is_colleague(actor, task, colleague)


def may_delegate_task(actor: Actor, task: TaskAssignment, reviewer: Actor) -> Decision:
    """A reviewer is a colleague with the task's role in its organisation: they see what the task sees."""
    return _may_hand_on(actor, task, _ONLY_HOLDER_DELEGATES) and _is_colleague(actor, task, reviewer)


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
