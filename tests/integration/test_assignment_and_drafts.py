"""Claiming, reassigning, delegating for review and drafts against a real database (SQLite and PostgreSQL):
what is stored, what is refused (and audited) and what a task's history says."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.factories import home_organisation, login
from webapp.domain.access import Actor
from webapp.domain.errors import AccessDenied, FormInvalid, TaskNotReady
from webapp.persistence.models import AuditEvent, HumanTask, User
from webapp.services import assignment, instances, tasks
from webapp.services.context import ServiceContext

INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}
# Not valid (no date, an unknown right, a text past its 2000 characters) and kept exactly as typed.
ROUGH = {"ontvangen_op": "gisteren", "recht": "alles", "omschrijving": "Eerste aantekening. " * 150}
NO_ROLE = "Deze persoon heeft niet de rol die deze taak vraagt in deze organisatie."


@dataclass(frozen=True)
class Holding:
    state: str
    assignee_id: int | None
    delegated_by_id: int | None
    draft: dict[str, Any] | None
    draft_by_id: int | None
    draft_saved_at: datetime | None


class Case:
    """One demo request, the people who work on it, and what is stored about its first task."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.sanne, self.daan = login(ctx, "hulpverlener"), login(ctx, "collega")
        self.fatima, self.fg, self.lotte = login(ctx, "aandacht"), login(ctx, "fg"), login(ctx, "rubicon")
        started = instances.start_process(
            ctx, self.sanne, "demo_subject_request", home_organisation(self.sanne)
        )
        assert started.next_task_id is not None
        self.task = started.next_task_id

    def holding(self) -> Holding:
        with self.ctx.db.read() as session:
            row = session.get_one(HumanTask, self.task)
            return Holding(
                row.state,
                row.assignee_id,
                row.delegated_by_id,
                row.draft,
                row.draft_by_id,
                row.draft_saved_at,
            )

    def audit(self) -> list[tuple[str, str, dict[str, str], str | None]]:
        with self.ctx.db.read() as session:
            rows = session.execute(
                select(AuditEvent.event, AuditEvent.result, AuditEvent.details, AuditEvent.reason)
                .where(AuditEvent.task_id == self.task, AuditEvent.event != "task.read")
                .order_by(AuditEvent.id)
            ).all()
        return [(e, r, d, reason) for e, r, d, reason in rows]

    def history(self, actor: Actor | None = None) -> list[str]:
        lines = assignment.task_history(self.ctx, actor or self.sanne, self.task)
        return [f"{line.at:%H:%M} {line.text} ({line.actor})" for line in lines]

    def form_data(self, actor: Actor) -> dict[str, Any]:
        return tasks.open_task(self.ctx, actor, self.task).data


@pytest.fixture
def case(any_ctx: ServiceContext) -> Case:
    return Case(any_ctx)


# --- claiming ------------------------------------------------------------------------------------------


def test_two_claims_at_once_have_one_winner_and_the_other_hears_who(case: Case) -> None:
    people = [case.sanne, case.daan]
    barrier = threading.Barrier(2)
    outcomes: dict[str, Exception | None] = {}

    def attempt(actor: Actor) -> None:
        barrier.wait()
        try:
            tasks.claim_task(case.ctx, actor, case.task)
            outcomes[actor.username] = None
        except AccessDenied as refusal:
            outcomes[actor.username] = refusal

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2
    winner = next(p for p in people if outcomes[p.username] is None)
    loser = next(p for p in people if outcomes[p.username] is not None)
    assert str(outcomes[loser.username]) == f"Deze taak is al opgepakt door {winner.display_name}."
    assert case.holding().assignee_id == winner.user_id
    claims = [(e, r, reason) for e, r, _, reason in case.audit() if e == "task.claimed"]
    # The audit line keeps the rule's reason, without the colleague's name.
    assert sorted(claims) == [
        ("task.claimed", "denied", "Deze taak is al door een collega opgepakt."),
        ("task.claimed", "success", None),
    ]


def test_a_claim_by_someone_else_clears_the_draft_a_release_left_behind(case: Case) -> None:
    assignment.save_draft(case.ctx, case.sanne, case.task, {"omschrijving": "Half af."})
    tasks.release_task(case.ctx, case.sanne, case.task)
    assert case.holding().draft == {"omschrijving": "Half af."}  # releasing keeps it for its author
    assert case.form_data(case.sanne) == {"omschrijving": "Half af."}
    tasks.claim_task(case.ctx, case.daan, case.task)
    assert case.holding() == Holding("open", case.daan.user_id, None, None, None, None)
    assert case.form_data(case.daan) == {}


# --- reassigning ---------------------------------------------------------------------------------------


def test_colleagues_are_the_active_members_with_the_tasks_role_in_its_organisation(case: Case) -> None:
    names = [c.display_name for c in assignment.list_colleagues(case.ctx, case.sanne, case.task)]
    assert names == ["Daan Collega", "Fatima Aandachtsfunctionaris"]  # not Sanne herself, no FG, no Rubicon
    with case.ctx.db.write() as session:
        session.execute(update(User).where(User.id == case.fatima.user_id).values(active=False))
    tasks.claim_task(case.ctx, case.daan, case.task)
    # Not who holds it now, nor an account that was switched off.
    assert [c.display_name for c in assignment.list_colleagues(case.ctx, case.sanne, case.task)] == []
    with pytest.raises(AccessDenied):
        assignment.list_colleagues(case.ctx, case.lotte, case.task)


def test_reassigning_moves_the_task_clears_the_draft_and_is_audited_without_content(case: Case) -> None:
    tasks.claim_task(case.ctx, case.sanne, case.task)
    assignment.save_draft(case.ctx, case.sanne, case.task, ROUGH)
    case.ctx.clock.advance(timedelta(minutes=5))
    assert assignment.reassign_task(case.ctx, case.sanne, case.task, case.daan.user_id) == "Daan Collega"
    assert case.holding() == Holding("open", case.daan.user_id, None, None, None, None)
    assert case.form_data(case.sanne) == case.form_data(case.daan) == {}
    assert case.audit()[-1] == (
        "task.reassigned",
        "success",
        {"from": str(case.sanne.user_id), "to": str(case.daan.user_id)},
        None,
    )
    assert "Eerste aantekening" not in str(case.audit())
    assert case.history(case.daan) == [
        "09:00 Opgepakt (Sanne Hulpverlener)",
        "09:00 Concept opgeslagen (Sanne Hulpverlener)",
        "09:05 Overgedragen aan Daan Collega (Sanne Hulpverlener)",
    ]
    tasks.complete_task(case.ctx, case.daan, case.task, INTAKE)  # the new assignee completes it
    assert case.holding().state == "completed"


@pytest.mark.parametrize("target", ["fg", "rubicon", "unknown", "inactive", "herself"])
def test_reassigning_to_someone_without_the_role_is_refused_and_changes_nothing(
    case: Case, target: str
) -> None:
    tasks.claim_task(case.ctx, case.sanne, case.task)
    assignment.save_draft(case.ctx, case.sanne, case.task, {"omschrijving": "Mijn concept."})
    if target == "inactive":
        with case.ctx.db.write() as session:
            session.execute(update(User).where(User.id == case.daan.user_id).values(active=False))
    target_id = {
        "fg": case.fg.user_id,
        "rubicon": case.lotte.user_id,
        "unknown": 987654,
        "inactive": case.daan.user_id,
        "herself": case.sanne.user_id,
    }[target]
    before = case.holding()
    with pytest.raises(AccessDenied) as refusal:
        assignment.reassign_task(case.ctx, case.sanne, case.task, target_id)
    reason = (
        "Kies een collega; een taak voor uzelf pakt u op met ‘Oppakken’." if target == "herself" else NO_ROLE
    )
    assert str(refusal.value) == reason
    assert case.holding() == before
    assert case.audit()[-1] == ("task.reassigned", "denied", {}, reason)


def test_only_the_holder_reassigns_a_claimed_task(case: Case) -> None:
    tasks.claim_task(case.ctx, case.sanne, case.task)
    with pytest.raises(AccessDenied, match="alleen die kan haar overdragen"):
        assignment.reassign_task(case.ctx, case.daan, case.task, case.fatima.user_id)
    with pytest.raises(AccessDenied, match="rol of organisatie die u niet heeft"):
        assignment.reassign_task(case.ctx, case.lotte, case.task, case.daan.user_id)
    assert case.holding().assignee_id == case.sanne.user_id


def test_a_completed_task_is_neither_reassigned_nor_delegated(case: Case) -> None:
    tasks.complete_task(case.ctx, case.sanne, case.task, INTAKE)
    for change in (assignment.reassign_task, assignment.delegate_task):
        with pytest.raises(TaskNotReady, match="al afgerond door Sanne Hulpverlener"):
            change(case.ctx, case.sanne, case.task, case.daan.user_id)
    assert case.holding().assignee_id is None


# --- delegating for review -----------------------------------------------------------------------------


SANNES_DRAFT = {"omschrijving": "Concept van Sanne."}


def out_for_review(case: Case) -> None:
    """Sanne claims the task, saves a draft and, at 09:10, gives it to Daan for review."""
    tasks.claim_task(case.ctx, case.sanne, case.task)
    assignment.save_draft(case.ctx, case.sanne, case.task, SANNES_DRAFT)
    case.ctx.clock.advance(timedelta(minutes=10))
    assert assignment.delegate_task(case.ctx, case.sanne, case.task, case.daan.user_id) == "Daan Collega"


def test_while_a_task_is_out_for_review_nobody_completes_releases_or_overwrites_the_draft(case: Case) -> None:
    out_for_review(case)
    held = case.holding()
    assert (held.assignee_id, held.delegated_by_id) == (case.daan.user_id, case.sanne.user_id)
    assert (held.draft, held.draft_by_id) == (SANNES_DRAFT, case.sanne.user_id)
    # The reviewer sees the task as the case holds it, not the owner's private draft.
    assert case.form_data(case.daan) == {}
    attempts = [
        (lambda: tasks.complete_task(case.ctx, case.daan, case.task, INTAKE), "u ter beoordeling gegeven"),
        (lambda: assignment.save_draft(case.ctx, case.daan, case.task, {}), "u ter beoordeling gegeven"),
        (lambda: tasks.complete_task(case.ctx, case.sanne, case.task, INTAKE), "ligt ter beoordeling bij"),
        (lambda: tasks.release_task(case.ctx, case.daan, case.task), "u ter beoordeling gegeven"),
        (lambda: assignment.hand_back_task(case.ctx, case.fatima, case.task), "Alleen de beoordelaar"),
    ]
    for attempt, message in attempts:
        with pytest.raises(AccessDenied, match=message):
            attempt()
    assert case.holding() == held
    refused = [e for e, r, _, _ in case.audit() if r == "denied"]
    assert refused == [
        "task.completed",
        "task.draft_saved",
        "task.completed",
        "task.released",
        "task.handed_back",
    ]


def test_the_reviewer_hands_back_and_the_owner_completes_from_their_draft(case: Case) -> None:
    out_for_review(case)
    case.ctx.clock.advance(timedelta(minutes=20))
    assert assignment.hand_back_task(case.ctx, case.daan, case.task) == "Sanne Hulpverlener"
    held = case.holding()
    assert (held.assignee_id, held.delegated_by_id) == (case.sanne.user_id, None)
    assert case.form_data(case.sanne) == SANNES_DRAFT  # the owner's draft is there again
    case.ctx.clock.advance(timedelta(minutes=5))
    tasks.complete_task(case.ctx, case.sanne, case.task, INTAKE)
    assert case.holding() == Holding("completed", case.sanne.user_id, None, None, None, None)
    assert case.history(case.daan) == [
        "09:00 Opgepakt (Sanne Hulpverlener)",
        "09:00 Concept opgeslagen (Sanne Hulpverlener)",
        "09:10 Ter beoordeling gegeven aan Daan Collega (Sanne Hulpverlener)",
        "09:30 Na beoordeling teruggegeven aan Sanne Hulpverlener (Daan Collega)",
        "09:35 Afgerond (Sanne Hulpverlener)",
    ]


def test_the_owner_may_take_a_task_back_from_an_absent_reviewer(case: Case) -> None:
    assignment.delegate_task(case.ctx, case.sanne, case.task, case.daan.user_id)  # unclaimed: Sanne owns it
    assert case.holding().delegated_by_id == case.sanne.user_id
    with pytest.raises(AccessDenied, match="ligt ter beoordeling"):
        assignment.reassign_task(case.ctx, case.sanne, case.task, case.fatima.user_id)
    assert assignment.hand_back_task(case.ctx, case.sanne, case.task) == "Sanne Hulpverlener"
    assert (case.holding().assignee_id, case.holding().delegated_by_id) == (case.sanne.user_id, None)
    assert case.history()[-1] == "09:00 Teruggehaald van Daan Collega (Sanne Hulpverlener)"
    with pytest.raises(AccessDenied, match="niet ter beoordeling gegeven"):
        assignment.hand_back_task(case.ctx, case.sanne, case.task)


def test_a_reviewer_is_a_colleague_with_the_tasks_role(case: Case) -> None:
    tasks.claim_task(case.ctx, case.sanne, case.task)
    with pytest.raises(AccessDenied) as refusal:
        assignment.delegate_task(case.ctx, case.sanne, case.task, case.fg.user_id)
    assert str(refusal.value) == NO_ROLE
    assert case.holding().delegated_by_id is None and case.holding().assignee_id == case.sanne.user_id


# --- drafts --------------------------------------------------------------------------------------------


def test_a_draft_keeps_unvalidated_answers_for_its_author_only(case: Case) -> None:
    assignment.save_draft(case.ctx, case.sanne, case.task, {**ROUGH, "not_a_field": "dropped"})
    stored = case.holding()
    # Saving on an unclaimed task claimed it, so no colleague completes the task over the draft.
    assert (stored.state, stored.assignee_id, stored.draft_by_id) == (
        "open",
        case.sanne.user_id,
        case.sanne.user_id,
    )
    assert stored.draft == ROUGH and stored.draft_saved_at == case.ctx.clock.now()
    assert case.form_data(case.sanne) == ROUGH
    assert case.form_data(case.daan) == {}
    lines = case.audit()
    assert [(e, r, d) for e, r, d, _ in lines] == [
        ("task.claimed", "success", {}),
        ("task.draft_saved", "success", {}),
    ]
    with pytest.raises(AccessDenied) as refusal:
        assignment.save_draft(case.ctx, case.daan, case.task, {"omschrijving": "Van Daan."})
    assert str(refusal.value) == "Deze taak is al opgepakt door Sanne Hulpverlener."
    assert case.holding() == stored


def test_an_emptied_draft_shows_empty_fields_not_the_cases_values(case: Case) -> None:
    tasks.complete_task(case.ctx, case.sanne, case.task, INTAKE)
    with case.ctx.db.read() as session:
        decision = session.execute(
            select(HumanTask.id).where(HumanTask.bpmn_id == "decide_request")
        ).scalar_one()
    assignment.save_draft(case.ctx, case.sanne, decision, {})
    assert tasks.open_task(case.ctx, case.sanne, decision).data == {}


def test_completing_clears_the_draft_and_a_refused_completion_keeps_it(case: Case) -> None:
    assignment.save_draft(case.ctx, case.sanne, case.task, ROUGH)
    with pytest.raises(FormInvalid):
        tasks.complete_task(case.ctx, case.sanne, case.task, ROUGH)
    assert case.holding().draft == ROUGH
    tasks.complete_task(case.ctx, case.sanne, case.task, INTAKE)
    assert case.holding() == Holding("completed", case.sanne.user_id, None, None, None, None)


def test_a_draft_on_a_task_that_is_no_longer_open_is_refused(case: Case) -> None:
    tasks.complete_task(case.ctx, case.daan, case.task, INTAKE)
    with pytest.raises(TaskNotReady) as refusal:
        assignment.save_draft(case.ctx, case.sanne, case.task, ROUGH)
    assert str(refusal.value) == "Deze taak is al afgerond door Daan Collega (02-11-2026 10:00)."
    assert case.holding().draft is None and "task.draft_saved" not in [e for e, *_ in case.audit()]


def test_an_outsider_saves_no_draft_and_the_refusal_is_audited(case: Case) -> None:
    with pytest.raises(AccessDenied, match="rol of organisatie die u niet heeft"):
        assignment.save_draft(case.ctx, case.lotte, case.task, ROUGH)
    assert case.holding() == Holding("open", None, None, None, None, None)
    assert case.audit() == [
        ("task.draft_saved", "denied", {}, "Deze taak hoort bij een rol of organisatie die u niet heeft.")
    ]


def test_an_oversized_draft_is_refused_in_dutch(case: Case) -> None:
    with pytest.raises(FormInvalid) as refusal:
        assignment.save_draft(case.ctx, case.sanne, case.task, {"omschrijving": "x" * (600 * 1024)})
    assert refusal.value.errors == {
        "_concept": "Het concept is te groot om te bewaren. Kort de langste teksten in."
    }
    assert case.holding() == Holding("open", None, None, None, None, None)
