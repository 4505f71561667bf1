"""The compliance and lead-time pages (issue 7 item 2, charts of item 3): a manager sees the shares and counts
of their own organisations with each count linking to its list; the lists show no case data and are audited;
others get 403 with the reason; bad filters, formats and tables give a Dutch message and the unfiltered page;
every table downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.integration.test_compliance_report import _weert, seed_scenario
from tests.integration.test_lead_times import seed_counts, seed_durations
from tests.processes import test_subject_request as subject
from tests.web.conftest import Site, error_page, page, text_of
from tests.web.conftest import select as css
from webapp.persistence.models import AuditEvent, ProcessInstance

HOUR = 3600.0


def _cells(doc: Any, table_id: str) -> list[list[str]]:
    [table] = css(doc, f"table#{table_id}")
    return [[" ".join(" ".join(c.itertext()).split()) for c in row] for row in table.xpath(".//tbody/tr")]


def _header(doc: Any, table_id: str) -> list[str]:
    [table] = css(doc, f"table#{table_id}")
    return [" ".join(" ".join(c.itertext()).split()) for c in table.xpath(".//thead/tr/th")]


def _audit_lines(site: Site, event: str) -> list[tuple[str, str, int | None, dict[str, Any]]]:
    with site.ctx.db.read() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id))
        return [(r.action, r.result, r.actor_id, dict(r.details)) for r in rows]


def test_a_manager_sees_the_shares_counts_and_chart(site: Site) -> None:
    seed_scenario(site.ctx)
    response = site.client("manager").get("/rapportages/termijnen")

    assert response.status_code == 200
    doc = page(response)
    assert text_of(doc, "h1") == "Termijnen"
    card = text_of(doc, "li#maat-breach_ap")
    assert "33,3 %" in card and "AVG art. 33 lid 1" in card and "van 3 die meetellen" in card
    assert "Binnen de verlengde termijn: 50,0 %" in text_of(doc, "li#maat-subject_request")
    assert "AVG art. 12 lid 3" in text_of(doc, "li#maat-subject_request")
    assert "7 dagen" in text_of(doc, "li#maat-consent_answer")
    assert "Aandeel op tijd = op tijd afgehandeld ÷" in text_of(doc, "p#noemer")

    assert _header(doc, "tabel-overzicht")[:4] == ["Termijn", "Op tijd", "Op tijd na verlenging", "Te laat"]
    summary = _cells(doc, "tabel-overzicht")
    assert summary[0] == [
        "Datalek gemeld bij de AP binnen 72 uur",
        "1",
        "0",
        "1",
        "1",
        "1",
        "3",
        "33,3 %",
        "–",
    ]
    assert summary[1][-2:] == ["25,0 %", "50,0 %"]
    assert {row[1] for row in _cells(doc, "tabel-per-maand")} == {label for label, *_ in summary}
    assert {row[0] for row in _cells(doc, "tabel-per-organisatie")} == {"Gemeente Weert"}

    [chart] = css(doc, "figure#grafiek-aandeel svg")
    assert chart.get("role") == "img"
    assert css(doc, "details table#grafiek-aandeel-tabel")  # the same numbers as a table


def test_each_count_links_to_its_list_which_shows_no_case_data_and_is_audited(site: Site) -> None:
    seed_scenario(site.ctx)
    sanne = site.actor("hulpverlener")
    request_id, _ = subject.register_request(
        site.ctx, sanne
    )  # a real request: Jan Jansen, received 2 November
    client = site.client("manager")
    doc = page(client.get("/rapportages/termijnen"))

    [late] = css(doc, "table#tabel-overzicht tbody tr")[0].xpath("./td[3]/a")
    query = parse_qs(urlsplit(late.get("href")).query)
    assert urlsplit(late.get("href")).path == "/rapportages/termijnen/lijst"
    assert (query["soort"], query["uitkomst"]) == (["breach_ap"], ["late"])

    listed = page(client.get(late.get("href")))
    assert text_of(doc, "h1") == "Termijnen"
    assert text_of(listed, "h1") == "Datalek gemeld bij de AP binnen 72 uur: Te laat"
    assert text_of(listed, "p#aantal") == "1 termijn gevonden."
    assert _header(listed, "termijnen")[3] == "Ontdekt op"
    [row] = _cells(listed, "termijnen")
    assert row[0] == "Datalek afhandelen" and row[1] == "Gemeente Weert" and row[7] == "Te laat"
    assert row[8] == "8 uur" and row[9] == "Voortgang"

    response = client.get("/rapportages/termijnen/lijst?soort=subject_request&uitkomst=open")
    body = response.get_data(as_text=True)
    with site.ctx.db.read() as session:
        reference = session.get_one(ProcessInstance, request_id).case_reference
    assert "Jan Jansen" not in body and (reference is None or reference not in body)
    [link] = css(page(response), "table#termijnen a")
    assert link.get("href") == f"/instances/{request_id}/diagram"

    lines = _audit_lines(site, "report.deadlines")
    assert [(a, r) for a, r, _, _ in lines] == [("search", "success"), ("search", "success")]
    assert lines[0][2] == site.actor("manager").user_id and lines[0][3]["uitkomst"] == "late"


def test_others_get_403_with_the_reason(site: Site) -> None:
    for username in ("hulpverlener", "fg", "procesbeheer", "beheerder"):
        client = site.client(username)
        for address in (
            "/rapportages/termijnen",
            "/rapportages/termijnen/lijst",
            "/rapportages/doorlooptijden",
        ):
            status, _, message = error_page(client.get(address))
            assert status == 403, (username, address)
            assert "Alleen een manager" in message, (username, address)
    assert {result for _, result, _, _ in _audit_lines(site, "report.compliance")} == {"denied"}


def test_bad_filters_give_the_message_and_the_unfiltered_view(site: Site) -> None:
    seed_scenario(site.ctx)
    client = site.client("manager")
    unfiltered = _cells(page(client.get("/rapportages/termijnen")), "tabel-overzicht")

    response = client.get("/rapportages/termijnen?van=2026-13&organisatie=99999&proces=<script>")
    assert response.status_code == 200
    doc = page(response)
    alert = text_of(doc, "div#filter-fouten")
    assert (
        "De maand ‘2026-13’ bestaat niet" in alert and "U volgt geen organisatie met nummer ‘99999’" in alert
    )
    assert "<script>" not in response.get_data(as_text=True)
    assert _cells(doc, "tabel-overzicht") == unfiltered

    for address in (
        "/rapportages/termijnen/lijst?tot=morgen",
        "/rapportages/doorlooptijden?van=2026-09&tot=2025-01",
    ):
        response = client.get(address)
        assert response.status_code == 200 and text_of(page(response), "div#filter-fouten"), address


def test_unknown_kind_outcome_page_format_and_table_give_a_message(site: Site) -> None:
    seed_scenario(site.ctx)
    client = site.client("manager")
    response = client.get("/rapportages/termijnen/lijst?soort=lekkage&uitkomst=vroeg&pagina=nul&formaat=pdf")
    assert response.status_code == 200
    doc = page(response)
    messages = text_of(doc, "div#meldingen")
    assert (
        "De termijnsoort ‘lekkage’ bestaat niet." in messages
        and "De uitkomst ‘vroeg’ bestaat niet." in messages
    )
    assert "Paginanummer ‘nul’ bestaat niet" in messages and "Het formaat ‘pdf’ kennen we niet" in messages
    assert text_of(doc, "p#aantal") == "10 termijnen gevonden."  # no filter on what was not understood

    response = client.get("/rapportages/termijnen?formaat=csv&tabel=geheim")
    assert response.status_code == 200
    assert "De tabel ‘geheim’ bestaat niet op deze pagina." in text_of(page(response), "div#meldingen")


def test_tables_and_lists_download_as_csv_and_excel(site: Site) -> None:
    seed_scenario(site.ctx)
    client = site.client("manager")
    doc = page(client.get("/rapportages/termijnen"))
    [csv_link] = css(doc, "p#download-overzicht a")[:1]
    response = client.get(csv_link.get("href"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="termijnen-overzicht-')
    text = response.get_data(as_text=True)
    assert "Datalek gemeld bij de AP binnen 72 uur;1;0;1;1;1;3;" in text

    listed = client.get("/rapportages/termijnen/lijst?soort=breach_ap&formaat=xlsx")
    assert listed.status_code == 200 and listed.data[:2] == b"PK"
    lead = client.get("/rapportages/doorlooptijden?tabel=te-laat-per-maand&formaat=csv")
    assert "doorlooptijden-te-laat-per-maand" in lead.headers["Content-Disposition"]
    reports = [d.get("tabel") or "lijst" for _, _, _, d in _audit_lines(site, "report.exported")]
    assert len(reports) == 3


def test_lead_times_page_shows_medians_the_accuracy_and_the_late_share(site: Site) -> None:
    seed_durations(site.ctx, "2026-10", "triage", 2 * HOUR, 9, name="Datalek beoordelen")
    seed_durations(site.ctx, "2026-10", "notify", 5 * 86400, 3, name="Melden bij de AP")
    seed_counts(site.ctx, "2026-10", completed=12, late=3)
    response = site.client("manager").get("/rapportages/doorlooptijden")

    assert response.status_code == 200
    doc = page(response)
    assert text_of(doc, "h1") == "Doorlooptijden"
    assert "25 %" in text_of(doc, "p#nauwkeurigheid")
    rows = {row[1]: row for row in _cells(doc, "tabel-stappen")}
    assert rows["Datalek beoordelen"][0] == "Datalek afhandelen" and rows["Datalek beoordelen"][2] == "9"
    assert rows["Datalek beoordelen"][3].endswith("uur") and rows["Melden bij de AP"][3].endswith("dagen")
    assert text_of(doc, "figure#grafiek-mediaan figcaption") == "Mediaan per stap: Datalek afhandelen"
    assert "Mediaan in dagen" in response.get_data(as_text=True)
    late = {row[0]: row for row in _cells(doc, "tabel-te-laat")}
    assert late["2026-10"][1:] == ["12", "3", "25,0 %"]
    assert late["2026-09"][1:] == ["0", "0", "–"]


def test_a_manager_cannot_look_into_another_organisation(site: Site) -> None:
    """Rubicon's manager asks for Weert by its number: refused with a message, and only Rubicon's figures."""
    seed_scenario(site.ctx)
    weert = str(_weert(site.ctx))
    client = site.client("manager.rubicon")
    for address in (
        f"/rapportages/termijnen?organisatie={weert}",
        f"/rapportages/termijnen/lijst?organisatie={weert}&soort=breach_ap",
        f"/rapportages/doorlooptijden?organisatie={weert}",
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert f"U volgt geen organisatie met nummer ‘{weert}’" in text_of(
            page(response), "div#filter-fouten"
        )
        assert "Gemeente Weert" not in response.get_data(as_text=True), address
    listed = page(client.get(f"/rapportages/termijnen/lijst?organisatie={weert}&soort=breach_ap"))
    assert [row[1] for row in _cells(listed, "termijnen")] == ["Rubicon Jeugdzorg"]


def test_a_dashboard_deadline_kind_in_the_filter_is_kept_not_refused(site: Site) -> None:
    """The dashboard's filter may carry a task deadline kind; these pages keep it in their links."""
    site.decision_task()  # an open task with a 4-week deadline: the kind exists
    response = site.client("manager").get("/rapportages/termijnen?termijn=calendar:P4W")
    assert response.status_code == 200
    doc = page(response)
    assert not css(doc, "div#filter-fouten")
    [link] = css(doc, "a#naar-doorlooptijden")
    assert "termijn=calendar" in link.get("href")
