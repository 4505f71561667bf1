"""The managers' dashboard and its lists in the browser's place: what a manager sees (and of which
organisation), who is refused, what a bad filter does, that lists hold no case data and are audited, and
that every table downloads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.factories import home_organisation
from tests.web.conftest import Site, error_page, page, text_of
from tests.web.conftest import select as css
from webapp.domain.clock import ManualClock
from webapp.persistence.models import AuditEvent, ProcessInstance
from webapp.services.dashboard import dashboard_overview
from webapp.services.report_filters import ReportFilters

# The decision task of a demo request received on 30 October 2026 is due four weeks later, on Friday
# 27 November; on 1 December it is four days overdue.
AFTER_DEADLINE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEMO_NAME = "Verzoek van betrokkene (demo)"


def overdue_decision(site: Site) -> int:
    task = site.decision_task()
    clock = site.ctx.clock
    assert isinstance(clock, ManualClock)
    clock.set(AFTER_DEADLINE)
    return task


def case_references(site: Site) -> list[str]:
    with site.ctx.db.read() as session:
        return [r for r in session.scalars(select(ProcessInstance.case_reference)) if r]


def audit_lines(site: Site, event: str) -> list[tuple[str, str, dict[str, str]]]:
    with site.ctx.db.read() as session:
        lines = session.scalars(select(AuditEvent).where(AuditEvent.event == event)).all()
        return [(line.action, line.result, dict(line.details)) for line in lines]


def cells(row: object) -> list[str]:
    return [" ".join(" ".join(td.itertext()).split()) for td in row.findall("td")]  # type: ignore[attr-defined]


def card(doc: object, name: str) -> tuple[str, str]:
    """A summary card's number and the address behind it."""
    links = css(doc, f"#kaart-{name} a")
    assert links, name
    return text_of(doc, f"#kaart-{name} .report-card__number"), links[0].get("href")


def test_a_manager_sees_the_overdue_task_and_follows_the_number_to_its_list(site: Site) -> None:
    overdue_decision(site)
    client = site.client("manager")

    response = client.get("/rapportages/")
    assert response.status_code == 200
    doc = page(response)
    assert card(doc, "open_tasks")[0] == "1" and card(doc, "open_instances")[0] == "1"
    number, href = card(doc, "overdue")
    assert number == "1"
    assert "langst: 3,4 dagen" in text_of(doc, "#kaart-overdue")  # Friday 24:00 to Tuesday 10:00
    assert urlsplit(href).path == "/rapportages/taken" and parse_qs(urlsplit(href).query)["bucket"] == [
        "overdue"
    ]
    row = next(r for r in css(doc, "#tabel-procedures tbody tr") if DEMO_NAME in " ".join(r.itertext()))
    assert cells(row)[:4] == ["1", "1", "1", "0"]

    listing = client.get(href)
    assert listing.status_code == 200
    body = listing.get_data(as_text=True)
    doc = page(listing)
    assert text_of(doc, "h1") == "Open taken: te laat"
    first = cells(css(doc, "#lijst tbody tr")[0])
    assert first[:3] == [DEMO_NAME, "Gemeente Weert", "Identiteit controleren en beslissen"]
    assert first[3].startswith("27-11-2026") and first[5] == "4" and first[6] == "Professional (rol)"
    progress = css(doc, "#lijst tbody tr td.kind-link a")[0].get("href")
    assert re.fullmatch(r"/instances/\d+/diagram", progress)
    # No case data: neither the case reference nor anything the professional typed.
    references = case_references(site)
    assert references and not any(reference in body for reference in references)
    assert "Betrokkene wil inzage" not in body and "inzage" not in body


def test_the_lists_are_audited_as_searches(site: Site) -> None:
    overdue_decision(site)
    client = site.client("manager")
    assert client.get("/rapportages/taken?bucket=overdue").status_code == 200
    assert client.get("/rapportages/zaken").status_code == 200

    [(action, result, details)] = audit_lines(site, "report.tasks")
    assert (action, result, details["bucket"], details["results"]) == ("search", "success", "overdue", "1")
    [(action, _, details)] = audit_lines(site, "report.instances")
    assert action == "search" and details["results"] == "1"


def test_a_manager_sees_only_their_own_organisations(site: Site) -> None:
    site.start_demo("rubicon")  # Rubicon Jeugdzorg's open task
    weert = page(site.client("manager").get("/rapportages/"))
    assert card(weert, "open_tasks")[0] == "0"
    organisations = [text_of(row, "th") for row in css(weert, "#tabel-organisaties tbody tr")]
    assert organisations == ["Gemeente Weert", "Totaal"]

    rubicon = page(site.client("manager.rubicon").get("/rapportages/"))
    assert card(rubicon, "open_tasks")[0] == "1"
    # Asking for another organisation's list by its number is refused like any value not on offer.
    other = site.client("manager").get(
        f"/rapportages/taken?organisatie={home_organisation(site.actor('rubicon'))}"
    )
    assert other.status_code == 200
    assert "U volgt geen organisatie met nummer" in text_of(page(other), "#filter-fouten")
    assert text_of(page(other), "#aantal") == "0 open taken"


def test_others_are_refused_with_the_reason(site: Site) -> None:
    for address in ("/rapportages/", "/rapportages/taken", "/rapportages/zaken"):
        status, _, message = error_page(site.client("hulpverlener").get(address))
        assert status == 403
        assert message == "Alleen een manager ziet de overzichten van openstaand werk en termijnen."
    assert {result for _, result, _ in audit_lines(site, "report.dashboard")} == {"denied"}


def test_bad_filters_show_the_message_and_the_unfiltered_view(site: Site) -> None:
    overdue_decision(site)
    response = site.client("manager").get("/rapportages/?organisatie=abc&van=2026-13&proces=niets")
    assert response.status_code == 200
    doc = page(response)
    alert = text_of(doc, "#filter-fouten")
    assert "U volgt geen organisatie met nummer ‘abc’." in alert
    assert "De maand ‘2026-13’ bestaat niet." in alert
    assert "De procedure ‘niets’ bestaat niet" in alert
    assert css(doc, "#filter-fouten")[0].get("role") == "alert"
    assert card(doc, "open_tasks")[0] == "1"  # the unfiltered view
    assert css(doc, "#filter-van")[0].get("value") == "2026-01"  # the default period: the last 12 months


def test_an_unknown_bucket_page_or_format_gives_a_message_not_an_error(site: Site) -> None:
    client = site.client("manager")
    doc = page(client.get("/rapportages/taken?bucket=morgen&pagina=nul"))
    messages = text_of(doc, "#meldingen")
    assert "De keuze ‘morgen’ bestaat niet" in messages and "Paginanummer ‘nul’ bestaat niet" in messages
    response = client.get("/rapportages/?formaat=pdf&tabel=dashboard-procedures")
    assert response.status_code == 200
    assert "Het formaat ‘pdf’ kennen we niet" in text_of(page(response), "#meldingen")
    response = client.get("/rapportages/?formaat=csv&tabel=geheim")
    assert "De tabel ‘geheim’ bestaat niet op deze pagina." in text_of(page(response), "#meldingen")


def test_tables_and_lists_download_as_csv_and_excel_and_each_download_is_audited(site: Site) -> None:
    overdue_decision(site)
    client = site.client("manager")
    doc = page(client.get("/rapportages/"))
    csv_link = css(doc, "#download-dashboard-procedures a")[0].get("href")

    table = client.get(csv_link)
    assert table.status_code == 200 and table.mimetype == "text/csv"
    text = table.get_data(as_text=True)
    assert "Procedure;Open zaken;Open taken;Te laat" in text and f"{DEMO_NAME};1;1;1" in text

    listing = client.get("/rapportages/taken?bucket=overdue&formaat=xlsx")
    assert listing.status_code == 200 and listing.data[:2] == b"PK"
    assert "open-taken-" in listing.headers["Content-Disposition"]
    assert len(audit_lines(site, "report.exported")) == 2
    assert audit_lines(site, "report.tasks") == []  # the export is audited as an export, not as a search


def test_charts_are_images_with_a_text_alternative_and_the_same_numbers_as_a_table(site: Site) -> None:
    overdue_decision(site)
    doc = page(site.client("manager").get("/rapportages/"))
    for chart in ("grafiek-procedures", "grafiek-te-laat", "grafiek-trend"):
        [svg] = css(doc, f"#{chart} svg")
        assert svg.get("role") == "img" and svg.get("aria-labelledby") == f"{chart}-title {chart}-desc"
    description = text_of(doc, "#grafiek-te-laat-desc")
    assert "Minder dan 1 week te laat 1" in description
    numbers = [text_of(row, "td") for row in css(doc, "#grafiek-te-laat-tabel tbody tr")]
    assert numbers == ["1", "0", "0"]
    assert css(doc, "#tabel-trend caption")  # the trend's numbers are in the table beside its chart


def test_the_service_and_the_page_agree(site: Site) -> None:
    overdue_decision(site)
    view = dashboard_overview(
        site.ctx, site.actor("manager"), ReportFilters(month_from="2026-01", month_to="2026-12")
    )
    doc = page(site.client("manager").get("/rapportages/?van=2026-01&tot=2026-12"))
    trend = {text_of(row, "th"): cells(row) for row in css(doc, "#tabel-trend tbody tr")}
    assert len(trend) == len(view.trend.rows) == 12
    assert trend["2026-11"][0] == str(view.trend.rows[10]["instance_started"]) == "1"


def test_the_pages_render_in_english_too(site: Site) -> None:
    overdue_decision(site)
    client = site.client("manager")
    assert client.post("/account/language", data={"language": "en"}).status_code == 302
    for address in ("/rapportages/", "/rapportages/taken?bucket=overdue", "/rapportages/zaken"):
        response = client.get(address)
        assert response.status_code == 200, address
        assert page(response).get("lang") == "en"
