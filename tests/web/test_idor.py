"""Cross-organisation and wrong-role attempts on every id-bearing address (IDOR, issue 5 item 2).

Each address names a real object of Gemeente Weert's seeded case (tests/web/seeded_case.py). People of
Rubicon Jeugdzorg (a partner organisation that takes no part in the case), and people of Weert without the
role the object asks, are refused: a page answers 403 or 404 and never shows the object; an action that
answers with a redirect and a message changes nothing. Every refusal is in the audit log with result
"denied", under the person who tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.web.seeded_case import SeededSite, seed_template, seeded, seeded_site  # noqa: F401
from webapp.persistence.models import ApiToken, AuditEvent, HumanTask, Notification, User

OTHER_ORGANISATION = ["rubicon", "fg.rubicon", "manager.rubicon"]
# Words only the case's own data contains: the request's description, the open task's name.
CASE_DATA = ("Graag inzage in mijn dossier", "Identiteit controleren en beslissen")


@dataclass(frozen=True)
class Probe:
    method: str
    address: str
    same_organisation: tuple[str, ...]  # Weert's people without the role the object asks
    refused: frozenset[int] = frozenset({403, 404})
    form: dict[str, str] | None = None
    outsiders: tuple[str, ...] = tuple(OTHER_ORGANISATION)


# A flash-and-redirect action answers 302 on a refusal too; its refusal shows in the audit and the state.
REDIRECTED = frozenset({302})
NO_CASE_ROLE = ("procesbeheer", "manager", "beheerder")

PROBES: dict[str, Probe] = {
    "task page": Probe("GET", "/tasks/{task}", ("voorzitter", "fg", *NO_CASE_ROLE)),
    "task answer": Probe("POST", "/tasks/{task}", ("voorzitter", "fg", *NO_CASE_ROLE), form={"besluit": "x"}),
    "task claim": Probe("POST", "/tasks/{task}/claim", ("voorzitter", "fg", "manager"), REDIRECTED),
    "task release": Probe("POST", "/tasks/{task}/release", ("fg", "manager"), REDIRECTED),
    "task reassign": Probe(
        "POST", "/tasks/{task}/reassign", ("fg", "manager"), REDIRECTED, form={"colleague_id": "{collega}"}
    ),
    "task delegate": Probe(
        "POST", "/tasks/{task}/delegate", ("fg", "manager"), REDIRECTED, form={"colleague_id": "{collega}"}
    ),
    "task hand back": Probe("POST", "/tasks/{task}/hand-back", ("fg", "manager"), REDIRECTED),
    "case file": Probe("GET", "/cases/{case}", NO_CASE_ROLE),
    "case comment": Probe("POST", "/cases/{case}/comments", NO_CASE_ROLE, form={"body": "Ik lees mee."}),
    "case related start": Probe(
        "POST", "/cases/{case}/related", NO_CASE_ROLE, form={"process_id": "meldcode"}
    ),
    # Rubicon's professional may ask break-glass (that is its purpose); the others may not even ask.
    "break-glass page": Probe(
        "GET", "/cases/{case}/noodtoegang", NO_CASE_ROLE, outsiders=("fg.rubicon", "manager.rubicon")
    ),
    "instance page": Probe("GET", "/instances/{instance}", NO_CASE_ROLE),
    "instance event": Probe("POST", "/instances/{instance}/events/{message}", NO_CASE_ROLE),
    # The diagram is open to every role of Weert (process owner and admin of any organisation, Weert's manager
    # and FG, the case roles): only the other organisation is refused.
    "instance diagram": Probe("GET", "/instances/{instance}/diagram", ()),
    "instance diagram bpmn": Probe("GET", "/instances/{instance}/diagram.bpmn", ()),
    "instance diagram marks": Probe("GET", "/instances/{instance}/diagram-marks.json", ()),
    "register entry": Probe("GET", "/registers/{kind}/{entry}", ("hulpverlener", "manager", "beheerder")),
    "notification": Probe("POST", "/notifications/{notification}/read", ("collega", "fg", "manager")),
    "token revoke": Probe("POST", "/account/tokens/{token}/revoke", ("collega", "fg", "beheerder")),
    "client audit": Probe("GET", "/audit/cases/{case}", ("hulpverlener", "voorzitter", "manager")),
    "api task": Probe("GET", "/api/v1/tasks/{task}", ("voorzitter", "fg", *NO_CASE_ROLE)),
    "api complete": Probe("POST", "/api/v1/tasks/{task}/complete", ("fg", "manager")),
    "api draft": Probe("PUT", "/api/v1/tasks/{task}/draft", ("fg", "manager")),
    "api instance": Probe("GET", "/api/v1/instances/{instance}", NO_CASE_ROLE),
}

CASES = [
    pytest.param(name, username, id=f"{name}-{username}")
    for name, probe in PROBES.items()
    for username in (*probe.outsiders, *probe.same_organisation)
]


def _user_id(site: SeededSite, username: str) -> int:
    with site.ctx.db.read() as session:
        found: int = session.execute(select(User.id).where(User.username == username)).scalar_one()
        return found


def _denials(site: SeededSite, user_id: int) -> int:
    with site.ctx.db.read() as session:
        query = select(func.count()).where(AuditEvent.actor_id == user_id, AuditEvent.result == "denied")
        return int(session.execute(query.select_from(AuditEvent)).scalar_one())


def _state(site: SeededSite) -> tuple[Any, ...]:
    """What a refused action must leave as it was: the task, Sanne's notice and token."""
    ids = site.ids
    with site.ctx.db.read() as session:
        task = session.get_one(HumanTask, ids.task)
        notice = session.get_one(Notification, ids.notification)
        token = session.get_one(ApiToken, ids.token)
        return (
            task.state,
            task.assignee_id,
            task.delegated_by_id,
            task.draft,
            notice.read_at,
            token.revoked_at,
        )


def _send(site: SeededSite, probe: Probe, username: str) -> TestResponse:
    collega = str(_user_id(site, "collega"))
    url = site.ids.fill(probe.address)
    if url.startswith("/api/"):
        body = {"gegevens": {}} if probe.method != "GET" else None
        headers = {"Authorization": f"Bearer {site.ids.secrets[username]}"}
        return site.client(None).open(url, method=probe.method, headers=headers, json=body)
    form = {k: v.format(collega=collega) for k, v in (probe.form or {}).items()}
    return site.client(username).open(url, method=probe.method, data=form)


@pytest.mark.parametrize(("name", "username"), CASES)
def test_another_organisation_or_role_is_refused_and_audited(
    seeded: SeededSite,  # noqa: F811
    name: str,
    username: str,
) -> None:
    probe = PROBES[name]
    user_id = _user_id(seeded, username)
    before, state = _denials(seeded, user_id), _state(seeded)

    response = _send(seeded, probe, username)

    assert response.status_code in probe.refused, (name, username, response.status_code)
    body = response.get_data(as_text=True)
    for secret in CASE_DATA:
        assert secret not in body
    assert _state(seeded) == state
    assert _denials(seeded, user_id) > before, f"{name} refused {username} without a denied audit row"


def test_the_owner_of_each_object_is_not_refused(seeded: SeededSite) -> None:  # noqa: F811
    """The same addresses work for who may use them, so the refusals above are about the person."""
    sanne = seeded.client("hulpverlener")
    for address in ("/tasks/{task}", "/cases/{case}", "/instances/{instance}"):
        assert sanne.get(seeded.ids.fill(address)).status_code == 200
    assert CASE_DATA[1] in sanne.get(seeded.ids.fill("/tasks/{task}")).get_data(as_text=True)
    assert seeded.client("fg").get(seeded.ids.fill("/registers/{kind}/{entry}")).status_code == 200


def test_an_unknown_id_is_not_found_for_everyone(seeded: SeededSite) -> None:  # noqa: F811
    """A missing object answers 404 whoever asks, so that 403 and 404 tell an outsider nothing more."""
    for username in ("hulpverlener", "rubicon"):
        client = seeded.client(username)
        for address in ("/tasks/999999", "/instances/999999", "/cases/KF-00000000"):
            assert client.get(address).status_code == 404, (username, address)
