"""A small diagram made for tests: a legal rule, a register and an event on a running case."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_context
from webapp.domain.clock import ManualClock
from webapp.domain.legal_rules.registry import RULES
from webapp.domain.register_specs import REGISTERS, RegisterField, RegisterSpec
from webapp.domain.roles import Role
from webapp.persistence.db import Database
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
 "properties": {"leeftijd": {"type": "integer", "title": "Leeftijd"},
                "naam": {"type": "string", "title": "Naam"}},
 "required": ["leeftijd"]}"""


def leeftijd_rule(answers: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, str]:
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
    monkeypatch.setitem(RULES, "proef.leeftijd", leeftijd_rule)
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
