"""The API-token page (/account/tokens): create with a name and an expiry, shown once; list; revoke."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import login
from tests.web.conftest import Site, csrf_token, error_page, local_path, page, text_of
from tests.web.conftest import select as css
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.persistence.models import AuditEvent
from webapp.services.context import ServiceContext
from webapp.services.tokens import create_token, list_tokens, revoke_token

NEW_TOKEN = {"naam": "koppeling zaaksysteem", "verloopt_op": "2027-01-31"}


def api_status(site: Site, secret: str) -> int:
    response = site.app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"})
    return response.status_code


def test_the_page_needs_a_signed_in_user(site: Site) -> None:
    assert local_path(site.client().get("/account/tokens")) == "/login"
    assert local_path(site.client().post("/account/tokens", data=NEW_TOKEN)) == "/login"
    assert list_tokens(site.ctx, site.actor("hulpverlener")) == []


def test_a_new_token_is_shown_once_and_works_for_the_api(site: Site) -> None:
    client = site.client("hulpverlener")
    created = client.post("/account/tokens", data=NEW_TOKEN)
    assert created.status_code == 200
    shown = css(page(created), "input#token-waarde")
    secret = shown[0].get("value")
    assert secret.startswith("kf_") and shown[0].get("readonly") is not None
    assert api_status(site, secret) == 200

    again = client.get("/account/tokens")
    assert secret not in again.get_data(as_text=True)
    row = text_of(page(again), "tbody tr")
    assert "koppeling zaaksysteem" in row and "31-01-2027 23:59" in row and "Actief" in row
    assert [t.name for t in list_tokens(site.ctx, site.actor("hulpverlener"))] == ["koppeling zaaksysteem"]


def test_a_date_typed_the_dutch_way_is_understood(site: Site) -> None:
    response = site.client("hulpverlener").post(
        "/account/tokens", data={"naam": "script", "verloopt_op": "1-2-2027"}
    )
    assert response.status_code == 200
    token = list_tokens(site.ctx, site.actor("hulpverlener"))[0]
    assert token.expires_at is not None and token.expires_at.isoformat() == "2027-02-01T22:59:59+00:00"


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        (
            {"naam": "", "verloopt_op": "31-02-2027"},
            {
                "naam": "Geef het token een naam, zodat u later weet waarvoor het dient.",
                "verloopt_op": "Vul een geldige datum in (dd-mm-jjjj).",
            },
        ),
        ({"naam": "script", "verloopt_op": ""}, {"verloopt_op": "Kies tot wanneer het token geldig is."}),
        (
            {"naam": "script", "verloopt_op": "2028-01-01"},
            {"verloopt_op": "Een token is hoogstens een jaar geldig."},
        ),
    ],
)
def test_invalid_input_is_explained_next_to_the_field_and_creates_nothing(
    site: Site, form: dict[str, str], errors: dict[str, str]
) -> None:
    response = site.client("hulpverlener").post("/account/tokens", data=form)
    assert response.status_code == 422
    doc = page(response)
    for field, message in errors.items():
        assert text_of(doc, f"p#{field}-error") == f"Fout: {message}"
        assert css(doc, f"input#{field}")[0].get("aria-invalid") == "true"
    assert css(doc, "input#naam")[0].get("value") == form["naam"]  # what was typed stays
    assert not css(doc, "input#token-waarde")
    assert list_tokens(site.ctx, site.actor("hulpverlener")) == []


def test_a_revoked_token_stops_working_and_says_so(site: Site) -> None:
    created = create_token(site.ctx, site.actor("hulpverlener"), "script", date(2027, 1, 31))
    client = site.client("hulpverlener")
    response = client.post(f"/account/tokens/{created.token.id}/revoke")
    assert local_path(response) == "/account/tokens"
    doc = page(client.get("/account/tokens"))
    assert "Het token is ingetrokken" in text_of(doc, "div.notice-success")
    assert text_of(doc, f"tr#token-{created.token.id} td.token-status") == "Ingetrokken"
    assert not css(doc, f"tr#token-{created.token.id} form")
    assert api_status(site, created.secret) == 401


def test_nobody_sees_or_revokes_anothers_tokens(site: Site) -> None:
    created = create_token(site.ctx, site.actor("hulpverlener"), "nachtelijke export", date(2027, 1, 31))
    colleague = site.client("collega")
    doc = page(colleague.get("/account/tokens"))
    assert not css(doc, "tbody tr") and "nachtelijke export" not in text_of(doc, "main")
    status, _, message = error_page(colleague.post(f"/account/tokens/{created.token.id}/revoke"))
    assert (status, message) == (403, "U kunt alleen uw eigen tokens intrekken.")
    assert error_page(colleague.post("/account/tokens/999/revoke"))[0] == 404
    assert api_status(site, created.secret) == 200


def test_creating_and_revoking_need_the_csrf_token(csrf_app: Flask, site: Site) -> None:
    client = csrf_app.test_client()
    signed_in = client.get("/login")
    client.post(
        "/login",
        data={"username": "hulpverlener", "password": "ketenflow-demo", "csrf_token": csrf_token(signed_in)},
    )
    assert client.post("/account/tokens", data=NEW_TOKEN).status_code == 400
    form_page = client.get("/account/tokens")
    assert (
        client.post("/account/tokens", data={**NEW_TOKEN, "csrf_token": csrf_token(form_page)}).status_code
        == 200
    )
    assert len(list_tokens(site.ctx, site.actor("hulpverlener"))) == 1


# --- the service behind the page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expires_on", "errors"),
    [
        (" ", date(2026, 12, 1), {"naam": "Geef het token een naam, zodat u later weet waarvoor het dient."}),
        ("x" * 101, date(2026, 12, 1), {"naam": "Een naam is hoogstens 100 tekens lang."}),
        ("script", None, {"verloopt_op": "Kies tot wanneer het token geldig is."}),
        ("script", date(2026, 11, 1), {"verloopt_op": "Deze datum ligt in het verleden."}),
        ("script", date(2027, 11, 4), {"verloopt_op": "Een token is hoogstens een jaar geldig."}),
    ],
)
def test_a_token_needs_a_name_and_an_expiry_within_a_year(
    ctx: ServiceContext, name: str, expires_on: date | None, errors: dict[str, str]
) -> None:
    actor = login(ctx, "hulpverlener")
    with pytest.raises(FormInvalid) as refused:
        create_token(ctx, actor, name, expires_on)
    assert refused.value.errors == errors
    assert list_tokens(ctx, actor) == []


def test_only_the_owner_revokes_a_token(ctx: ServiceContext) -> None:
    owner = login(ctx, "hulpverlener")
    token_id = create_token(ctx, owner, "script", date(2026, 12, 1)).token.id
    with pytest.raises(AccessDenied):
        revoke_token(ctx, login(ctx, "collega"), token_id)
    assert [t.status for t in list_tokens(ctx, owner)] == ["actief"]
    ctx.clock.advance(timedelta(hours=1))
    revoke_token(ctx, owner, token_id)
    first = list_tokens(ctx, owner)[0].revoked_at
    ctx.clock.advance(timedelta(hours=1))
    revoke_token(ctx, owner, token_id)
    assert list_tokens(ctx, owner)[0].revoked_at == first
    with ctx.db.read() as session:
        results = session.execute(
            select(AuditEvent.actor_id, AuditEvent.result).where(AuditEvent.event == "api_token.revoked")
        ).all()
    assert results == [(login(ctx, "collega").user_id, "denied"), (owner.user_id, "success")]
