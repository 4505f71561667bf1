"""The incidents page (/beheer/incidenten) through the Flask test client: the admin's menu item, the list with
its shortened error, and the two actions with CSRF, a confirmation and a message afterwards."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select as sql_select

from tests.web.conftest import Site, csrf_token, error_page, local_path, page, select, text_of
from webapp.persistence.models import HumanTask, ProcessInstance
from webapp.services.seed import DEMO_PASSWORD

SECRET = "<b>Jansen</b> woont op de Dorpsstraat 1"


def _errored_instance(site: Site) -> int:
    """A demo instance parked in the error state, with an error text that quotes (HTML-looking) case data."""
    task_id = site.start_demo()
    with site.ctx.db.write() as session:
        instance_id = session.execute(
            sql_select(HumanTask.instance_id).where(HumanTask.id == task_id)
        ).scalar_one()
        instance = session.get_one(ProcessInstance, instance_id)
        instance.status = "error"
        instance.last_error = f"Fout in stap 'register_request' van de procedure: {SECRET} " + "x" * 400
    return instance_id


def _status(site: Site, instance_id: int) -> str:
    with site.ctx.db.read() as session:
        return session.get_one(ProcessInstance, instance_id).status


def test_only_the_admin_has_the_menu_item_and_the_page(site: Site) -> None:
    menu = text_of(page(site.client("beheerder").get("/inbox")), "nav")
    assert "Incidenten" in menu
    for username in ("hulpverlener", "fg", "procesbeheer"):
        assert "Incidenten" not in text_of(page(site.client(username).get("/inbox")), "nav")
        assert site.client(username).get("/beheer/incidenten").status_code == 403


def test_the_list_shows_step_attempts_and_the_shortened_escaped_error(site: Site) -> None:
    empty = site.client("beheerder").get("/beheer/incidenten")
    assert text_of(page(empty), "#geen-incidenten").startswith("Er zijn geen incidenten")
    instance_id = _errored_instance(site)
    response = site.client("beheerder").get("/beheer/incidenten")
    assert response.status_code == 200
    (row,) = select(page(response), "table#incidenten tbody tr")
    cells = [" ".join(" ".join(td.itertext()).split()) for td in row.findall("td")]
    assert cells[0].endswith("In foutstatus") and cells[2] == "Verzoek registreren (register_request)"
    assert cells[4] == "Geen; wacht op de beheerder"
    assert SECRET in cells[5] and len(cells[5]) <= 300
    assert "<b>Jansen</b>" not in response.get_data(as_text=True)  # escaped, never markup
    assert "Weet u het zeker?" in cells[6] and "Opnieuw proberen" in cells[6]
    assert row.get("data-instance") == str(instance_id)


def test_retry_and_cancel_need_the_csrf_token_and_say_what_happened(csrf_app: Flask, site: Site) -> None:
    instance_id = _errored_instance(site)
    client = csrf_app.test_client()
    login = {
        "username": "beheerder",
        "password": DEMO_PASSWORD,
        "csrf_token": csrf_token(client.get("/login")),
    }
    assert local_path(client.post("/login", data=login)) == "/inbox"
    assert error_page(client.post(f"/beheer/incidenten/{instance_id}/annuleren"))[0] == 400
    assert _status(site, instance_id) == "error"
    token = csrf_token(client.get("/beheer/incidenten"))
    retried = client.post(f"/beheer/incidenten/{instance_id}/opnieuw", data={"csrf_token": token})
    assert local_path(retried) == "/beheer/incidenten"
    # Nothing had failed in the engine itself: the retry steps on and the instance waits for its task again.
    assert _status(site, instance_id) == "running"
    assert "De procedure wordt opnieuw geprobeerd." in client.get("/beheer/incidenten").get_data(as_text=True)
    cancelled = client.post(f"/beheer/incidenten/{instance_id}/annuleren", data={"csrf_token": token})
    assert local_path(cancelled) == "/beheer/incidenten"
    assert _status(site, instance_id) == "cancelled"
    assert "De procedure is geannuleerd" in client.get("/beheer/incidenten").get_data(as_text=True)
    assert client.post("/beheer/incidenten/999999/annuleren", data={"csrf_token": token}).status_code == 404
