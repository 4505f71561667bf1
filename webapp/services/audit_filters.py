"""The filters of the FG's audit search, as the plain strings of a bookmarkable query.

``?since=2026-11-01&until=2026-11-30&action=read&case=KF-1A2B3C4D&page=2``: a value that makes no sense is not
guessed at; the search says in Dutch what is wrong and shows the unfiltered list.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from webapp.domain.audit import Action, Result
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.messages import N_, Message
from webapp.services.filter_values import CASE_REFERENCE_MAX, parse_date, parse_page, shown, text_of

FIELDS = ("since", "until", "user", "action", "result", "object_type", "case", "page")
USERNAME_MAX = 80

ACTION_LABELS: dict[str, str] = {
    Action.CREATE: N_("aanmaken"),
    Action.READ: N_("inzien"),
    Action.UPDATE: N_("wijzigen"),
    Action.DELETE: N_("verwijderen"),
    Action.SEARCH: N_("zoeken"),
    Action.EXPORT: N_("exporteren"),
    Action.PRINT: N_("afdrukken"),
    Action.TRANSFER: N_("overdragen"),
    Action.CONSENT_CHANGE: N_("toestemming wijzigen"),
    Action.EMERGENCY_ACCESS: N_("noodtoegang"),
    Action.LOGIN: N_("aanmelden"),
    Action.LOGOUT: N_("afmelden"),
}
RESULT_LABELS: dict[str, str] = {
    Result.SUCCESS: N_("gelukt"),
    Result.DENIED: N_("geweigerd"),
    Result.ERROR: N_("fout"),
}
OBJECT_LABELS: dict[str, str] = {
    "case": N_("Zaak"),
    "process_instance": N_("Procedure"),
    "human_task": N_("Taak"),
    "comment": N_("Opmerking"),
    "register": N_("Register"),
    "register_entry": N_("Registratie"),
    "inbox": N_("Takenlijst"),
    "notification": N_("Melding"),
    "user": N_("Gebruiker"),
    "api_token": N_("API-sleutel"),
    "process_definition": N_("Procesdefinitie"),
    "audit_log": N_("Auditlog"),
    "report": N_("Rapportage"),
}


@dataclass(frozen=True)
class AuditFilter:
    since: date | None = None
    until: date | None = None
    user: str | None = None  # a username
    action: str | None = None
    result: str | None = None
    object_type: str | None = None
    case: str | None = None  # a case reference, as typed; searched as its client key
    page: int = 1

    @property
    def narrowed(self) -> bool:
        return any((self.since, self.until, self.user, self.action, self.result, self.object_type, self.case))

    def query(self, **changes: object) -> dict[str, str]:
        """The query parameters of this filter (with ``changes``), defaults left out."""
        chosen = replace(self, **changes)  # type: ignore[arg-type]
        values = {
            "since": chosen.since.isoformat() if chosen.since else "",
            "until": chosen.until.isoformat() if chosen.until else "",
            "user": chosen.user or "",
            "action": chosen.action or "",
            "result": chosen.result or "",
            "object_type": chosen.object_type or "",
            "case": chosen.case or "",
            "page": "" if chosen.page == 1 else str(chosen.page),
        }
        return {name: value for name, value in values.items() if value}

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The instants covered: from the start of ``since`` to the end of ``until``, in Amsterdam."""
        start = datetime.combine(self.since, time(0), AMSTERDAM).astimezone(UTC) if self.since else None
        end = (
            datetime.combine(self.until + timedelta(days=1), time(0), AMSTERDAM).astimezone(UTC)
            if self.until
            else None
        )
        return start, end


def parse_audit_filter(
    params: Mapping[str, str], known_users: Collection[str]
) -> tuple[AuditFilter, dict[str, str]]:
    """The filter the query asks for, and a Dutch message for each value that makes no sense."""
    errors: dict[str, str] = {}
    since, errors["since"] = parse_date(text_of(params, "since"))
    until, errors["until"] = parse_date(text_of(params, "until"))
    if since and until and since > until:
        errors["until"] = N_(
            "De einddatum ligt vóór de begindatum. Kies een einddatum op of na de begindatum."
        )
    user = text_of(params, "user")
    if user and (len(user) > USERNAME_MAX or user not in known_users):
        errors["user"] = Message(
            "De gebruiker ‘{user}’ bestaat niet. Kies een gebruiker uit de lijst.", user=shown(user)
        )
    action = text_of(params, "action")
    if action and action not in ACTION_LABELS:
        errors["action"] = N_("Kies een handeling uit de lijst.")
    result = text_of(params, "result")
    if result and result not in RESULT_LABELS:
        errors["result"] = N_("Kies bij ‘Resultaat’: gelukt, geweigerd of fout.")
    object_type = text_of(params, "object_type")
    if object_type and object_type not in OBJECT_LABELS:
        errors["object_type"] = N_("Kies een soort gegeven uit de lijst.")
    case = "".join(text_of(params, "case").split()).upper()
    if len(case) > CASE_REFERENCE_MAX or not case.isprintable():
        errors["case"] = Message(
            "Een zaaknummer heeft hoogstens {most} tekens, zoals KF-1A2B3C4D.", most=CASE_REFERENCE_MAX
        )
    page, errors["page"] = parse_page(text_of(params, "page"))
    errors = {name: message for name, message in errors.items() if message}
    if errors:
        return AuditFilter(), errors
    return AuditFilter(
        since, until, user or None, action or None, result or None, object_type or None, case or None, page
    ), {}
