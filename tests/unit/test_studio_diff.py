"""The diff between two versions of a diagram: elements added, removed and changed, property by property."""

from __future__ import annotations

import pytest

from webapp.config import PROJECT_ROOT
from webapp.engine.safe_xml import UnsafeXml
from webapp.services.studio_diff import BpmnDiff, ElementChange, diff_bpmn

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
"""
TAIL = "  </bpmn:process>\n</bpmn:definitions>\n"

BASE = {
    "lanes": """<bpmn:laneSet id="ls">
      <bpmn:lane id="lane_pro" name="Professional"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>intake</bpmn:flowNodeRef><bpmn:flowNodeRef>gw</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>log</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_fg" name="FG"><bpmn:flowNodeRef>timer</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>call</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>""",
    "start": '<bpmn:startEvent id="start" name="Begin" />',
    "intake": """<bpmn:userTask id="intake" name="Verzoek registreren">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="intake.schema.json" />
        <spiffworkflow:property name="dueIn" value="P4W" />
      </spiffworkflow:properties>
      <spiffworkflow:instructionsForEndUser>Registreer het verzoek.</spiffworkflow:instructionsForEndUser>
      </bpmn:extensionElements></bpmn:userTask>""",
    "timer": """<bpmn:boundaryEvent id="timer" name="Termijn" attachedToRef="intake">
      <bpmn:timerEventDefinition id="td">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P7D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>""",
    "gw": '<bpmn:exclusiveGateway id="gw" name="Besluit?" default="f_no" />',
    "f_yes": """<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="log">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">besluit == "ja"</bpmn:conditionExpression>
      </bpmn:sequenceFlow>""",
    "f_no": '<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end" />',
    "log": """<bpmn:scriptTask id="log" name="Vastleggen"><bpmn:script>
        if besluit:
            klaar = True
      </bpmn:script></bpmn:scriptTask>""",
    "call": '<bpmn:callActivity id="call" name="Toestemming" calledElement="consent" />',
    "end": '<bpmn:endEvent id="end" name="Klaar" />',
}


def diagram(**replace: str) -> str:
    parts = {**BASE, **replace}
    return HEAD + "\n".join(part for part in parts.values() if part) + TAIL


def only(elements: list[ElementChange]) -> ElementChange:
    assert len(elements) == 1, elements
    return elements[0]


def changes(element: ElementChange) -> dict[str, tuple[str | None, str | None]]:
    return {c.key: (c.old, c.new) for c in element.changes}


def test_the_same_diagram_has_no_differences_even_when_laid_out_differently() -> None:
    assert diff_bpmn(diagram(), diagram()).empty
    assert diff_bpmn(diagram(), diagram(start='<bpmn:startEvent  id="start"   name=" Begin " />')).empty
    # how far the whole script is indented does not count; Python's indentation inside it does
    flush_left = (
        '<bpmn:scriptTask id="log" name="Vastleggen">'
        "<bpmn:script>if besluit:\n    klaar = True</bpmn:script></bpmn:scriptTask>"
    )
    assert diff_bpmn(diagram(), diagram(log=flush_left)).empty
    assert not diff_bpmn(diagram(), diagram(log=flush_left.replace("    klaar", "  klaar"))).empty


def test_added_and_removed_elements_carry_their_type_name_and_properties() -> None:
    new = diagram(
        call="",
        review="""<bpmn:userTask id="review" name="Vier ogen"><bpmn:extensionElements>
          <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="r.schema.json" />
          </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>""",
    )
    result = diff_bpmn(diagram(), new)
    added = only(result.added)
    assert (added.id, added.type, added.name) == ("review", "userTask", "Vier ogen")
    assert changes(added)["property:formJsonSchemaFilename"] == (None, "r.schema.json")
    assert added.type_label == "gebruikerstaak"
    removed = only(result.removed)
    assert (removed.id, removed.type, removed.name) == ("call", "callActivity", "Toestemming")
    assert changes(removed)["calledElement"] == ("consent", None)
    assert changes(removed)["lane"] == ("FG", None)
    assert result.changed == []


def test_each_executed_property_is_compared_with_old_and_new_value() -> None:
    new = diagram(
        intake=BASE["intake"]
        .replace('value="P4W"', 'value="P6W"')
        .replace("Registreer het verzoek.", "Registreer het verzoek zorgvuldig.")
        .replace('name="Verzoek registreren"', 'name="Verzoek vastleggen"'),
        timer=BASE["timer"].replace('"P7D"', '"P14D"'),
        f_yes=BASE["f_yes"].replace('besluit == "ja"', 'besluit in ("ja", "deels")'),
        log=BASE["log"].replace("klaar = True", "klaar = besluit"),
        call=BASE["call"].replace('calledElement="consent"', 'calledElement="meldcode"'),
        gw=BASE["gw"].replace('default="f_no"', 'default="f_yes"'),
    )
    result = diff_bpmn(diagram(), new)
    by_id = {element.id: changes(element) for element in result.changed}
    assert by_id["intake"] == {
        "name": ("Verzoek registreren", "Verzoek vastleggen"),
        "instructionsForEndUser": ("Registreer het verzoek.", "Registreer het verzoek zorgvuldig."),
        "property:dueIn": ("P4W", "P6W"),
    }
    assert by_id["timer"] == {"timeDuration": ('"P7D"', '"P14D"')}
    assert by_id["f_yes"] == {"condition": ('besluit == "ja"', 'besluit in ("ja", "deels")')}
    assert by_id["log"] == {"script": ("if besluit:\n    klaar = True", "if besluit:\n    klaar = besluit")}
    assert by_id["call"] == {"calledElement": ("consent", "meldcode")}
    assert by_id["gw"] == {"default": ("f_no", "f_yes")}
    assert set(by_id) == {"intake", "timer", "f_yes", "log", "call", "gw"}
    assert result.added == [] and result.removed == []
    # the list shows Dutch labels, the name first
    intake = next(e for e in result.changed if e.id == "intake")
    assert [c.label for c in intake.changes] == ["Naam", "Instructies", "dueIn"]
    assert intake.name == "Verzoek vastleggen"


def test_moving_an_element_to_another_lane_is_a_change_of_role() -> None:
    lanes = BASE["lanes"].replace("<bpmn:flowNodeRef>intake</bpmn:flowNodeRef>", "")
    lanes = lanes.replace(
        "<bpmn:flowNodeRef>call</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>call</bpmn:flowNodeRef><bpmn:flowNodeRef>intake</bpmn:flowNodeRef>",
    )
    result = diff_bpmn(diagram(), diagram(lanes=lanes))
    intake = only(result.changed)
    assert intake.id == "intake" and changes(intake) == {"lane": ("Professional", "FG")}


def test_a_changed_type_and_rewired_arrow_are_changes() -> None:
    new = diagram(
        log=BASE["log"]
        .replace("scriptTask", "userTask")
        .replace("<bpmn:script>", "<bpmn:documentation>")
        .replace("</bpmn:script>", "</bpmn:documentation>"),
        f_no=BASE["f_no"].replace('targetRef="end"', 'targetRef="log"'),
    )
    result = diff_bpmn(diagram(), new)
    by_id = {element.id: changes(element) for element in result.changed}
    assert by_id["log"]["type"] == ("scriptTask", "userTask")
    assert by_id["log"]["script"][1] is None and by_id["log"]["documentation"][0] is None
    assert by_id["f_no"] == {"targetRef": ("end", "log")}


def test_without_an_old_version_everything_is_added() -> None:
    result = diff_bpmn(None, diagram())
    assert {e.id for e in result.added} == {
        "lane_pro",
        "lane_fg",
        "start",
        "intake",
        "timer",
        "gw",
        "f_yes",
        "f_no",
        "log",
        "call",
        "end",
    }
    assert result.removed == [] and result.changed == []


def test_the_demo_diagram_against_itself_and_a_renamed_copy() -> None:
    xml = (PROJECT_ROOT / "processes" / "demo_subject_request.bpmn").read_text(encoding="utf-8")
    assert diff_bpmn(xml, xml) == BpmnDiff()
    renamed = xml.replace('name="Verzoek registreren"', 'name="Verzoek vastleggen"')
    element = only(diff_bpmn(xml, renamed).changed)
    assert element.id == "register_request"
    assert changes(element) == {"name": ("Verzoek registreren", "Verzoek vastleggen")}


@pytest.mark.parametrize(
    "bad",
    [
        "<bpmn:definitions",  # not well-formed
        '<!DOCTYPE x [<!ENTITY e "e">]><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
        "<html/>",
    ],
)
def test_unsafe_or_broken_xml_is_refused_with_a_dutch_reason(bad: str) -> None:
    with pytest.raises(UnsafeXml) as refused:
        diff_bpmn(diagram(), bad)
    assert "het" in str(refused.value)
