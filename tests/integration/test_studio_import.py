"""Importing diagrams made with other tools (issue 6 item 8): the BPMN MIWG reference diagrams, a Camunda
Modeler 5 diagram and a SpiffArena diagram. Each is stored in the studio and never deployed; each gets a check
report; names, lanes and timers survive the import.

The MIWG diagrams are copied into ``tests/fixtures/interop/miwg-reference/`` (CC BY 3.0, LICENSE.txt
there); the test fails when that folder is missing rather than skipping it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from tests.factories import login, make_context
from webapp.config import PROJECT_ROOT
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.engine.catalogue import build_specs
from webapp.persistence.db import Database
from webapp.persistence.models import AuditEvent, ProcessDefinition, StudioFile
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo
from webapp.services.studio_import import check_import, import_diagram
from webapp.services.studio_sources import read_source

MIWG = PROJECT_ROOT / "tests" / "fixtures" / "interop" / "miwg-reference"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "interop"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@pytest.fixture
def studio(database: Database, clock: ManualClock, tmp_path: Path) -> ServiceContext:
    """A catalogue of one process (the demo), so that every check of the studio stays quick."""
    processes = tmp_path / "processes"
    processes.mkdir()
    shutil.copy(PROJECT_ROOT / "processes" / "demo_subject_request.bpmn", processes)
    context = make_context(database, clock, processes)
    assert deploy_directory(context).ok
    seed_demo(context)
    return context


def _count(ctx: ServiceContext, model: Any) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_miwg_reference_diagram_imports_gets_a_report_and_is_never_deployed(
    studio: ServiceContext,
) -> None:
    files = sorted(MIWG.glob("*.bpmn"))
    assert len(files) >= 20, f"the MIWG reference diagrams are missing in {MIWG}"
    owner = login(studio, "procesbeheer")
    versions = _count(studio, ProcessDefinition)
    for path in files:
        name = import_diagram(studio, owner, path.name, path.read_bytes())
        assert name == path.name
        assert read_source(studio, owner, name) == path.read_text(encoding="utf-8")
        check = check_import(studio, owner, name)
        messages = [p.message for p in check.problems] + [i.message for i in check.items]
        assert check.ready or messages, name
        assert all(len(m) > 15 for m in messages), (name, messages)  # sentences, not codes
        assert all(i.suggestion for i in check.items), name  # every item says what to do instead
    assert _count(studio, StudioFile) == len(files)
    assert _count(studio, ProcessDefinition) == versions  # an import deploys nothing


def _elements(xml: str) -> dict[str, Any]:
    """What must survive an import: element ids with their names, lane membership and timer expressions."""
    root = etree.fromstring(xml.encode())
    names = {e.get("id"): e.get("name") for e in root.iter() if e.get("id") and e.get("name")}
    lanes = {
        lane.get("name"): sorted(ref.text for ref in lane.iter(f"{BPMN}flowNodeRef"))
        for lane in root.iter(f"{BPMN}lane")
    }
    timers = {
        definition.getparent().get("id"): [(etree.QName(c).localname, c.text) for c in definition]
        for definition in root.iter(f"{BPMN}timerEventDefinition")
    }
    return {"names": names, "lanes": lanes, "timers": timers}


def _spec_facts(process_id: str, xml: str) -> dict[str, Any]:
    """The same facts as the engine reads them (SpiffWorkflow's parse of the stored text)."""
    spec, _ = build_specs(process_id, {"diagram.bpmn": xml}, {})
    facts: dict[str, Any] = {"names": {}, "lanes": {}, "timers": {}}
    for task_spec in spec.task_specs.values():
        if not getattr(task_spec, "bpmn_id", None):
            continue
        facts["names"][task_spec.bpmn_id] = task_spec.bpmn_name
        facts["lanes"][task_spec.bpmn_id] = task_spec.lane
        definition: Any = getattr(task_spec, "event_definition", None)
        if type(definition).__name__.endswith("TimerEventDefinition"):
            facts["timers"][task_spec.bpmn_id] = definition.expression
    return facts


def test_a_camunda_modeler_diagram_keeps_names_lanes_and_timers_and_is_told_what_to_change(
    studio: ServiceContext,
) -> None:
    owner = login(studio, "procesbeheer")
    original = (FIXTURES / "camunda_verzoek.bpmn").read_text(encoding="utf-8")
    name = import_diagram(studio, owner, "camunda_verzoek.bpmn", original.encode())
    stored = read_source(studio, owner, name)
    assert _elements(stored) == _elements(original)
    facts = _spec_facts("Process_verzoek", stored)
    assert facts["names"]["Activity_beoordelen"] == "Verzoek beoordelen"
    assert facts["lanes"]["Activity_beoordelen"] == "Juridische zaken"
    assert facts["lanes"]["Activity_registreren"] == "Intake"
    assert facts["timers"] == {"Event_termijn": "PT72H"}

    check = check_import(studio, owner, name)
    by_element: dict[str | None, list[str]] = {}
    for item in check.items:
        by_element.setdefault(item.element, []).append(f"{item.message} {item.suggestion}")
    assert any("formKey" in t and "formJsonSchemaFilename" in t for t in by_element["Activity_registreren"])
    assert any("assignee" in t and "baan" in t for t in by_element["Activity_registreren"])
    assert any(
        "candidateGroups" in t and "Functionaris gegevensbescherming" in t
        for t in by_element["Activity_beoordelen"]
    )
    assert any("dueDate" in t and "dueIn" in t for t in by_element["Activity_beoordelen"])
    assert any("Python: toegewezen and not ingetrokken" in t for t in by_element["Flow_3ja"])
    assert any('schrijf "PT72H"' in t for t in by_element["Event_termijn"])
    assert any("'Intake' hoort bij geen bekende rol" in t for t in by_element["Lane_intake"])
    assert any("Process_verzoek.bpmn" in t for t in by_element[None])
    assert any("Process_verzoek" in p.message or "camunda_verzoek" in p.message for p in check.problems)


def test_a_spiffarena_diagram_checks_clean_after_only_naming_a_role_per_lane(studio: ServiceContext) -> None:
    owner = login(studio, "procesbeheer")
    original = (FIXTURES / "spiff_aanvraag.bpmn").read_text(encoding="utf-8")
    name = import_diagram(studio, owner, "spiff_aanvraag.bpmn", original.encode())
    stored = read_source(studio, owner, name)
    assert _elements(stored) == _elements(original)
    facts = _spec_facts("spiff_aanvraag", stored)
    assert facts["names"]["Activity_beoordelen"] == "Aanvraag beoordelen"
    assert facts["lanes"]["Activity_beoordelen"] == "Privacyteam"
    assert facts["timers"] == {"Event_vijf_dagen": '"P5D"'}

    check = check_import(studio, owner, name)
    assert {i.element for i in check.items} == {"Lane_aanvragers", "Lane_privacy"}
    assert all("hoort bij geen bekende rol" in p.message for p in check.problems)
    assert check.problems  # the catalogue says the same, on the tasks in those lanes

    named = original.replace('name="Aanvragers"', 'name="Professional"').replace(
        'name="Privacyteam"', 'name="FG"'
    )
    import_diagram(studio, owner, "spiff_aanvraag.bpmn", named.encode(), replace=True)
    after = check_import(studio, owner, name)
    assert after.ready, (after.problems, after.items)
    assert _elements(read_source(studio, owner, name))["timers"] == _elements(original)["timers"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</definitions>"""


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (BILLION_LAUGHS, "file", "DOCTYPE of ENTITY"),
        (
            b"<definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'>" + b" " * (5 * 1024 * 1024),
            "file",
            "5 MB",
        ),
        (
            "<definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'>é</definitions>".encode(
                "latin-1"
            ),
            "file",
            "UTF-8",
        ),
        (b"<html><body>geen diagram</body></html>", "file", "definitions"),
        (b"<definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'>", "file", "goed gevormde XML"),
        (b"", "file", "Kies een"),
    ],
)
def test_an_unsafe_or_broken_upload_is_refused_with_the_reason_and_nothing_is_stored(
    studio: ServiceContext, data: bytes, field: str, words: str
) -> None:
    owner = login(studio, "procesbeheer")
    with pytest.raises(FormInvalid) as refused:
        import_diagram(studio, owner, "kwaad.bpmn", data)
    assert words in refused.value.errors[field]
    assert _count(studio, StudioFile) == 0


def test_names_the_kind_and_an_existing_diagram_are_checked(studio: ServiceContext) -> None:
    owner = login(studio, "procesbeheer")
    spiff = (FIXTURES / "spiff_aanvraag.bpmn").read_bytes()
    with pytest.raises(FormInvalid) as wrong_kind:
        import_diagram(studio, owner, "spiff.dmn", spiff)
    assert "BPMN-diagram (.bpmn)" in wrong_kind.value.errors["name"]
    with pytest.raises(FormInvalid) as no_suffix:
        import_diagram(studio, owner, "spiff.bpmn", spiff, typed_name="aanvraag")
    assert ".bpmn of .dmn" in no_suffix.value.errors["name"]
    with pytest.raises(FormInvalid) as taken:  # a file of processes/ counts as existing
        import_diagram(studio, owner, "demo_subject_request.bpmn", spiff)
    assert "Vervangen" in taken.value.errors["name"]
    assert (
        import_diagram(studio, owner, "C:\\Users\\x\\Mijn diagram (2).bpmn", spiff) == "Mijn_diagram_2_.bpmn"
    )
    assert _count(studio, StudioFile) == 1


def test_only_process_owners_and_administrators_import_and_a_refusal_is_audited(
    studio: ServiceContext,
) -> None:
    professional = login(studio, "hulpverlener")
    with pytest.raises(AccessDenied):
        import_diagram(studio, professional, "a.bpmn", (FIXTURES / "spiff_aanvraag.bpmn").read_bytes())
    assert _count(studio, StudioFile) == 0
    with studio.db.read() as session:
        refusals = session.execute(
            select(AuditEvent).where(AuditEvent.event == "studio.import", AuditEvent.result == "denied")
        ).all()
    assert len(refusals) == 1
    admin = login(studio, "beheerder")
    assert (
        import_diagram(studio, admin, "a.bpmn", (FIXTURES / "spiff_aanvraag.bpmn").read_bytes()) == "a.bpmn"
    )
    with studio.db.read() as session:
        saved = session.execute(
            select(AuditEvent.object_id, AuditEvent.result).where(AuditEvent.event == "studio.saved")
        ).all()
    assert [tuple(row) for row in saved] == [("a.bpmn", "success")]
