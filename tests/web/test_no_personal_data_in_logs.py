"""BIO 12.4.1.1 / NEN 7513: application logs hold no personal data and nothing that breaks security.

A journey with distinctive values (a client's name and birth date, a comment, a completion, a wrong
password, an API token) runs with every logger at DEBUG; no record may carry any of those values, in its
message, its arguments, its extra fields or its traceback."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from tests.factories import login
from tests.processes import test_case_intake as intake
from tests.web.conftest import Site
from webapp.config import DEV_SECRET
from webapp.domain.clock import ManualClock
from webapp.services.instances import view_instance
from webapp.services.timers import fire_due_timers
from webapp.services.tokens import create_token

NAME = "Ysolde Vermeulen-Baptiste"
BIRTH_DATE = "2009-04-23"
COMMENT = "Oma van Ysolde belde over KFLOG-5d2e91."
WRONG_PASSWORD = "Kf-Verkeerd-Wachtwoord-7731"


def everything_in(record: logging.LogRecord) -> str:
    """The message, its arguments, the extra fields and any traceback of a record, as text."""
    parts = [record.getMessage(), repr(record.args), repr(vars(record))]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: every library logger that propagates
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        if not logger.propagate:  # those that do not propagate are caught where they are
            logger.addHandler(caplog.handler)
            logger.setLevel(logging.DEBUG)
    return caplog


def test_a_journey_leaves_no_personal_value_password_token_or_secret_in_any_log_record(
    site: Site, clock: ManualClock, every_logger_at_debug: pytest.LogCaptureFixture
) -> None:
    ctx = site.ctx
    sanne = login(ctx, "hulpverlener")
    # intake with a name and a birth date, completed through the services the pages call
    instance_id = intake.register(ctx, sanne)
    participants = {**intake.PARTICIPANTS, "client_naam": NAME, "client_geboortedatum": BIRTH_DATE}
    intake.do(ctx, sanne, instance_id, intake.PARTICIPANTS_TASK, participants)
    intake.give_consent(ctx, sanne, instance_id, gegeven_door=[{"rol": "betrokkene", "naam": NAME}])
    reference = view_instance(ctx, sanne, instance_id).case_reference
    assert reference is not None
    # a comment and a page read through the web, then the timers fire a month later
    client = site.client("hulpverlener")
    assert client.post(f"/cases/{reference}/comments", data={"body": COMMENT}).status_code in (200, 302)
    assert client.get(f"/cases/{reference}").status_code == 200
    clock.advance(timedelta(days=30))
    fire_due_timers(ctx, "log-test")
    # a wrong password, and an API call with a token and with a made-up one
    anonymous = site.app.test_client()
    refused = anonymous.post("/login", data={"username": "hulpverlener", "password": WRONG_PASSWORD})
    assert refused.status_code in (200, 401)
    token = create_token(ctx, sanne, "logtest", date(2027, 1, 31)).secret
    api = site.app.test_client()
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}x"}).status_code == 401

    records = every_logger_at_debug.records
    assert any(r.name.startswith("spiff") for r in records), "the engine logs (else this proves nothing)"
    assert_clean(records, token)


def test_case_data_stays_out_even_when_the_engine_logger_is_turned_to_debug(
    site: Site, every_logger_at_debug: pytest.LogCaptureFixture
) -> None:
    engine_log = logging.getLogger("spiff.task")
    engine_log.setLevel(logging.DEBUG)  # an operator chasing a problem
    try:
        sanne = login(site.ctx, "hulpverlener")
        instance_id = intake.register(site.ctx, sanne)
        participants = {**intake.PARTICIPANTS, "client_naam": NAME, "client_geboortedatum": BIRTH_DATE}
        intake.do(site.ctx, sanne, instance_id, intake.PARTICIPANTS_TASK, participants)
    finally:
        engine_log.setLevel(logging.INFO)
    records = every_logger_at_debug.records
    assert any(r.name == "spiff.task" and r.levelno == logging.DEBUG for r in records)
    assert_clean(records)


def assert_clean(records: list[logging.LogRecord], token: str | None = None) -> None:
    forbidden = {
        NAME: "client name",
        "Vermeulen": "part of the client name",
        BIRTH_DATE: "birth date",
        "23-04-2009": "birth date as shown",
        "KFLOG-5d2e91": "comment text",
        WRONG_PASSWORD: "password",
        "ketenflow-demo": "demo password",
        DEV_SECRET: "application secret",
    }
    if token:
        forbidden |= {token: "API token", token[:24]: "start of the API token"}
    for record in records:
        text = everything_in(record)
        for value, what in forbidden.items():
            assert value not in text, f"{what} in a log record of {record.name}: {record.getMessage()[:200]}"
