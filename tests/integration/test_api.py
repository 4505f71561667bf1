"""The JSON API with personal access tokens, over HTTP (Flask test client, CSRF on), on SQLite and PostgreSQL.

What is stored is checked through the database and the services, never through the API under test.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from tests.factories import home_organisation, login
from webapp import create_app
from webapp.domain.errors import ProcessError
from webapp.persistence.models import ApiToken, AuditEvent, HumanTask, Membership, User
from webapp.services import tasks
from webapp.services.context import ServiceContext
from webapp.services.seed import DEMO_PASSWORD
from webapp.services.tokens import create_token, list_tokens, revoke_token

DEMO = "demo_subject_request"
INTAKE = {"ontvangen_op": "2026-10-30", "recht": "inzage", "omschrijving": "Graag inzage in mijn dossier."}
DEEP = "De inhoud is dieper genest dan de 16 niveaus die een formulier ooit nodig heeft."
BREACH = {
    "ontdekt_op": "2026-11-02T08:30:00+01:00",
    "omschrijving_datalek": "Een dossier is naar de verkeerde ketenpartner gemaild.",
    "oorzaak": "verkeerde_ontvanger",
}


class Api:
    """A test client that calls /api/v1 with the bearer token of a demo user."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.client: FlaskClient = create_app({"env": "test"}, context=ctx).test_client()
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            created = create_token(self.ctx, login(self.ctx, username), "test", date(2027, 6, 30))
            self._tokens[username] = created.secret
        return self._tokens[username]

    def call(
        self, method: str, path: str, username: str | None = "hulpverlener", **kwargs: Any
    ) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        if username is not None:
            headers.setdefault("Authorization", f"Bearer {self.token(username)}")
        response = self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert response.mimetype == "application/json", (response.status_code, response.mimetype)
        return response

    def start(self, process: str = DEMO, username: str = "hulpverlener") -> tuple[int, int]:
        response = self.call("POST", f"/processes/{process}/instances", username, json={})
        assert response.status_code == 201, response.json
        body = response.json or {}
        return body["instantie_id"], body["volgende_taak_id"]


@pytest.fixture
def api(any_ctx: ServiceContext) -> Api:
    return Api(any_ctx)


def audit_lines(ctx: ServiceContext, event: str) -> list[AuditEvent]:
    with ctx.db.read() as session:
        query = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)  # chain order
        lines = list(session.execute(query).scalars())
        session.expunge_all()  # readable after the read transaction ends
        return lines


def test_a_partner_system_registers_a_request_and_reads_its_deadlines(api: Api) -> None:
    instance_id, task_id = api.start()
    task = api.call("GET", f"/tasks/{task_id}").json or {}
    assert task["taak"]["naam"] == "Verzoek registreren" and task["taak"]["status"] == "open"
    assert set(task["schema"]["required"]) == {"ontvangen_op", "recht", "omschrijving"}
    assert task["gegevens"] == {}
    assert [t["id"] for t in (api.call("GET", "/tasks").json or {})["taken"]] == [task_id]

    done = api.call("POST", f"/tasks/{task_id}/complete", json={"gegevens": INTAKE})
    assert done.status_code == 200
    body = done.json or {}
    assert body["instantie_id"] == instance_id and body["procedure_afgerond"] is False
    decide_id = body["volgende_taak_id"]

    instance = api.call("GET", f"/instances/{instance_id}").json or {}
    assert (instance["status"], instance["organisatie"]) == ("running", "Gemeente Weert")
    by_id = {t["id"]: t for t in instance["taken"]}
    assert by_id[task_id]["status"] == "completed" and by_id[task_id]["afgerond_door"] == "Sanne Hulpverlener"
    # Four weeks from receipt (30 October), to the end of Friday 27 November in Amsterdam.
    assert by_id[decide_id]["termijn"] == "2026-11-27T22:59:59+00:00"
    assert by_id[decide_id]["termijnregel"]
    assert instance["eerstvolgende_termijn"] is not None


def test_every_call_is_audited_like_the_pages_with_channel_api(api: Api) -> None:
    instance_id, task_id = api.start()
    api.call("POST", f"/tasks/{task_id}/complete", json={"gegevens": INTAKE})
    api.call("GET", f"/instances/{instance_id}")
    user_id = login(api.ctx, "hulpverlener").user_id
    for event in ("instance.started", "task.read", "task.completed", "instance.read"):
        lines = audit_lines(api.ctx, event)
        assert [(a.actor_id, a.origin, a.result) for a in lines] == [(user_id, "api:127.0.0.1", "success")]


def test_a_breach_reported_from_a_partners_own_system_stays_within_that_partner(api: Api) -> None:
    instance_id, task_id = api.start("data_breach", username="rubicon")
    done = api.call("POST", f"/tasks/{task_id}/complete", "rubicon", json={"gegevens": BREACH})
    assert done.status_code == 200
    assert (api.call("GET", f"/instances/{instance_id}", "rubicon").json or {})["organisatie"] == (
        "Rubicon Jeugdzorg"
    )
    # Weert's professional sees neither the case nor its tasks; the refusals are audited.
    refused = api.call("GET", f"/instances/{instance_id}", "hulpverlener")
    assert refused.status_code == 403 and refused.json == {
        "fout": "U heeft geen toegang tot deze zaak.",
        "velden": {},
    }
    assert api.call("GET", f"/tasks/{task_id}", "hulpverlener").status_code == 403
    weert = login(api.ctx, "hulpverlener").user_id
    denied = [a.actor_id for a in audit_lines(api.ctx, "instance.read") if a.result == "denied"]
    assert denied == [weert]
    assert [a.result for a in audit_lines(api.ctx, "task.read")] == ["success", "denied"]


def test_starting_for_an_organisation_one_does_not_belong_to_is_refused(api: Api) -> None:
    rubicon = home_organisation(login(api.ctx, "rubicon"))
    response = api.call("POST", f"/processes/{DEMO}/instances", json={"organisatie_id": rubicon})
    assert response.status_code == 403
    assert (response.json or {})["fout"] == "U mag deze procedure niet starten voor deze organisatie."
    assert api.call("POST", "/processes/bestaat_niet/instances", json={}).status_code == 404


def test_whoever_may_start_for_more_organisations_names_one(api: Api) -> None:
    rubicon = home_organisation(login(api.ctx, "rubicon"))
    with api.ctx.db.write() as session:
        user_id = session.execute(select(User.id).where(User.username == "hulpverlener")).scalar_one()
        session.add(Membership(user_id=user_id, organisation_id=rubicon, role="professional"))
    unnamed = api.call("POST", f"/processes/{DEMO}/instances", json={})
    assert (unnamed.status_code, (unnamed.json or {})["velden"]) == (
        422,
        {"organisatie_id": "U kunt deze procedure voor meer organisaties starten; kies er een."},
    )
    named = api.call("POST", f"/processes/{DEMO}/instances", json={"organisatie_id": rubicon})
    assert named.status_code == 201
    started = api.call("GET", named.headers["Location"].removeprefix("/api/v1")).json or {}
    assert started["organisatie"] == "Rubicon Jeugdzorg"


def test_a_procedure_that_fails_after_storing_the_answers_says_so(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, task_id = api.start()

    def failing(*_args: object, **_kwargs: object) -> None:
        raise ProcessError("Het script 'termijn berekenen' faalde.")

    monkeypatch.setattr(tasks, "complete_task", failing)
    response = api.call("POST", f"/tasks/{task_id}/complete", json={"gegevens": INTAKE})
    assert response.status_code == 409
    assert (response.json or {})["fout"] == (
        "De gegevens zijn opgeslagen, maar de procedure liep daarna vast: "
        "Het script 'termijn berekenen' faalde."
    )


def test_invalid_answers_get_dutch_messages_per_field_and_change_nothing(api: Api) -> None:
    _, task_id = api.start()
    response = api.call("POST", f"/tasks/{task_id}/complete", json={"gegevens": {**INTAKE, "recht": "?"}})
    assert response.status_code == 422
    assert response.json == {
        "fout": "Het formulier bevat fouten.",
        "velden": {"recht": "Kies een van de mogelijkheden."},
    }
    # A field the form does not ask for could overwrite what the procedure decides on: refused, not ignored.
    smuggled = {**INTAKE, "zaak_referentie": "KF-00000000"}
    response = api.call("POST", f"/tasks/{task_id}/complete", json={"gegevens": smuggled})
    assert response.status_code == 422
    assert (response.json or {})["velden"] == {"zaak_referentie": "Dit formulier kent dit veld niet."}
    with api.ctx.db.read() as session:
        assert session.get_one(HumanTask, task_id).state == "open"
    assert audit_lines(api.ctx, "task.completed") == []


def test_a_draft_is_kept_unvalidated_for_its_author_and_claims_the_task(api: Api) -> None:
    _, task_id = api.start()
    draft = {"recht": "nog navragen", "omschrijving": "Belde over inzage"}
    saved = api.call("PUT", f"/tasks/{task_id}/draft", json={"gegevens": draft})
    assert (saved.status_code, saved.json) == (200, {"taak_id": task_id, "gegevens": draft})
    mine = api.call("GET", f"/tasks/{task_id}").json or {}
    assert mine["gegevens"] == draft and mine["taak"]["aan_mij_toegewezen"] is True
    theirs = api.call("GET", f"/tasks/{task_id}", "collega").json or {}
    assert theirs["gegevens"] == {} and theirs["taak"]["toegewezen_aan"] == "Sanne Hulpverlener"
    refused = api.call("PUT", f"/tasks/{task_id}/draft", "collega", json={"gegevens": {}})
    assert refused.status_code == 403
    unknown = api.call("PUT", f"/tasks/{task_id}/draft", json={"gegevens": {"bsn": "123"}})
    assert (unknown.status_code, (unknown.json or {})["velden"]) == (
        422,
        {"bsn": "Dit formulier kent dit veld niet."},
    )
    lines = [(a.result, a.actor_id) for a in audit_lines(api.ctx, "task.draft_saved")]
    assert lines == [
        ("success", login(api.ctx, "hulpverlener").user_id),
        ("denied", login(api.ctx, "collega").user_id),
    ]
    assert audit_lines(api.ctx, "task.draft_saved")[0].origin == "api:127.0.0.1"


def test_a_task_completed_meanwhile_answers_409_naming_who(api: Api) -> None:
    _, task_id = api.start()
    tasks.complete_task(api.ctx, login(api.ctx, "collega"), task_id, INTAKE)
    response = api.call("POST", f"/tasks/{task_id}/complete", json={"gegevens": INTAKE})
    assert response.status_code == 409
    assert (response.json or {})["fout"].startswith("Deze taak is al afgerond door Daan Collega")


@pytest.mark.parametrize(
    ("body", "message", "fields"),
    [
        (b"{niet json", "De inhoud is geen geldige JSON.", {}),
        (b"[1, 2]", "Stuur een JSON-object als inhoud.", {}),
        (b"null", "Stuur een JSON-object als inhoud.", {}),
        (b'{"gegevens": {"omschrijving": ' + b"[" * 20 + b"]" * 20 + b"}}", DEEP, {}),
        (b"[" * 100_000 + b"]" * 100_000, DEEP, {}),  # past the JSON parser's own recursion limit
        (
            b'{"gegevens": []}',
            "De inhoud van het verzoek klopt niet.",
            {"gegevens": "Deze waarde heeft niet de juiste soort."},
        ),
        (b"{}", "De inhoud van het verzoek klopt niet.", {"gegevens": "Dit veld is verplicht."}),
        (
            b'{"gegevens": {}, "extra": 1}',
            "De inhoud van het verzoek klopt niet.",
            {"extra": "Onbekend veld."},
        ),
        (
            b'{"gegevens": {}, "leegmaken": [1]}',
            "De inhoud van het verzoek klopt niet.",
            {"leegmaken": "Geef een lijst van veldnamen."},
        ),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_400(
    api: Api, body: bytes, message: str, fields: dict[str, str]
) -> None:
    _, task_id = api.start()
    response = api.call("POST", f"/tasks/{task_id}/complete", data=body, content_type="application/json")
    assert (response.status_code, response.json) == (400, {"fout": message, "velden": fields})


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/bestaat-niet", 404),
        ("POST", "/tasks/1/bestaat-niet", 404),
        ("GET", "/tasks/-1", 404),
        ("GET", "/tasks/2147483648", 404),  # past PostgreSQL's integer: no query, no 500
        ("GET", "/instances/99999999999999999999", 404),
        ("POST", "/processes/%00/instances", 404),
        ("DELETE", "/tasks", 405),
        ("GET", "/tasks/1/complete", 405),
    ],
)
def test_unknown_addresses_and_methods_answer_json(api: Api, method: str, path: str, status: int) -> None:
    response = api.call(method, path)
    assert response.status_code == status and set(response.json or {}) == {"fout", "velden"}
    if status == 405:
        assert method not in response.headers["Allow"].split(", ")


def test_an_unexpected_failure_is_json_without_details(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("persoonsgegevens in een foutmelding")

    monkeypatch.setattr(tasks, "list_inbox", broken)
    response = api.call("GET", "/tasks")
    assert response.status_code == 500
    assert "persoonsgegevens" not in response.get_data(as_text=True)


# --- tokens ---------------------------------------------------------------------------------------------


def test_only_the_sha256_of_a_token_is_stored(any_ctx: ServiceContext) -> None:
    actor = login(any_ctx, "hulpverlener")
    created = create_token(any_ctx, actor, "  koppeling   zaaksysteem ", date(2026, 12, 31))
    assert created.secret.startswith("kf_") and len(created.secret) >= 40
    with any_ctx.db.read() as session:
        row = session.execute(select(ApiToken)).scalar_one()
        assert row.token_hash == hashlib.sha256(created.secret.encode()).hexdigest()
        assert created.secret not in (row.name, row.token_hash)
        assert row.name == "koppeling zaaksysteem"
        assert row.expires_at is not None and row.expires_at.isoformat() == "2026-12-31T22:59:59+00:00"
    assert [(t.name, t.status) for t in list_tokens(any_ctx, actor)] == [("koppeling zaaksysteem", "actief")]
    assert list_tokens(any_ctx, login(any_ctx, "collega")) == []
    assert [a.object_id for a in audit_lines(any_ctx, "api_token.created")] == [str(created.token.id)]


def test_expired_revoked_unknown_and_missing_tokens_get_a_dutch_401(api: Api) -> None:
    token = api.token("collega")
    assert api.call("GET", "/tasks").status_code == 200
    with api.ctx.db.read() as session:
        used = session.execute(select(ApiToken.name, ApiToken.last_used_at).order_by(ApiToken.id)).all()
        assert [at for _, at in used] == [None, api.ctx.clock.now()]  # collega's unused, hulpverlener's now

    missing = api.call("GET", "/tasks", username=None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert (missing.json or {})["fout"].startswith("Stuur een persoonlijk toegangstoken mee")
    unknown = api.call("GET", "/tasks", username=None, headers={"Authorization": "Bearer kf_geraden"})
    assert (unknown.status_code, (unknown.json or {})["fout"][:22]) == (401, "Dit token is onbekend.")

    api.ctx.clock.set(api.ctx.clock.now().replace(year=2027, month=7, day=1))
    expired = api.call("GET", "/tasks")
    assert (expired.status_code, (expired.json or {})["fout"][:22]) == (401, "Dit token is verlopen.")

    actor = login(api.ctx, "collega")
    revoke_token(api.ctx, actor, list_tokens(api.ctx, actor)[0].id)
    revoked = api.call("GET", "/tasks", username=None, headers={"Authorization": f"Bearer {token}"})
    assert (revoked.status_code, (revoked.json or {})["fout"][:25]) == (401, "Dit token is ingetrokken.")
    assert [a.result for a in audit_lines(api.ctx, "auth.token")] == ["denied"] * 3


def test_the_last_use_is_kept_to_the_minute_so_that_polling_does_not_write(api: Api) -> None:
    def last_used() -> object:
        with api.ctx.db.read() as session:
            return session.execute(select(ApiToken.last_used_at)).scalar_one()

    start = api.ctx.clock.now()
    api.call("GET", "/tasks")
    api.ctx.clock.advance(timedelta(seconds=59))
    api.call("GET", "/tasks")
    assert last_used() == start
    api.ctx.clock.advance(timedelta(seconds=1))
    api.call("GET", "/tasks")
    assert last_used() == start + timedelta(minutes=1)


def test_a_deactivated_account_loses_its_tokens(api: Api) -> None:
    api.token("hulpverlener")
    with api.ctx.db.write() as session:
        session.execute(update(User).where(User.username == "hulpverlener").values(active=False))
    response = api.call("GET", "/tasks")
    assert (response.status_code, (response.json or {})["fout"]) == (
        401,
        "Het account van dit token is niet meer actief.",
    )


def test_a_signed_in_browser_session_is_no_credential_for_the_api(api: Api) -> None:
    # The API skips CSRF because the token is its credential; a session cookie must therefore not count.
    form = api.client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    signed_in = api.client.post(
        "/login", data={"username": "hulpverlener", "password": DEMO_PASSWORD, "csrf_token": csrf.group(1)}
    )
    assert signed_in.status_code == 302 and api.client.get("/inbox").status_code == 200
    assert api.call("GET", "/tasks", username=None).status_code == 401
    assert api.call("POST", f"/processes/{DEMO}/instances", username=None, json={}).status_code == 401
