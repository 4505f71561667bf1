"""Need to know within a case and break-glass, through the services on SQLite and PostgreSQL.

A partner organisation with a task in Weert's case sees that task and nothing else of the case (conv. art.
12.3); a partner's professional refused the case may open it with break-glass: a reason, four hours, every
read audited as emergency access with the reason, the FG of Weert told by notice and mail, ended early or
by expiry.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login
from tests.integration.test_case_file import audit_rows, demo_case
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.persistence.models import BreakGlass, HumanTask, Notification, Outbox
from webapp.services import break_glass, cases, client_access, comments, instances, tasks
from webapp.services.context import ServiceContext

REASON = "Acuut gevaar: Veilig Thuis belt, de zaakhouder is niet bereikbaar."


def partner_task(ctx: ServiceContext, instance_id: int, partner: Actor) -> int:
    """A task for the partner's professionals in Weert's procedure (as a lane for a partner would make)."""
    with ctx.db.write() as session:
        row = HumanTask(
            instance_id=instance_id,
            spiff_task_id="partner-bijdrage",
            bpmn_id="partner_contribution",
            name="Bijdrage van de partner",
            role="professional",
            organisation_id=home_organisation(partner),
            state="open",
            created_at=ctx.clock.now(),
        )
        session.add(row)
        session.flush()
        return row.id


# --- a partner sees only its own part -----------------------------------------------------------------


def test_a_partner_sees_only_its_own_task_of_the_case(any_ctx: ServiceContext) -> None:
    reference, demo_id, decide = demo_case(any_ctx)
    sanne, lotte = login(any_ctx, "hulpverlener"), login(any_ctx, "rubicon")
    own = partner_task(any_ctx, demo_id, lotte)
    comments.add_comment(any_ctx, sanne, reference, "Overweging van de gemeente.")
    comments.add_comment(any_ctx, sanne, reference, "Identiteit nog niet gezien.", task_id=decide)
    comments.add_comment(any_ctx, sanne, reference, "Wat kan Rubicon bieden?", task_id=own)

    file = cases.view_case_file(any_ctx, lotte, reference)

    assert [p.instance_id for p in file.procedures] == [demo_id]
    assert [(t.task.id, t.may_open) for t in file.open_tasks] == [(own, True)]
    assert [c.body for c in file.comments] == ["Wat kan Rubicon bieden?"]
    assert file.comment_tasks == [(own, "Bijdrage van de partner")]
    assert not file.may_comment_on_case
    # The start and what happened to its own task; not Weert's steps nor comments on Weert's task.
    assert [(line.event, line.task_name) for line in file.timeline] == [
        ("Procedure gestart", None),
        ("Opmerking geplaatst", "Bijdrage van de partner"),
    ]
    view = instances.view_instance(any_ctx, lotte, demo_id)
    assert [t.id for t in view.tasks] == [own]
    assert [line.event for line in view.history] == ["Procedure gestart"]
    assert [c.body for c in comments.list_task_comments(any_ctx, lotte, own)] == ["Wat kan Rubicon bieden?"]
    with pytest.raises(AccessDenied):
        comments.list_task_comments(any_ctx, lotte, decide)
    with pytest.raises(AccessDenied):
        tasks.open_task(any_ctx, lotte, decide)
    with pytest.raises(FormInvalid):  # a case-level comment would be read by the whole case
        comments.add_comment(any_ctx, lotte, reference, "Algemene opmerking van Rubicon.")
    assert comments.add_comment(any_ctx, lotte, reference, "Wij kunnen starten.", task_id=own) > 0
    # Weert's own people still see everything, Rubicon's contribution included.
    whole = cases.view_case_file(any_ctx, sanne, reference)
    assert {t.task.id for t in whole.open_tasks} == {decide, own}
    assert len(whole.comments) == 4


def test_the_partners_fg_and_manager_see_nothing_of_it(any_ctx: ServiceContext) -> None:
    reference, demo_id, _ = demo_case(any_ctx)
    partner_task(any_ctx, demo_id, login(any_ctx, "rubicon"))
    for username in ("fg.rubicon", "manager.rubicon"):
        with pytest.raises(AccessDenied):
            cases.view_case_file(any_ctx, login(any_ctx, username), reference)
        with pytest.raises(AccessDenied):
            instances.view_instance(any_ctx, login(any_ctx, username), demo_id)


# --- break-glass ------------------------------------------------------------------------------------------


def test_break_glass_opens_the_case_audits_every_read_and_tells_the_fg(any_ctx: ServiceContext) -> None:
    reference, demo_id, _ = demo_case(any_ctx)
    lotte = login(any_ctx, "rubicon")
    with pytest.raises(AccessDenied):
        cases.view_case_file(any_ctx, lotte, reference)
    assert break_glass.may_ask(any_ctx, lotte, reference)

    grant = break_glass.request_break_glass(any_ctx, lotte, reference, REASON)

    assert grant.expires_at == any_ctx.clock.now() + timedelta(hours=4)
    file = cases.view_case_file(any_ctx, lotte, reference)
    assert file.emergency is not None and file.emergency.reason == REASON
    assert [p.instance_id for p in file.procedures] == [demo_id]
    assert instances.view_instance(any_ctx, lotte, demo_id).emergency_until == grant.expires_at
    reads = [r for r in audit_rows(any_ctx, "case.read") if r.actor_id == lotte.user_id]
    # The chain names the grant; its written reason (free text that may name the client) stays in the
    # encrypted break_glass row, which a purge clears, and the FG's audit pages read it from there.
    grant_ref = {"break_glass": str(grant.id)}
    assert [(r.action, r.result, r.reason, r.details.get("break_glass")) for r in reads] == [
        ("read", "denied", "U heeft geen toegang tot deze zaak.", None),
        ("emergency_access", "success", None, str(grant.id)),
    ]
    (instance_read,) = [r for r in audit_rows(any_ctx, "instance.read") if r.actor_id == lotte.user_id]
    assert (instance_read.action, instance_read.reason, instance_read.details) == (
        "emergency_access",
        None,
        grant_ref,
    )
    (started,) = audit_rows(any_ctx, "break_glass.started")
    assert (started.action, started.object_id, started.reason) == ("emergency_access", reference, None)
    assert started.details["break_glass"] == str(grant.id)
    overview = client_access.client_access(any_ctx, login(any_ctx, "fg"), reference)
    emergency = [line for line in overview.lines if line.break_glass and line.actor_username == "rubicon"]
    assert emergency and {line.reason for line in emergency} == {REASON}

    fg = login(any_ctx, "fg")
    with any_ctx.db.read() as session:
        notices = session.execute(
            select(Notification.user_id, Notification.kind, Notification.title, Notification.link).where(
                Notification.kind == "break_glass"
            )
        ).all()
        mails = session.execute(select(Outbox.key).where(Outbox.key.like("mail:break_glass:%"))).scalars()
        mail_keys = list(mails)
    assert notices == [
        (
            fg.user_id,
            "break_glass",
            f"Noodtoegang tot zaak {reference} gebruikt door Lotte Rubicon",
            f"/cases/{reference}",
        )
    ]
    assert REASON not in notices[0][2]
    assert mail_keys == [f"mail:break_glass:{grant.id}:{fg.user_id}"]


def test_break_glass_is_read_only(any_ctx: ServiceContext) -> None:
    reference, _, decide = demo_case(any_ctx)
    lotte = login(any_ctx, "rubicon")
    break_glass.request_break_glass(any_ctx, lotte, reference, REASON)
    with pytest.raises(AccessDenied):
        tasks.claim_task(any_ctx, lotte, decide)
    with pytest.raises(AccessDenied):
        tasks.complete_task(any_ctx, lotte, decide, {"besluit": "toewijzen"})
    with pytest.raises(AccessDenied, match="niet aanvullen"):
        comments.add_comment(any_ctx, lotte, reference, "Ik heb meegekeken in deze zaak.")
    assert cases.view_case_file(any_ctx, lotte, reference).comment_tasks == []
    (refused,) = [r for r in audit_rows(any_ctx, "comment.created") if r.result == "denied"]
    assert refused.actor_id == lotte.user_id


def test_break_glass_ends_early_or_by_expiry_and_the_case_is_refused_again(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    reference, _, _ = demo_case(any_ctx)
    lotte = login(any_ctx, "rubicon")
    first = break_glass.request_break_glass(any_ctx, lotte, reference, REASON)
    assert break_glass.request_break_glass(any_ctx, lotte, reference, REASON + " Nogmaals.") == first

    assert break_glass.end_break_glass(any_ctx, lotte, reference)
    assert not break_glass.end_break_glass(any_ctx, lotte, reference)
    with pytest.raises(AccessDenied):
        cases.view_case_file(any_ctx, lotte, reference)
    assert [r.action for r in audit_rows(any_ctx, "break_glass.ended")] == ["emergency_access"]

    second = break_glass.request_break_glass(any_ctx, lotte, reference, REASON)
    assert second.id != first.id
    clock.advance(timedelta(hours=4) - timedelta(seconds=1))
    cases.view_case_file(any_ctx, lotte, reference)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(AccessDenied):
        cases.view_case_file(any_ctx, lotte, reference)
    with any_ctx.db.read() as session:
        assert len(session.execute(select(BreakGlass.id)).all()) == 2


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("hulpverlener", "al toegang"),  # sees the case already
        ("fg.rubicon", "Noodtoegang is alleen mogelijk"),
        ("manager.rubicon", "Noodtoegang is alleen mogelijk"),
        ("procesbeheer", "Noodtoegang is alleen mogelijk"),
    ],
)
def test_break_glass_is_refused_to_who_needs_none_or_may_not_ask(
    any_ctx: ServiceContext, username: str, message: str
) -> None:
    reference, _, _ = demo_case(any_ctx)
    who = login(any_ctx, username)
    with pytest.raises(AccessDenied, match=message):
        break_glass.request_break_glass(any_ctx, who, reference, REASON)
    (denied,) = audit_rows(any_ctx, "break_glass.started")
    assert (denied.actor_id, denied.result, denied.object_id) == (who.user_id, "denied", reference)


def test_break_glass_needs_a_written_reason(ctx: ServiceContext) -> None:
    reference, _, _ = demo_case(ctx)
    lotte = login(ctx, "rubicon")
    with pytest.raises(FormInvalid) as short:
        break_glass.request_break_glass(ctx, lotte, reference, "Even kijken")
    assert short.value.errors == {"reden": "Geef een reden van minstens 20 tekens; deze telt 11 tekens."}
    with pytest.raises(FormInvalid):
        break_glass.request_break_glass(ctx, lotte, reference, "x" * 2001)
    assert break_glass.current_grant(ctx, lotte, reference) is None
