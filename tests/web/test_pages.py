"""The server-rendered pages through the Flask test client: sign-in, starting and completing tasks, form
errors, conflicts, access, escaping, CSRF and security headers."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

import webapp.web.processes.routes as processes_routes
from tests.web.conftest import (
    DEMO,
    VALID_INTAKE,
    Site,
    csrf_token,
    error_page,
    local_path,
    page,
    select,
    task_id_from,
    text_of,
)
from webapp.services import tasks as task_service
from webapp.services.seed import DEMO_PASSWORD

CSRF_MESSAGE = "Het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens."
SECRET = "geheime casus van Jan Jansen"
CREDENTIALS = {"username": "hulpverlener", "password": DEMO_PASSWORD}

# --- signing in ----------------------------------------------------------------------------------------

PROTECTED_GET = ["/", "/inbox", "/processes", "/tasks/{t}", "/instances/1"]
PROTECTED_POST = ["/tasks/{t}", "/tasks/{t}/claim", "/tasks/{t}/release", "/processes/{d}/start", "/logout"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", p) for p in PROTECTED_GET] + [("POST", p) for p in PROTECTED_POST]
)
def test_every_page_requires_login(site: Site, method: str, path: str) -> None:
    task = site.start_demo()
    path = path.format(t=task, d=DEMO)
    client = site.client()
    came_from = f"/tasks/{task}"
    headers = {"Referer": f"http://localhost{came_from}"} if method == "POST" else {}
    response = client.open(
        path, method=method, data={**VALID_INTAKE, "organisation_id": "3"}, headers=headers
    )
    assert local_path(response) == "/login"
    # A POST-only address would answer 405 after signing in: a POST returns to the page it came from.
    expected_next = path if method == "GET" else came_from
    assert parse_qs(urlsplit(response.location).query)["next"] == [expected_next]
    if method == "GET":  # signing in from there returns to the page asked for
        assert local_path(client.post(response.location, data=CREDENTIALS)) == path
    # Nothing happened on the anonymous POST: the task is still open, unclaimed and without data.
    assert site.inbox_ids() == [task]
    assert site.task_state(task) == ("open", {})
    assert "Opgepakt door nog niemand" in text_of(
        page(site.client("hulpverlener").get(f"/tasks/{task}")), "dl"
    )


@pytest.mark.parametrize("username", ["hulpverlener", "niemand"])
def test_wrong_password_is_refused_in_dutch_and_keeps_the_username(site: Site, username: str) -> None:
    client = site.client()
    response = client.post("/login", data={"username": username, "password": "fout-wachtwoord"})
    assert response.status_code == 401
    doc = page(response)
    # The same message for an unknown user: the page does not reveal which usernames exist.
    assert text_of(doc, ".notice-error") == "Gebruikersnaam of wachtwoord klopt niet."
    assert doc.get_element_by_id("username").get("value") == username
    assert doc.get_element_by_id("password").get("value") is None
    assert local_path(client.get("/inbox")) == "/login"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "//evil.example", "/%5Cevil.example", "/%09/evil.example", "https:evil"],
)
def test_login_never_redirects_off_site(site: Site, target: str) -> None:
    response = site.client().post(f"/login?next={target}", data=CREDENTIALS)
    # A browser reads "\" as "/" in a URL, so "/\evil.example" must not come back unescaped either.
    location = response.location.replace("\\", "/")
    assert not location.startswith("//")
    assert "evil" not in urlsplit(location).netloc
    assert local_path(response) in ("/inbox", "/%5Cevil.example")


def test_logout_ends_the_session(site: Site) -> None:
    client = site.client("hulpverlener")
    assert local_path(client.post("/logout")) == "/login"
    assert "U bent afgemeld." in client.get("/login").get_data(as_text=True)
    assert local_path(client.get("/inbox")) == "/login"


# --- CSRF ------------------------------------------------------------------------------------------------


def test_posts_without_csrf_token_are_refused_and_change_nothing(csrf_app: Flask, site: Site) -> None:
    task = site.start_demo()
    client = csrf_app.test_client()
    refused = client.post("/login", data=CREDENTIALS)
    assert error_page(refused) == (400, "Verzoek niet begrepen", CSRF_MESSAGE)
    token = csrf_token(client.get("/login"))
    assert local_path(client.post("/login", data={**CREDENTIALS, "csrf_token": token})) == "/inbox"

    for path, data in [
        (f"/processes/{DEMO}/start", {"organisation_id": "3"}),
        (f"/tasks/{task}", VALID_INTAKE),
        (f"/tasks/{task}/claim", {}),
        ("/logout", {}),
    ]:
        assert error_page(client.post(path, data=data)) == (400, "Verzoek niet begrepen", CSRF_MESSAGE), path
    assert site.inbox_ids() == [task]  # no second instance started
    assert site.task_state(task) == ("open", {})
    assert "nog niemand" in client.get(f"/tasks/{task}").get_data(as_text=True)  # not claimed, not logged out

    # The same POST with the page's token goes through: the token is what made the difference.
    token = csrf_token(client.get("/processes"))
    started = client.post(f"/processes/{DEMO}/start", data={"organisation_id": "3", "csrf_token": token})
    assert task_id_from(started) != task


# --- starting a procedure and the task form ----------------------------------------------------------


def test_start_from_processes_page_opens_the_first_task_form(site: Site) -> None:
    client = site.client("hulpverlener")
    doc = page(client.get("/processes"))
    (card,) = [c for c in select(doc, "li.card") if text_of(c, "h2") == "Verzoek van betrokkene (demo)"]
    assert "Voor Gemeente Weert" in card.text_content()
    form = select(card, "form")[0]
    fields = {i.get("name"): i.get("value") for i in select(form, "input")}

    task = task_id_from(client.post(form.get("action"), data=fields))
    doc = page(client.get(f"/tasks/{task}"))
    assert text_of(doc, "h1") == "Verzoek registreren"
    assert text_of(doc, ".notice-success") == "De procedure is gestart."
    assert text_of(doc, ".instructions").startswith("Registreer het verzoek van de betrokkene.")
    assert text_of(doc, "label[for=f-ontvangen_op]") == "Ontvangen op (verplicht)"
    assert text_of(doc, "label[for=f-recht]") == "Ingeroepen recht (verplicht)"
    assert text_of(doc, "label[for=f-omschrijving]") == "Omschrijving van het verzoek (verplicht)"
    assert text_of(doc, "fieldset legend") == "Kanaal"  # optional: no "(verplicht)"
    assert text_of(doc, "label[for=f-namens_minderjarige]") == "Namens een minderjarige"
    assert doc.get_element_by_id("f-ontvangen_op").get("type") == "date"
    assert "Uiterlijk" not in text_of(doc, "dl.facts")  # this task has no deadline
    assert site.inbox_ids() == [task]


def test_task_page_shows_the_due_date(site: Site) -> None:
    task = site.decision_task()
    doc = page(site.client("hulpverlener").get(f"/tasks/{task}"))
    assert text_of(doc, "h1") == "Identiteit controleren en beslissen"
    # 4 calendar weeks from 30 October 2026, to the end of the day in Amsterdam.
    assert "Uiterlijk 27-11-2026 23:59 (4 weken vanaf 30-10-2026)" in text_of(doc, "dl.facts")


def test_invalid_post_shows_dutch_errors_and_keeps_every_value(site: Site) -> None:
    task = site.start_demo()
    typed = {
        "ontvangen_op": "31-02-2026",
        "recht": "",
        "kanaal": "balie",
        "omschrijving": "Betrokkene wil weten wie haar gegevens kreeg.",
        "namens_minderjarige": "true",
    }
    response = site.client("hulpverlener").post(f"/tasks/{task}", data=typed)
    assert response.status_code == 422
    doc = page(response)
    assert text_of(doc, "#f-ontvangen_op-error") == "Fout: Vul een geldige datum in (dd-mm-jjjj)."
    assert text_of(doc, "#f-recht-error") == "Fout: Dit veld is verplicht."
    assert not select(doc, "#f-omschrijving-error")
    assert doc.get_element_by_id("f-ontvangen_op").get("aria-invalid") == "true"
    summary = select(doc, ".kf-error-summary")[0]
    assert text_of(summary, "h2") == "Er is een probleem"
    assert [a.get("href") for a in select(summary, "a")] == ["#f-ontvangen_op", "#f-recht"]
    # What was typed is still there.
    assert doc.get_element_by_id("f-ontvangen_op").get("value") == "31-02-2026"
    assert doc.get_element_by_id("f-omschrijving").text_content() == typed["omschrijving"]
    assert select(doc, "input[name=kanaal][checked]")[0].get("value") == "balie"
    assert doc.get_element_by_id("f-namens_minderjarige").get("checked") is not None
    assert site.task_state(task) == ("open", {})
    assert site.inbox_ids() == [task]


@pytest.mark.parametrize(
    ("field", "value", "message", "echoed"),
    [
        ("omschrijving", "x" * 2001, "Gebruik hoogstens 2000 tekens.", True),
        ("ontvangen_op", "gisteren", "Vul een geldige datum in (dd-mm-jjjj).", True),
        # A tampered choice cannot be shown in a <select>; it is reported, not echoed.
        ("recht", "alles", "Kies een van de mogelijkheden.", False),
    ],
)
def test_each_invalid_value_is_reported_at_its_field(
    site: Site, field: str, value: str, message: str, echoed: bool
) -> None:
    task = site.start_demo()
    response = site.client("hulpverlener").post(f"/tasks/{task}", data={**VALID_INTAKE, field: value})
    assert response.status_code == 422
    doc = page(response)
    assert text_of(doc, f"#f-{field}-error") == f"Fout: {message}"
    assert len(select(doc, ".kf-error-message")) == 1
    assert (value in response.get_data(as_text=True)) is echoed
    assert site.task_state(task) == ("open", {})


def test_valid_post_completes_the_task_and_opens_the_next(site: Site) -> None:
    task = site.start_demo()
    client = site.client("hulpverlener")
    next_task = task_id_from(client.post(f"/tasks/{task}", data=VALID_INTAKE))
    assert next_task != task
    doc = page(client.get(f"/tasks/{next_task}"))
    assert text_of(doc, ".notice-success") == "Taak ‘Verzoek registreren’ is afgerond."
    assert text_of(doc, "h1") == "Identiteit controleren en beslissen"
    assert site.inbox_ids() == [next_task]
    inbox = page(client.get("/inbox"))
    assert [a.text for a in select(inbox, "table.list tbody a")] == ["Identiteit controleren en beslissen"]
    assert site.task_state(task)[0] == "completed"


# --- rows ------------------------------------------------------------------------------------------------


def test_row_buttons_rerender_and_store_nothing(site: Site) -> None:
    task = site.decision_task()
    client = site.client("hulpverlener")
    assert len(select(page(client.get(f"/tasks/{task}")), "fieldset.kf-row")) == 1
    typed = {"besluit": "gedeeltelijk", "motivering": "Art. 41 UAVG.", "identiteit_vastgesteld": "true"}
    row = {"partners.0.organisatie": "Rubicon"}
    added = client.post(f"/tasks/{task}", data={**typed, **row, "_rows": "add:partners"})
    assert added.status_code == 200
    doc = page(added)
    assert [f.get("id") for f in select(doc, "fieldset.kf-row")] == ["f-partners-0", "f-partners-1"]
    assert doc.get_element_by_id("f-partners-0-organisatie").get("value") == "Rubicon"
    assert doc.get_element_by_id("f-partners-1-organisatie").get("value") == ""
    assert doc.get_element_by_id("f-motivering").text_content() == typed["motivering"]
    assert select(doc, "input[name=besluit][checked]")[0].get("value") == "gedeeltelijk"
    assert select(doc, "input[name=identiteit_vastgesteld][checked]")[0].get("value") == "true"
    assert not select(doc, ".kf-error-summary")  # a row button is no submit: no validation yet
    assert site.task_state(task) == ("open", {})

    rows = {"partners.0.organisatie": "Rubicon", "partners.1.organisatie": "MET ggz"}
    removed = page(client.post(f"/tasks/{task}", data={**typed, **rows, "_rows": "remove:partners:0"}))
    assert [i.get("value") for i in select(removed, "fieldset.kf-row input[type=text]")] == ["MET ggz"]
    assert site.task_state(task) == ("open", {})


# --- conflicts -------------------------------------------------------------------------------------------

MY_ANSWERS = {**VALID_INTAKE, "omschrijving": "Mijn eigen samenvatting van het verzoek.", "kanaal": "balie"}


def test_task_completed_by_colleague_gives_409_naming_them(site: Site) -> None:
    task, decision, response = site.post_after_colleague_completed(MY_ANSWERS)
    assert response.status_code == 409
    notice = "Niet opgeslagen. Deze taak is al afgerond door Daan Collega (02-11-2026 10:00)."
    assert text_of(page(response), ".notice-error").startswith(notice)
    assert "Traceback" not in response.get_data(as_text=True)
    # The colleague's completion stands and mine added nothing: one next task, nothing else.
    assert site.inbox_ids() == [decision]
    assert site.task_state(task)[0] == "completed"


def test_task_completed_by_colleague_still_shows_my_typed_values(site: Site) -> None:
    response = site.post_after_colleague_completed(MY_ANSWERS)[2]
    assert response.status_code == 409
    doc = page(response)
    # The notice promises "Uw antwoorden staan hieronder nog": they must be on the page to copy.
    assert select(doc, "#f-omschrijving"), "the 409 page does not show the values the user typed"
    assert doc.get_element_by_id("f-omschrijving").text_content() == MY_ANSWERS["omschrijving"]
    assert select(doc, "input[name=kanaal][checked]")[0].get("value") == "balie"
    assert not [b for b in select(doc, "form button") if b.text == "Taak afronden"]


def test_colleague_completing_during_my_request_keeps_my_values(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = site.start_demo()
    original = task_service.complete_task

    def colleague_first(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(task_service, "complete_task", original)
        site.complete(task, VALID_INTAKE, username="collega")
        return original(*args, **kwargs)

    monkeypatch.setattr(task_service, "complete_task", colleague_first)
    response = site.client("hulpverlener").post(f"/tasks/{task}", data=MY_ANSWERS)
    assert response.status_code == 409
    doc = page(response)
    assert "Daan Collega" in text_of(doc, ".notice-error")
    assert doc.get_element_by_id("f-omschrijving").text_content() == MY_ANSWERS["omschrijving"]
    assert not [b for b in select(doc, "form button") if b.text == "Taak afronden"]


# --- access ----------------------------------------------------------------------------------------------


NOT_FOUND = (404, "Niet gevonden", "Deze pagina of dit onderdeel bestaat niet (meer).")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/tasks/987654", NOT_FOUND),
        ("POST", "/tasks/987654", NOT_FOUND),
        ("GET", "/instances/987654", NOT_FOUND),
        ("GET", "/tasks/abc", NOT_FOUND),
        ("POST", "/processes/onbekend/start", NOT_FOUND),
        ("GET", "/logout", (405, "Niet toegestaan", "Deze handeling is hier niet mogelijk.")),
    ],
)
def test_unknown_pages_give_a_dutch_error_page(
    site: Site, method: str, path: str, expected: tuple[int, str, str]
) -> None:
    response = site.client("hulpverlener").open(path, method=method, data={"organisation_id": "3"})
    assert error_page(response) == expected


@pytest.mark.parametrize("username", ["rubicon", "fg"])
def test_task_of_another_organisation_or_role_is_forbidden(site: Site, username: str) -> None:
    task = site.start_demo()
    client = site.client(username)
    reason = "Deze taak hoort bij een rol of organisatie die u niet heeft."
    for response in (client.get(f"/tasks/{task}"), client.post(f"/tasks/{task}", data=VALID_INTAKE)):
        assert error_page(response) == (403, "Geen toegang", reason)
        assert "Verzoek registreren" not in response.get_data(as_text=True)
    client.post(f"/tasks/{task}/claim")
    assert site.task_state(task) == ("open", {})
    assert "nog niemand" in site.client("hulpverlener").get(f"/tasks/{task}").get_data(as_text=True)
    assert task not in site.inbox_ids(username)
    # Once completed, an outsider still learns nothing about it: not who completed it, nor when.
    site.complete(task, VALID_INTAKE, username="collega")
    refused = client.post(f"/tasks/{task}/claim", follow_redirects=True)
    assert refused.status_code == 403 and "Daan Collega" not in refused.get_data(as_text=True)


def test_instance_of_another_organisation_is_forbidden(site: Site) -> None:
    task = site.start_demo()
    own = site.client("hulpverlener")
    link = page(own.get(f"/tasks/{task}")).xpath("//a[text()='Verloop van deze procedure']")[0].get("href")
    assert own.get(link).status_code == 200
    response = site.client("rubicon").get(link)
    assert error_page(response) == (403, "Geen toegang", "U heeft geen toegang tot deze zaak.")
    assert "Sanne Hulpverlener" not in response.get_data(as_text=True)


# --- escaping, errors and headers -------------------------------------------------------------------------

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_typed_html_is_shown_escaped(site: Site) -> None:
    task = site.start_demo()
    response = site.client("hulpverlener").post(
        f"/tasks/{task}", data={"omschrijving": SCRIPT, "recht": SCRIPT}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;" in body
    assert page(response).get_element_by_id("f-omschrijving").text_content() == SCRIPT

    login = site.client().post("/login", data={"username": SCRIPT, "password": "x"})
    assert "<script" not in login.get_data(as_text=True)
    assert page(login).get_element_by_id("username").get("value") == SCRIPT
    missing = site.client("hulpverlener").get("/%3Cscript%3Ealert(1)%3C/script%3E")
    assert missing.status_code == 404 and "<script" not in missing.get_data(as_text=True)


def test_unexpected_error_shows_no_stack_trace(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError(f"{SECRET} in /work/main/webapp/services/tasks.py")

    client = site.client("hulpverlener")
    monkeypatch.setattr(processes_routes, "list_startable", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/processes")
    assert error_page(response)[:2] == (500, "Er ging iets mis")
    for leak in ("RuntimeError", SECRET, "webapp/"):
        assert leak not in response.get_data(as_text=True)
    assert "RuntimeError" in caplog.text and SECRET not in caplog.text  # the log keeps case data out too


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        (None, "/login", 200),
        ("hulpverlener", "/inbox", 200),
        ("hulpverlener", "/processes", 200),
        ("hulpverlener", "/tasks/{task}", 200),
        ("rubicon", "/tasks/{task}", 403),
        ("hulpverlener", "/tasks/987654", 404),
        ("hulpverlener", "/static/css/app.css", 200),
    ],
)
def test_security_headers(site: Site, username: str | None, path: str, status: int) -> None:
    task = site.start_demo()
    response = site.client(username).get(path.format(task=task))
    assert response.status_code == status
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    if not path.startswith("/static"):
        assert response.headers["Cache-Control"] == "no-store"
        assert "<script" not in response.get_data(as_text=True)  # nothing the CSP would have to block
    response.close()
