"""Notifications: a notice when a task arrives, a reminder before its deadline, an escalation after it.

Every notice is a ``notification`` row with a unique key (``task:{id}:arrived:{user}``, ``…:reminder:{user}``,
``…:escalation:{user}``), written with INSERT … ON CONFLICT DO NOTHING, so the same event never notifies a
person twice, however many workers look. A person with an e-mail address also gets a mail, through an
``outbox`` row with the key ``mail:{notification key}`` (services/mail.py sends it). Titles and mails name the
task, the process and the organisation only — never a person or what a case is about.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from webapp.config import Settings, load_settings
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import AccessDenied, NotFound
from webapp.domain.messages import N_, Message
from webapp.domain.roles import Role
from webapp.persistence.models import (
    HumanTask,
    Membership,
    Notification,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.mail import MailSettings, dispatch_outbox, insert_new, mail_settings, queue_mails
from webapp.services.translation import SOURCE_LANGUAGE, translate

log = logging.getLogger(__name__)

ARRIVED, ASSIGNED, REMINDER, ESCALATION = "task_arrived", "task_assigned", "reminder", "escalation"
BREAK_GLASS = "break_glass"
_KEY_PART = {ARRIVED: "arrived", ASSIGNED: "assigned", REMINDER: "reminder", ESCALATION: "escalation"}
DEFAULT_REMINDER_WINDOW = timedelta(days=2)
CHECK_EVERY = timedelta(minutes=1)
ESCALATION_ROLES = (Role.MANAGER.value, Role.FG.value)
PER_PAGE = 25


@dataclass(frozen=True)
class TaskFacts:
    """What a notice about a task may say and whom it goes to."""

    id: int
    instance_id: int
    name: str
    process: str
    organisation_id: int
    organisation: str
    role: str
    assignee_id: int | None
    due_at: datetime | None

    @classmethod
    def of(cls, task: HumanTask, process: str, organisation: str) -> TaskFacts:
        own = {name: getattr(task, name) for name in _TASK_COLUMNS if name != "created_at"}
        return cls(**own, process=process, organisation=organisation)


_TASK_COLUMNS = (
    "id",
    "instance_id",
    "name",
    "organisation_id",
    "role",
    "assignee_id",
    "due_at",
    "created_at",
)


@dataclass(frozen=True)
class Notice:
    key: str
    user_id: int
    kind: str
    title: str
    link: str | None
    mail: bool


# --- writing notices --------------------------------------------------------------------------------------


def notify_new_tasks(
    session: Session,
    ctx: ServiceContext,
    instance: ProcessInstance,
    tasks: Sequence[HumanTask],
    kind: str = ARRIVED,
) -> int:
    """Tell the assignee, or else every member with the task's role in its organisation, that a task arrived.

    Runs inside the transaction that created the tasks (projections.sync_instance), so the notice exists
    exactly when the task does."""
    if not tasks:
        return 0
    session.flush()  # the new tasks' ids make the keys and links
    process = ctx.definitions.get(session, instance.definition_id).name
    directory = _Directory(session)
    notices = [
        notice
        for task in tasks  # only an escalation names the organisation: spare the query here
        for notice in _task_notices(directory, TaskFacts.of(task, process, organisation=""), kind)
    ]
    store_notices(session, ctx.clock.now(), notices, directory.languages)
    return len(notices)


def notify_assignee(session: Session, ctx: ServiceContext, task: HumanTask) -> int:
    """A task given to one person (reassigned, delegated): tell them, once per person and task. For the
    services that assign, inside their transaction."""
    if task.assignee_id is None:
        return 0
    instance = session.get_one(ProcessInstance, task.instance_id)
    return notify_new_tasks(session, ctx, instance, [task], ASSIGNED)


def notify_deadlines(ctx: ServiceContext, reminder_window: timedelta = DEFAULT_REMINDER_WINDOW) -> int:
    """Remind before a deadline and escalate after it, once each; returns how many notices were new.

    Looks in a read transaction first, so the frequent case (nothing new) never takes SQLite's write lock."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        directory = _Directory(session)
        planned = [
            notice
            for task, kind in _deadline_tasks(session, now, reminder_window)
            for notice in _task_notices(directory, task, kind)
        ]
        fresh = _without_existing(session, planned)
    if fresh:
        with ctx.db.write() as session:
            store_notices(session, now, fresh, directory.languages)
    return len(fresh)


def _deadline_tasks(session: Session, now: datetime, window: timedelta) -> list[tuple[TaskFacts, str]]:
    """Open tasks due within the window or overdue, with what a notice says of them (no drafts, no data)."""
    query = (
        select(
            *(getattr(HumanTask, name) for name in _TASK_COLUMNS),
            ProcessDefinition.name.label("process"),
            Organisation.name.label("organisation"),
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .join(Organisation, Organisation.id == HumanTask.organisation_id)
        .where(HumanTask.state == "open", HumanTask.due_at.is_not(None), HumanTask.due_at <= now + window)
        .order_by(HumanTask.due_at, HumanTask.id)
    )
    found = []
    for row in session.execute(query):
        fields = row._asdict()
        created_at, due_at = fields.pop("created_at"), fields["due_at"]
        facts = TaskFacts(**fields)
        if due_at < now:  # strictly after the instant, as the engine fires its timers
            found.append((facts, ESCALATION))
        elif reminder_at(created_at, due_at, window) <= now < due_at:
            found.append((facts, REMINDER))
    return found


def reminder_at(created_at: datetime, due_at: datetime, window: timedelta) -> datetime:
    """``window`` before the deadline; for a task that arrives inside the window, halfway to its deadline,
    so that the reminder never lands on top of the notice that the task arrived."""
    return max(due_at - window, created_at + (due_at - created_at) / 2)


def _task_notices(directory: _Directory, task: TaskFacts, kind: str) -> list[Notice]:
    title = _title(task, kind)
    return [
        Notice(f"task:{task.id}:{_KEY_PART[kind]}:{user_id}", user_id, kind, title, link, has_mail)
        for user_id, (has_mail, link) in sorted(_recipients(directory, task, kind).items())
    ]


def _recipients(directory: _Directory, task: TaskFacts, kind: str) -> dict[int, tuple[bool, str | None]]:
    """Whom a notice goes to, whether each has an e-mail address, and where the link may point for them."""
    if kind == ESCALATION:
        members = directory.members(task.organisation_id, frozenset({task.role, *ESCALATION_ROLES}))
        chosen = members.get(Role.MANAGER.value, {}) | members.get(Role.FG.value, {})
        return {user: (mail, _escalation_link(task, user, members)) for user, mail in chosen.items()}
    if task.assignee_id is not None:
        chosen = directory.users([task.assignee_id])
    else:
        chosen = directory.members(task.organisation_id, frozenset({task.role})).get(task.role, {})
    return {user: (mail, f"/tasks/{task.id}") for user, mail in chosen.items()}


def _escalation_link(task: TaskFacts, user_id: int, members: dict[str, dict[int, bool]]) -> str | None:
    """Where the recipient may look: the task for whom holds its role, the case for the FG (a case role);
    a manager gets no link when the procedure gives managers no part in the case."""
    if user_id in members.get(task.role, {}):
        return f"/tasks/{task.id}"
    if user_id in members.get(Role.FG.value, {}):
        return f"/instances/{task.instance_id}"
    return None


def _title(task: TaskFacts, kind: str) -> Message:
    """A Message, so that each recipient reads it in their own language (see ``store_notices``)."""
    subject = f"‘{task.name}’ ({task.process})"
    if kind == ARRIVED:
        return Message("Nieuwe taak: {subject}", subject=subject)
    if kind == ASSIGNED:
        return Message("Taak aan u toegewezen: {subject}", subject=subject)
    if kind == REMINDER:
        assert task.due_at is not None
        due = f"{task.due_at.astimezone(AMSTERDAM):%d-%m-%Y %H:%M}"
        return Message("Herinnering: {subject} moet uiterlijk {due} af zijn", subject=subject, due=due)
    return Message(
        "Termijn verstreken: {subject} bij {organisation} is nog niet afgerond",
        subject=subject,
        organisation=task.organisation,
    )


# Built once: on every new task, building the query cost about as much as running it.
_MEMBERS_QUERY = (
    select(Membership.role, User.id, User.email, User.language)
    .join(User, User.id == Membership.user_id)
    .where(
        Membership.organisation_id == bindparam("organisation_id"),
        Membership.role.in_(bindparam("roles", expanding=True)),
        User.active.is_(True),
    )
)


class _Directory:
    """Who holds which role where, read once per organisation and set of roles during one round."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._members: dict[tuple[int, frozenset[str]], dict[str, dict[int, bool]]] = {}
        self.languages: dict[int, str] = {}  # of every user looked up: notices are written in it

    def members(self, organisation_id: int, roles: frozenset[str]) -> dict[str, dict[int, bool]]:
        """Per role: the organisation's active members with it, and whether each has an e-mail address."""
        key = (organisation_id, roles)
        if key not in self._members:
            parameters = {"organisation_id": organisation_id, "roles": sorted(roles)}
            found: dict[str, dict[int, bool]] = {}
            for role, user_id, email, language in self.session.execute(_MEMBERS_QUERY, parameters):
                found.setdefault(role, {})[user_id] = bool(email)
                self.languages[user_id] = language
            self._members[key] = found
        return self._members[key]

    def users(self, user_ids: Iterable[int]) -> dict[int, bool]:
        query = select(User.id, User.email, User.language).where(
            User.id.in_(list(user_ids)), User.active.is_(True)
        )
        found = {}
        for user_id, email, language in self.session.execute(query):
            found[user_id], self.languages[user_id] = bool(email), language
        return found


def _without_existing(session: Session, notices: list[Notice]) -> list[Notice]:
    known: set[str] = set()
    keys = [n.key for n in notices]
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known.update(session.execute(select(Notification.key).where(Notification.key.in_(chunk))).scalars())
    return [n for n in notices if n.key not in known]


def store_notices(
    session: Session, now: datetime, notices: Sequence[Notice], languages: dict[int, str] | None = None
) -> None:
    """Insert the notices and their mails, each in its recipient's language (``languages``, as the directory
    that chose the recipients read them; looked up otherwise); a key that exists already is left alone."""
    known = languages or {}
    missing = {n.user_id for n in notices} - known.keys()
    languages = {**known, **_languages(session, missing)}
    titles = {n.key: translate(n.title, languages.get(n.user_id, SOURCE_LANGUAGE))[:300] for n in notices}
    rows = [
        dict(key=n.key, user_id=n.user_id, kind=n.kind, title=titles[n.key], link=n.link, created_at=now)
        for n in notices
    ]
    insert_new(session, Notification, rows)
    mails = [(n.key, n.user_id, languages.get(n.user_id, SOURCE_LANGUAGE)) for n in notices if n.mail]
    queue_mails(session, now, mails)


def _languages(session: Session, user_ids: set[int]) -> dict[int, str]:
    """The recipients who read Ketenflow in another language than Dutch (most read Dutch: one small query)."""
    if not user_ids:
        return {}
    query = select(User.id, User.language).where(
        User.id.in_(sorted(user_ids)), User.language != SOURCE_LANGUAGE
    )
    return {user_id: language for user_id, language in session.execute(query)}


def notify_break_glass(
    session: Session,
    ctx: ServiceContext,
    grant_id: int,
    case_reference: str,
    organisation_id: int,
    requested_by: str,
) -> int:
    """Tell the FG(s) of the organisation owning a case that someone opened it with break-glass, once per
    grant. The notice names the case reference and the employee who asked (the FG must be able to ask them
    why), never the reason or anything of the case: mail leaves the system."""
    fgs = _Directory(session).members(organisation_id, frozenset({Role.FG.value})).get(Role.FG.value, {})
    title = Message(
        "Noodtoegang tot zaak {reference} gebruikt door {name}", reference=case_reference, name=requested_by
    )
    link = f"/cases/{case_reference}"
    notices = [
        Notice(f"break_glass:{grant_id}:{user_id}", user_id, BREAK_GLASS, title, link, mail)
        for user_id, mail in sorted(fgs.items())
    ]
    store_notices(session, ctx.clock.now(), notices)
    return len(notices)


# --- the worker ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationSettings:
    mail: MailSettings
    reminder_window: timedelta = DEFAULT_REMINDER_WINDOW
    check_every: timedelta = CHECK_EVERY


def notification_settings(settings: Settings) -> NotificationSettings:
    return NotificationSettings(mail_settings(settings), timedelta(days=settings.reminder_days))


@functools.cache
def _configured() -> NotificationSettings:
    configured = notification_settings(load_settings())
    if configured.mail.transport is None:
        log.warning("mail is off: notification mails wait in the outbox until a transport is configured")
    return configured


_next_check: dict[str, datetime] = {}


def run_notifications(
    ctx: ServiceContext, worker_id: str, settings: NotificationSettings | None = None
) -> int:
    """One round of the worker loop: the deadline check and the managers' weekly summary (at most every
    ``check_every``), then the outbox. Returns how many mails were sent."""
    # Imported here: the summary writes its notices through this module (store_notices).
    from webapp.services.overdue_digest import send_weekly_overdue_summaries

    config = settings or _configured()
    now = ctx.clock.now()
    next_check = _next_check.get(worker_id)
    if (
        next_check is None or now >= next_check or next_check - now > config.check_every
    ):  # or the clock went back
        notify_deadlines(ctx, config.reminder_window)
        send_weekly_overdue_summaries(ctx)
        _next_check[worker_id] = now + config.check_every
    return dispatch_outbox(ctx, config.mail, worker_id)


# --- reading and marking as read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    title: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class NotificationPage:
    items: list[NotificationView]
    page: int
    pages: int
    total: int
    unread: int


def unread_count(ctx: ServiceContext, actor: Actor) -> int:
    """One COUNT over the (user, read_at) index: cheap enough for every page's header."""
    with ctx.db.read() as session:
        return _unread(session, actor.user_id)


def _unread(session: Session, user_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(session.execute(query).scalar_one())


def list_notifications(
    ctx: ServiceContext, actor: Actor, page: int = 1, per_page: int = PER_PAGE
) -> NotificationPage:
    """My notices, the newest first; a page past the end shows the last one."""
    mine = Notification.user_id == actor.user_id
    with ctx.db.read() as session:
        total = int(session.execute(select(func.count()).select_from(Notification).where(mine)).scalar_one())
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        query = (
            select(Notification)
            .where(mine)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        items = [
            NotificationView(n.id, n.kind, n.title, n.link, n.created_at, n.read_at)
            for n in session.execute(query).scalars()
        ]
        return NotificationPage(items, page, pages, total, _unread(session, actor.user_id))


def mark_read(
    ctx: ServiceContext, actor: Actor, notification_id: int, origin: Origin | None = None
) -> str | None:
    """Mark one of my notices as read; returns where it points to."""
    about = {"actor_id": actor.user_id, "origin": origin, "object_type": "notification"}
    with ctx.db.write() as session:
        found = session.get(Notification, notification_id)
        if found is None:
            raise NotFound(N_("Deze melding bestaat niet."))
        if found.user_id != actor.user_id:
            session.rollback()
            reason = N_("Deze melding is niet voor u bestemd.")
            audit_denial(ctx, "notification.read", Action.UPDATE, reason, object_id=str(found.id), **about)
            raise AccessDenied(reason)
        if found.read_at is None:
            found.read_at = ctx.clock.now()
            audit(session, ctx, "notification.read", Action.UPDATE, object_id=str(found.id), **about)  # type: ignore[arg-type]
        return found.link


def mark_all_read(ctx: ServiceContext, actor: Actor, origin: Origin | None = None) -> int:
    """Mark all my unread notices as read; returns how many."""
    with ctx.db.write() as session:
        result = session.execute(
            update(Notification)
            .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
            .values(read_at=ctx.clock.now()),
            execution_options={"synchronize_session": False},
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if count:
            audit(
                session,
                ctx,
                "notification.read_all",
                Action.UPDATE,
                actor_id=actor.user_id,
                origin=origin,
                object_type="notification",
                details={"aantal": str(count)},
            )
        return count
