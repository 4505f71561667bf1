"""Every route × every demo role: the answer each one gets, with real ids from a seeded case (issue 5 item 2).

The table has one row per rule in ``app.url_map`` (static files aside); a new route without a row fails
``test_every_route_has_a_row``. Each row gives the method (GET where the rule has it, else its only method,
sent without a CSRF token in an app that has CSRF off), the address with placeholders for the seeded ids,
and the status per role in the order of ``ROLE_USERS``:

    professional  aandachtsfunctionaris  voorzitter  fg  process_owner  manager  admin  anonymous

The case belongs to Gemeente Weert (tests/web/seeded_case.py): Weert's case roles (professional,
aandachtsfunctionaris, voorzitter, FG) open it; the process owner, the manager and the administrator do not
(managers see counts and deadlines, not case contents). Pages for signed-in people send a visitor to the
login page (302); the API answers 401 without a token. Actions that answer with a redirect and a message
(claim, hand on, start) redirect on a refusal too: tests/web/test_idor.py checks that those refusals are
audited and change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import TestResponse

from tests.web.seeded_case import ROLE_USERS, SeededSite, seed_template, seeded, seeded_site  # noqa: F401
from webapp import create_app

ROLES = list(ROLE_USERS)

# endpoint: (method, address, statuses in the order of ROLES)
MATRIX: dict[str, tuple[str, str, str]] = {
    # the workspace
    "tasks.home": ("GET", "/", "302 302 302 302 302 302 302 302"),
    "tasks.inbox": ("GET", "/inbox", "200 200 200 200 200 200 200 302"),
    "processes.index": ("GET", "/processes", "200 200 200 200 200 200 200 302"),
    "processes.start": ("POST", "/processes/{process}/start", "302 302 302 302 302 302 302 302"),
    "notifications.index": ("GET", "/notifications", "200 200 200 200 200 200 200 302"),
    "notifications.read": ("POST", "/notifications/{notification}/read", "302 403 403 403 403 403 403 302"),
    "notifications.read_all": ("POST", "/notifications/read-all", "302 302 302 302 302 302 302 302"),
    # a task of Weert's professionals: only they open and answer it
    "tasks.show": ("GET", "/tasks/{task}", "200 200 403 403 403 403 403 302"),
    "tasks.complete": ("POST", "/tasks/{task}", "422 422 403 403 403 403 403 302"),
    "tasks.claim": ("POST", "/tasks/{task}/claim", "302 302 302 302 302 302 302 302"),
    "tasks.release": ("POST", "/tasks/{task}/release", "302 302 302 302 302 302 302 302"),
    "tasks.reassign": ("POST", "/tasks/{task}/reassign", "302 302 302 302 302 302 302 302"),
    "tasks.delegate": ("POST", "/tasks/{task}/delegate", "302 302 302 302 302 302 302 302"),
    "tasks.hand_back": ("POST", "/tasks/{task}/hand-back", "302 302 302 302 302 302 302 302"),
    # the case and its procedures: the case roles of the owning organisation
    "cases.show": ("GET", "/cases/{case}", "200 200 200 200 403 403 403 302"),
    "cases.comment": ("POST", "/cases/{case}/comments", "422 422 422 422 403 403 403 302"),
    "cases.start": ("POST", "/cases/{case}/related", "302 302 302 302 403 403 403 302"),
    "instances.show": ("GET", "/instances/{instance}", "200 200 200 200 403 403 403 302"),
    # the instance's diagram with where it stands: structure, no case data; also for the process owner, the
    # administrator and the owning organisation's manager
    "instances.diagram": ("GET", "/instances/{instance}/diagram", "200 200 200 200 200 200 200 302"),
    "instances.diagram_bpmn": (
        "GET",
        "/instances/{instance}/diagram.bpmn",
        "200 200 200 200 200 200 200 302",
    ),
    "instances.diagram_marks": (
        "GET",
        "/instances/{instance}/diagram-marks.json",
        "200 200 200 200 200 200 200 302",
    ),
    "instances.raise_event": (
        "POST",
        "/instances/{instance}/events/{message}",
        "302 302 302 302 403 403 403 302",
    ),
    # break-glass: not for who sees the case already, nor for roles without case work
    "cases.ask_emergency_access": ("GET", "/cases/{case}/noodtoegang", "403 403 403 403 403 403 403 302"),
    "cases.start_emergency_access": ("POST", "/cases/{case}/noodtoegang", "403 403 403 403 403 403 403 302"),
    "cases.end_emergency_access": (
        "POST",
        "/cases/{case}/noodtoegang/einde",
        "302 302 302 302 302 302 302 302",
    ),
    # the data subject's export and destruction (purge): answered as they stand today; the export is refused
    # to everyone here, the FG's destruction request redirects with its verdict
    "subject.export": ("GET", "/cases/{case}/inzage-export.json", "403 403 403 403 403 403 403 302"),
    "subject.destroy": ("POST", "/cases/{case}/vernietiging", "403 403 403 302 403 403 403 302"),
    # registers: the readers a register names (case: FG, voorzitter) in its organisation
    "registers.index": ("GET", "/registers", "200 200 200 200 200 200 200 302"),
    "registers.show": ("GET", "/registers/{kind}", "403 403 200 200 403 403 403 302"),
    "registers.entry": ("GET", "/registers/{kind}/{entry}", "403 403 200 200 403 403 403 302"),
    # audit: the FG (and the administrator) of the organisation
    "audit.search": ("GET", "/audit", "403 403 403 200 403 403 200 302"),
    "audit.export": ("GET", "/audit/export.csv", "403 403 403 200 403 403 200 302"),
    "audit.client_overview": ("GET", "/audit/cases/{case}", "403 403 403 200 403 403 200 302"),
    "audit.client_export_csv": ("GET", "/audit/cases/{case}/export.csv", "403 403 403 200 403 403 200 302"),
    "audit.client_export_json": (
        "GET",
        "/audit/cases/{case}/export.json",
        "403 403 403 200 403 403 200 302",
    ),
    # incidents: failing timers and errored instances, for the administrator of the organisation only
    "incidents.index": ("GET", "/beheer/incidenten", "403 403 403 403 403 403 200 302"),
    "incidents.retry": ("POST", "/beheer/incidenten/{instance}/opnieuw", "403 403 403 403 403 403 302 302"),
    "incidents.cancel": (
        "POST",
        "/beheer/incidenten/{instance}/annuleren",
        "403 403 403 403 403 403 302 302",
    ),
    # one's own account (the token belongs to the professional)
    "account.tokens": ("GET", "/account/tokens", "200 200 200 200 200 200 200 302"),
    "account.create": ("POST", "/account/tokens", "422 422 422 422 422 422 422 302"),
    "account.revoke": ("POST", "/account/tokens/{token}/revoke", "302 403 403 403 403 403 403 302"),
    "password.change": ("GET", "/account/password", "200 200 200 200 200 200 200 302"),
    "password.save": ("POST", "/account/password", "422 422 422 422 422 422 422 302"),
    "two_factor.setup": ("GET", "/account/2fa", "200 200 200 200 200 200 200 302"),
    "two_factor.confirm": ("POST", "/account/2fa", "302 302 302 302 302 302 302 302"),
    "two_factor.disable": ("POST", "/account/2fa/disable", "422 422 422 422 422 422 422 302"),
    "i18n.change_language": ("POST", "/account/language", "400 400 400 400 400 400 400 302"),
    # signing in and out
    "auth.login": ("GET", "/login", "200 200 200 200 200 200 200 200"),
    "two_factor.code": ("GET", "/login/code", "302 302 302 302 302 302 302 302"),
    "oidc.start": ("POST", "/login/oidc", "404 404 404 404 404 404 404 404"),  # no provider configured
    "oidc.callback": ("GET", "/login/oidc/callback", "404 404 404 404 404 404 404 404"),
    "auth.logout": ("POST", "/logout", "302 302 302 302 302 302 302 302"),
    "auth.logout_everywhere": ("POST", "/logout/everywhere", "302 302 302 302 302 302 302 302"),
    # the API, with each person's own token
    "api.openapi_document": ("GET", "/api/v1/openapi.json", "200 200 200 200 200 200 200 200"),
    "api.inbox": ("GET", "/api/v1/tasks", "200 200 200 200 200 200 200 401"),
    "api.task": ("GET", "/api/v1/tasks/{task}", "200 200 403 403 403 403 403 401"),
    "api.complete": ("POST", "/api/v1/tasks/{task}/complete", "422 422 403 403 403 403 403 401"),
    "api.save_draft": ("PUT", "/api/v1/tasks/{task}/draft", "200 200 403 403 403 403 403 401"),
    "api.processes": ("GET", "/api/v1/processes", "200 200 200 200 200 200 200 401"),
    "api.start": ("POST", "/api/v1/processes/{process}/instances", "201 201 403 403 403 403 403 401"),
    "api.instance": ("GET", "/api/v1/instances/{instance}", "200 200 200 200 403 403 403 401"),
    # the studio's modeler: process owners and administrators ("{process}.bpmn" is demo_subject_request.bpmn;
    # a save without a diagram: 422)
    "studio.modeler": ("GET", "/studio/diagrams/{process}.bpmn", "403 403 403 403 200 403 200 302"),
    "studio.modeler_xml": ("GET", "/studio/diagrams/{process}.bpmn/xml", "403 403 403 403 200 403 200 302"),
    "studio.modeler_save": ("POST", "/studio/diagrams/{process}.bpmn", "403 403 403 403 422 403 422 302"),
    "studio.modeler_forms": ("GET", "/studio/forms.json", "403 403 403 403 200 403 200 302"),
    # the studio's form editor: process owners and administrators (posts without a schema or name: 422);
    # "{kind}_registration" is the form case_registration.schema.json
    "studio.forms": ("GET", "/studio/forms", "403 403 403 403 200 403 200 302"),
    "studio.form_create": ("POST", "/studio/forms", "403 403 403 403 422 403 422 302"),
    "studio.form_edit": (
        "GET",
        "/studio/forms/{kind}_registration.schema.json",
        "403 403 403 403 200 403 200 302",
    ),
    "studio.form_save": (
        "POST",
        "/studio/forms/{kind}_registration.schema.json",
        "403 403 403 403 422 403 422 302",
    ),
    "studio.form_preview": (
        "POST",
        "/studio/forms/{kind}_registration.schema.json/preview",
        "403 403 403 403 422 403 422 302",
    ),
    # the studio's test-run: process owners and administrators (a start without a moment: 422); a run is
    # its starter's only, and "{message}" names no run (nor task): 404 with a Dutch message
    "studio.test_run_new": (
        "GET",
        "/studio/diagrams/{process}/test-run",
        "403 403 403 403 200 403 200 302",
    ),
    "studio.test_run_start": (
        "POST",
        "/studio/diagrams/{process}/test-run",
        "403 403 403 403 422 403 422 302",
    ),
    "studio.test_run_show": ("GET", "/studio/test-runs/{message}", "403 403 403 403 404 403 404 302"),
    "studio.test_run_diagram": (
        "GET",
        "/studio/test-runs/{message}/diagram.bpmn",
        "403 403 403 403 404 403 404 302",
    ),
    "studio.test_run_marks": (
        "GET",
        "/studio/test-runs/{message}/marks.json",
        "403 403 403 403 404 403 404 302",
    ),
    "studio.test_run_complete": (
        "POST",
        "/studio/test-runs/{message}/tasks/{message}",
        "403 403 403 403 404 403 404 302",
    ),
    "studio.test_run_advance": (
        "POST",
        "/studio/test-runs/{message}/advance",
        "403 403 403 403 404 403 404 302",
    ),
    "studio.test_run_restart": (
        "POST",
        "/studio/test-runs/{message}/restart",
        "403 403 403 403 404 403 404 302",
    ),
    # the studio's import and export: process owners and administrators (an upload without a file: 422)
    "studio.download": ("GET", "/studio/diagrams/{process}.bpmn/download", "403 403 403 403 200 403 200 302"),
    "studio.import_form": ("GET", "/studio/import", "403 403 403 403 200 403 200 302"),
    "studio.import_upload": ("POST", "/studio/import", "403 403 403 403 422 403 422 302"),
    "studio.import_report": ("GET", "/studio/import/{process}.bpmn", "403 403 403 403 200 403 200 302"),
    "studio.import_marks": (
        "GET",
        "/studio/import/{process}.bpmn/marks.json",
        "403 403 403 403 200 403 200 302",
    ),
    # the studio's process list, versions, check, deploy and diff: process owners and administrators (a check
    # without a diagram: 400; deploying the unchanged demo: 302 back to its versions)
    "studio.index": ("GET", "/studio", "403 403 403 403 200 403 200 302"),
    "studio.check_all": ("GET", "/studio/check", "403 403 403 403 200 403 200 302"),
    "studio.process": ("GET", "/studio/processes/{process}", "403 403 403 403 200 403 200 302"),
    "studio.check_diagram_json": (
        "POST",
        "/studio/diagrams/{process}/check",
        "403 403 403 403 400 403 400 302",
    ),
    "studio.deploy": ("POST", "/studio/diagrams/{process}/deploy", "403 403 403 403 302 403 302 302"),
    "studio.version_bpmn": (
        "GET",
        "/studio/processes/{process}/versions/{version}.bpmn",
        "403 403 403 403 200 403 200 302",
    ),
    "studio.diff": ("GET", "/studio/processes/{process}/diff", "403 403 403 403 200 403 200 302"),
    "studio.diff_marks": (
        "GET",
        "/studio/processes/{process}/diff/marks.json",
        "403 403 403 403 200 403 200 302",
    ),
    # the dashboard of open, due and overdue work and the lists behind its numbers: managers only
    "reports.dashboard": ("GET", "/rapportages/", "403 403 403 403 403 200 403 302"),
    "reports.tasks": ("GET", "/rapportages/taken", "403 403 403 403 403 200 403 302"),
    "reports.instances": ("GET", "/rapportages/zaken", "403 403 403 403 403 200 403 302"),
    # deadline compliance and lead times: managers of their own organisations only
    "reports.compliance": ("GET", "/rapportages/termijnen", "403 403 403 403 403 200 403 302"),
    "reports.deadlines": ("GET", "/rapportages/termijnen/lijst", "403 403 403 403 403 200 403 302"),
    "reports.lead_times": ("GET", "/rapportages/doorlooptijden", "403 403 403 403 403 200 403 302"),
    # anonymised policy statistics: managers and the FG (an export without format and purpose: 422); the
    # export log: the FG (every export) and managers (their own)
    "reports.policy": ("GET", "/rapportages/beleid", "403 403 403 200 403 200 403 302"),
    "reports.policy_export": ("POST", "/rapportages/beleid/export", "403 403 403 422 403 422 403 302"),
    "reports.export_log": ("GET", "/rapportages/exportlog", "403 403 403 200 403 200 403 302"),
}

# What the API's state-changing calls send: a well-formed body, so that the access rule decides.
API_BODIES: dict[str, dict[str, Any]] = {
    "api.complete": {"gegevens": {}},
    "api.save_draft": {"gegevens": {}},
    "api.start": {},
}


def _rules() -> dict[str, tuple[str, str]]:
    """endpoint -> (the method the matrix uses, the rule) for every route of the app."""
    app = create_app({"env": "test", "WTF_CSRF_ENABLED": False})
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        found[rule.endpoint] = ("GET" if "GET" in methods else methods[0], rule.rule)
    return found


def test_every_route_has_a_row() -> None:
    rules = _rules()
    missing = sorted(set(rules) - set(MATRIX))
    assert not missing, f"routes without a row in the access matrix: {missing}"
    assert sorted(set(MATRIX) - set(rules)) == [], "rows for routes that no longer exist"
    for endpoint, (method, rule) in rules.items():
        assert MATRIX[endpoint][0] == method, endpoint
        placeholders = rule.count("<")
        assert MATRIX[endpoint][1].count("{") == placeholders, (endpoint, rule)
        assert len(MATRIX[endpoint][2].split()) == len(ROLES), endpoint


def _request(site: SeededSite, endpoint: str, role: str) -> TestResponse:
    method, address, _ = MATRIX[endpoint]
    username = ROLE_USERS[role]
    url = site.ids.fill(address)
    if endpoint.startswith("api."):
        headers = {"Authorization": f"Bearer {site.ids.secrets[username]}"} if username else {}
        body = API_BODIES.get(endpoint)
        return site.client(None).open(url, method=method, headers=headers, json=body)
    return site.client(username).open(url, method=method)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_each_role_gets_the_answer_of_the_matrix(
    endpoint: str,
    seeded: SeededSite,  # noqa: F811
) -> None:
    method, _, expected = MATRIX[endpoint]
    answers = []
    for role in ROLES:
        # A GET leaves the case as it was; before every other request the seed is put back.
        if method != "GET":
            seeded.reset()
        answers.append(str(_request(seeded, endpoint, role).status_code))
    assert " ".join(answers) == expected, dict(zip(ROLES, answers, strict=True))


def test_a_refusal_never_shows_the_case_data(seeded: SeededSite) -> None:  # noqa: F811
    """Where the matrix says 403, the page carries the refusal, not the case: no task names, no data."""
    for role in ("process_owner", "manager", "admin"):
        client = seeded.client(ROLE_USERS[role])
        for address in ("/cases/{case}", "/instances/{instance}", "/tasks/{task}"):
            body = client.get(seeded.ids.fill(address)).get_data(as_text=True)
            assert "Geen toegang" in body
            for secret in ("Graag inzage in mijn dossier", "Besluit", "Verzoek registreren"):
                assert secret not in body, (role, address, secret)
