"""Deploy-time checks: every broken diagram is named with its file, element and a Dutch reason."""

from __future__ import annotations

import json

import pytest

from webapp.engine.catalogue import check_sources

FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"naam": {"type": "string", "title": "Naam"}},
    "required": ["naam"],
}
FORMS = {"f.schema.json": FORM}


def diagram(
    body: str,
    *,
    process_id: str = "p",
    lane: str = "Professional",
    task_extra: str = "",
    form: str = "f.schema.json",
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="{process_id}" name="Testproces" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane1" name="{lane}">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>task</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task" name="Invullen">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />{task_extra}
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    {body}
  </bpmn:process>
</bpmn:definitions>""".encode()


END = (
    '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />'
)


SCRIPT = (
    '<bpmn:scriptTask id="s"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>'
    "<bpmn:script>x = = 1</bpmn:script></bpmn:scriptTask>"
    '<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="s" />'
    '<bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="f3" sourceRef="s" targetRef="end" />'
)


def timer(expression: str, kind: str = "timeDuration") -> str:
    return (
        END + '<bpmn:boundaryEvent id="t" attachedToRef="task">'
        f"<bpmn:timerEventDefinition><bpmn:{kind}>{expression}</bpmn:{kind}></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>"
    )


def problems(files: dict[str, bytes], forms: dict[str, object] | None = None) -> list[str]:
    report = check_sources(files, FORMS if forms is None else forms)
    return [str(p) for p in report.problems]


def test_a_good_diagram_is_bundled_with_its_forms() -> None:
    report = check_sources({"p.bpmn": diagram(END)}, FORMS)
    assert report.ok
    (bundle,) = report.bundles
    assert bundle.process_id == "p" and bundle.name == "Testproces"
    assert bundle.forms == FORMS
    assert bundle.start_role == "professional"
    assert len(bundle.sha256) == 64


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"p.bpmn": b"<bpmn:definitions"}, "p.bpmn: het bestand is geen geldige of veilige XML"),
        ({"p.bpmn": diagram(END, process_id="other")}, "geen proces met id 'p'"),
        (
            {"p.bpmn": diagram(timer("PT72H"))},
            "p.bpmn [t]: de timer-waarde PT72H moet tussen aanhalingstekens staan",
        ),
        (
            {"p.bpmn": diagram(timer('"P1W2D"'))},
            "p.bpmn [t]: de timer-waarde 'P1W2D' is geen geldige ISO 8601",
        ),
        ({"p.bpmn": diagram(timer('"2027-01-01T09:00"', "timeDate"))}, "geef een tijdzone mee"),
        ({"p.bpmn": diagram(timer("deadline(x, 'P4W') +", "timeDate"))}, "is geen geldige expressie"),
        (
            {"p.bpmn": diagram(timer("os.system('x')", "timeDate"))},
            "roept een onbekende functie aan: os.system",
        ),
        (
            {"p.bpmn": diagram(END, lane="Boekhouding")},
            "p.bpmn [task]: de baan (lane) 'Boekhouding' hoort bij geen",
        ),
        (
            {"p.bpmn": diagram(END, form="missing.schema.json")},
            "het formulier 'missing.schema.json' bestaat niet",
        ),
        (
            {"p.bpmn": diagram(END, task_extra='<spiffworkflow:property name="dueIn" value="4 weken" />')},
            "de termijn (dueIn/dueRule) is ongeldig",
        ),
        (
            {"p.bpmn": diagram(SCRIPT)},
            "p.bpmn [s]: het script is geen geldige Python",
        ),
        (
            {"p.bpmn": diagram('<bpmn:callActivity id="c" calledElement="nowhere" />' + END)},
            "de aangeroepen procedure 'nowhere' bestaat niet",
        ),
    ],
)
def test_broken_diagrams_are_named_with_element_and_reason(files: dict[str, bytes], expected: str) -> None:
    found = problems(files)
    assert any(expected in p for p in found), found


def test_a_flow_without_start_event_is_reported_in_dutch() -> None:
    body = '<bpmn:userTask id="lonely" />'
    broken = diagram(END).replace(
        b'<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>', b""
    )
    broken = broken.replace(
        b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />', body.encode()
    )
    found = problems({"p.bpmn": broken})
    assert found and all(p.startswith("p.bpmn") for p in found)


def test_an_invalid_form_schema_is_reported() -> None:
    bad_form = {"type": "object", "properties": {"n": {"type": "nonsense"}}}
    found = problems({"p.bpmn": diagram(END)}, {"f.schema.json": bad_form})
    assert any("formulier 'f.schema.json'" in p for p in found), found


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>',
        b"<x>" + b"a" * (6 * 1024 * 1024) + b"</x>",
    ],
    ids=["xxe", "entity-expansion", "oversized"],
)
def test_unsafe_xml_is_refused_before_parsing(payload: bytes) -> None:
    (problem,) = problems({"p.bpmn": payload})
    assert "geen geldige of veilige XML" in problem


def test_a_broken_file_does_not_stop_the_good_ones() -> None:
    report = check_sources({"p.bpmn": diagram(END), "q.bpmn": diagram(timer("PT1H"), process_id="q")}, FORMS)
    assert [b.process_id for b in report.bundles] == ["p"]
    assert [p.file for p in report.problems] == ["q.bpmn"]


def test_a_called_process_travels_in_the_callers_bundle() -> None:
    caller = diagram(
        '<bpmn:callActivity id="c" calledElement="p"><bpmn:incoming>f2</bpmn:incoming>'
        "<bpmn:outgoing>f3</bpmn:outgoing></bpmn:callActivity>"
        '<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="c" />'
        '<bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f3" sourceRef="c" targetRef="end" />',
        process_id="caller",
    )
    report = check_sources({"caller.bpmn": caller, "p.bpmn": diagram(END)}, FORMS)
    assert report.ok, report.problems
    bundle = next(b for b in report.bundles if b.process_id == "caller")
    assert list(bundle.bpmn) == ["caller.bpmn", "p.bpmn"]
    assert json.dumps(bundle.forms)
