"""The case file page through the Flask test client: what it shows, to whom, comments (escaped, validated,
CSRF-protected) and starting a related procedure or raising an event from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tests.web.conftest import Site, csrf_token, error_page, local_path, page, select, task_id_from, text_of
from webapp.domain.clock import ManualClock
from webapp.services import cases
from webapp.services import tasks as task_service
from webapp.services.context import ServiceContext
from webapp.services.seed import DEMO_PASSWORD

DECISION = {"identiteit_vastgesteld": True, "besluit": "toewijzen"}
# The demo intake says received on Friday 30 October 2026: four weeks later is Friday 27 November, 23:59 CET.
DECISION_DUE = datetime(2026, 11, 27, 22, 59, 59, tzinfo=UTC)
DEMO_NAME = "Verzoek van betrokkene (demo)"
NO_ACCESS = "U heeft geen toegang tot deze zaak."
CREDENTIALS = {"username": "hulpverlener", "password": DEMO_PASSWORD}


def demo_case(site: Site) -> tuple[str, int]:
    """A demo request with its intake done: (case reference, the open decision task)."""
    decide = site.decision_task()
    reference = task_service.open_task(site.ctx, site.actor("hulpverlener"), decide).task.case_reference
    assert reference is not None
    return reference, decide


def rows(doc: object, table_id: str) -> list[str]:
    return [" ".join("".join(tr.itertext()).split()) for tr in select(doc, f"table#{table_id} tbody tr")]


def items(doc: object, list_id: str) -> list[str]:
    return [" ".join("".join(li.itertext()).split()) for li in select(doc, f"ol#{list_id} li")]


def test_the_case_file_shows_procedures_open_tasks_and_timeline(site: Site) -> None:
    reference, decide = demo_case(site)
    instance_id = task_service.open_task(site.ctx, site.actor("collega"), decide).task.instance_id

    response = site.client("collega").get(f"/cases/{reference}")

    assert response.status_code == 200
    doc = page(response)
    assert text_of(doc, "h1") == f"Zaak {reference}"
    # The next due moment is the reminder timer, a week before the decision's due date.
    assert rows(doc, "procedure-lijst") == [
        f"{DEMO_NAME} (versie 1) Loopt 02-11-2026 10:00 door Sanne Hulpverlener 20-11-2026 23:59 –"
    ]
    assert [a.get("href") for a in select(doc, "table#procedure-lijst a")] == [f"/instances/{instance_id}"]
    assert rows(doc, "open-taken") == [
        "Identiteit controleren en beslissen Verzoek van betrokkene (demo) "
        "nog niemand (Professional, Gemeente Weert) 27-11-2026 23:59 (4 weken vanaf 30-10-2026)"
    ]
    assert [a.get("href") for a in select(doc, "table#open-taken a")] == [f"/tasks/{decide}"]
    assert items(doc, "tijdlijn-lijst") == [
        f"02-11-2026 10:00 — Procedure gestart ({DEMO_NAME}) door Sanne Hulpverlener",
        f"02-11-2026 10:00 — Taak afgerond: Verzoek registreren ({DEMO_NAME}) door Sanne Hulpverlener",
    ]
    body = response.get_data(as_text=True)
    assert "style=" not in body and "<script" not in body  # the CSP forbids both
    # The instance page links to its case file.
    instance_page = page(site.client("collega").get(f"/instances/{instance_id}"))
    assert [a.get("href") for a in select(instance_page, "a#zaakdossier")] == [f"/cases/{reference}"]


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("hulpverlener", 200),
        ("collega", 200),
        ("aandacht", 200),
        ("voorzitter", 200),
        ("fg", 200),
        ("manager", 403),
        ("procesbeheer", 403),
        ("rubicon", 403),
        ("fg.rubicon", 403),
        ("manager.rubicon", 403),
    ],
)
def test_who_may_open_the_case_file(site: Site, username: str, status: int) -> None:
    reference, _ = demo_case(site)
    response = site.client(username).get(f"/cases/{reference}")
    if status == 200:
        assert response.status_code == 200
        assert text_of(page(response), "h1") == f"Zaak {reference}"
    else:
        assert error_page(response) == (403, "Geen toegang", NO_ACCESS)
        assert reference not in response.get_data(as_text=True).replace(f"/cases/{reference}", "")


def test_an_unknown_case_is_not_found(site: Site) -> None:
    assert error_page(site.client("hulpverlener").get("/cases/KF-00000000"))[0] == 404


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("POST", "/comments"), ("POST", "/related")])
def test_the_case_file_requires_login(site: Site, method: str, suffix: str) -> None:
    reference, _ = demo_case(site)
    response = site.client().open(
        f"/cases/{reference}{suffix}", method=method, data={"body": "Anoniem", "process_id": "meldcode"}
    )
    assert local_path(response) == "/login"
    assert cases.view_case_file(site.ctx, site.actor("hulpverlener"), reference).comments == []
    assert len(cases.view_case_file(site.ctx, site.actor("hulpverlener"), reference).procedures) == 1


# --- comments --------------------------------------------------------------------------------------------


def test_a_comment_is_shown_escaped_with_author_time_and_line_breaks(site: Site, clock: ManualClock) -> None:
    reference, decide = demo_case(site)
    client = site.client("hulpverlener")
    posted = client.post(
        f"/cases/{reference}/comments",
        data={"body": "<script>alert(1)</script>\r\nTweede regel", "task_id": ""},
    )
    assert posted.status_code == 302
    assert posted.location.endswith(f"/cases/{reference}#opmerkingen")
    assert text_of(page(client.get(f"/cases/{reference}")), ".notice-success") == "Uw opmerking is geplaatst."
    clock.advance(timedelta(minutes=30))
    client.post(f"/cases/{reference}/comments", data={"body": "Bij de beslissing.", "task_id": str(decide)})

    response = site.client("fg").get(f"/cases/{reference}")
    doc = page(response)
    assert items(doc, "opmerking-lijst") == [
        "Sanne Hulpverlener, 02-11-2026 10:00 <script>alert(1)</script>Tweede regel",  # <br> between
        "Sanne Hulpverlener, 02-11-2026 10:30 · bij taak ‘Identiteit controleren en beslissen’ "
        "Bij de beslissing.",
    ]
    body = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Tweede regel" in body
    assert "<script>" not in body


@pytest.mark.parametrize(
    ("body", "task_id", "field", "message"),
    [
        ("   ", "", "body", "Schrijf eerst uw opmerking."),
        ("x" * 4001, "", "body", "Een opmerking is hoogstens 4000 tekens lang; deze telt 4001 tekens."),
        ("Geldige tekst", "abc", "task_id", "Kies een taak van deze zaak."),
        ("Geldige tekst", "999999", "task_id", "Kies een taak van deze zaak."),
    ],
)
def test_a_wrong_comment_is_refused_next_to_its_field_and_keeps_the_text(
    site: Site, body: str, task_id: str, field: str, message: str
) -> None:
    reference, _ = demo_case(site)
    response = site.client("hulpverlener").post(
        f"/cases/{reference}/comments", data={"body": body, "task_id": task_id}
    )
    assert response.status_code == 422
    doc = page(response)
    assert text_of(doc, f"#f-{field}-error") == f"Fout: {message}"
    assert doc.get_element_by_id(f"f-{field}").get("aria-invalid") == "true"
    assert doc.get_element_by_id("f-body").text_content() == body.replace("\r\n", "\n")
    assert cases.view_case_file(site.ctx, site.actor("hulpverlener"), reference).comments == []


def test_outsiders_cannot_comment(site: Site) -> None:
    reference, _ = demo_case(site)
    response = site.client("rubicon").post(f"/cases/{reference}/comments", data={"body": "Ik lees mee."})
    assert error_page(response) == (403, "Geen toegang", NO_ACCESS)
    assert cases.view_case_file(site.ctx, site.actor("hulpverlener"), reference).comments == []


def test_a_comment_needs_the_csrf_token(csrf_app: Flask, ctx: ServiceContext) -> None:
    site = Site(csrf_app, ctx)
    reference, _ = demo_case(site)
    client = csrf_app.test_client()
    signed_in = client.post("/login", data={**CREDENTIALS, "csrf_token": csrf_token(client.get("/login"))})
    assert local_path(signed_in) == "/inbox"
    refused = client.post(f"/cases/{reference}/comments", data={"body": "Zonder token"})
    assert error_page(refused)[0] == 400
    assert cases.view_case_file(ctx, site.actor("hulpverlener"), reference).comments == []
    token = csrf_token(client.get(f"/cases/{reference}"))
    accepted = client.post(f"/cases/{reference}/comments", data={"body": "Met token", "csrf_token": token})
    assert accepted.status_code == 302
    assert [c.body for c in cases.view_case_file(ctx, site.actor("hulpverlener"), reference).comments] == [
        "Met token"
    ]


# --- deadlines, related procedures and events ------------------------------------------------------------


def test_the_timeline_says_a_task_was_completed_late(site: Site, clock: ManualClock) -> None:
    reference, decide = demo_case(site)
    clock.set(DECISION_DUE + timedelta(days=1, hours=12))  # no worker fired the deadline timer
    site.complete(decide, DECISION)

    doc = page(site.client("collega").get(f"/cases/{reference}"))

    assert items(doc, "tijdlijn-lijst")[2] == (
        f"29-11-2026 11:59 — Taak afgerond: Identiteit controleren en beslissen ({DEMO_NAME}) door Sanne "
        "Hulpverlener — uiterlijk 27-11-2026 23:59: te laat, 2 dagen"
    )
    assert [el.text for el in select(doc, "strong.verdict")] == ["te laat, 2 dagen"]


def test_a_related_procedure_is_started_from_the_case_file(site: Site) -> None:
    reference, _ = demo_case(site)
    client = site.client("hulpverlener")
    doc = page(client.get(f"/cases/{reference}"))
    assert [b.text for b in select(doc, "section.actions button")] == [
        "Start ‘Meldcode huiselijk geweld en kindermishandeling’",
        "Start ‘Toestemming’",
        "Start ‘Verzoek van betrokkene (rechten en verzet)’",
    ]
    assert select(page(site.client("voorzitter").get(f"/cases/{reference}")), "section.actions button") == []

    started = client.post(f"/cases/{reference}/related", data={"process_id": "meldcode"})

    task = task_id_from(started)
    assert task_service.open_task(site.ctx, site.actor("hulpverlener"), task).task.case_reference == reference
    assert [p.process_id for p in cases.view_case_file(site.ctx, site.actor("fg"), reference).procedures] == [
        "demo_subject_request",
        "meldcode",
    ]


def test_a_procedure_that_cannot_join_a_case_is_refused_in_dutch(site: Site) -> None:
    reference, _ = demo_case(site)
    client = site.client("hulpverlener")
    refused = client.post(f"/cases/{reference}/related", data={"process_id": "data_breach"})
    assert local_path(refused) == f"/cases/{reference}"
    assert text_of(page(client.get(f"/cases/{reference}")), ".notice-error") == (
        "De procedure is niet gestart: Deze procedure kan niet vanuit een zaak worden gestart."
    )
    outsider = site.client("rubicon").post(f"/cases/{reference}/related", data={"process_id": "meldcode"})
    assert error_page(outsider) == (403, "Geen toegang", NO_ACCESS)
    assert len(cases.view_case_file(site.ctx, site.actor("hulpverlener"), reference).procedures) == 1


def test_the_withdrawal_of_a_valid_consent_is_raised_from_the_case_file(site: Site) -> None:
    reference, _ = demo_case(site)
    sanne = site.actor("hulpverlener")
    consent = cases.start_related(site.ctx, sanne, reference, "consent")
    assert consent.next_task_id is not None
    ask = site.complete(consent.next_task_id, {"leeftijd": 17, "wilsbekwaam": True})
    assert ask is not None
    request = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
    answer = site.complete(ask, request)
    assert answer is not None
    site.complete(answer, CONSENT_GIVEN)
    client = site.client("hulpverlener")
    action = f"/instances/{consent.instance_id}/events/toestemming_ingetrokken"

    forms = [f for f in select(page(client.get(f"/cases/{reference}")), "form") if f.get("action") == action]

    assert [" ".join(f.itertext()).strip() for f in forms] == ["Toestemming ingetrokken"]
    withdrawal = task_id_from(client.post(action))
    assert task_service.open_task(site.ctx, sanne, withdrawal).task.name == "Intrekking vastleggen"


CONSENT_GIVEN = {
    "toestemming_antwoord": "gegeven",
    "beantwoord_op": "2026-11-02",
    "doel": "casusoverleg",
    "gegevenscategorieen": ["identificatie"],
    "ontvangers": ["rubicon"],
    "geldig_tot": "2027-05-31",
    "methode": "schriftelijk",
    "gegeven_door": [{"rol": "betrokkene", "naam": "Sam Jansen"}],
}


def test_a_comment_posted_from_a_task_page_returns_there(site: Site) -> None:
    reference, decide = demo_case(site)
    client = site.client("collega")
    form = {"body": "Graag even overleggen.", "task_id": str(decide), "terug": "taak"}

    posted = client.post(f"/cases/{reference}/comments", data=form)
    refused = client.post(f"/cases/{reference}/comments", data={**form, "body": ""})

    assert posted.location.endswith(f"/tasks/{decide}#opmerkingen")
    assert local_path(refused) == f"/tasks/{decide}"
    shown = page(client.get(f"/tasks/{decide}"))
    assert [n.text_content().strip() for n in select(shown, ".notice")] == [
        "Uw opmerking is geplaatst.",
        "Schrijf eerst uw opmerking.",
    ]
    comments = cases.view_case_file(site.ctx, site.actor("collega"), reference).comments
    assert [(c.body, c.task_id, c.author) for c in comments] == [
        ("Graag even overleggen.", decide, "Daan Collega")
    ]
