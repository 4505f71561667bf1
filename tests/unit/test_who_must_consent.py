"""The decision table who_must_consent (processes/who_must_consent.dmn), run by the engine on every age
boundary, both kinds of authority and (in)competence; the signatories rule on its outputs; and the consent
diagram as a called process."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from tests.factories import START
from webapp.config import PROJECT_ROOT
from webapp.domain.clock import ManualClock
from webapp.domain.legal_rules.consent import signatories
from webapp.engine.catalogue import build_specs
from webapp.engine.clock import engine_time
from webapp.engine.scripting import make_script_engine

PROCESSES = PROJECT_ROOT / "processes"
DMN = {"who_must_consent.dmn": (PROCESSES / "who_must_consent.dmn").read_text("utf-8")}
OUTPUTS = (
    "toestemming_regel",
    "toestemming_betrokkene_vereist",
    "toestemming_vertegenwoordigers_vereist",
    "toestemming_door",
)
DECIDE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="decide" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="table">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>who_must_consent</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="table" />
    <bpmn:sequenceFlow id="f2" sourceRef="table" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def _workflow(data: dict[str, Any]) -> BpmnWorkflow:
    spec, subprocesses = build_specs("decide", {"decide.bpmn": DECIDE}, DMN)
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=make_script_engine())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    return workflow


def _decide(**data: Any) -> tuple[Any, ...]:
    workflow = _workflow(data)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    return tuple(workflow.data[name] for name in OUTPUTS)


PARENTS_BOTH = ("ouders", False, 2, "Beide ouders met gezamenlijk gezag")
PARENT_ONE = ("ouders", False, 1, "De ouder met gezag of de voogd")
DOUBLE_BOTH = ("dubbel", True, 2, "De jeugdige en beide ouders met gezag")
DOUBLE_ONE = ("dubbel", True, 1, "De jeugdige en de ouder met gezag of de voogd")
SELF = ("betrokkene", True, 0, "De betrokkene zelf")
REPRESENTED_BOTH = ("vertegenwoordigers", False, 2, "Beide ouders met gezag (betrokkene niet wilsbekwaam)")
REPRESENTED_ONE = (
    "vertegenwoordigers",
    False,
    1,
    "De wettelijk vertegenwoordiger (betrokkene niet wilsbekwaam)",
)


@pytest.mark.parametrize(
    ("leeftijd", "gezag", "wilsbekwaam", "expected"),
    [
        (0, "gezamenlijk", None, PARENTS_BOTH),
        (11, "gezamenlijk", None, PARENTS_BOTH),
        (11, "gezamenlijk", False, PARENTS_BOTH),  # under 12 the parents decide, competent or not
        (11, "eenhoofdig", None, PARENT_ONE),
        (11, "voogd", True, PARENT_ONE),
        (12, "gezamenlijk", True, DOUBLE_BOTH),
        (12, "eenhoofdig", True, DOUBLE_ONE),
        (15, "gezamenlijk", True, DOUBLE_BOTH),
        (15, "voogd", True, DOUBLE_ONE),
        (12, "gezamenlijk", False, REPRESENTED_BOTH),
        (15, "eenhoofdig", False, REPRESENTED_ONE),
        (16, "gezamenlijk", True, SELF),
        (16, None, True, SELF),  # from 16 the authority is not asked
        (17, "eenhoofdig", True, SELF),
        (16, "gezamenlijk", False, REPRESENTED_BOTH),
        (16, "eenhoofdig", False, REPRESENTED_ONE),
        (45, "vertegenwoordiger", False, REPRESENTED_ONE),
        (45, None, True, SELF),
    ],
)
def test_who_must_consent_on_every_boundary(
    leeftijd: int, gezag: str | None, wilsbekwaam: bool | None, expected: tuple[Any, ...]
) -> None:
    data: dict[str, Any] = {"leeftijd": leeftijd}
    if gezag is not None:
        data["gezag"] = gezag
    if wilsbekwaam is not None:
        data["wilsbekwaam"] = wilsbekwaam
    assert _decide(**data) == expected


def test_every_combination_matches_exactly_one_rule() -> None:
    """The hit policy is UNIQUE: the rules may not overlap and must leave no combination out."""
    ages = (0, 11, 12, 13, 15, 16, 17, 18, 99)
    authorities = ("gezamenlijk", "eenhoofdig", "voogd", "vertegenwoordiger")
    for leeftijd, gezag, wilsbekwaam in product(ages, authorities, (True, False)):
        workflow = _workflow({"leeftijd": leeftijd, "gezag": gezag, "wilsbekwaam": wilsbekwaam})
        workflow.do_engine_steps()
        (task,) = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "table"]
        engine = task.task_spec.dmnEngine
        table = engine.decision_table
        assert table.hit_policy == "UNIQUE"
        table.hit_policy = "COLLECT"  # collect every matching rule instead of stopping at the first
        try:
            matched = [rule.row_number for rule in engine.decide(task)]
        finally:
            table.hit_policy = "UNIQUE"
        assert len(matched) == 1, (leeftijd, gezag, wilsbekwaam, matched)


CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="c" targetNamespace="t">
  <bpmn:signal id="s" name="toestemming_geldig" />
  <bpmn:process id="caller" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="call" calledElement="consent">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>
    <bpmn:boundaryEvent id="valid" attachedToRef="call" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:signalEventDefinition signalRef="s" /></bpmn:boundaryEvent>
    <bpmn:userTask id="overleg" name="Overleg">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end2"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="valid" targetRef="overleg" />
    <bpmn:sequenceFlow id="f4" sourceRef="overleg" targetRef="end2" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_caller_hears_the_consent_is_valid_without_waiting_for_its_end() -> None:
    """The case intake calls consent; the signal toestemming_geldig lets it go on while consent keeps
    watching for a withdrawal or the end of its validity."""
    bpmn = {"caller.bpmn": CALLER, "consent.bpmn": (PROCESSES / "consent.bpmn").read_text("utf-8")}
    spec, subprocesses = build_specs("caller", bpmn, DMN)
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=make_script_engine())
    given = {
        "toestemming_antwoord": "gegeven",
        "beantwoord_op": "2026-11-03",
        "doel": "casusoverleg",
        "gegevenscategorieen": ["gezin"],
        "ontvangers": ["rubicon"],
        "geldig_tot": "2027-05-31",
        "methode": "digitaal",
        "gegeven_door": [{"rol": "betrokkene", "naam": "Sam Jansen"}],
    }
    request = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
    with engine_time(ManualClock(START)):
        workflow.do_engine_steps()
        for answer in [{"leeftijd": 17, "wilsbekwaam": True}, request, given]:
            (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
            task.data.update(answer)
            task.run()
            workflow.do_engine_steps()
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert [t.task_spec.bpmn_id for t in ready] == ["overleg"]
    assert not workflow.is_completed()  # consent still waits for a withdrawal or its end date


@pytest.mark.parametrize(
    ("leeftijd", "gezag", "wilsbekwaam", "people", "message"),
    [
        (
            17,
            None,
            True,
            [{"rol": "ouder_met_gezag", "naam": "Eva de Vries"}],
            "Zelfstandige toestemming (convenant art. 8; art. 7:447 BW): vanaf 16 jaar geeft de betrokkene "
            "zelf toestemming. Nog niet vastgelegd: de betrokkene zelf.",
        ),
        (
            16,
            "voogd",
            False,
            [{"rol": "betrokkene", "naam": "Sam Jansen"}],
            "Vertegenwoordiging van een wilsonbekwame betrokkene (art. 7:465 BW): voor een betrokkene die "
            "niet wilsbekwaam is, geven de wettelijk vertegenwoordiger(s) toestemming, bij gezamenlijk gezag "
            "beide ouders. Nog niet vastgelegd: de ouder met gezag of de wettelijk vertegenwoordiger.",
        ),
        (16, "voogd", False, [{"rol": "voogd", "naam": "Jeugdbescherming Limburg"}], None),
        (17, None, True, [{"rol": "betrokkene", "naam": "Sam Jansen"}], None),
    ],
)
def test_the_signatories_rule_follows_the_decision_table(
    leeftijd: int, gezag: str | None, wilsbekwaam: bool, people: list[dict[str, str]], message: str | None
) -> None:
    data: dict[str, Any] = {"leeftijd": leeftijd, "wilsbekwaam": wilsbekwaam}
    if gezag is not None:
        data["gezag"] = gezag
    case = dict(zip(OUTPUTS, _decide(**data), strict=True))
    errors = signatories({"toestemming_antwoord": "gegeven", "gegeven_door": people}, case)
    assert errors == ({"gegeven_door": message} if message else {})
    assert signatories({"toestemming_antwoord": "geweigerd"}, case) == {}  # a refusal needs no signatures
