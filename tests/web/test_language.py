"""Dutch by default, English per user."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.conftest import VALID_INTAKE, Site, page, text_of
from webapp import create_app
from webapp.services.context import Origin, ServiceContext
from webapp.services.seed import DEMO_PASSWORD


def signed_in(ctx: ServiceContext, username: str = "hulpverlener") -> FlaskClient:
    client = create_app({"env": "test", "WTF_CSRF_ENABLED": False}, context=ctx).test_client()
    client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    return client


def test_dutch_is_the_default_and_english_is_chosen_per_user(ctx: ServiceContext) -> None:
    sanne = signed_in(ctx)
    assert "Mijn taken" in sanne.get("/inbox").get_data(as_text=True)
    assert sanne.post("/account/language", data={"language": "en"}).status_code == 302
    english = sanne.get("/inbox").get_data(as_text=True)
    assert "My tasks" in english and "Mijn taken" not in english
    assert 'lang="en"' in english
    # The choice is the user's, not the browser's: a colleague still reads Dutch.
    assert "Mijn taken" in signed_in(ctx, "collega").get("/inbox").get_data(as_text=True)
    sanne.post("/account/language", data={"language": "nl"})
    assert "Mijn taken" in sanne.get("/inbox").get_data(as_text=True)


def test_an_unknown_language_is_refused_and_changes_nothing(ctx: ServiceContext) -> None:
    sanne = signed_in(ctx)
    assert sanne.post("/account/language", data={"language": "xx"}).status_code == 400
    assert "Mijn taken" in sanne.get("/inbox").get_data(as_text=True)


def test_messages_from_rules_and_services_reach_an_english_reader_in_english(site: Site) -> None:
    from webapp.services.users import set_language

    reader = site.actor("hulpverlener")
    set_language(site.ctx, reader, "en", Origin(channel="test"))
    task = site.start_demo()
    client = site.client("hulpverlener")

    # A form-validation message from the engine, with its number filled in again.
    invalid = client.post(f"/tasks/{task}", data={**VALID_INTAKE, "omschrijving": "x" * 2001})
    assert invalid.status_code == 422
    assert text_of(page(invalid), "#f-omschrijving-error") == "Error: Use at most 2000 characters."

    # A flash message with a value in it, and the task history written by the service.
    done = client.post(f"/tasks/{task}/claim", follow_redirects=True).get_data(as_text=True)
    assert "You have claimed the task." in done
    history = text_of(page(client.get(f"/tasks/{task}")), "ol.history")
    assert "Claimed by" in history

    # A refusal from the service layer, after a colleague completed the task.
    _, _, late = site.post_after_colleague_completed(VALID_INTAKE)
    assert "This task has already been completed by" in late.get_data(as_text=True)
