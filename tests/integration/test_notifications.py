"""Notifications against a real database: who is told what and when, each once; the worker loop; the list.

Time moves only through the ManualClock; mail goes to a fake transport (or a folder), never to a network.
The outbox itself is tested in test_mail_outbox.py, with the helpers defined here.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import select, update

from tests.factories import home_organisation, login
from webapp.domain.audit import Result
from webapp.domain.errors import AccessDenied, NotFound
from webapp.persistence.models import AuditEvent, HumanTask, Notification, Outbox, User
from webapp.services import instances, notifications, tasks
from webapp.services.context import ServiceContext
from webapp.services.mail import MailSettings, MailTransport
from webapp.services.notifications import (
    NotificationSettings,
    list_notifications,
    mark_all_read,
    mark_read,
    notify_deadlines,
    reminder_at,
    run_notifications,
    unread_count,
)
from webapp.services.timers import run_worker

INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}
PROCESS = "Verzoek van betrokkene (demo)"
DECIDE = "‘Identiteit controleren en beslissen’"
WEERT_PROFESSIONALS = {"hulpverlener", "collega", "aandacht"}
# What a notice must never carry: people's names, the case's content, its reference.
PERSONAL = [
    "Sanne",
    "Daan",
    "Fatima",
    "Ingrid",
    "Mila",
    "Hulpverlener",
    "inzage in mijn dossier",
    "@example.org",
]
DUE = "2026-11-30T22:59:59+00:00"  # decide_request: four weeks from 2 November, end of the day


class FakeTransport:
    """Records every message; can be told to fail the next sends."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.failures = failures or []
        self.lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(message)


def mail_to(transport: MailTransport) -> MailSettings:
    return MailSettings(transport, "Ketenflow <noreply@ketenflow.test>", "https://ketenflow.test")


def start_and_register(ctx: ServiceContext) -> tuple[int, int, int]:
    """A demo request registered by hulpverlener: (instance, first task, decision task due in 4 weeks)."""
    actor = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, actor, "demo_subject_request", home_organisation(actor))
    assert started.next_task_id is not None
    done = tasks.complete_task(ctx, actor, started.next_task_id, INTAKE)
    assert done.next_task_id is not None
    return started.instance_id, started.next_task_id, done.next_task_id


def notices(ctx: ServiceContext, kind: str | None = None) -> list[tuple[str, str, str, str | None]]:
    """(username, key, title, link) of every notification, oldest first."""
    with ctx.db.read() as session:
        query = select(
            User.username, Notification.key, Notification.title, Notification.link, Notification.kind
        )
        query = query.join(User, User.id == Notification.user_id).order_by(Notification.id)
        return [(u, k, t, link) for u, k, t, link, kd in session.execute(query) if kind in (None, kd)]


class Row(NamedTuple):
    id: int
    key: str
    channel: str
    payload: dict[str, Any]
    sent_at: datetime | None


def outbox(ctx: ServiceContext) -> list[Row]:
    with ctx.db.read() as session:
        query = select(Outbox.id, Outbox.key, Outbox.channel, Outbox.payload, Outbox.sent_at).order_by(
            Outbox.id
        )
        return [Row(*row) for row in session.execute(query)]


def user_id(ctx: ServiceContext, username: str) -> int:
    with ctx.db.read() as session:
        return session.execute(select(User.id).where(User.username == username)).scalar_one()


def assert_impersonal(text: str) -> None:
    for word in PERSONAL:
        assert word not in text, word


# --- a task arrives -----------------------------------------------------------------------------------------


def test_a_new_task_notifies_every_member_with_its_role_in_its_organisation_once(
    any_ctx: ServiceContext,
) -> None:
    _, first, decide = start_and_register(any_ctx)
    arrived = notices(any_ctx, "task_arrived")
    expected = {(u, f"/tasks/{t}") for u in WEERT_PROFESSIONALS for t in (first, decide)}
    assert {(u, link) for u, _, _, link in arrived} == expected
    assert len(arrived) == 6  # once per person and task: not the FG, the manager or Rubicon
    keys = {key for _, key, _, _ in arrived}
    assert f"task:{decide}:arrived:{user_id(any_ctx, 'collega')}" in keys
    titles = {title for _, _, title, _ in arrived}
    assert titles == {
        f"Nieuwe taak: ‘Verzoek registreren’ ({PROCESS})",
        f"Nieuwe taak: ‘Identiteit controleren en beslissen’ ({PROCESS})",
    }
    for title in titles:
        assert_impersonal(title)
    assert {row.key for row in outbox(any_ctx)} == {f"mail:{key}" for key in keys}
    assert all(row.channel == "mail" and row.sent_at is None for row in outbox(any_ctx))


def test_no_mail_is_queued_for_someone_without_an_address_and_nothing_for_a_closed_account(
    ctx: ServiceContext,
) -> None:
    with ctx.db.write() as session:
        session.execute(update(User).where(User.username == "collega").values(email=None))
        session.execute(update(User).where(User.username == "aandacht").values(active=False))
    _, first, _ = start_and_register(ctx)
    assert {u for u, key, _, _ in notices(ctx) if key.startswith(f"task:{first}:")} == {
        "hulpverlener",
        "collega",
    }
    mailed = {row.payload["user_id"] for row in outbox(ctx)}
    assert mailed == {user_id(ctx, "hulpverlener")}


def test_a_task_given_to_one_person_tells_that_person_once(ctx: ServiceContext) -> None:
    _, _, decide = start_and_register(ctx)
    tasks.claim_task(ctx, login(ctx, "collega"), decide)
    with ctx.db.write() as session:
        row = session.get_one(HumanTask, decide)
        assert notifications.notify_assignee(session, ctx, row) == 1
    with ctx.db.write() as session:
        notifications.notify_assignee(session, ctx, session.get_one(HumanTask, decide))
    assigned = notices(ctx, "task_assigned")
    assert assigned == [
        (
            "collega",
            f"task:{decide}:assigned:{user_id(ctx, 'collega')}",
            f"Taak aan u toegewezen: ‘Identiteit controleren en beslissen’ ({PROCESS})",
            f"/tasks/{decide}",
        )
    ]


# --- reminders and escalations ------------------------------------------------------------------------------


def test_a_reminder_comes_once_within_the_window_before_the_deadline(ctx: ServiceContext) -> None:
    _, _, decide = start_and_register(ctx)
    with ctx.db.read() as session:
        due = session.get_one(HumanTask, decide).due_at
    assert due is not None and due.isoformat() == DUE
    ctx.clock.set(due - timedelta(days=2, minutes=1))
    assert notify_deadlines(ctx) == 0
    ctx.clock.set(due - timedelta(days=2))
    assert notify_deadlines(ctx) == 3
    assert notify_deadlines(ctx) == 0
    ctx.clock.advance(timedelta(days=1))
    assert notify_deadlines(ctx) == 0  # once, not every day
    reminders = notices(ctx, "reminder")
    assert {u for u, *_ in reminders} == WEERT_PROFESSIONALS
    title = f"Herinnering: {DECIDE} ({PROCESS}) moet uiterlijk 30-11-2026 23:59 af zijn"
    assert {t for _, _, t, _ in reminders} == {title}
    assert {link for *_, link in reminders} == {f"/tasks/{decide}"}


def test_a_claimed_task_reminds_only_its_assignee_and_the_window_is_a_setting(ctx: ServiceContext) -> None:
    _, _, decide = start_and_register(ctx)
    tasks.claim_task(ctx, login(ctx, "collega"), decide)
    ctx.clock.set(ctx.clock.now().replace(day=23, hour=23))  # 7 days before the deadline
    assert notify_deadlines(ctx) == 0
    assert notify_deadlines(ctx, reminder_window=timedelta(days=7, hours=1)) == 1
    assert [u for u, *_ in notices(ctx, "reminder")] == ["collega"]


def test_a_task_that_arrives_inside_the_window_is_reminded_halfway_not_at_once() -> None:
    created = datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert reminder_at(created, created + timedelta(hours=24), timedelta(days=2)) == created + timedelta(
        hours=12
    )
    assert reminder_at(created, created + timedelta(days=10), timedelta(days=2)) == created + timedelta(
        days=8
    )


def test_an_overdue_task_is_escalated_once_to_the_managers_and_the_fg_of_its_organisation(
    any_ctx: ServiceContext,
) -> None:
    instance_id, _, decide = start_and_register(any_ctx)
    with any_ctx.db.read() as session:
        due = session.get_one(HumanTask, decide).due_at
    assert due is not None
    any_ctx.clock.set(due)
    notify_deadlines(any_ctx)
    assert notices(any_ctx, "escalation") == []  # due, not yet overdue
    any_ctx.clock.set(due + timedelta(seconds=1))
    assert notify_deadlines(any_ctx) == 2
    any_ctx.clock.advance(timedelta(days=3))
    assert notify_deadlines(any_ctx) == 0
    escalations = notices(any_ctx, "escalation")
    title = f"Termijn verstreken: {DECIDE} ({PROCESS}) bij Gemeente Weert is nog niet afgerond"
    assert sorted((u, t, link) for u, _, t, link in escalations) == [
        ("fg", title, f"/instances/{instance_id}"),  # the FG may see the case, not the professionals' task
        ("manager", title, None),  # the demo gives managers no part in the case: no link to a refusal
    ]
    assert notices(any_ctx, "reminder") == []  # an overdue task is escalated, no longer reminded


def test_a_completed_task_is_neither_reminded_nor_escalated(ctx: ServiceContext) -> None:
    _, _, decide = start_and_register(ctx)
    tasks.complete_task(
        ctx, login(ctx, "hulpverlener"), decide, {"identiteit_vastgesteld": True, "besluit": "toewijzen"}
    )
    ctx.clock.advance(timedelta(days=40))
    notify_deadlines(ctx)
    assert notices(ctx, "reminder") == notices(ctx, "escalation") == []


def test_two_checks_at_once_leave_one_notice_per_person(any_ctx: ServiceContext) -> None:
    start_and_register(any_ctx)
    any_ctx.clock.advance(timedelta(days=30))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def check() -> None:
        barrier.wait()
        try:
            notify_deadlines(any_ctx)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(notices(any_ctx, "escalation")) == 2
    assert len([r for r in outbox(any_ctx) if ":escalation:" in r.key]) == 2


# --- the worker loop ----------------------------------------------------------------------------------------


def test_the_worker_loop_checks_deadlines_and_sends_the_outbox(
    ctx: ServiceContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KETENFLOW_MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("KETENFLOW_ENV", "test")
    monkeypatch.setattr(notifications, "_next_check", {})
    notifications._configured.cache_clear()
    try:
        start_and_register(ctx)
        ctx.clock.set(datetime.fromisoformat(DUE) - timedelta(days=1))  # the timers fire first: no escalation

        class OneRound(threading.Event):
            def wait(self, timeout: float | None = None) -> bool:
                self.set()
                return True

        run_worker(ctx, "worker-loop", OneRound())
    finally:
        notifications._configured.cache_clear()
    assert len(notices(ctx, "reminder")) == 3
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 9  # six arrivals and three reminders


def test_the_deadline_check_runs_at_most_once_a_minute_per_worker(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "_next_check", {})
    checks: list[object] = []
    monkeypatch.setattr(notifications, "notify_deadlines", lambda *args: checks.append(args) or 0)
    settings = NotificationSettings(mail_to(FakeTransport()))
    run_notifications(ctx, "w", settings)
    ctx.clock.advance(timedelta(seconds=59))
    run_notifications(ctx, "w", settings)
    assert len(checks) == 1
    ctx.clock.advance(timedelta(seconds=1))
    run_notifications(ctx, "w", settings)
    assert len(checks) == 2


# --- reading and marking as read ----------------------------------------------------------------------------


def test_my_list_count_and_marking_as_read(ctx: ServiceContext) -> None:
    start_and_register(ctx)
    me, other = login(ctx, "collega"), login(ctx, "hulpverlener")
    assert unread_count(ctx, me) == 2
    listing = list_notifications(ctx, me)
    assert (listing.total, listing.unread, listing.pages) == (2, 2, 1)
    newest = listing.items[0]
    assert "beslissen" in newest.title  # the newest first
    assert mark_read(ctx, me, newest.id) == newest.link
    assert unread_count(ctx, me) == 1
    assert mark_all_read(ctx, me) == 1
    assert mark_all_read(ctx, me) == 0
    assert unread_count(ctx, me) == 0 and unread_count(ctx, other) == 2
    with pytest.raises(AccessDenied, match="niet voor u bestemd"):
        mark_read(ctx, me, list_notifications(ctx, other).items[0].id)
    with pytest.raises(NotFound):
        mark_read(ctx, me, 10_000)
    assert unread_count(ctx, other) == 2  # a refused attempt changes nothing
    with ctx.db.read() as session:
        denied = session.execute(
            select(AuditEvent).where(
                AuditEvent.event == "notification.read", AuditEvent.result == Result.DENIED
            )
        ).scalar_one()
        assert denied.actor_id == me.user_id and denied.reason == "Deze melding is niet voor u bestemd."


def test_a_page_past_the_end_shows_the_last_page(ctx: ServiceContext) -> None:
    for _ in range(3):
        start_and_register(ctx)
    me = login(ctx, "collega")
    last = list_notifications(ctx, me, page=99, per_page=4)
    assert (last.page, last.pages, last.total, len(last.items)) == (2, 2, 6, 2)
    assert list_notifications(ctx, me, page=-3, per_page=4).page == 1
