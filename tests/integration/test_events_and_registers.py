"""Events raised on a running case, legal rules and registers, on a small diagram made for the test."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.factories import home_organisation, login, make_context
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid, TaskNotReady
from webapp.domain.legal_rules.registry import RULES, rule
from webapp.domain.register_specs import REGISTERS, RegisterField, RegisterSpec
from webapp.domain.roles import Role
from webapp.persistence.db import Database
from webapp.services import events, instances, registers, tasks
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:message id="m1" name="proef_ingetrokken" />
  <bpmn:process id="proef" name="Proef" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Professional">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>vastleggen</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>wachten</bpmn:flowNodeRef><bpmn:flowNodeRef>ingetrokken</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>intrekking</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="vastleggen" name="Vastleggen">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="proef.schema.json" />
        <spiffworkflow:property name="legalRules" value="proef.leeftijd" />
        <spiffworkflow:property name="register" value="proef" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="wachten" name="Lopend">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="ingetrokken" name="Proef ingetrokken" attachedToRef="wachten">
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:messageEventDefinition messageRef="m1" />
    </bpmn:boundaryEvent>
    <bpmn:userTask id="intrekking" name="Intrekking vastleggen">
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="vastleggen" />
    <bpmn:sequenceFlow id="f2" sourceRef="vastleggen" targetRef="wachten" />
    <bpmn:sequenceFlow id="f3" sourceRef="wachten" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="ingetrokken" targetRef="intrekking" />
    <bpmn:sequenceFlow id="f5" sourceRef="intrekking" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

FORM = """{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
 "properties": {"leeftijd": {"type": "integer", "title": "Leeftijd"}, "naam": {"type": "string", "title": "Naam"}},
 "required": ["leeftijd"]}"""


def _leeftijd(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
    return {"leeftijd": "Proefregel: onder 12 jaar mag dit niet."} if answers.get("leeftijd", 0) < 12 else {}


@pytest.fixture
def proef(
    database: Database, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServiceContext]:
    processes, forms = tmp_path / "processes", tmp_path / "forms"
    processes.mkdir()
    forms.mkdir()
    (processes / "proef.bpmn").write_text(DIAGRAM, encoding="utf-8")
    (forms / "proef.schema.json").write_text(FORM, encoding="utf-8")
    monkeypatch.setitem(RULES, "proef.leeftijd", _leeftijd)
    spec = RegisterSpec(
        "proef",
        "Proefregister",
        (RegisterField("leeftijd", "Leeftijd"),),
        frozenset({Role.FG}),
        list_fields=("leeftijd",),
    )
    monkeypatch.setitem(REGISTERS, "proef", spec)
    ctx = make_context(database, clock, processes)
    ctx.forms_dir = str(forms)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    yield ctx


def _started(ctx: ServiceContext) -> tuple[int, int]:
    sanne = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, sanne, "proef", home_organisation(sanne))
    assert started.next_task_id is not None
    return started.instance_id, started.next_task_id


def test_a_legal_rule_refuses_with_its_message_and_the_task_stays_open(proef: ServiceContext) -> None:
    _, task_id = _started(proef)
    with pytest.raises(FormInvalid) as refused:
        tasks.complete_task(proef, login(proef, "hulpverlener"), task_id, {"leeftijd": 11})
    assert refused.value.errors == {"leeftijd": "Proefregel: onder 12 jaar mag dit niet."}
    assert tasks.open_task(proef, login(proef, "hulpverlener"), task_id).task.state == "open"


def test_a_register_keeps_only_its_fields_and_is_read_by_its_roles(proef: ServiceContext) -> None:
    instance_id, task_id = _started(proef)
    tasks.complete_task(proef, login(proef, "hulpverlener"), task_id, {"leeftijd": 14, "naam": "Jan Jansen"})
    view = registers.list_register(proef, login(proef, "fg"), "proef")
    (entry,) = view.entries
    assert (entry.instance_id, entry.fields, entry.closed_at) == (instance_id, {"leeftijd": 14}, None)
    assert view.columns == [("leeftijd", "Leeftijd")]
    assert registers.view_register_entry(proef, login(proef, "fg"), "proef", entry.id).fields == {
        "leeftijd": 14
    }
    with pytest.raises(AccessDenied):
        registers.list_register(proef, login(proef, "hulpverlener"), "proef")
    with pytest.raises(AccessDenied):
        registers.view_register_entry(proef, login(proef, "fg.rubicon"), "proef", entry.id)


def test_an_event_on_a_running_case_is_offered_to_the_lane_role_and_moves_the_case(
    proef: ServiceContext,
) -> None:
    instance_id, task_id = _started(proef)
    sanne = login(proef, "hulpverlener")
    assert events.list_instance_actions(proef, sanne, instance_id) == []
    tasks.complete_task(proef, sanne, task_id, {"leeftijd": 14})
    (action,) = events.list_instance_actions(proef, sanne, instance_id)
    assert (action.message_name, action.label) == ("proef_ingetrokken", "Proef ingetrokken")
    assert events.list_instance_actions(proef, login(proef, "fg"), instance_id) == []
    with pytest.raises(AccessDenied):
        events.trigger_event(proef, login(proef, "rubicon"), instance_id, "proef_ingetrokken")

    result = events.trigger_event(proef, sanne, instance_id, "proef_ingetrokken")

    assert result.next_task_id is not None
    assert tasks.open_task(proef, sanne, result.next_task_id).task.name == "Intrekking vastleggen"
    assert [t.name for t in tasks.list_inbox(proef, sanne)] == ["Intrekking vastleggen"]
    with pytest.raises(TaskNotReady):
        events.trigger_event(proef, sanne, instance_id, "proef_ingetrokken")
    tasks.complete_task(proef, sanne, result.next_task_id, {})
    (entry,) = registers.list_register(proef, login(proef, "fg"), "proef").entries
    assert entry.closed_at is not None  # the instance ended


def test_rule_ids_are_registered_once() -> None:
    with pytest.raises(ValueError, match="twice"):
        rule("proef.dubbel")(_leeftijd)
        rule("proef.dubbel")(_leeftijd)
    RULES.pop("proef.dubbel", None)
