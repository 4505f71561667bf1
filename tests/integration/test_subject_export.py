"""The data subject's export for an inspection request (AVG art. 15; Wabvpz 15d/15e), on SQLite and
PostgreSQL: all the person's cases, their procedures, answers, registers and comments, and who accessed
them; for the FG and whoever handles the request only, audited either way."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.factories import login
from tests.integration.person_case import BIRTH_DATE, MARKER, NAME, open_named_case
from tests.processes import test_case_intake as intake
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied
from webapp.persistence.models import AuditEvent
from webapp.services.cases import view_case_file
from webapp.services.context import ServiceContext
from webapp.services.instances import view_instance
from webapp.services.subject_export import export_offered, export_subject_data

REQUEST = "Verzoek van betrokkene (rechten en verzet)"


def _named_case(ctx: ServiceContext, name: str, born: str) -> str:
    sanne = login(ctx, "hulpverlener")
    instance_id = intake.register(ctx, sanne)
    participants = {**intake.PARTICIPANTS, "client_naam": name, "client_geboortedatum": born}
    intake.do(ctx, sanne, instance_id, intake.PARTICIPANTS_TASK, participants)
    reference = view_instance(ctx, sanne, instance_id).case_reference
    assert reference is not None
    return reference


def _exports(ctx: ServiceContext, result: str) -> list[tuple[str | None, str, int | None, str | None]]:
    """(case, action, actor, client key) of each export line with this result."""
    with ctx.db.read() as session:
        query = select(
            AuditEvent.object_id, AuditEvent.action, AuditEvent.actor_id, AuditEvent.client_key
        ).where(AuditEvent.event == "subject.exported", AuditEvent.result == result)
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def test_the_export_holds_all_cases_of_the_person_and_who_saw_them(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    ctx = any_ctx
    fg = login(ctx, "fg")
    case = open_named_case(ctx, clock)
    same_person = _named_case(ctx, f"  {NAME.upper()} ", BIRTH_DATE)  # typed differently, same person
    other_person = _named_case(ctx, NAME, "2010-01-01")
    view_case_file(ctx, login(ctx, "voorzitter"), case.reference)  # a read that the access log must show

    assert export_offered(ctx, fg, case.reference)
    export = export_subject_data(ctx, fg, case.reference)
    json.dumps(export, default=str)  # machine-readable as it stands
    assert export["zaak_van_het_verzoek"] == case.reference and "AVG art. 15" in export["uitleg"]
    cases = export["zaken"]["gegevens"]
    assert [c["zaak"] for c in cases] == [case.reference, same_person]
    assert other_person not in {c["zaak"] for c in cases}
    first = cases[0]
    for section in ("procedures", "registers", "opmerkingen"):
        assert first[section]["uitleg"]
    procedures = {p["procedure"]: p for p in first["procedures"]["gegevens"]}
    assert set(procedures) == {"Aanmelding casusoverleg", REQUEST}
    answers = procedures["Aanmelding casusoverleg"]["antwoorden"]
    assert (answers["client_naam"], answers["client_geboortedatum"]) == (NAME, BIRTH_DATE)
    assert MARKER in answers["verslag_overleg"]
    assert procedures[REQUEST]["antwoorden"]["rechten"] == ["inzage"]
    assert any(t["taak"] == "Casus afsluiten" for t in procedures["Aanmelding casusoverleg"]["taken"])
    registers = {r["register"]: r["velden"] for r in first["registers"]["gegevens"]}
    assert registers["Casusregister (convenant art. 12)"]["Naam cliënt"] == NAME
    assert [c["tekst"] for c in first["opmerkingen"]["gegevens"]] == [
        f"Moeder van {NAME} belde over {MARKER}."
    ]
    log = export["toegangslog"]["gegevens"]
    assert export["toegangslog"]["uitleg"]
    reads = [line for line in log if line["gebeurtenis"] == "case.read"]
    assert reads and reads[0]["wie"] == "Peter Voorzitter" and reads[0]["rol"] == "voorzitter"
    assert {line["gebeurtenis"] for line in log} >= {"instance.started", "task.completed", "comment.created"}
    exported = _exports(ctx, "success")
    assert sorted(e[0] or "" for e in exported) == sorted([case.reference, same_person])
    assert all(action == "export" and who == fg.user_id and key for _, action, who, key in exported)


def test_only_the_fg_and_the_handler_of_an_inspection_request_export(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    ctx = any_ctx
    case = open_named_case(ctx, clock)
    handler = login(ctx, "hulpverlener")  # registered and handled the request
    assert export_subject_data(ctx, handler, case.reference)["zaken"]["gegevens"]
    for outsider in ("collega", "rubicon", "fg.rubicon", "manager"):
        reader = login(ctx, outsider)
        assert not export_offered(ctx, reader, case.reference)
        with pytest.raises(AccessDenied):
            export_subject_data(ctx, reader, case.reference)
    assert len(_exports(ctx, "denied")) == 4
    no_request = _named_case(ctx, "Iemand Anders", "2012-12-12")
    assert not export_offered(ctx, login(ctx, "fg"), no_request)
    with pytest.raises(AccessDenied):
        export_subject_data(ctx, login(ctx, "fg"), no_request)
