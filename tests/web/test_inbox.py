"""The inbox page through the Flask test client: the labelled GET filter form with a count per choice,
bookmarkable filters, sorting and paging on the server, due dates with the rule that made them, and
nonsense in the query answered in Dutch with the unfiltered view. Set-up goes through the services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import home_organisation
from tests.processes import test_data_breach as breach
from tests.web.conftest import Site, page, select, text_of
from webapp.domain.clock import ManualClock
from webapp.services import tasks as task_service
from webapp.services.instances import start_process

ERROR_TITLE = "Dit filter kan niet worden toegepast"
DECISION = "Identiteit controleren en beslissen"
REGISTER = "Verzoek registreren"


def rows(doc: Any) -> list[list[str]]:
    """The inbox table's rows as whitespace-normalised cell texts."""
    return [
        [" ".join(" ".join(td.itertext()).split()) for td in tr.findall("td")]
        for tr in select(doc, "table.list tbody tr")
    ]


def said(doc: Any, css: str) -> str:
    """The text of the first match as it reads, inline links included."""
    (found, *_) = select(doc, css)
    return " ".join(found.text_content().split())


def label_of(doc: Any, control_id: str) -> str:
    return text_of(doc, f"label[for={control_id}]")


def query_of(href: str) -> dict[str, list[str]]:
    parts = urlsplit(href)
    assert parts.path == "/inbox", href
    return parse_qs(parts.query)


def test_the_filter_form_is_a_labelled_get_form_with_a_count_per_choice(site: Site) -> None:
    site.start_demo()
    site.decision_task()  # a second case, at its decision
    doc = page(site.client("hulpverlener").get("/inbox"))
    (form,) = select(doc, "form.inbox-filter")
    assert (form.get("method"), form.get("action")) == ("get", "/inbox")
    assert not select(form, "input[name=csrf_token]")  # a GET form changes nothing
    controls = [c for c in form.iter("input", "select") if c.get("type") not in ("hidden", "submit")]
    assert {c.get("name") for c in controls} == {
        "process",
        "case",
        "due_before",
        "sort",
        "claimed",
        "overdue",
    }
    for control in controls:
        assert label_of(form, control.get("id")), control.get("name")
    assert text_of(form, "fieldset legend") == "Opgepakt"
    assert [label_of(form, i) for i in ("f-claimed", "f-claimed-me", "f-claimed-none", "f-overdue")] == [
        "Alle taken (2)",
        "Door mij opgepakt (0)",
        "Nog niet opgepakt (2)",
        "Te laat (0)",
    ]
    options = {o.get("value"): o.text for o in select(form, "select#f-process option")}
    assert options[""] == "Alle procedures (2)"
    assert options["demo_subject_request"] == "Verzoek van betrokkene (demo) (2)"
    assert options["meldcode"] == "Meldcode huiselijk geweld en kindermishandeling (0)"
    assert [r[0] for r in rows(doc)] == [DECISION, REGISTER]  # the due date first, undated last


def test_the_due_date_shows_the_legal_rule_that_made_it_and_when_it_has_passed(
    site: Site, clock: ManualClock
) -> None:
    site.decision_task()
    client = site.client("hulpverlener")
    (due,) = select(page(client.get("/inbox")), "td.due")
    assert due.find("time").get("datetime") == "2026-11-27T22:59:59+00:00"
    assert " ".join(" ".join(due.itertext()).split()) == "27-11-2026 4 weken vanaf 30-10-2026"
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    doc = page(client.get("/inbox"))
    assert text_of(doc, "td.due .overdue") == "te laat"
    assert label_of(doc, "f-overdue") == "Te laat (1)"


def test_an_hours_deadline_shows_its_time_and_the_hours_rule(site: Site) -> None:
    sanne, mila = site.actor("hulpverlener"), site.actor("manager")
    started = start_process(site.ctx, sanne, "data_breach", home_organisation(sanne))
    assert started.next_task_id is not None
    task_service.complete_task(site.ctx, sanne, started.next_task_id, breach.REPORT)
    (triage,) = task_service.list_inbox(site.ctx, mila)
    task_service.complete_task(site.ctx, mila, triage.id, breach.TRIAGE)
    doc = page(site.client("manager").get("/inbox"))
    assert [(r[0], r[4]) for r in rows(doc)] == [
        (breach.PARTNERS_TASK, "03-11-2026 10:00 24 uur vanaf 02-11-2026 10:00")
    ]


def test_filters_are_query_parameters_that_can_be_bookmarked(site: Site, clock: ManualClock) -> None:
    site.start_demo()
    decision = site.decision_task()
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    task_service.claim_task(site.ctx, site.actor("hulpverlener"), decision)
    client = site.client("hulpverlener")
    for query in ("?overdue=1", "?claimed=me", "?process=demo_subject_request&due_before=27-11-2026"):
        doc = page(client.get("/inbox" + query))
        assert [r[0] for r in rows(doc)] == [DECISION], query
        assert rows(doc)[0][-1] == "U"
    doc = page(client.get("/inbox?claimed=none&sort=-due"))
    assert [r[0] for r in rows(doc)] == [REGISTER]
    assert select(doc, "input#f-claimed-none")[0].get("checked") is not None
    assert [o.get("value") for o in select(doc, "select#f-sort option[selected]")] == ["-due"]
    # "Filters wissen" goes back to the plain inbox
    assert [a.get("href") for a in select(doc, "form.inbox-filter a")] == ["/inbox"]


def test_a_task_a_colleague_claimed_leaves_my_inbox(site: Site) -> None:
    task = site.start_demo()
    task_service.claim_task(site.ctx, site.actor("collega"), task)
    assert rows(page(site.client("hulpverlener").get("/inbox"))) == []
    mine = rows(page(site.client("collega").get("/inbox?claimed=me")))
    assert [(r[0], r[-1]) for r in mine] == [(REGISTER, "U")]


def test_paging_happens_on_the_server_and_its_links_keep_the_filter(site: Site) -> None:
    for _ in range(27):
        site.start_demo()
    client = site.client("hulpverlener")
    first = page(client.get("/inbox?claimed=none"))
    assert len(rows(first)) == 25
    assert text_of(first, "table.list caption").startswith("Taken 1–25 van 27")
    assert text_of(first, "nav.pagination p") == "Pagina 1 van 2"
    links = {a.text: a.get("href") for a in select(first, "nav.pagination a")}
    assert set(links) == {"Volgende pagina", "Laatste pagina"}
    assert query_of(links["Volgende pagina"]) == {"claimed": ["none"], "page": ["2"]}
    second = page(client.get(links["Volgende pagina"]))
    assert len(rows(second)) == 2
    assert text_of(second, "table.list caption").startswith("Taken 26–27 van 27")
    back = {a.text: a.get("href") for a in select(second, "nav.pagination a")}
    assert query_of(back["Vorige pagina"]) == {"claimed": ["none"]}
    assert {r[0] for r in rows(first) + rows(second)} == {REGISTER}
    task_links = [a.get("href") for a in select(first, "tbody a") + select(second, "tbody a")]
    assert len(set(task_links)) == 27


def test_the_due_date_column_header_turns_the_sort_order_around(site: Site) -> None:
    site.decision_task()
    client = site.client("hulpverlener")
    (header,) = select(page(client.get("/inbox?overdue=")), "th[aria-sort]")
    assert header.get("aria-sort") == "ascending"
    href = header.find("a").get("href")
    assert query_of(href) == {"sort": ["-due"]}
    (header,) = select(page(client.get(href)), "th[aria-sort]")
    assert header.get("aria-sort") == "descending" and query_of(header.find("a").get("href")) == {}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "process=onbekend",
            "process",
            "De procedure ‘onbekend’ bestaat niet. Kies een procedure uit de lijst.",
        ),
        ("due_before=31-02-2026", "due_before", "De datum ‘31-02-2026’ bestaat niet."),
        ("due_before=31-02", "due_before", "‘31-02’ is geen datum. Vul een datum in als 30-11-2026."),
        ("page=-1", "page", "Paginanummer ‘-1’ bestaat niet: een pagina is een heel getal vanaf 1."),
        ("claimed=iedereen", "claimed", "Kies bij ‘Opgepakt’"),
        ("sort=naam", "sort", "Sorteer op termijn"),
        ("overdue=ja", "overdue", "Het filter ‘Te laat’ staat aan (1) of uit (leeg)"),
    ],
)
def test_nonsense_in_the_query_is_named_in_dutch_and_the_unfiltered_view_is_shown(
    site: Site, query: str, field: str, message: str
) -> None:
    site.start_demo()
    site.decision_task()
    # Only the first of repeated parameters counts, so the nonsense comes first.
    response = site.client("hulpverlener").get(f"/inbox?{query}&claimed=me")
    assert response.status_code == 200
    doc = page(response)
    (summary,) = select(doc, ".kf-error-summary")
    assert summary.get("role") == "alert"
    assert text_of(summary, "h2") == ERROR_TITLE
    assert text_of(summary, "p") == "U ziet daarom al uw taken, zonder filter."
    assert text_of(summary, "li").startswith(message)
    assert [r[0] for r in rows(doc)] == [DECISION, REGISTER]  # claimed=me would have shown none
    if field != "page":
        assert text_of(summary, "li a") and select(summary, "li a")[0].get("href") == f"#f-{field}"
        control = doc.get_element_by_id(f"f-{field}")
        assert control.get("aria-invalid") == "true" or field == "claimed"
        assert text_of(doc, f"#f-{field}-error") == "Fout: " + text_of(summary, "li")


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999999",
        "page=1e3",
        "page=%00",
        "page=%C2%B2",
        "case=KF%00",
        "due_before=2026-13-01",
        "due_before=0000-01-01",
        "due_before=%F0%9F%92%A5",
        "case=" + "x" * 5000,
        "process=&process=meldcode",
        "overdue=1&overdue=0",
        "claimed[]=me",
        "sort=due%00",
        "process=%3Cscript%3Ealert(1)%3C/script%3E",
        "case=%3Cscript%3Ealert(1)%3C/script%3E",
    ],
)
def test_no_query_makes_the_inbox_fail(site: Site, query: str) -> None:
    site.start_demo()
    response = site.client("hulpverlener").get(f"/inbox?{query}")
    assert response.status_code == 200, query
    body = response.get_data(as_text=True)
    assert "<script>" not in body and "Traceback" not in body
    assert text_of(page(response), "h1") == "Mijn taken"


def test_a_page_past_the_end_says_so_and_an_empty_filter_says_nothing_matches(site: Site) -> None:
    site.start_demo()
    client = site.client("hulpverlener")
    doc = page(client.get("/inbox?page=4"))
    assert text_of(doc, "main .notice") == "Pagina 4 bestaat niet (meer); u ziet pagina 1, de laatste."
    assert [r[0] for r in rows(doc)] == [REGISTER]
    doc = page(client.get("/inbox?process=meldcode"))
    assert rows(doc) == []
    assert said(doc, "main p.empty") == "Geen taken die aan dit filter voldoen. Alle taken tonen."


def test_the_inbox_without_any_task_invites_to_start_a_procedure(site: Site) -> None:
    doc = page(site.client("hulpverlener").get("/inbox"))
    assert said(doc, "main p.empty") == "U heeft geen open taken. Een procedure starten."


def test_a_task_out_for_review_stays_in_the_owners_inbox_with_the_reviewer_named(site: Site) -> None:
    from webapp.services import assignment

    task = site.start_demo()
    owner, reviewer = site.actor("hulpverlener"), site.actor("collega")
    task_service.claim_task(site.ctx, owner, task)
    assignment.delegate_task(site.ctx, owner, task, reviewer.user_id)

    mine = page(site.client("hulpverlener").get("/inbox?claimed=me"))
    assert [(r[0], r[-1]) for r in rows(mine)] == [
        ("Verzoek registreren", f"Ter beoordeling bij {reviewer.display_name}")
    ]
    assert label_of(mine, "f-claimed-me") == "Door mij opgepakt (1)"
    # The reviewer has it as their own task, to look at and hand back.
    assert [r[-1] for r in rows(page(site.client("collega").get("/inbox?claimed=me")))] == ["U"]

    assignment.hand_back_task(site.ctx, reviewer, task)
    assert [r[-1] for r in rows(page(site.client("hulpverlener").get("/inbox?claimed=me")))] == ["U"]
