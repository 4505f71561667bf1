"""Dutch by default, English per user."""

from __future__ import annotations

from flask.testing import FlaskClient

from webapp import create_app
from webapp.services.context import ServiceContext
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
