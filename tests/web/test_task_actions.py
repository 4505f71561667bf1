"""The task page's actions through the Flask test client: claiming, reassigning from a select of colleagues,
delegating for review and handing back, "Opslaan als concept", the task's own history, refusals, escaping
and CSRF. Stored state is checked through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from werkzeug.test import TestResponse

from tests.web.conftest import VALID_INTAKE, Site, csrf_token, error_page, local_path, page, select, text_of
from webapp.persistence.models import User
from webapp.services import assignment
from webapp.services import tasks as task_service
from webapp.services.seed import DEMO_PASSWORD

CSRF_MESSAGE = "Het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens."
NO_ROLE = "Deze persoon heeft niet de rol die deze taak vraagt in deze organisatie."
UNDER_REVIEW = "Deze taak is u ter beoordeling gegeven: geef haar terug; wie haar aan u gaf, rondt haar af."
WAIT_FOR_REVIEW = "Deze taak ligt ter beoordeling bij een collega; wacht tot die haar teruggeeft."
SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
LONG = "Betrokkene vraagt inzage in alle verslagen van het afgelopen jaar. " * 60  # past maxLength 2000
ROUGH = {"ontvangen_op": "gisteren", "recht": "rectificatie", "omschrijving": LONG, "kanaal": "balie"}


def buttons(doc: Any) -> list[str]:
    return [" ".join(" ".join(b.itertext()).split()) for b in select(doc, "main button")]


def flashed(doc: Any) -> list[str]:
    return [" ".join(n.text_content().split()) for n in select(doc, "main .notice")]


def history(doc: Any) -> list[str]:
    return [" ".join(li.text_content().split()) for li in select(doc, "ol.history li")]


class Desk:
    """Signed-in clients for a few demo users, reused through a test, and service-side inspection."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.clients = {u: site.client(u) for u in ("hulpverlener", "collega", "rubicon")}

    def get(self, username: str, task: int) -> Any:
        return page(self.clients[username].get(f"/tasks/{task}"))

    def post(self, username: str, path: str, data: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        response: TestResponse = self.clients[username].post(path, data=data or {}, **kw)
        return response

    def follow(self, response: TestResponse, username: str) -> Any:
        """The page a POST redirected to, as the same signed-in person sees it."""
        assert response.status_code == 302, response.status_code
        return page(self.clients[username].get(local_path(response)))

    def assignee(self, task: int) -> str | None:
        return task_service.open_task(self.site.ctx, self.site.actor("collega"), task).task.assignee

    def lines(self, task: int) -> list[str]:
        return lines(self.site, task)


def lines(site: Site, task: int) -> list[str]:
    """The task's history as the service tells it (not as the page under test shows it)."""
    return [e.text for e in assignment.task_history(site.ctx, site.actor("hulpverlener"), task)]


@pytest.fixture
def desk(site: Site) -> Desk:
    return Desk(site)


# --- claiming ------------------------------------------------------------------------------------------


def test_claiming_shows_who_holds_the_task_and_its_history(site: Site, desk: Desk) -> None:
    task = site.start_demo()
    doc = desk.get("hulpverlener", task)
    # An unclaimed task: take it, hand it to a colleague straight away, or work on it.
    assert buttons(doc) == [
        "Oppakken",
        "Overdragen",
        "Ter beoordeling geven",
        "Taak afronden",
        "Opslaan als concept",
    ]
    assert not select(doc, "ol.history")

    doc = desk.follow(desk.post("hulpverlener", f"/tasks/{task}/claim"), "hulpverlener")
    assert flashed(doc)[0] == "U heeft de taak opgepakt."
    assert "Opgepakt door U" in text_of(doc, "dl.facts")
    assert buttons(doc)[:1] == ["Teruggeven"]
    assert text_of(doc, "#geschiedenis") == "Geschiedenis van deze taak"
    assert history(doc) == ["02-11-2026 10:00 — Opgepakt door Sanne Hulpverlener"]

    theirs = desk.get("collega", task)
    assert "Opgepakt door Sanne Hulpverlener" in text_of(theirs, "dl.facts")
    assert buttons(theirs) == []  # no claim, no completion, no draft on a colleague's task
    assert (
        text_of(theirs, "p.hint") == "Deze taak is opgepakt door een collega; alleen die kan haar afronden."
    )


def test_a_claim_just_after_a_colleagues_names_them_and_changes_nothing(site: Site, desk: Desk) -> None:
    task = site.start_demo()
    assert "Oppakken" in buttons(desk.get("collega", task))  # Daan has the page open …
    task_service.claim_task(site.ctx, site.actor("hulpverlener"), task)  # … while Sanne claims it
    doc = desk.follow(desk.post("collega", f"/tasks/{task}/claim"), "collega")
    assert flashed(doc)[0] == "Deze taak is al opgepakt door Sanne Hulpverlener."
    assert desk.assignee(task) == "Sanne Hulpverlener"


# --- reassigning ---------------------------------------------------------------------------------------


def test_reassigning_picks_a_colleague_with_the_role_from_a_select(site: Site, desk: Desk) -> None:
    task = site.start_demo()
    task_service.claim_task(site.ctx, site.actor("hulpverlener"), task)
    doc = desk.get("hulpverlener", task)
    options = select(doc, "select#reassign-colleague option")
    assert [o.text for o in options] == ["Kies een collega", "Daan Collega", "Fatima Aandachtsfunctionaris"]
    assert text_of(doc, "label[for=reassign-colleague]") == "Overdragen aan"
    daan = options[1].get("value")

    doc = desk.follow(
        desk.post("hulpverlener", f"/tasks/{task}/reassign", {"colleague_id": daan}), "hulpverlener"
    )
    assert flashed(doc)[0] == "De taak is overgedragen aan Daan Collega."
    assert "Opgepakt door Daan Collega" in text_of(doc, "dl.facts")
    assert not select(doc, "select#reassign-colleague")  # no longer hers to hand on
    assert history(doc)[-1] == "02-11-2026 10:00 — Overgedragen aan Daan Collega door Sanne Hulpverlener"
    assert task in site.inbox_ids("collega")
    assert "Taak afronden" in buttons(desk.get("collega", task))


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ("", "Kies een collega uit de lijst."),
        ("abc", "Kies een collega uit de lijst."),
        ("-1", "Kies een collega uit de lijst."),
        ("99999999999999999999", "Kies een collega uit de lijst."),
        ("fg", NO_ROLE),  # a real account of the same organisation, without the role
        ("rubicon", NO_ROLE),  # the role, in another organisation
        ("987654", NO_ROLE),  # no such account: the same answer
    ],
)
def test_reassigning_to_anyone_but_a_colleague_is_refused_in_dutch(
    site: Site, desk: Desk, posted: str, message: str
) -> None:
    task = site.start_demo()
    task_service.claim_task(site.ctx, site.actor("hulpverlener"), task)
    value = str(site.actor(posted).user_id) if posted in ("fg", "rubicon") else posted
    for endpoint in ("reassign", "delegate"):
        response = desk.post("hulpverlener", f"/tasks/{task}/{endpoint}", {"colleague_id": value})
        doc = desk.follow(response, "hulpverlener")
        assert flashed(doc)[0] == message
        assert desk.assignee(task) == "Sanne Hulpverlener"
    assert desk.lines(task) == ["Opgepakt"]


# --- delegating for review -----------------------------------------------------------------------------


def delegated(site: Site, desk: Desk) -> tuple[int, Any]:
    """Sanne claims the first task and gives it to Daan for review through the page; returns her page."""
    task = site.start_demo()
    task_service.claim_task(site.ctx, site.actor("hulpverlener"), task)
    daan = str(site.actor("collega").user_id)
    return task, desk.follow(
        desk.post("hulpverlener", f"/tasks/{task}/delegate", {"colleague_id": daan}), "hulpverlener"
    )


def test_delegating_shows_the_owner_and_the_reviewer_what_each_may_do(site: Site, desk: Desk) -> None:
    task, mine = delegated(site, desk)
    assert flashed(mine)[0] == (
        "De taak ligt nu ter beoordeling bij Daan Collega. U rondt haar af als die haar heeft teruggegeven."
    )
    assert "Ter beoordeling bij Daan Collega, gegeven door u" in text_of(mine, "dl.facts")
    assert buttons(mine) == ["Terughalen van Daan Collega"]
    assert text_of(mine, "p.hint") == WAIT_FOR_REVIEW

    theirs = desk.get("collega", task)
    assert "Ter beoordeling bij u, gegeven door Sanne Hulpverlener" in text_of(theirs, "dl.facts")
    assert flashed(theirs) == [
        "Sanne Hulpverlener heeft u deze taak ter beoordeling gegeven. Bekijk haar en geef haar terug; "
        "Sanne Hulpverlener rondt haar af."
    ]
    assert buttons(theirs) == ["Terug naar Sanne Hulpverlener"]  # no completing, no draft, no passing on


def test_the_reviewer_cannot_complete_or_draft_and_hands_back_to_the_owner(site: Site, desk: Desk) -> None:
    task, _ = delegated(site, desk)
    # Posting anyway is refused: completing with a 403 page, a draft with the form and what was typed.
    refused = desk.post("collega", f"/tasks/{task}", VALID_INTAKE)
    assert error_page(refused) == (403, "Geen toegang", UNDER_REVIEW)
    refused = desk.post("collega", f"/tasks/{task}", {**VALID_INTAKE, "_action": "draft"})
    assert refused.status_code == 403
    notice = f"Niet opgeslagen. {UNDER_REVIEW} Uw antwoorden staan hieronder nog, zodat u ze kunt overnemen."
    assert flashed(page(refused))[0] == notice
    assert page(refused).get_element_by_id("f-omschrijving").text_content() == VALID_INTAKE["omschrijving"]
    assert site.task_state(task, "collega") == ("open", {})

    back = desk.follow(desk.post("collega", f"/tasks/{task}/hand-back"), "collega")
    assert flashed(back)[0] == "De taak is terug bij Sanne Hulpverlener."
    assert "Taak afronden" in buttons(desk.get("hulpverlener", task))
    assert local_path(desk.post("hulpverlener", f"/tasks/{task}", VALID_INTAKE)) != f"/tasks/{task}"
    assert desk.lines(task) == [
        "Opgepakt",
        "Ter beoordeling gegeven aan Daan Collega",
        "Na beoordeling teruggegeven aan Sanne Hulpverlener",
        "Afgerond",
    ]


def test_the_owner_takes_the_task_back_from_the_page(site: Site, desk: Desk) -> None:
    task, _ = delegated(site, desk)
    doc = desk.follow(desk.post("hulpverlener", f"/tasks/{task}/hand-back"), "hulpverlener")
    assert flashed(doc)[0] == "De taak is terug bij Sanne Hulpverlener."
    assert history(doc)[-1] == "02-11-2026 10:00 — Teruggehaald van Daan Collega door Sanne Hulpverlener"
    again = desk.follow(desk.post("hulpverlener", f"/tasks/{task}/hand-back"), "hulpverlener")
    assert flashed(again)[0] == "Deze taak is niet ter beoordeling gegeven."


# --- drafts --------------------------------------------------------------------------------------------


def test_a_draft_keeps_what_was_typed_without_validation_for_its_author_only(site: Site, desk: Desk) -> None:
    task = site.start_demo()
    response = desk.post("hulpverlener", f"/tasks/{task}", {**ROUGH, "_action": "draft"})
    assert local_path(response) == f"/tasks/{task}"
    doc = desk.follow(response, "hulpverlener")
    assert flashed(doc) == [
        "Uw concept is opgeslagen. Alleen u ziet het; de taak is nog niet afgerond.",
        "Hieronder staat uw concept van 02-11-2026 10:00. Alleen u ziet het; de taak is nog niet afgerond.",
    ]
    assert not select(doc, ".kf-error-summary")
    assert doc.get_element_by_id("f-ontvangen_op").get("value") == "gisteren"
    assert doc.get_element_by_id("f-omschrijving").text_content() == LONG.strip()
    assert select(doc, "input[name=kanaal][checked]")[0].get("value") == "balie"
    assert select(doc, "select#f-recht option[selected]")[0].get("value") == "rectificatie"
    assert "Opgepakt door U" in text_of(doc, "dl.facts")  # saving a draft claimed the task
    assert history(doc) == [
        "02-11-2026 10:00 — Opgepakt door Sanne Hulpverlener",
        "02-11-2026 10:00 — Concept opgeslagen door Sanne Hulpverlener",
    ]
    assert site.task_state(task, "collega") == ("open", {})  # the case itself holds nothing new

    theirs = desk.get("collega", task)
    assert theirs.get_element_by_id("f-omschrijving").text_content() == ""
    assert not [n for n in flashed(theirs) if "concept" in n]

    site.ctx.clock.advance(timedelta(hours=2))  # the draft is still there when the task is opened later
    assert desk.get("hulpverlener", task).get_element_by_id("f-ontvangen_op").get("value") == "gisteren"
    completed = desk.post("hulpverlener", f"/tasks/{task}", VALID_INTAKE)
    assert local_path(completed) != f"/tasks/{task}"
    assert desk.lines(task)[-1] == "Afgerond"


def test_a_draft_on_a_task_a_colleague_just_completed_is_refused_and_keeps_the_typing(
    site: Site, desk: Desk
) -> None:
    task = site.start_demo()
    assert "Opslaan als concept" in buttons(desk.get("hulpverlener", task))
    site.complete(task, VALID_INTAKE, username="collega")
    response = desk.post("hulpverlener", f"/tasks/{task}", {**ROUGH, "_action": "draft"})
    assert response.status_code == 409
    doc = page(response)
    assert flashed(doc)[0].startswith(
        "Niet opgeslagen. Deze taak is al afgerond door Daan Collega (02-11-2026 10:00)."
    )
    assert doc.get_element_by_id("f-omschrijving").text_content() == LONG.strip()
    assert buttons(doc) == []
    assert "Concept opgeslagen" not in desk.lines(task)


def test_a_row_button_still_stores_nothing(site: Site, desk: Desk) -> None:
    task = site.decision_task()
    response = desk.post(
        "hulpverlener", f"/tasks/{task}", {"partners.0.organisatie": "Rubicon", "_rows": "add:partners"}
    )
    assert response.status_code == 200 and len(select(page(response), "fieldset.kf-row")) == 2
    assert desk.lines(task) == []


# --- escaping ------------------------------------------------------------------------------------------


def test_html_and_script_in_drafts_names_and_messages_are_shown_as_text(site: Site, desk: Desk) -> None:
    with site.ctx.db.write() as session:
        session.execute(update(User).where(User.username == "collega").values(display_name=SCRIPT))
    task = site.start_demo()
    desk.post(
        "hulpverlener", f"/tasks/{task}", {"omschrijving": SCRIPT, "ontvangen_op": SCRIPT, "_action": "draft"}
    )
    response = desk.clients["hulpverlener"].get(f"/tasks/{task}")
    body = response.get_data(as_text=True)
    assert "<script" not in body and "<img" not in body
    doc = page(response)
    assert doc.get_element_by_id("f-omschrijving").text_content() == SCRIPT
    assert doc.get_element_by_id("f-ontvangen_op").get("value") == SCRIPT
    assert [o.text for o in select(doc, "select#delegate-colleague option")][1] == SCRIPT

    daan = str(site.actor("collega").user_id)
    done = desk.post("hulpverlener", f"/tasks/{task}/reassign", {"colleague_id": daan}, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "<script" not in body and "<img" not in body
    assert flashed(page(done))[0] == f"De taak is overgedragen aan {SCRIPT}."
    assert history(page(done))[-1].endswith(f"Overgedragen aan {SCRIPT} door Sanne Hulpverlener")


# --- who may post --------------------------------------------------------------------------------------

ACTIONS = ["/tasks/{t}/reassign", "/tasks/{t}/delegate", "/tasks/{t}/hand-back", "/tasks/{t}"]


@pytest.mark.parametrize("path", ACTIONS)
def test_the_new_actions_need_a_csrf_token_and_a_login(csrf_app: Flask, site: Site, path: str) -> None:
    task = site.start_demo()
    task_service.claim_task(site.ctx, site.actor("hulpverlener"), task)
    data = {"colleague_id": str(site.actor("collega").user_id), **ROUGH, "_action": "draft"}
    client = csrf_app.test_client()
    token = csrf_token(client.get("/login"))
    credentials = {"username": "hulpverlener", "password": DEMO_PASSWORD, "csrf_token": token}
    assert local_path(client.post("/login", data=credentials)) == "/inbox"
    assert error_page(client.post(path.format(t=task), data=data)) == (
        400,
        "Verzoek niet begrepen",
        CSRF_MESSAGE,
    )
    anonymous = site.client().post(path.format(t=task), data=data)
    assert local_path(anonymous) == "/login"
    assert lines(site, task) == ["Opgepakt"]


@pytest.mark.parametrize("path", ACTIONS)
def test_outsiders_are_refused_and_learn_nothing(site: Site, desk: Desk, path: str) -> None:
    task = site.start_demo()
    task_service.claim_task(site.ctx, site.actor("hulpverlener"), task)
    data = {"colleague_id": str(site.actor("rubicon").user_id), **ROUGH, "_action": "draft"}
    response = desk.post("rubicon", path.format(t=task), data, follow_redirects=True)
    status, title, message = error_page(response)
    assert (status, title, message) == (
        403,
        "Geen toegang",
        "Deze taak hoort bij een rol of organisatie die u niet heeft.",
    )
    assert "Sanne Hulpverlener" not in response.get_data(as_text=True)
    assert desk.lines(task) == ["Opgepakt"]
