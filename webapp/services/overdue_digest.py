"""The weekly summary of overdue work for managers (issue 7, item 6): one notice and mail per manager.

From Monday 08:00 (Amsterdam) every user with the manager role hears how many open tasks in their
organisation(s) are past their due date, per procedure and by how long (under a week, one to four weeks,
longer), with a link to the dashboard's list of them. Counts and procedure names only: no case reference,
no client, no assignee. A manager with nothing overdue gets nothing (that week, until something is).

Once per ISO week: the key ``overdue-summary:<user id>:<year>-W<week>`` is written with INSERT … ON CONFLICT
DO NOTHING (services/notifications.store_notices), so two workers leave one notice and one mail. A worker
that was down on Monday catches up on the next working day of that week; at the weekend it waits for the
next Monday rather than sending last week's summary late.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import Message
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
from webapp.services.context import ServiceContext
from webapp.services.notifications import Notice, store_notices
from webapp.services.translation import translate

OVERDUE_SUMMARY = "overdue_summary"
SEND_FROM = time(8, 0)  # on Monday, Amsterdam time
LAST_WEEKDAY = 4  # Friday: the last day a missed summary is still sent
ONE_WEEK, FOUR_WEEKS = timedelta(weeks=1), timedelta(weeks=4)
MAX_PROCESSES = 4  # named in the title; the list behind the link has them all
OVERDUE_LIST = "/rapportages/taken?bucket=overdue"


@dataclass
class Overdue:
    """Overdue open tasks by how long overdue: under a week, one to four weeks, longer."""

    by_age: list[int] = field(default_factory=lambda: [0, 0, 0])
    by_process: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_age)

    def add(self, process: str, age: int, n: int) -> None:
        self.by_age[age] += n
        self.by_process[process] = self.by_process.get(process, 0) + n


@dataclass(frozen=True)
class _Manager:
    user_id: int
    organisations: tuple[int, ...]
    has_mail: bool
    language: str


def summary_week(now: datetime) -> str | None:
    """The ISO week ('2026-W45') whose summary is due at ``now``; None before Monday 08:00 and at the
    weekend."""
    local = now.astimezone(AMSTERDAM)
    if local.weekday() > LAST_WEEKDAY or (local.weekday() == 0 and local.time() < SEND_FROM):
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def summary_key(user_id: int, week: str) -> str:
    return f"overdue-summary:{user_id}:{week}"


def send_weekly_overdue_summaries(ctx: ServiceContext) -> int:
    """Queue this week's summary for every manager who has not had it and has something overdue; returns
    how many were queued. Reads first, so the frequent case (sent already) never takes a write lock."""
    now = ctx.clock.now()
    week = summary_week(now)
    if week is None:
        return 0
    with ctx.db.read() as session:
        managers = _without_summary(session, _managers(session), week)
        if not managers:
            return 0
        organisations = {org for manager in managers for org in manager.organisations}
        overdue = _overdue(session, now, organisations)
        names = _organisation_names(session, organisations)
    notices = []
    for manager in managers:
        found = Overdue()
        for organisation in manager.organisations:
            for (process, age), n in overdue.get(organisation, {}).items():
                found.add(process, age, n)
        if found.total:
            notices.append(_notice(manager, week, found, names))
    if notices:
        with ctx.db.write() as session:
            store_notices(session, now, notices, {m.user_id: m.language for m in managers})
    return len(notices)


def _notice(manager: _Manager, week: str, overdue: Overdue, names: Mapping[int, str]) -> Notice:
    if len(manager.organisations) == 1:
        (only,) = manager.organisations
        where, link = names[only], f"{OVERDUE_LIST}&organisatie={only}"
    else:  # in the reader's language now: the title's own translation leaves a filled-in value alone
        where = translate(Message("{count} organisaties", count=len(manager.organisations)), manager.language)
        link = OVERDUE_LIST
    ranked = sorted(overdue.by_process.items(), key=lambda item: (-item[1], item[0]))
    processes = ", ".join(f"{name} {n}" for name, n in ranked[:MAX_PROCESSES])
    if len(ranked) > MAX_PROCESSES:
        processes += ", …"
    recent, weeks, longer = overdue.by_age
    title = Message(
        "Weekoverzicht {organisation} – open taken over de termijn: {total} ({recent} korter dan een week, "
        "{weeks} één tot vier weken, {longer} langer); per procedure: {processes}",
        organisation=where,
        total=overdue.total,
        recent=recent,
        weeks=weeks,
        longer=longer,
        processes=processes,
    )
    key = summary_key(manager.user_id, week)
    return Notice(key, manager.user_id, OVERDUE_SUMMARY, title, link, manager.has_mail)


def _managers(session: Session) -> list[_Manager]:
    query = (
        select(User.id, User.email, User.language, Membership.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == Role.MANAGER.value, User.active.is_(True))
        .order_by(User.id, Membership.organisation_id)
    )
    found: dict[int, tuple[bool, str]] = {}
    organisations: dict[int, list[int]] = defaultdict(list)
    for user_id, email, language, organisation_id in session.execute(query):
        found[user_id] = (bool(email), language)
        organisations[user_id].append(organisation_id)
    return [
        _Manager(user_id, tuple(organisations[user_id]), has_mail, language)
        for user_id, (has_mail, language) in found.items()
    ]


def _without_summary(session: Session, managers: list[_Manager], week: str) -> list[_Manager]:
    keys = {summary_key(m.user_id, week): m for m in managers}
    sent: set[str] = set()
    names = sorted(keys)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        sent.update(session.execute(select(Notification.key).where(Notification.key.in_(chunk))).scalars())
    return [manager for key, manager in keys.items() if key not in sent]


def _overdue(
    session: Session, now: datetime, organisations: Iterable[int]
) -> dict[int, dict[tuple[str, int], int]]:
    """Per organisation: (procedure name, age bucket) -> overdue open tasks. Counted in the database over
    the dashboard's index on open tasks (state, process version, organisation, …, due date)."""
    version = func.coalesce(
        HumanTask.definition_id,  # a task from before migration 0009 may lack it
        select(ProcessInstance.definition_id)
        .where(ProcessInstance.id == HumanTask.instance_id)
        .scalar_subquery(),
    ).label("version")
    # The dashboard's buckets (dashboard_queries.bucket_condition): under a week is due in [now - 1w, now).
    # GROUP BY names the labels, so PostgreSQL sees the same CASE as in the select list.
    age = case(
        (HumanTask.due_at >= now - ONE_WEEK, 0), (HumanTask.due_at >= now - FOUR_WEEKS, 1), else_=2
    ).label("age")
    query = (
        select(HumanTask.organisation_id, version, age, func.count())
        .where(
            HumanTask.state == "open",
            HumanTask.due_at < now,
            HumanTask.organisation_id.in_(sorted(organisations)),
        )
        .group_by(HumanTask.organisation_id, version, age)
    )
    names = _process_names(session)
    found: dict[int, dict[tuple[str, int], int]] = defaultdict(lambda: defaultdict(int))
    for organisation_id, definition_id, bucket, n in session.execute(query):
        found[organisation_id][(names.get(definition_id, "?"), int(bucket))] += int(n)
    return found


def _process_names(session: Session) -> dict[int, str]:
    """Each process version's procedure under the name of its newest version, so versions add up."""
    rows = session.execute(
        select(ProcessDefinition.id, ProcessDefinition.process_id, ProcessDefinition.name).order_by(
            ProcessDefinition.version
        )
    ).all()
    newest = {process_id: name for _, process_id, name in rows}
    return {definition_id: newest[process_id] for definition_id, process_id, _ in rows}


def _organisation_names(session: Session, organisations: Iterable[int]) -> dict[int, str]:
    query = select(Organisation.id, Organisation.name).where(Organisation.id.in_(sorted(organisations)))
    return {organisation_id: name for organisation_id, name in session.execute(query)}
