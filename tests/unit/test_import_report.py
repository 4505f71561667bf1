"""The import report: what a diagram from another modeler needs before Ketenflow runs it, per element."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from webapp.engine.import_hints import python_condition
from webapp.engine.import_report import ImportItem, import_report
from webapp.engine.safe_xml import parse_xml

HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'id="d" targetNamespace="t">'
)
FORM = (
    "<bpmn:extensionElements><spiffworkflow:properties>"
    '<spiffworkflow:property name="formJsonSchemaFilename" value="x.schema.json"/>'
    "</spiffworkflow:properties></bpmn:extensionElements>"
)


def report(
    body: str, process_id: str = "p", filename: str = "p.bpmn", executable: str = "true"
) -> list[ImportItem]:
    process = f'<bpmn:process id="{process_id}" isExecutable="{executable}">{body}</bpmn:process>'
    xml = f"{HEAD}{process}</bpmn:definitions>"
    return import_report(filename, parse_xml(xml.encode()))


def on(items: list[ImportItem], element: str | None) -> list[str]:
    return [f"{i.message} | {i.suggestion}" for i in items if i.element == element]


def flow(body: str) -> str:
    """``body`` between a plain start event and an end event."""
    edge = '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="e"/>'
    return f'<bpmn:startEvent id="s"/>{body}<bpmn:endEvent id="e"/>{edge}'


def test_a_diagram_made_for_ketenflow_needs_nothing() -> None:
    body = flow(
        f'<bpmn:laneSet><bpmn:lane id="l" name="Professional"/><bpmn:lane id="l2" name="FG"/></bpmn:laneSet>'
        f'<bpmn:userTask id="u" name="Registreren">{FORM}</bpmn:userTask>'
        '<bpmn:boundaryEvent id="t" attachedToRef="u"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>"P5D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
        '<bpmn:boundaryEvent id="t2" attachedToRef="u"><bpmn:timerEventDefinition>'
        '<bpmn:timeDate>deadline(ontvangen_op, "P4W")</bpmn:timeDate>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:scriptTask id="sc"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="c" sourceRef="s" targetRef="e"><bpmn:conditionExpression>x == 1'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    assert report(body) == []


def test_elements_ketenflow_does_not_execute_are_named_with_what_to_use_instead() -> None:
    items = report(
        flow(
            '<bpmn:manualTask id="m" name="Bellen"/><bpmn:serviceTask id="sv"/><bpmn:task id="t"/>'
            '<bpmn:sendTask id="send"/><bpmn:receiveTask id="recv"/><bpmn:complexGateway id="cg"/>'
            '<bpmn:dataStoreReference id="ds"/>'
            '<bpmn:intermediateThrowEvent id="link"><bpmn:linkEventDefinition name="a"/>'
            "</bpmn:intermediateThrowEvent>"
        )
    )
    assert "handmatige taken" in on(items, "m")[0] and "gebruikerstaak" in on(items, "m")[0]
    assert [i.name for i in items if i.element == "m"] == ["Bellen"]
    assert "externe diensten" in on(items, "sv")[0]
    assert "zonder soort" in on(items, "t")[0]
    assert "messageRef" in on(items, "send")[0] and "messageRef" in on(items, "recv")[0]
    assert "complexe splitsing" in on(items, "cg")[0]
    assert "gegevensopslag" in on(items, "ds")[0]
    assert "koppeling (link)" in on(items, "link")[0]


def test_a_send_task_needs_spiff_message_configuration() -> None:
    messages = '<bpmn:message id="m1" name="melding_verstuurd"/>'
    without = report(flow('<bpmn:sendTask id="send" messageRef="m1"/>'))
    assert "messageRef" in on(without, "send")[0]  # the message does not exist in this file
    xml = (
        f'{HEAD}{messages}<bpmn:process id="p">'
        + flow('<bpmn:sendTask id="send" messageRef="m1"/><bpmn:receiveTask id="recv" messageRef="m1"/>')
        + "</bpmn:process></bpmn:definitions>"
    )
    items = import_report("p.bpmn", parse_xml(xml.encode()))
    assert "spiffworkflow:messagePayload" in on(items, "send")[0]
    assert on(items, "recv") == []
    configured = xml.replace(
        '<bpmn:sendTask id="send" messageRef="m1"/>',
        '<bpmn:sendTask id="send" messageRef="m1"><bpmn:extensionElements>'
        "<spiffworkflow:messagePayload>{'zaak': zaak}</spiffworkflow:messagePayload>"
        "</bpmn:extensionElements></bpmn:sendTask>",
    )
    assert import_report("p.bpmn", parse_xml(configured.encode())) == []


def test_user_tasks_without_a_form_and_lanes_that_are_no_role() -> None:
    items = report(
        flow(
            '<bpmn:laneSet><bpmn:lane id="l1" name="Lane 1"/><bpmn:lane id="l2"/>'
            '<bpmn:lane id="outer" name="Gemeente"><bpmn:childLaneSet>'
            '<bpmn:lane id="inner" name="Voorzitter"/>'
            "</bpmn:childLaneSet></bpmn:lane></bpmn:laneSet>"
            '<bpmn:userTask id="u" name="Beoordelen"/>'
        )
    )
    assert "geen formulier" in on(items, "u")[0]
    lane = on(items, "l1")[0]
    assert "'Lane 1' hoort bij geen bekende rol" in lane
    assert all(role in lane for role in ("Professional", "Aandachtsfunctionaris", "Voorzitter", "Manager"))
    assert "geen naam" in on(items, "l2")[0]
    assert on(items, "outer") == [] and on(items, "inner") == []


def test_timers_need_a_quoted_or_python_expression() -> None:
    def timer(element: str, kind: str, text: str | None) -> str:
        inner = f"<bpmn:{kind}>{text}</bpmn:{kind}>" if text is not None else ""
        return (
            f'<bpmn:intermediateCatchEvent id="{element}"><bpmn:timerEventDefinition>{inner}'
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        )

    items = report(
        flow(
            timer("iso", "timeDuration", "PT72H")
            + timer("date", "timeDate", "2026-12-01T09:00:00+01:00")
            + timer("cycle", "timeCycle", "R3/PT10H")
            + timer("camunda", "timeDuration", "${termijn}")
            + timer("none", "timeDuration", None)
            + timer("empty", "timeDuration", "")
            + timer("quoted", "timeDuration", '"PT72H"')
            + timer("variable", "timeDate", "vervaldatum")
        )
    )
    assert on(items, "iso") == [
        "De timer-waarde PT72H staat niet tussen aanhalingstekens. | "
        'Ketenflow leest een timer als Python-expressie: schrijf "PT72H".'
    ]
    assert '"2026-12-01T09:00:00+01:00"' in on(items, "date")[0]
    assert '"R3/PT10H"' in on(items, "cycle")[0]
    assert "Camunda" in on(items, "camunda")[0]
    assert "geen tijd" in on(items, "none")[0]
    assert "leeg" in on(items, "empty")[0]
    assert on(items, "quoted") == [] and on(items, "variable") == []


def test_processes_marked_not_executable_and_a_file_named_after_no_process() -> None:
    items = report(flow(""), process_id="WFP-6-", filename="A.1.0.bpmn", executable="false")
    assert 'isExecutable="false"' in on(items, "WFP-6-")[0]
    file_item = on(items, None)[0]
    assert "'A.1.0'" in file_item and "WFP-6-" in file_item and "'WFP-6-.bpmn'" in file_item
    odd = report(flow(""), process_id="_x1", filename="import.bpmn")
    assert "Geef het proces het id 'import'" in on(odd, None)[0]  # '_x1.bpmn' is no studio name


def test_camunda_attributes_get_their_ketenflow_equivalent() -> None:
    items = report(
        flow(
            '<bpmn:userTask id="u" camunda:formKey="embedded:app:forms/intake.html" camunda:assignee="demo" '
            'camunda:candidateGroups="fg,management" camunda:dueDate="${now().plusDays(P5D)}">'
            f"{FORM}</bpmn:userTask>"
            '<bpmn:userTask id="z">'
            + FORM[: -len("</bpmn:extensionElements>")]
            + '<zeebe:assignmentDefinition candidateGroups="voorzitter"/>'
            '<zeebe:formDefinition formId="besluit"/>'
            "</bpmn:extensionElements></bpmn:userTask>"
        )
    )
    texts = on(items, "u")
    assert any("formKey" in t and "'intake.schema.json'" in t for t in texts)
    assert any("assignee" in t and "baan" in t for t in texts)
    assert any("candidateGroups" in t and "Functionaris gegevensbescherming" in t for t in texts)
    assert any("dueDate" in t and "dueIn = 'P5D'" in t for t in texts)
    zeebe = on(items, "z")
    assert any("'Voorzitter'" in t for t in zeebe) and any("besluit.schema.json" in t for t in zeebe)


def test_camunda_and_feel_conditions_get_a_python_suggestion() -> None:
    assert python_condition("${approved}") == "approved"
    assert python_condition("${!approved && amount > 1000 || vip == true}") == (
        "not approved and amount > 1000 or vip == True"
    )
    assert python_condition("${clarified eq 'yes'}") == "clarified == 'yes'"
    assert python_condition('=amount >= 100 and status = "open"') == 'amount >= 100 and status == "open"'
    assert python_condition('besluit == "weigeren"') is None
    items = report(
        flow(
            '<bpmn:sequenceFlow id="c1" sourceRef="s" targetRef="e">'
            "<bpmn:conditionExpression>${approved}</bpmn:conditionExpression></bpmn:sequenceFlow>"
            '<bpmn:sequenceFlow id="c2" sourceRef="s" targetRef="e">'
            '<bpmn:conditionExpression language="javascript">a === 1</bpmn:conditionExpression>'
            "</bpmn:sequenceFlow>"
            '<bpmn:sequenceFlow id="c3" sourceRef="s" targetRef="e">'
            "<bpmn:conditionExpression>Service Level == 'Premium'</bpmn:conditionExpression>"
            "</bpmn:sequenceFlow>"
        )
    )
    assert on(items, "c1") == [
        "De voorwaarde ${approved} is geen Python (Camunda- of FEEL-schrijfwijze). | "
        "Schrijf de voorwaarde in Python: approved"
    ]
    assert "'javascript'" in on(items, "c2")[0]
    assert "geen geldige Python-expressie" in on(items, "c3")[0]


def test_start_events_and_subprocesses() -> None:
    items = report(
        '<bpmn:startEvent id="s"><bpmn:messageEventDefinition/></bpmn:startEvent><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>'
        '<bpmn:subProcess id="sub"><bpmn:task id="x"/></bpmn:subProcess>'
        '<bpmn:subProcess id="events" triggeredByEvent="true"><bpmn:startEvent id="es">'
        "<bpmn:messageEventDefinition/></bpmn:startEvent></bpmn:subProcess>"
        '<bpmn:userTask id="many">' + FORM + "<bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>"
    )
    assert any("op 'Starten' klikt" in t and "bericht" in t for t in on(items, "s"))
    assert "precies één startgebeurtenis" in on(items, "sub")[0]
    assert on(items, "events") == []
    assert "multi-instance" in on(items, "many")[0]
    assert report("") == []  # an empty pool (no flow) asks for nothing


def test_dmn_files_are_read_too() -> None:
    dmn = (
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="n">'
        '<decision id="tabel"><decisionTable id="t" hitPolicy="FIRST"/></decision>'
        '<decision id="los"><literalExpression><text>1</text></literalExpression></decision>'
        '<decision id="goed"><decisionTable id="t2"/></decision></definitions>'
    )
    items = import_report("b.dmn", parse_xml(dmn.encode()))
    assert "'FIRST'" in on(items, "tabel")[0]
    assert "beslistabellen" in on(items, "los")[0]
    assert on(items, "goed") == []


def test_comments_and_processing_instructions_anywhere_change_nothing() -> None:
    for path in sorted((Path(__file__).parents[1] / "fixtures" / "interop").glob("*.bpmn")):
        plain = import_report(path.name, parse_xml(path.read_bytes()))
        root = parse_xml(path.read_bytes())
        for element in list(root.iter()):
            if isinstance(element.tag, str) and element.text is None:
                element.insert(0, etree.Comment("opmerking"))
                element.insert(0, etree.ProcessingInstruction("modeler", "x"))
        noisy = import_report(path.name, parse_xml(etree.tostring(root)))
        assert noisy == plain and plain, path.name
