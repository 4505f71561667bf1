"""The FG's audit search and the client access overview, through the Flask test client."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select as sql_select

from tests.web.conftest import Site, page, select, text_of
from webapp.domain.audit import Action
from webapp.domain.clock import ManualClock
from webapp.persistence.models import AuditEvent
from webapp.services import tasks as task_service
from webapp.services.client_keys import case_client_key
from webapp.services.context import audit

COLUMNS = [c.name for c in AuditEvent.__table__.columns]


def demo_case(site: Site) -> tuple[str, int]:
    """A demo request with its intake done: (case reference, the open decision task)."""
    decide = site.decision_task()
    reference = task_service.open_task(site.ctx, site.actor("hulpverlener"), decide).task.case_reference
    assert reference is not None
    return reference, decide


def audit_rows(site: Site, event: str) -> list[Any]:
    """The audit lines of one event, as plain values (read after the unit of work is gone)."""
    with site.ctx.db.read() as session:
        found = session.execute(
            sql_select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        )
        return [SimpleNamespace(**{c: getattr(row, c) for c in COLUMNS}) for row in found.scalars()]


def table_rows(doc: object) -> list[str]:
    return [" ".join("".join(tr.itertext()).split()) for tr in select(doc, "table.audit-lines tbody tr")]


def test_the_fg_searches_the_audit_of_its_organisation_and_the_search_is_audited(site: Site) -> None:
    reference, _ = demo_case(site)
    fg = site.client("fg")
    response = fg.get("/audit")
    assert response.status_code == 200
    doc = page(response)
    assert "Gemeente Weert" in text_of(doc, "main p.hint")
    lines = table_rows(doc)
    assert any(
        "Sanne Hulpverlener" in line and "Gemeente Weert" in line and reference in line for line in lines
    )
    assert select(doc, "nav a[href=/audit]"), "the FG has the Audit menu item"
    searched = audit_rows(site, "audit.search")[-1]
    fg_id = site.actor("fg").user_id
    assert (searched.actor_id, searched.actor_role, searched.action, searched.result) == (
        fg_id,
        "fg",
        "search",
        "success",
    )
    assert searched.actor_org_id is not None and searched.origin == "web:127.0.0.1"


@pytest.mark.parametrize("username", ["hulpverlener", "aandacht", "voorzitter", "manager", "procesbeheer"])
def test_who_is_not_fg_or_admin_is_refused_and_the_refusal_is_audited(site: Site, username: str) -> None:
    client = site.client(username)
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert not select(page(client.get("/inbox")), "nav a[href=/audit]")
    denied = audit_rows(site, "audit.search")
    assert denied and denied[-1].result == "denied" and denied[-1].actor_id == site.actor(username).user_id


def test_the_admin_reads_the_audit_too(site: Site) -> None:
    assert site.client("beheerder").get("/audit").status_code == 200


def test_filters_narrow_the_list_and_can_be_bookmarked(site: Site, clock: ManualClock) -> None:
    reference, _decide = demo_case(site)
    clock.advance(timedelta(days=3))
    other_reference, _ = demo_case(site)
    fg = site.client("fg")
    sanne = site.actor("hulpverlener").username
    query = f"/audit?user={sanne}&action=create&result=success&object_type=process_instance&since=02-11-2026"
    doc = page(fg.get(query))
    lines = table_rows(doc)
    assert len(lines) == 2 and all("Sanne Hulpverlener" in line for line in lines)
    assert other_reference in lines[0] and reference in lines[1]  # newest first
    assert select(doc, "select#f-user option[selected]")[0].get("value") == sanne
    # the case filter goes through the client key: only lines about that case
    doc = page(fg.get(f"/audit?case={reference.lower()}"))
    lines = table_rows(doc)
    assert lines and all(reference in line for line in lines)
    assert not any(other_reference in line for line in lines)
    searched = audit_rows(site, "audit.search")[-1]
    assert searched.client_key == case_client_key(site.ctx, reference)
    assert reference not in json.dumps(searched.details)  # the search records the key, not the reference
    # the period: nothing before the first case's day
    assert table_rows(page(fg.get("/audit?until=01-11-2026"))) == []


def test_a_filter_that_makes_no_sense_gives_dutch_messages_and_the_unfiltered_list(site: Site) -> None:
    demo_case(site)
    fg = site.client("fg")
    response = fg.get(
        "/audit?since=31-02-2026&until=gisteren&action=stelen&result=x&object_type=y&user=niemand&page=0"
    )
    assert response.status_code == 200
    doc = page(response)
    summary = text_of(doc, "div.kf-error-summary")
    for message in (
        "De datum ‘31-02-2026’ bestaat niet",
        "‘gisteren’ is geen datum",
        "Kies een handeling uit de lijst.",
        "Kies bij ‘Resultaat’",
        "Kies een soort gegeven uit de lijst.",
        "De gebruiker ‘niemand’ bestaat niet",
        "Paginanummer ‘0’ bestaat niet",
    ):
        assert message in summary, message
    assert "U ziet daarom het auditlog zonder filter." in summary
    assert table_rows(doc), "the unfiltered list is shown"
    assert select(doc, "input#f-since")[0].get("value") == "31-02-2026"  # what was typed stays
    reversed_period = page(fg.get("/audit?since=2026-11-10&until=2026-11-01"))
    assert "De einddatum ligt vóór de begindatum" in text_of(reversed_period, "div.kf-error-summary")
    assert fg.get("/audit?page=99999999999&case=" + "x" * 500).status_code == 200


def test_the_list_is_paged_by_fifty(site: Site) -> None:
    actor = site.actor("hulpverlener")
    with site.ctx.db.write() as session:
        for number in range(120):
            audit(
                session,
                site.ctx,
                "inbox.read",
                Action.SEARCH,
                actor_id=actor.user_id,
                details={"n": str(number)},
            )
    fg = site.client("fg")
    first = page(fg.get("/audit?object_type="))
    assert len(table_rows(first)) == 50
    assert "Pagina 1 van" in text_of(first, "nav.pagination p")
    assert text_of(first, "table.audit-lines caption").startswith("Regels 1–50 van ")
    last = page(fg.get(select(first, "nav.pagination a")[-1].get("href")))
    assert text_of(last, "table.audit-lines caption").startswith("Regels 101–")
    assert 1 <= len(table_rows(last)) <= 50
    beyond = page(fg.get("/audit?page=40"))
    assert "Pagina 40 bestaat niet (meer)" in text_of(beyond, "main")


def test_another_organisations_fg_sees_neither_our_people_nor_our_cases(site: Site) -> None:
    reference, _ = demo_case(site)
    lines = table_rows(page(site.client("fg.rubicon").get("/audit")))
    assert not any("Sanne Hulpverlener" in line or reference in line for line in lines)
    assert site.client("fg.rubicon").get(f"/audit/cases/{reference}").status_code == 403


def test_the_filtered_list_exports_as_csv_and_the_export_is_audited(site: Site) -> None:
    reference, _ = demo_case(site)
    fg = site.client("fg")
    response = fg.get(f"/audit/export.csv?case={reference}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["regel", "tijdstip", "gebruiker"]
    assert len(rows) > 2 and all(row[11] == reference for row in rows[1:])
    exported = audit_rows(site, "audit.export")[-1]
    assert (exported.action, exported.result) == ("export", "success")
    assert exported.client_key == case_client_key(site.ctx, reference)
    assert exported.details["results"] == str(len(rows) - 1)
    refused = fg.get("/audit/export.csv?since=nooit")
    assert refused.status_code == 302 and "/audit?since=nooit" in refused.location


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(site: Site) -> None:
    actor = site.actor("hulpverlener")
    with site.ctx.db.write() as session:
        audit(session, site.ctx, "x.y", Action.READ, actor_id=actor.user_id, reason="=HYPERLINK(1)")
    body = site.client("fg").get("/audit/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body and ";=HYPERLINK" not in body


def test_the_client_access_overview_lists_who_did_what_with_break_glass_flagged(site: Site) -> None:
    reference, _decide = demo_case(site)
    site.client("collega").get(f"/cases/{reference}")  # a colleague reads the case file
    lotte = site.actor("rubicon").user_id
    with site.ctx.db.write() as session:
        audit(
            session,
            site.ctx,
            "break_glass.read",
            Action.EMERGENCY_ACCESS,
            actor_id=lotte,
            object_type="case",
            object_id=reference,
            reason="Acute zorg, dossier nodig",
        )
    fg = site.client("fg")
    case_page = page(fg.get(f"/cases/{reference}"))
    link = select(case_page, "a#inzage-overzicht")
    assert link and link[0].get("href") == f"/audit/cases/{reference}"
    doc = page(fg.get(f"/audit/cases/{reference}"))
    lines = table_rows(doc)
    assert "Sanne Hulpverlener" in lines[0] and "aanmaken" in lines[0]  # oldest first: the start
    assert any("Daan Collega" in line and "inzien" in line and "case.read" in line for line in lines)
    emergency = [line for line in lines if "Noodtoegang" in line]
    assert len(emergency) == 1 and "Lotte Rubicon" in emergency[0] and "Rubicon Jeugdzorg" in emergency[0]
    assert text_of(doc, "dd#aantal-noodtoegang") == "1"
    read = audit_rows(site, "audit.client_read")[-1]
    assert (read.action, read.actor_role, read.client_key) == (
        "read",
        "fg",
        case_client_key(site.ctx, reference),
    )


def test_the_client_access_overview_exports_as_csv_and_json_audited_as_export(site: Site) -> None:
    reference, _ = demo_case(site)
    fg = site.client("fg")
    as_csv = fg.get(f"/audit/cases/{reference}/export.csv")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert "Sanne Hulpverlener" in as_csv.get_data(as_text=True)
    as_json = fg.get(f"/audit/cases/{reference}/export.json")
    assert as_json.mimetype == "application/json"
    payload = json.loads(as_json.get_data(as_text=True))
    assert payload["zaak"] == reference and payload["organisatie"] == "Gemeente Weert"
    first = payload["regels"][0]
    assert first["gebruiker"] == "Sanne Hulpverlener" and first["noodtoegang"] is False
    assert {"tijdstip", "organisatie", "rol", "handeling", "gegeven", "resultaat"} <= set(first)
    exports = audit_rows(site, "audit.client_export")
    assert [e.details["format"] for e in exports] == ["csv", "json"]
    assert all(e.action == "export" and e.client_key == case_client_key(site.ctx, reference) for e in exports)


def test_the_client_access_overview_is_refused_to_others_and_unknown_cases_are_not_found(site: Site) -> None:
    reference, _ = demo_case(site)
    sanne = site.client("hulpverlener")
    assert sanne.get(f"/audit/cases/{reference}").status_code == 403
    assert sanne.get(f"/audit/cases/{reference}/export.json").status_code == 403
    assert not select(page(sanne.get(f"/cases/{reference}")), "a#inzage-overzicht")
    denied = audit_rows(site, "audit.client_read")[-1]
    assert denied.result == "denied" and denied.client_key == case_client_key(site.ctx, reference)
    assert site.client("fg").get("/audit/cases/KF-00000000").status_code == 404
