"""Register pages and raising an event on a case page, through the Flask test client."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.factories import home_organisation, login
from webapp import create_app
from webapp.services import instances, tasks
from webapp.services.context import ServiceContext
from webapp.services.seed import DEMO_PASSWORD


def client_for(ctx: ServiceContext, username: str) -> FlaskClient:
    client = create_app({"env": "test", "WTF_CSRF_ENABLED": False}, context=ctx).test_client()
    client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    return client


def registered_case(ctx: ServiceContext) -> int:
    sanne = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, sanne, "proef", home_organisation(sanne))
    assert started.next_task_id is not None
    tasks.complete_task(ctx, sanne, started.next_task_id, {"leeftijd": 14, "naam": "<b>Jan</b>"})
    return started.instance_id


def test_the_fg_reads_the_register_and_its_entry(proef: ServiceContext) -> None:
    registered_case(proef)
    fg = client_for(proef, "fg")
    assert "Proefregister" in fg.get("/registers").get_data(as_text=True)
    listing = fg.get("/registers/proef").get_data(as_text=True)
    assert "Leeftijd" in listing and ">14<" in listing
    entry_url = re.search(r'href="(/registers/proef/\d+)"', listing)
    assert entry_url is not None
    entry = fg.get(entry_url.group(1)).get_data(as_text=True)
    assert "Leeftijd" in entry and "Jan" not in entry  # the register keeps only its own fields


def test_a_professional_may_not_read_the_register(proef: ServiceContext) -> None:
    registered_case(proef)
    sanne = client_for(proef, "hulpverlener")
    assert sanne.get("/registers/proef").status_code == 403
    assert sanne.get("/registers/onbekend").status_code == 404
    assert "Proefregister" not in sanne.get("/registers").get_data(as_text=True)


def test_the_case_page_offers_the_event_and_raising_it_opens_the_next_task(proef: ServiceContext) -> None:
    instance_id = registered_case(proef)
    sanne = client_for(proef, "hulpverlener")
    page = sanne.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "Gebeurtenis melden" in page and "Proef ingetrokken" in page
    response = sanne.post(f"/instances/{instance_id}/events/proef_ingetrokken")
    assert response.status_code == 302 and "/tasks/" in response.location
    assert "Intrekking vastleggen" in sanne.get(response.location).get_data(as_text=True)
    again = sanne.post(f"/instances/{instance_id}/events/proef_ingetrokken", follow_redirects=True)
    assert "wacht (niet meer) op deze gebeurtenis" in again.get_data(as_text=True)
    outsider = client_for(proef, "rubicon")
    assert outsider.post(f"/instances/{instance_id}/events/proef_ingetrokken").status_code == 403
