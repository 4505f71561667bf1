"""Which legal deadlines a register entry carries, and whether they were met (DOMAIN.md 2.2, 3.3, 6).

- ``breach_ap``: a breach that is (or may still be) notified to the Autoriteit Persoonsgegevens, within 72
  hours of its discovery (AVG art. 33 lid 1). A breach decided "niet melden" carries no such deadline.
- ``subject_request``: the answer to a data-subject request within 4 weeks of receipt, or within 4 weeks and
  2 months when the term was extended (AVG art. 12 lid 3; convenant art. 15 lid 4).
- ``consent_answer``: a consent request answered before the reminder, 7 days after it was asked
  (processes/consent.bpmn).

The record is derived from the fields the process wrote; nothing personal is kept, only the instants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from webapp.domain.deadlines import AMSTERDAM, DueRule, compute_deadline, end_of_day
from webapp.domain.messages import N_


class DeadlineKind(StrEnum):
    BREACH_AP = "breach_ap"
    SUBJECT_REQUEST = "subject_request"
    CONSENT_ANSWER = "consent_answer"


DEADLINE_KIND_LABELS: dict[DeadlineKind, str] = {
    DeadlineKind.BREACH_AP: N_("Datalek gemeld bij de AP binnen 72 uur"),
    DeadlineKind.SUBJECT_REQUEST: N_("Verzoek van betrokkene beantwoord binnen 4 weken"),
    DeadlineKind.CONSENT_ANSWER: N_("Toestemmingsverzoek beantwoord vóór de herinnering"),
}


class Outcome(StrEnum):
    ON_TIME = "on_time"
    ON_TIME_EXTENDED = "on_time_extended"  # after the first term, within the extended one
    LATE = "late"
    OPEN = "open"  # not met yet, still within the term
    OPEN_OVERDUE = "open_overdue"  # not met yet, the term has passed


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.ON_TIME: N_("Op tijd"),
    Outcome.ON_TIME_EXTENDED: N_("Op tijd na verlenging"),
    Outcome.LATE: N_("Te laat"),
    Outcome.OPEN: N_("Loopt nog"),
    Outcome.OPEN_OVERDUE: N_("Open en over de termijn"),
}


@dataclass(frozen=True)
class DeadlineFacts:
    kind: DeadlineKind
    started_at: datetime
    due_at: datetime
    extended_due_at: datetime | None
    met_at: datetime | None


def outcome(
    due_at: datetime, extended_due_at: datetime | None, met_at: datetime | None, now: datetime
) -> Outcome:
    """Whether a deadline was met, and how."""
    final = extended_due_at or due_at
    if met_at is None:
        return Outcome.OPEN_OVERDUE if now > final else Outcome.OPEN
    if met_at <= due_at:
        return Outcome.ON_TIME
    if extended_due_at is not None and met_at <= extended_due_at:
        return Outcome.ON_TIME_EXTENDED
    return Outcome.LATE


def final_outcome(due_at: datetime, extended_due_at: datetime | None, met_at: datetime | None) -> str | None:
    """The outcome once the deadline is met (stored with the record); None while it is open, since whether an
    open deadline is overdue depends on the moment it is read."""
    return None if met_at is None else outcome(due_at, extended_due_at, met_at, met_at).value


def deadline_facts(register: str, fields: Mapping[str, Any]) -> list[DeadlineFacts]:
    """The deadlines a register entry carries now (none when the entry lacks its legal start)."""
    derive = _DERIVERS.get(register)
    if derive is None:
        return []
    fact = derive(fields)
    return [fact] if fact is not None else []


def deadline_kinds_of(register: str) -> list[DeadlineKind]:
    return [kind for kind, name in _REGISTER_OF.items() if name == register]


def _breach(fields: Mapping[str, Any]) -> DeadlineFacts | None:
    discovered = _instant(fields.get("ontdekt_op"), end=False)
    if discovered is None or fields.get("besluit_ap") == "niet_melden":
        return None
    due = compute_deadline(discovered, "PT72H", DueRule.HOURS).due_at
    notified = None
    if fields.get("besluit_ap") == "melden":
        notified = _instant(fields.get("gemeld_bij_ap_op"), end=False)
    return DeadlineFacts(DeadlineKind.BREACH_AP, discovered, due, None, notified)


def _subject_request(fields: Mapping[str, Any]) -> DeadlineFacts | None:
    received = _instant(fields.get("ontvangen_op"), end=False)
    if received is None:
        return None
    due = compute_deadline(received, "P4W", DueRule.CALENDAR).due_at
    extended = None
    if fields.get("verlengd") is True:
        extended = compute_deadline(received, "P2M4W", DueRule.CALENDAR).due_at
    answered = _instant(fields.get("antwoord_verzonden_op"), end=True)
    return DeadlineFacts(DeadlineKind.SUBJECT_REQUEST, received, due, extended, answered)


def _consent(fields: Mapping[str, Any]) -> DeadlineFacts | None:
    asked = _instant(fields.get("gevraagd_op"), end=False)
    if asked is None:
        return None
    reminder = compute_deadline(asked, "P7D", DueRule.CALENDAR).due_at
    answered = _instant(fields.get("beantwoord_op"), end=True)
    return DeadlineFacts(DeadlineKind.CONSENT_ANSWER, asked, reminder, None, answered)


_DERIVERS: dict[str, Callable[[Mapping[str, Any]], DeadlineFacts | None]] = {
    "breach": _breach,
    "subject_request": _subject_request,
    "consent": _consent,
}
_REGISTER_OF: dict[DeadlineKind, str] = {
    DeadlineKind.BREACH_AP: "breach",
    DeadlineKind.SUBJECT_REQUEST: "subject_request",
    DeadlineKind.CONSENT_ANSWER: "consent",
}


def _instant(value: Any, *, end: bool) -> datetime | None:
    """A stored date or date-time as an instant; a bare day counts as its end (the legal reading of "on
    that day") when ``end``, else as its start in Amsterdam."""
    if not value:
        return None
    try:
        if isinstance(value, datetime):
            parsed: date | datetime = value
        elif isinstance(value, date):
            parsed = value
        else:
            text = str(value).strip()
            parsed = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None
    if isinstance(parsed, datetime):
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=AMSTERDAM)
    if end:
        return end_of_day(parsed)
    return datetime.combine(parsed, datetime.min.time(), AMSTERDAM)
