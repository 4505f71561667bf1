"""The process owner's journey in the studio, in Chromium (issue 6): add a user task with a form and a
timer to the demo diagram, check it and see the problem pinned on the timer, fix it, save, test-run it on
a simulated clock, deploy it — and a case started before keeps its version while a new case runs on the
new one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.journeys import sign_in_as
from tests.browser.test_studio_modeler import open_modeler
from tests.browser.test_studio_modeler import select as select_element
from tests.factories import home_organisation, login
from webapp.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from webapp.services import tasks
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process

pytestmark = pytest.mark.browser

DEMO = "demo_subject_request"
INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "kanaal": "e-mail", "omschrijving": "Inzage."}
NEW_TASK = "Tweede lezing"


def insert_task_with_timer(page: Page) -> tuple[str, str]:
    """Through bpmn-js's modeling API (the palette is drag and drop): a user task between registering and
    deciding, with a non-interrupting timer on it that leads to an end event. Returns (task id, timer id)."""
    ids = page.evaluate(
        """() => {
          const m = window.kfModeler, registry = m.get('elementRegistry'), modeling = m.get('modeling');
          const factory = m.get('elementFactory');
          const pool = registry.get('participant_demo_subject_request');
          const register = registry.get('register_request'), decide = registry.get('decide_request');
          const task = modeling.createShape({type: 'bpmn:UserTask'},
            {x: register.x + register.width / 2, y: register.y + register.height + 90}, pool);
          modeling.reconnectEnd(registry.get('flow_register_to_decide'), task,
            {x: task.x, y: task.y + task.height / 2});
          modeling.connect(task, decide);
          const timerShape = factory.createShape({type: 'bpmn:BoundaryEvent',
            eventDefinitionType: 'bpmn:TimerEventDefinition'});
          const timer = modeling.createShape(timerShape, {x: task.x + task.width, y: task.y + task.height},
            task, {attach: true});
          modeling.updateProperties(timer, {cancelActivity: false});
          const end = modeling.createShape({type: 'bpmn:EndEvent'},
            {x: task.x + task.width + 80, y: task.y + task.height + 60}, pool);
          modeling.connect(timer, end);
          return [task.id, timer.id];
        }"""
    )
    return str(ids[0]), str(ids[1])


def test_edit_check_fix_test_run_and_deploy_while_an_old_case_keeps_its_version(
    page: Page, ctx: ServiceContext, artifacts: Path, browser_problems: list[str]
) -> None:
    sanne = login(ctx, "hulpverlener")
    old_case = start_process(ctx, sanne, DEMO, home_organisation(sanne))

    sign_in_as(page, "procesbeheer")
    open_modeler(page, f"{DEMO}.bpmn")
    panel = page.get_by_role("region", name="Eigenschappen")
    task, timer = insert_task_with_timer(page)

    select_element(page, task)
    panel.get_by_label("Naam").fill(NEW_TASK)
    panel.get_by_label("Naam").press("Tab")
    panel.get_by_label("Formulier").select_option("demo_escalation.schema.json")

    select_element(page, timer)
    panel.get_by_label("Soort timer").select_option("timeDuration")
    panel.get_by_label("Timer-expressie").fill("P3D")  # unquoted: the check must pin this on the timer
    panel.get_by_label("Timer-expressie").press("Enter")
    page.get_by_role("button", name="Controleren").click()
    problems = page.get_by_role("region", name="Controle")
    expect(problems.get_by_role("listitem").first).to_contain_text("moet tussen aanhalingstekens staan")
    expect(page.locator(f"#kf-modeler [data-element-id='{timer}']").first).to_have_class(
        re.compile(r"\bkf-problem\b")
    )
    page.screenshot(path=artifacts / "studio-check.png", full_page=True)

    panel.get_by_label("Timer-expressie").fill('"P3D"')
    panel.get_by_label("Timer-expressie").press("Enter")
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("status")).to_have_text(
        "Geen problemen gevonden: het diagram kan worden uitgerold."
    )
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#kf-modeler")).to_have_attribute("data-dirty", "false")

    # Test-run on a simulated clock: the intake leads to the new task, whose timer waits three days.
    page.goto(f"/studio/diagrams/{DEMO}/test-run")
    page.get_by_label("Gesimuleerd beginmoment").fill("2026-11-02T09:00")
    page.get_by_role("button", name="Testrun beginnen").click()
    page.get_by_label("Ontvangen op").fill("2026-11-02")
    right = page.locator("[name=recht]").first
    if right.evaluate("e => e.tagName") == "SELECT":
        right.select_option("inzage")
    else:
        page.locator("input[name=recht][value=inzage]").check()
    page.locator("[name=omschrijving]").fill("Inzage in het eigen dossier.")
    page.get_by_role("button", name="Taak afronden in de testrun").click()
    expect(page.get_by_role("heading", name=f"Invullen: {NEW_TASK}")).to_be_visible()
    waiting = page.get_by_role("region", name="Wachtende termijnen")
    expect(waiting).to_contain_text("05-11-2026 09:00")
    page.screenshot(path=artifacts / "studio-test-run.png", full_page=True)

    # Deploy: a new version; the case started before stays on version 1.
    page.goto(f"/studio/processes/{DEMO}")
    page.get_by_role("button", name="Nieuwe versie uitrollen").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text("2")

    with ctx.db.read() as session:
        versions = dict(
            session.execute(
                select(ProcessDefinition.id, ProcessDefinition.version).where(
                    ProcessDefinition.process_id == DEMO
                )
            ).all()
        )
        old_version = versions[session.get_one(ProcessInstance, old_case.instance_id).definition_id]
    assert sorted(versions.values()) == [1, 2] and old_version == 1
    old_next = tasks.complete_task(ctx, sanne, old_case.next_task_id or 0, INTAKE).next_task_id
    new_case = start_process(ctx, sanne, DEMO, home_organisation(sanne))
    new_next = tasks.complete_task(ctx, sanne, new_case.next_task_id or 0, INTAKE).next_task_id
    with ctx.db.read() as session:
        assert session.get_one(HumanTask, old_next).name == "Identiteit controleren en beslissen"
        assert session.get_one(HumanTask, new_next).name == NEW_TASK
        new_definition = session.get_one(ProcessInstance, new_case.instance_id).definition_id
    assert versions[new_definition] == 2
    assert browser_problems == []
