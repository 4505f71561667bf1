"""The inbox use case: my tasks and the unclaimed tasks of my roles, filtered, counted and paged.

Filters arrive as the plain strings of a bookmarkable query (``?process=meldcode&overdue=1&page=2``). A value
that makes no sense is not guessed at: the inbox says in Dutch what is wrong and shows the unfiltered view.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import N_, Message
from webapp.services.context import Origin, ServiceContext, audit
from webapp.services.filter_values import CASE_REFERENCE_MAX, parse_date, parse_page, shown, text_of
from webapp.services.task_queries import (
    CLAIMED_ANY,
    CLAIMED_BY_ME,
    UNCLAIMED,
    InboxCriteria,
    InboxTally,
    inbox_page,
    inbox_tallies,
    process_choices,
)
from webapp.services.views import TaskView

PAGE_SIZE = 25
SORT_DUE, SORT_DUE_LAST_FIRST = "due", "-due"
CLAIM_CHOICES = (CLAIMED_ANY, CLAIMED_BY_ME, UNCLAIMED)
SORT_CHOICES = (SORT_DUE, SORT_DUE_LAST_FIRST)
FIELDS = ("process", "case", "due_before", "overdue", "claimed", "sort", "page")


@dataclass(frozen=True)
class InboxFilter:
    """What the person asked for, in their terms: a process id, a case reference, a local date."""

    process: str | None = None
    case: str | None = None
    due_before: date | None = None
    overdue: bool = False
    claimed: str = CLAIMED_ANY
    sort: str = SORT_DUE
    page: int = 1

    @property
    def narrowed(self) -> bool:
        """Whether any filter (not the sort order or the page) leaves tasks out."""
        return bool(self.process or self.case or self.due_before or self.overdue or self.claimed)

    def query(self, **changes: object) -> dict[str, str]:
        """The query parameters of this filter (with ``changes``), defaults left out: links stay short."""
        chosen = replace(self, **changes)  # type: ignore[arg-type]
        values = {
            "process": chosen.process or "",
            "case": chosen.case or "",
            "due_before": chosen.due_before.isoformat() if chosen.due_before else "",
            "overdue": "1" if chosen.overdue else "",
            "claimed": chosen.claimed,
            "sort": "" if chosen.sort == SORT_DUE else chosen.sort,
            "page": "" if chosen.page == 1 else str(chosen.page),
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class ProcessChoice:
    process_id: str
    name: str
    count: int


@dataclass(frozen=True)
class InboxCounts:
    """How many tasks each choice of the filter form would show, the other choices kept as they are."""

    matching: int  # the tasks of the current view, over all pages
    overdue: int
    claimed_any: int
    mine: int
    unclaimed: int


@dataclass(frozen=True)
class InboxPage:
    tasks: list[TaskView]
    filter: InboxFilter  # what is applied: empty when the request held a value that makes no sense
    form: dict[str, str]  # what the filter form shows: the values as they were sent
    errors: dict[str, str]  # field name → what is wrong with it, in Dutch
    counts: InboxCounts
    processes: list[ProcessChoice]
    pages: int
    now: datetime
    notices: list[str] = field(default_factory=list)

    @property
    def first_number(self) -> int:
        return (self.filter.page - 1) * PAGE_SIZE + 1 if self.tasks else 0

    @property
    def last_number(self) -> int:
        return (self.filter.page - 1) * PAGE_SIZE + len(self.tasks)


def parse_inbox_filter(
    params: Mapping[str, str], known_processes: Collection[str]
) -> tuple[InboxFilter, dict[str, str]]:
    """The filter the query asks for, and a Dutch message for each value that makes no sense."""
    errors: dict[str, str] = {}
    process = text_of(params, "process")
    if process and process not in known_processes:
        errors["process"] = Message(
            "De procedure ‘{process}’ bestaat niet. Kies een procedure uit de lijst.", process=shown(process)
        )
    case = text_of(params, "case")
    if len(case) > CASE_REFERENCE_MAX or not case.isprintable():
        errors["case"] = Message(
            "Een zaaknummer heeft hoogstens {most} tekens, zoals KF-1A2B3C4D.", most=CASE_REFERENCE_MAX
        )
    due_before, errors["due_before"] = parse_date(text_of(params, "due_before"))
    overdue = text_of(params, "overdue")
    if overdue not in ("", "1", "on"):
        errors["overdue"] = N_(
            "Het filter ‘Te laat’ staat aan (1) of uit (leeg); andere waarden kent het niet."
        )
    claimed = text_of(params, "claimed")
    if claimed not in CLAIM_CHOICES:
        errors["claimed"] = N_("Kies bij ‘Opgepakt’: alle taken, door mij opgepakt of nog niet opgepakt.")
    sort = text_of(params, "sort") or SORT_DUE
    if sort not in SORT_CHOICES:
        errors["sort"] = N_("Sorteer op termijn: de eerste termijn bovenaan of de laatste termijn bovenaan.")
    page, errors["page"] = parse_page(text_of(params, "page"))
    errors = {name: message for name, message in errors.items() if message}
    if errors:
        return InboxFilter(), errors
    return InboxFilter(process or None, case or None, due_before, bool(overdue), claimed, sort, page), {}


def show_inbox(
    ctx: ServiceContext, actor: Actor, params: Mapping[str, str], origin: Origin | None = None
) -> InboxPage:
    """One page of the inbox with the counts of every filter choice; the search is audited."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        catalogue = process_choices(session)
        wanted, errors = parse_inbox_filter(params, {process_id for process_id, _, _ in catalogue})
        criteria = _criteria(wanted, catalogue, now)
        tallies = inbox_tallies(session, actor, criteria, now)
        counts, processes = _counts(tallies, catalogue, criteria)
        pages = max(1, -(-counts.matching // PAGE_SIZE))
        notices: list[str] = []
        applied = wanted
        if wanted.page > pages:
            notices.append(
                Message(
                    "Pagina {page} bestaat niet (meer); u ziet pagina {last}, de laatste.",
                    page=wanted.page,
                    last=pages,
                )
            )
            applied = replace(wanted, page=pages)
        tasks = inbox_page(
            session,
            actor,
            criteria,
            descending=applied.sort == SORT_DUE_LAST_FIRST,
            offset=(applied.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
    _audit_search(ctx, actor, applied, counts.matching, origin)
    form = {name: text_of(params, name) for name in FIELDS} if errors else applied.query()
    return InboxPage(tasks, applied, form, errors, counts, processes, pages, now, notices)


def _criteria(
    wanted: InboxFilter, catalogue: list[tuple[str, str, tuple[int, ...]]], now: datetime
) -> InboxCriteria:
    definitions = next((ids for pid, _, ids in catalogue if pid == wanted.process), None)
    return InboxCriteria(
        definition_ids=definitions,
        case_references=tuple(dict.fromkeys((wanted.case, wanted.case.upper()))) if wanted.case else None,
        due_before=start_of_next_day(wanted.due_before) if wanted.due_before else None,
        overdue_at=now if wanted.overdue else None,
        claimed=wanted.claimed,
    )


def _counts(
    tallies: list[InboxTally],
    catalogue: list[tuple[str, str, tuple[int, ...]]],
    criteria: InboxCriteria,
) -> tuple[InboxCounts, list[ProcessChoice]]:
    process_of = {definition_id: pid for pid, _, ids in catalogue for definition_id in ids}
    per_process: dict[str, int] = {}
    for tally in tallies:
        pid = process_of.get(tally.definition_id, "")
        per_process[pid] = per_process.get(pid, 0) + tally.matching
    chosen = [
        t for t in tallies if criteria.definition_ids is None or t.definition_id in criteria.definition_ids
    ]
    mine, unclaimed = sum(t.mine for t in chosen), sum(t.unclaimed for t in chosen)
    counts = InboxCounts(
        matching=sum(t.matching for t in chosen),
        overdue=sum(t.overdue for t in chosen),
        claimed_any=mine + unclaimed,
        mine=mine,
        unclaimed=unclaimed,
    )
    processes = [ProcessChoice(pid, name, per_process.get(pid, 0)) for pid, name, _ in catalogue]
    return counts, processes


def _audit_search(
    ctx: ServiceContext, actor: Actor, applied: InboxFilter, found: int, origin: Origin | None
) -> None:
    """The inbox lists cases (reference, process, task): which list someone looked at is recorded, not
    what it showed."""
    with ctx.db.write() as session:
        audit(
            session,
            ctx,
            "inbox.read",
            Action.SEARCH,
            actor_id=actor.user_id,
            origin=origin,
            object_type="inbox",
            details={**applied.query(), "results": str(found)},
        )


def start_of_next_day(day: date) -> datetime:
    """The first instant after ``day`` ends in Amsterdam: "due on or before 30-11" means before this."""
    return datetime.combine(day + timedelta(days=1), time(0), AMSTERDAM).astimezone(UTC)
