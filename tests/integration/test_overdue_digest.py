"""The managers' weekly summary of overdue work, on SQLite and PostgreSQL, with a moved clock.

Two breaches of Gemeente Weert wait for their decision (due 5 November 2026, 72 hours after discovery);
a data-subject request in Weert and one at Rubicon wait for their identity check (due 30 November). The
summary comes from Monday 08:00 in Amsterdam, once per ISO week, to each manager about their own
organisation(s), in their language, with counts only.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from babel.support import NullTranslations
from sqlalchemy import select, update

from tests.factories import login
from tests.integration.test_notifications import FakeTransport, mail_to
from tests.processes.test_data_breach import to_decision
from tests.processes.test_subject_request import register_request
from webapp.domain.clock import ManualClock
from webapp.domain.roles import Role
from webapp.persistence.models import Membership, Notification, Organisation, Outbox, User
from webapp.services import notifications, translation
from webapp.services.context import ServiceContext
from webapp.services.notifications import run_notifications
from webapp.services.overdue_digest import send_weekly_overdue_summaries, summary_week

# Amsterdam is UTC+1 in November and December 2026.
SUNDAY = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
MONDAY_0759 = datetime(2026, 11, 9, 6, 59, 59, tzinfo=UTC)
MONDAY_0800 = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 11, 11, 15, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
DECEMBER_MONDAY = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
BREACH, REQUEST = "Datalek afhandelen", "Verzoek van betrokkene (rechten en verzet)"
TEMPLATE = (
    "Weekoverzicht {organisation} – open taken over de termijn: {total} ({recent} korter dan een week, "
    "{weeks} één tot vier weken, {longer} langer); per procedure: {processes}"
)
ENGLISH = {
    TEMPLATE: "Weekly summary {organisation} – open tasks past their due date: {total} ({recent} less than "
    "a week, {weeks} one to four weeks, {longer} longer); per procedure: {processes}",
}
PERSONAL = ["Sanne", "Mila", "Lotte", "Jan Jansen", "KF-", "Rapportage per e-mail"]


def title(where: str, total: int, ages: tuple[int, int, int], processes: str) -> str:
    recent, weeks, longer = ages
    return TEMPLATE.format(
        organisation=where, total=total, recent=recent, weeks=weeks, longer=longer, processes=processes
    )


def overdue_work(ctx: ServiceContext) -> None:
    to_decision(ctx, convenantgegevens=False)
    to_decision(ctx, convenantgegevens=False)
    register_request(ctx, login(ctx, "hulpverlener"))
    register_request(ctx, login(ctx, "rubicon"))


def add_manager_of_two(ctx: ServiceContext) -> None:
    with ctx.db.write() as session:
        orgs = dict(session.execute(select(Organisation.code, Organisation.id)).all())
        user = User(
            username="manager.twee",
            display_name="Teamleider Twee",
            password_hash="-",
            email="twee@example.org",
            created_at=ctx.clock.now(),
        )
        user.memberships = [
            Membership(organisation_id=orgs[code], role=Role.MANAGER.value) for code in ("weert", "rubicon")
        ]
        session.add(user)


def summaries(ctx: ServiceContext) -> list[tuple[str, str, str, str | None]]:
    """(username, key, title, link) of every summary, oldest first."""
    with ctx.db.read() as session:
        query = (
            select(User.username, Notification.key, Notification.title, Notification.link)
            .join(User, User.id == Notification.user_id)
            .where(Notification.kind == "overdue_summary")
            .order_by(Notification.id)
        )
        return [(u, k, t, link) for u, k, t, link in session.execute(query)]


def ids(ctx: ServiceContext) -> dict[str, int]:
    with ctx.db.read() as session:
        return dict(session.execute(select(User.username, User.id)).all())


def organisation_id(ctx: ServiceContext, code: str) -> int:
    with ctx.db.read() as session:
        return session.execute(select(Organisation.id).where(Organisation.code == code)).scalar_one()


class English(NullTranslations):
    """The English catalogue for the summary's text (the real one is the lead's to fill)."""

    def gettext(self, message: str) -> str:
        return ENGLISH.get(message, message)


def test_the_week_starts_on_monday_at_eight_in_amsterdam() -> None:
    assert summary_week(SUNDAY) is None
    assert summary_week(MONDAY_0759) is None
    assert summary_week(MONDAY_0800) == "2026-W46"
    assert summary_week(datetime(2026, 11, 13, 22, 59, tzinfo=UTC)) == "2026-W46"  # Friday 23:59
    assert summary_week(datetime(2026, 11, 13, 23, 0, tzinfo=UTC)) is None  # Saturday 00:00
    # Summer time: Monday 29 March 2027 08:00 CEST is 06:00 UTC; ISO week 1 of 2027 starts on 4 January.
    assert summary_week(datetime(2027, 3, 29, 5, 59, tzinfo=UTC)) is None
    assert summary_week(datetime(2027, 3, 29, 6, 0, tzinfo=UTC)) == "2027-W13"
    assert summary_week(datetime(2027, 1, 4, 7, 0, tzinfo=UTC)) == "2027-W01"
    assert summary_week(datetime(2026, 12, 28, 7, 0, tzinfo=UTC)) == "2026-W53"


def test_once_a_week_from_monday_to_each_manager_about_their_own_organisations(
    any_ctx: ServiceContext, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    overdue_work(any_ctx)
    add_manager_of_two(any_ctx)
    with any_ctx.db.write() as session:
        session.execute(update(User).where(User.username == "manager.rubicon").values(language="en"))
    monkeypatch.setattr(translation, "_catalogue", lambda language: English())
    user = ids(any_ctx)
    weert, rubicon = organisation_id(any_ctx, "weert"), organisation_id(any_ctx, "rubicon")

    for moment in (SUNDAY, MONDAY_0759):
        clock.set(moment)
        assert send_weekly_overdue_summaries(any_ctx) == 0
    clock.set(MONDAY_0800)
    assert send_weekly_overdue_summaries(any_ctx) == 2  # Rubicon's manager has nothing overdue yet
    four_days = title("Gemeente Weert", 2, (2, 0, 0), f"{BREACH} 2")
    week46 = [
        (
            "manager",
            f"overdue-summary:{user['manager']}:2026-W46",
            four_days,
            f"/rapportages/taken?bucket=overdue&organisatie={weert}",
        ),
        (
            "manager.twee",
            f"overdue-summary:{user['manager.twee']}:2026-W46",
            title("2 organisaties", 2, (2, 0, 0), f"{BREACH} 2"),
            "/rapportages/taken?bucket=overdue",
        ),
    ]
    assert summaries(any_ctx) == week46

    clock.set(WEDNESDAY)
    assert send_weekly_overdue_summaries(any_ctx) == 0
    clock.set(NEXT_MONDAY)
    assert send_weekly_overdue_summaries(any_ctx) == 2
    assert [t for u, _, t, _ in summaries(any_ctx)[2:] if u == "manager"] == [
        title("Gemeente Weert", 2, (0, 2, 0), f"{BREACH} 2")  # eleven days overdue
    ]

    clock.set(DECEMBER_MONDAY)
    assert send_weekly_overdue_summaries(any_ctx) == 3
    week50 = {u: (k, t, link) for u, k, t, link in summaries(any_ctx)[4:]}
    assert week50 == {
        "manager": (
            f"overdue-summary:{user['manager']}:2026-W50",
            title("Gemeente Weert", 3, (1, 0, 2), f"{BREACH} 2, {REQUEST} 1"),
            f"/rapportages/taken?bucket=overdue&organisatie={weert}",
        ),
        "manager.rubicon": (
            f"overdue-summary:{user['manager.rubicon']}:2026-W50",
            ENGLISH[TEMPLATE].format(
                organisation="Rubicon Jeugdzorg",
                total=1,
                recent=1,
                weeks=0,
                longer=0,
                processes=f"{REQUEST} 1",
            ),
            f"/rapportages/taken?bucket=overdue&organisatie={rubicon}",
        ),
        "manager.twee": (
            f"overdue-summary:{user['manager.twee']}:2026-W50",
            title("2 organisaties", 4, (2, 0, 2), f"{BREACH} 2, {REQUEST} 2"),
            "/rapportages/taken?bucket=overdue",
        ),
    }
    for _, _, text, _ in summaries(any_ctx):
        for word in PERSONAL:
            assert word not in text

    # A mail for each, in the reader's language; its subject and link are the notice's (read when sending).
    with any_ctx.db.read() as session:
        mails = {row.key: row.payload for row in session.execute(select(Outbox.key, Outbox.payload))}
    english = mails[f"mail:overdue-summary:{user['manager.rubicon']}:2026-W50"]
    assert english == {"user_id": user["manager.rubicon"], "language": "en", "attempts": 0}
    assert len([key for key in mails if key.startswith("mail:overdue-summary:")]) == 7


def test_two_workers_at_once_leave_one_summary_per_manager(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    overdue_work(any_ctx)
    clock.set(DECEMBER_MONDAY)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def check() -> None:
        barrier.wait()
        try:
            send_weekly_overdue_summaries(any_ctx)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(u for u, _, _, _ in summaries(any_ctx)) == ["manager", "manager.rubicon"]
    with any_ctx.db.read() as session:
        keys = list(
            session.execute(select(Outbox.key).where(Outbox.key.like("mail:overdue-summary:%"))).scalars()
        )
    assert len(keys) == 2


def test_the_worker_loop_sends_the_summary_by_mail(
    ctx: ServiceContext, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    overdue_work(ctx)
    monkeypatch.setattr(notifications, "_next_check", {})
    transport = FakeTransport()
    clock.set(MONDAY_0800)
    run_notifications(ctx, "w", notifications.NotificationSettings(mail_to(transport)))
    sent: dict[str, Any] = {m["To"]: m for m in transport.sent if "Weekoverzicht" in m["Subject"]}
    assert list(sent) == ["manager@example.org"]
    body = sent["manager@example.org"].get_content()
    weert = organisation_id(ctx, "weert")
    assert f"https://ketenflow.test/rapportages/taken?bucket=overdue&organisatie={weert}" in body
    assert "Gemeente Weert – open taken over de termijn: 2" in body
    clock.advance(timedelta(minutes=5))
    run_notifications(ctx, "w", notifications.NotificationSettings(mail_to(transport)))
    assert len([m for m in transport.sent if "Weekoverzicht" in m["Subject"]]) == 1
