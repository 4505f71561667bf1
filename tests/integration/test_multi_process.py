"""``make run-postgres`` for real: gunicorn with two web processes and two ``ketenflow worker`` processes.

A demo user signs in over HTTP, starts a small procedure and completes its first task through the form (with
the CSRF token of each page). A 4-second timer follows; a timer worker fires it (the ``timer.fired`` audit
event is written by the worker path only) and the next task appears in the user's inbox. Then SIGTERM to the
supervisor stops every process it started.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.integration.real_processes import (
    free_port,
    own_database_url,
    processes_in_session,
    recreate_database,
    wait_for,
)
from webapp.config import PROJECT_ROOT
from webapp.persistence.db import Database
from webapp.persistence.models import AuditEvent, Job

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="wait_and_follow_up" name="Wachttijdproef" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_professional" name="Professional">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>register</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wait</bpmn:flowNodeRef><bpmn:flowNodeRef>follow_up</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="register" name="Verzoek registreren">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="demo_request_intake.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait" name="Wachttijd">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT4S"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="follow_up" name="Na de wachttijd opvolgen">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="demo_escalation.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="register" />
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="wait" />
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="follow_up" />
    <bpmn:sequenceFlow id="f4" sourceRef="follow_up" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
START_FORM = re.compile(r'action="/processes/wait_and_follow_up/start">(.*?)</form>', re.DOTALL)
ORGANISATION = re.compile(r'name="organisation_id" value="(\d+)"')
TASK_ADDRESS = re.compile(r"/tasks/(\d+)$")
FOLLOW_UP = "Na de wachttijd opvolgen"
BOOT_SECONDS = 120  # migrations, seeding and deploying on a busy two-core machine


@dataclass
class Running:
    base: str
    supervisor: subprocess.Popen[bytes]
    log: Path
    database: Database


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    url = own_database_url()
    recreate_database(url)
    port = free_port()
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "wait_and_follow_up.bpmn").write_text(DIAGRAM, encoding="utf-8")
    env = dict(
        os.environ,
        KETENFLOW_DATABASE_URL=url,
        KETENFLOW_HOST="127.0.0.1",
        KETENFLOW_PORT=str(port),
        KETENFLOW_PROCESSES_DIR=str(processes),
        KETENFLOW_WEB_WORKERS="2",
        KETENFLOW_TIMER_WORKERS="2",
        KETENFLOW_TIMER_POLL_SECONDS="0.2",
        KETENFLOW_MAIL_TRANSPORT="file",
        KETENFLOW_MAIL_DIR=str(tmp_path / "mail"),
        KETENFLOW_TOTP_REQUIRED_ROLES="",  # the demo FG signs in with the password, as with make run
    )
    log = tmp_path / "run_postgres.log"
    with log.open("wb") as output:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "webapp.run_postgres"],
            env=env,
            stdout=output,
            stderr=output,
            cwd=PROJECT_ROOT,
            start_new_session=True,  # its session holds every process it starts, to check they all stop
        )
    database = Database(url)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base, supervisor, log), BOOT_SECONDS, "gunicorn answers /login")
        yield Running(base, supervisor, log, database)
    finally:
        database.dispose()
        if supervisor.poll() is None:  # the test failed before it stopped the processes itself
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()


def _answers(base: str, supervisor: subprocess.Popen[bytes], log: Path) -> bool:
    if supervisor.poll() is not None:
        pytest.fail(
            f"run_postgres stopped with exit code {supervisor.returncode}:\n{log.read_text()[-3000:]}"
        )
    try:
        return requests.get(f"{base}/login", timeout=10).status_code == 200
    except requests.ConnectionError:
        return False


def _csrf(page: requests.Response) -> str:
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {page.url} ({page.status_code})"
    return found.group(1)


def _sign_in(base: str, username: str) -> requests.Session:
    client = requests.Session()
    token = _csrf(client.get(f"{base}/login", timeout=30))
    form = {"username": username, "password": "ketenflow-demo", "csrf_token": token}
    answer = client.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303), f"{username} could not sign in: {answer.status_code}"
    return client


def _task_id(answer: requests.Response) -> int:
    assert answer.status_code in (302, 303), answer.text[:2000]
    found = TASK_ADDRESS.search(answer.headers["Location"])
    assert found, f"not sent to a task: {answer.headers['Location']}"
    return int(found.group(1))


def test_web_processes_and_timer_workers_work_together_and_stop_together(running: Running) -> None:
    base = running.base
    session_id = running.supervisor.pid  # start_new_session: the supervisor leads its own session
    # The supervisor, the gunicorn master with its two web workers and the two timer workers.
    # gunicorn answers as soon as its first web worker runs: the others may still be starting.
    wait_for(lambda: len(processes_in_session(session_id)) == 6, 30, "all six processes running")

    professional = _sign_in(base, "hulpverlener")
    start_page = professional.get(f"{base}/processes", timeout=30)
    start_form = START_FORM.search(start_page.text)
    assert start_form, "the procedure is not offered to start"
    organisation = ORGANISATION.search(start_form.group(1))
    assert organisation
    started = professional.post(
        f"{base}/processes/wait_and_follow_up/start",
        data={"organisation_id": organisation.group(1), "csrf_token": _csrf(start_page)},
        allow_redirects=False,
        timeout=30,
    )
    register_task = _task_id(started)

    form_page = professional.get(f"{base}/tasks/{register_task}", timeout=30)
    assert form_page.status_code == 200
    registered = professional.post(
        f"{base}/tasks/{register_task}",
        data={
            "ontvangen_op": date.today().isoformat(),
            "recht": "inzage",
            "kanaal": "brief",
            "omschrijving": "Verzoek om inzage in het dossier.",
            "csrf_token": _csrf(form_page),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert registered.status_code in (302, 303), registered.text[:2000]  # a refused form answers 422

    assert FOLLOW_UP not in professional.get(f"{base}/inbox", timeout=30).text  # the timer still waits
    wait_for(lambda: FOLLOW_UP in professional.get(f"{base}/inbox", timeout=30).text, 60, "the next task")
    with running.database.read() as session:
        fired = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "timer.fired")
        )
        locked = session.scalar(select(func.count()).select_from(Job).where(Job.locked_by.is_not(None)))
    assert fired == 1  # audited by the worker path (services/timers.fire_job), so a worker fired it
    assert locked == 0

    running.supervisor.send_signal(signal.SIGTERM)
    assert running.supervisor.wait(timeout=60) == 0
    assert processes_in_session(session_id) == []
    output = running.log.read_text()
    assert "alle processen van Ketenflow zijn gestopt" in output
    assert "Traceback" not in output
