"""Load and check the diagrams and forms of a process catalogue, and bundle each process for deployment.

A bundle is self-contained: the process's own BPMN file, the BPMN files of the processes it calls, the DMN
files of the decisions it uses and the forms its user tasks name. A deployed version therefore runs the same
way for as long as it lives, whatever is deployed after it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from webapp.domain.legal_rules import RULES
from webapp.domain.register_specs import REGISTERS
from webapp.domain.roles import DEFAULT_TASK_ROLE, role_for_lane
from webapp.engine.safe_xml import UnsafeXml, parse_xml
from webapp.engine.spec_checks import Problem, check_spec

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


@dataclass
class Bundle:
    """Everything one process version needs to run."""

    process_id: str
    name: str
    bpmn: dict[str, str]  # filename -> XML text, the process's own file first
    dmn: dict[str, str]
    forms: dict[str, Any]  # form filename -> JSON Schema (or ui schema)
    start_role: str
    sha256: str = ""

    def __post_init__(self) -> None:
        content = json.dumps([self.bpmn, self.dmn, self.forms], sort_keys=True).encode()
        self.sha256 = hashlib.sha256(content).hexdigest()


@dataclass
class CheckReport:
    bundles: list[Bundle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Source:
    filename: str
    text: str
    root: etree._Element


def load_forms(forms_dir: Path) -> tuple[dict[str, Any], list[Problem]]:
    forms: dict[str, Any] = {}
    problems: list[Problem] = []
    for path in sorted(forms_dir.glob("*.json")):
        try:
            forms[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            problems.append(Problem(path.name, None, f"geen geldige JSON: {error}"))
    return forms, problems


def check_directory(processes_dir: Path, forms_dir: Path) -> CheckReport:
    files = {p.name: p.read_bytes() for p in sorted(processes_dir.iterdir()) if p.suffix in (".bpmn", ".dmn")}
    forms, form_problems = load_forms(forms_dir)
    report = check_sources(files, forms)
    report.problems[:0] = form_problems
    return report


def check_sources(files: Mapping[str, bytes], forms: Mapping[str, Any]) -> CheckReport:
    """Check every file; return a bundle per good BPMN file and the problems of the bad ones.

    Checking parses every diagram, which takes a while for a full catalogue; an unchanged catalogue (same
    files, forms, rules and registers) returns the report of the last check.
    """
    key = _digest(files, forms)
    if key not in _REPORTS:
        _REPORTS.clear()  # only the newest catalogue is worth keeping
        _REPORTS[key] = _check_sources(files, forms)
    return copy.deepcopy(_REPORTS[key])


_REPORTS: dict[str, CheckReport] = {}


def _digest(files: Mapping[str, bytes], forms: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    digest.update(json.dumps(forms, sort_keys=True).encode())
    digest.update(json.dumps([sorted(RULES), sorted(REGISTERS)]).encode())
    return digest.hexdigest()


def _check_sources(files: Mapping[str, bytes], forms: Mapping[str, Any]) -> CheckReport:
    report = CheckReport()
    bpmn: dict[str, _Source] = {}
    dmn: dict[str, _Source] = {}
    for filename, data in files.items():
        source = _read(filename, data, report.problems)
        if source is not None:
            (dmn if filename.endswith(".dmn") else bpmn)[filename] = source
    decisions = _decision_index(dmn, report.problems)
    processes = {_stem(name): name for name in bpmn}
    for filename in bpmn:
        bundle, problems = _bundle_for(filename, bpmn, dmn, decisions, processes, forms)
        report.problems.extend(problems)
        if bundle is not None and not problems:
            report.bundles.append(bundle)
    return report


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0]


def _read(filename: str, data: bytes, problems: list[Problem]) -> _Source | None:
    try:
        root = parse_xml(data)
    except (UnsafeXml, etree.XMLSyntaxError) as error:
        problems.append(Problem(filename, None, f"het bestand is geen geldige of veilige XML: {error}"))
        return None
    return _Source(filename, data.decode("utf-8"), root)


def _decision_index(dmn: dict[str, _Source], problems: list[Problem]) -> dict[str, str]:
    index: dict[str, str] = {}
    for filename, source in dmn.items():
        parser = SpiffBpmnParser(validator=VALIDATOR)
        try:
            parser.add_dmn_xml(source.root, filename)
        except ValidationException as error:
            problems.append(_problem_from(filename, error))
            continue
        for decision in source.root.iter("{*}decision"):
            index[decision.get("id", "")] = filename
    return index


def _called(root: etree._Element) -> tuple[set[str], set[str]]:
    calls = {el.get("calledElement", "") for el in root.iter(f"{{{BPMN_NS}}}callActivity")}
    decisions = {(el.text or "").strip() for el in root.iter(f"{{{SPIFF_NS}}}calledDecisionId")}
    return calls, decisions


def _bundle_for(
    filename: str,
    bpmn: dict[str, _Source],
    dmn: dict[str, _Source],
    decisions: dict[str, str],
    processes: dict[str, str],
    forms: Mapping[str, Any],
) -> tuple[Bundle | None, list[Problem]]:
    own_ids = {p.get("id") for p in bpmn[filename].root.iter(f"{{{BPMN_NS}}}process")}
    process_id = _stem(filename)
    if process_id not in own_ids:
        return None, [
            Problem(filename, None, f"het bestand heeft geen proces met id '{process_id}' (de bestandsnaam)")
        ]
    files, dmn_files, problems = _collect(filename, bpmn, decisions, processes)
    if problems:
        return None, problems
    used_dmn = {name: dmn[name].text for name in sorted(dmn_files)}
    try:
        specs = build_specs(process_id, {n: bpmn[n].text for n in files}, used_dmn)
    except ValidationException as error:
        return None, [_problem_from(filename, error)]
    except Exception as error:  # SpiffWorkflow's parser raises raw errors for some mistakes
        reason = f"het diagram is ongeldig ({type(error).__name__}): kijk berichten en signalen na"
        return None, [Problem(filename, None, reason)]
    main_spec, subprocess_specs = specs
    own_specs = [s for s in (main_spec, *subprocess_specs.values()) if getattr(s, "file", None) == filename]
    problems = [p for spec in own_specs for p in check_spec(filename, spec, forms)]
    used_forms = _forms_used([main_spec, *subprocess_specs.values()], forms)
    bundle = Bundle(
        process_id=process_id,
        name=bpmn[filename].root.find(f"{{{BPMN_NS}}}process[@id='{process_id}']").get("name") or process_id,
        bpmn={n: bpmn[n].text for n in files},
        dmn=used_dmn,
        forms=used_forms,
        start_role=_start_role(main_spec),
    )
    return bundle, problems


def _collect(
    filename: str, bpmn: dict[str, _Source], decisions: dict[str, str], processes: dict[str, str]
) -> tuple[list[str], set[str], list[Problem]]:
    """The BPMN files this one calls (transitively) and the DMN files it needs."""
    files, dmn_files, problems, queue = [filename], set(), [], [filename]
    while queue:
        current = queue.pop()
        calls, called_decisions = _called(bpmn[current].root)
        local = {p.get("id") for p in bpmn[current].root.iter(f"{{{BPMN_NS}}}process")}
        for target in sorted(calls - local):
            if target not in processes:
                problems.append(Problem(current, None, f"de aangeroepen procedure '{target}' bestaat niet"))
            elif processes[target] not in files:
                files.append(processes[target])
                queue.append(processes[target])
        for decision in sorted(called_decisions):
            if decision not in decisions:
                problems.append(Problem(current, None, f"de beslistabel '{decision}' bestaat niet"))
            else:
                dmn_files.add(decisions[decision])
    return files, dmn_files, problems


def build_specs(
    process_id: str, bpmn: Mapping[str, str], dmn: Mapping[str, str]
) -> tuple[Any, dict[str, Any]]:
    """Parse a bundle into SpiffWorkflow specs (raises ValidationException)."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for filename, text in dmn.items():
        parser.add_dmn_xml(parse_xml(text.encode()), filename)
    for filename, text in bpmn.items():
        parser.add_bpmn_xml(parse_xml(text.encode()).getroottree(), filename)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def _forms_used(specs: list[Any], forms: Mapping[str, Any]) -> dict[str, Any]:
    used: dict[str, Any] = {}
    for spec in specs:
        for task_spec in spec.task_specs.values():
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
                name = properties.get(key)
                if name in forms:
                    used[name] = forms[name]
    return used


def _start_role(spec: Any) -> str:
    for task_spec in spec.task_specs.values():
        if type(task_spec).__name__ == "StartEvent" and task_spec.lane:
            role = role_for_lane(task_spec.lane)
            if role is not None:
                return role.value
    return DEFAULT_TASK_ROLE.value


_TRANSLATIONS = {
    "No start event found": "geen startgebeurtenis gevonden",
    "Multiple outgoing flows are not supported": "meerdere uitgaande pijlen zijn hier niet toegestaan",
    "When looking for a task spec, we found two items": "een pijl wijst naar een element dat niet bestaat",
}


def _problem_from(filename: str, error: ValidationException) -> Problem:
    text = str(error).split("\n", 1)[0]
    for english, dutch in _TRANSLATIONS.items():
        if text.startswith(english):
            text = dutch
            break
    else:
        text = f"het diagram is ongeldig ({text})"
    line = f" (regel {error.line_number})" if getattr(error, "line_number", "") else ""
    return Problem(filename, getattr(error, "id", None) or None, text + line)
