"""The notifications page and the unread badge in the header, through the Flask test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.web.conftest import VALID_INTAKE, Site, csrf_token, error_page, local_path, page, select, text_of
from webapp.services.notifications import list_notifications, notify_deadlines, unread_count
from webapp.services.seed import DEMO_PASSWORD

CSRF_MESSAGE = "Het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens."


def badge(site: Site, username: str) -> str:
    return text_of(page(site.client(username).get("/processes")), "#meldingen-aantal")


def rows(response: TestResponse) -> list[tuple[str, str, str]]:
    """(title, status, action buttons) per row of the list."""
    found = []
    for row in select(page(response), "table#meldingen tbody tr"):
        cells = [" ".join(" ".join(td.itertext()).split()) for td in row.findall("td")]
        found.append((cells[0], cells[2], cells[3]))
    return found


def test_the_header_shows_how_many_notices_are_unread(site: Site) -> None:
    assert badge(site, "collega") == ""
    site.start_demo()  # "Verzoek registreren" arrives for the professionals of Weert
    assert badge(site, "collega") == "1 ongelezen"
    assert badge(site, "fg") == ""  # not the FG's role
    link = select(page(site.client("collega").get("/processes")), "a#meldingen-link")[0]
    assert link.get("href") == "/notifications"


def test_the_list_shows_my_notices_newest_first_and_nothing_personal(site: Site) -> None:
    site.complete(site.start_demo(), VALID_INTAKE)
    response = site.client("collega").get("/notifications")
    assert response.status_code == 200
    assert rows(response) == [
        (
            "Nieuwe taak: ‘Identiteit controleren en beslissen’ (Verzoek van betrokkene (demo))",
            "Nieuw",
            "Openen Markeer als gelezen",
        ),
        (
            "Nieuwe taak: ‘Verzoek registreren’ (Verzoek van betrokkene (demo))",
            "Nieuw",
            "Openen Markeer als gelezen",
        ),
    ]
    assert text_of(page(response), "#ongelezen") == "2 ongelezen van 2."
    main = text_of(page(response), "main")
    for personal in ("Sanne", "Hulpverlener", "inzage in het eigen dossier", "KF-"):
        assert personal not in main


def test_opening_a_notice_marks_it_read_and_goes_to_the_task(site: Site) -> None:
    task = site.start_demo()
    client = site.client("collega")
    item = list_notifications(site.ctx, site.actor("collega")).items[0]
    response = client.post(f"/notifications/{item.id}/read", data={"open": "1"})
    assert local_path(response) == f"/tasks/{task}"
    assert unread_count(site.ctx, site.actor("collega")) == 0
    assert rows(client.get("/notifications"))[0][1:] == ("Gelezen", "Openen")


def test_mark_one_and_mark_all_as_read(site: Site) -> None:
    site.complete(site.start_demo(), VALID_INTAKE)
    client = site.client("collega")
    first = list_notifications(site.ctx, site.actor("collega")).items[0]
    assert local_path(client.post(f"/notifications/{first.id}/read")) == "/notifications"
    assert unread_count(site.ctx, site.actor("collega")) == 1
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert text_of(page(response), ".notice-success") == "1 melding als gelezen gemarkeerd."
    assert unread_count(site.ctx, site.actor("collega")) == 0
    assert "alles-gelezen" not in response.get_data(as_text=True)  # nothing left to mark
    again = client.post("/notifications/read-all", follow_redirects=True)
    assert text_of(page(again), ".notice-info") == "U had geen ongelezen meldingen."


def test_someone_elses_notice_is_refused_in_dutch_and_stays_unread(site: Site) -> None:
    site.start_demo()
    theirs = list_notifications(site.ctx, site.actor("hulpverlener")).items[0]
    response = site.client("collega").post(f"/notifications/{theirs.id}/read", data={"open": "1"})
    assert error_page(response) == (403, "Geen toegang", "Deze melding is niet voor u bestemd.")
    assert unread_count(site.ctx, site.actor("hulpverlener")) == 1
    assert error_page(site.client("collega").post("/notifications/99999/read"))[0] == 404


def test_an_escalation_without_a_page_to_open_has_no_open_button(site: Site) -> None:
    site.complete(site.start_demo(), VALID_INTAKE)
    site.ctx.clock.advance(timedelta(days=40))
    notify_deadlines(site.ctx)
    listing = rows(site.client("manager").get("/notifications"))
    assert listing == [
        (
            "Termijn verstreken: ‘Identiteit controleren en beslissen’ (Verzoek van betrokkene (demo)) bij "
            "Gemeente Weert is nog niet afgerond",
            "Nieuw",
            "Markeer als gelezen",
        )
    ]


def test_the_list_pages_and_a_nonsense_page_shows_the_first(site: Site) -> None:
    for _ in range(28):
        site.start_demo()  # 28 notices for collega, 25 a page
    client = site.client("collega")
    second = client.get("/notifications?pagina=2")
    assert len(rows(second)) == 3
    assert "pagina 2 van 2" in text_of(page(second), "caption")
    assert select(page(second), "a[rel=prev]")[0].get("href") == "/notifications"
    first = client.get("/notifications?pagina=onzin")
    assert first.status_code == 200 and len(rows(first)) == 25


def test_signing_in_is_required(site: Site) -> None:
    anonymous = site.client()
    assert local_path(anonymous.get("/notifications")) == "/login"
    assert local_path(anonymous.post("/notifications/read-all")) == "/login"
    assert local_path(anonymous.post("/notifications/1/read")) == "/login"


def test_every_post_needs_the_csrf_token(csrf_app: Flask, site: Site) -> None:
    site.start_demo()
    client = csrf_app.test_client()
    login = {"username": "collega", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client.get("/login"))}
    assert local_path(client.post("/login", data=login)) == "/inbox"
    item = list_notifications(site.ctx, site.actor("collega")).items[0]
    refused = client.post(f"/notifications/{item.id}/read")
    assert error_page(refused) == (400, "Verzoek niet begrepen", CSRF_MESSAGE)
    assert error_page(client.post("/notifications/read-all"))[0] == 400
    assert unread_count(site.ctx, site.actor("collega")) == 1
    token = csrf_token(client.get("/notifications"))
    assert (
        local_path(client.post(f"/notifications/{item.id}/read", data={"csrf_token": token}))
        == "/notifications"
    )
    assert unread_count(site.ctx, site.actor("collega")) == 0


def test_a_broken_count_never_breaks_a_page(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    site.start_demo()

    def broken(*_args: object) -> int:
        raise RuntimeError("database weg")

    monkeypatch.setattr("webapp.web.notifications.routes.unread_count", broken)
    response = site.client("collega").get("/processes")
    assert response.status_code == 200 and text_of(page(response), "#meldingen-aantal") == ""
