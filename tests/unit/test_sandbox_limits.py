"""The sandbox's bounds on time and memory, what scripts may still do, and how a failure reaches a case.

The diagrams' own code is the positive corpus: every script, condition and timer expression in
``processes/`` passes the deploy-time sandbox check and runs under the sandbox.
"""

from __future__ import annotations

import ast
import shutil
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login, make_context
from webapp.config import PROJECT_ROOT
from webapp.domain.clock import ManualClock
from webapp.domain.errors import ProcessError
from webapp.engine.catalogue import check_directory
from webapp.engine.sandbox import Limits, ScriptLimitExceeded
from webapp.engine.sandbox_policy import ScriptRefused, check_source, compiled
from webapp.engine.scripting import make_script_engine
from webapp.persistence.db import Database
from webapp.persistence.models import ProcessInstance
from webapp.services import instances, tasks
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo

PROCESSES = PROJECT_ROOT / "processes"
FORMS = PROJECT_ROOT / "forms"


def execute(script: str, data: dict[str, Any] | None = None, limits: Limits | None = None) -> dict[str, Any]:
    context = dict(data or {})
    make_script_engine(limits or Limits()).environment.execute(script, context)
    return context


def evaluate(expression: str, data: dict[str, Any] | None = None, limits: Limits | None = None) -> Any:
    return make_script_engine(limits or Limits()).environment.evaluate(expression, dict(data or {}))


# --- the diagrams' own code ------------------------------------------------------------------------------

# Values for the fields the diagrams' code reads; every other field gets a date, which every use accepts.
SAMPLE = {
    "vervalt_na": "P1Y",
    "vervalt_regel": "calendar",
    "bewaartermijn": "P1Y",
    "meldcode_meldingen": 0,
    "rechten": ["verzet"],
    "partners_overleg": ["Rubicon Jeugdzorg"],
    "bewaarplicht": False,
}


def _diagram_code() -> list[tuple[str, str, str]]:
    report = check_directory(PROCESSES, FORMS)
    assert report.ok, [str(p) for p in report.problems]
    found = []
    for bundle in report.bundles:
        from webapp.engine.catalogue import build_specs

        spec, subprocesses = build_specs(bundle.process_id, bundle.bpmn, bundle.dmn)
        for process in [spec, *subprocesses.values()]:
            for task_spec in process.task_specs.values():
                element = f"{process.name}/{getattr(task_spec, 'bpmn_id', None)}"
                for attr in ("script", "prescript", "postscript"):
                    if getattr(task_spec, attr, None):
                        found.append((element, getattr(task_spec, attr), "exec"))
                for condition, _ in getattr(task_spec, "cond_task_specs", ()):
                    if condition is not None:
                        found.append((element, condition.args[0], "eval"))
                definition = getattr(task_spec, "event_definition", None)
                if getattr(definition, "expression", None):
                    found.append((element, definition.expression, "eval"))
    return sorted(set(found))


DIAGRAM_CODE = _diagram_code()


def test_the_diagrams_have_code_to_check() -> None:
    modes = {mode for _, _, mode in DIAGRAM_CODE}
    assert len(DIAGRAM_CODE) > 80 and modes == {"exec", "eval"}


@pytest.mark.parametrize(("element", "source", "mode"), DIAGRAM_CODE, ids=[c[0] for c in DIAGRAM_CODE])
def test_every_diagram_script_and_expression_passes_and_runs(element: str, source: str, mode: str) -> None:
    assert check_source(source, mode) == []
    tree = ast.parse(source, mode=mode)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    data = {name: SAMPLE.get(name, "2026-11-02") for name in names if name not in _CALLABLE}
    if mode == "exec":
        execute(source, data)
    else:
        evaluate(source, data)


_CALLABLE = {"deadline", "list", "any", "True", "False", "None"}


# --- what scripts may still do ---------------------------------------------------------------------------


def test_ordinary_code_works() -> None:
    result = execute(
        "namen = sorted(set(partners))\n"
        "tekst = f'{len(namen):>3} partners: {namen}, {1 / 3:.2f}'\n"
        "lijst = [n.upper() for n in namen if isinstance(n, str)][:1] + ['-'] * 2\n"
        "teller = {}\n"
        "for i, naam in enumerate(namen):\n"
        "    teller[naam] = i\n"
        "teller.update({'x': 9})\n"
        "totaal = sum([1, 2, 3], 0) + round(2.567, 1) + 2 ** 10\n"
        "n = 0\n"
        "while n < 3:\n"
        "    n += 1\n"
        "verbonden = ', '.join(namen).replace(',', ';')\n",
        {"partners": ["b", "a", "b"]},
    )
    assert result["tekst"] == "  2 partners: ['a', 'b'], 0.33"
    assert result["lijst"] == ["A", "-", "-"]
    assert result["teller"] == {"a": 0, "b": 1, "x": 9}
    assert result["totaal"] == 6 + 2.6 + 1024 and result["n"] == 3 and result["verbonden"] == "a; b"
    assert "list" not in result and "_getattr_" not in result and "__builtins__" not in result


@pytest.mark.parametrize(
    "script",
    ["x = set([1])", "x = range(3)", "x = (i for i in [1])", "x = {'a': 1}.keys()", "x = [map(abs, [1])]"],
)
def test_a_value_the_case_cannot_store_is_refused_by_name(script: str) -> None:
    with pytest.raises(ScriptRefused, match="'x' kan niet in de zaak worden bewaard"):
        execute(script)


def test_compiled_code_is_cached_by_source_text() -> None:
    assert compiled("besluit == 'weigeren'", "eval") is compiled("besluit == 'weigeren'", "eval")


def test_task_data_cannot_replace_a_guard_or_the_builtins() -> None:
    data = {"_getattr_": "x", "_write_": None, "__builtins__": {}, "x": "abc"}
    assert evaluate("x.upper()", data) == "ABC"
    with pytest.raises(ScriptRefused):
        evaluate("deadline.func_globals", data)


# --- time ------------------------------------------------------------------------------------------------


def test_an_endless_loop_stops_after_about_a_second_of_cpu_time() -> None:
    began = time.thread_time()  # the limit is CPU time of the thread: other threads do not eat into it
    with pytest.raises(ScriptLimitExceeded, match="de rekentijd is op"):
        execute("while True:\n    pass")
    assert time.thread_time() - began < 1.5


@pytest.mark.parametrize(
    "script",
    [
        "while True:\n    pass",
        "while True: pass",
        "x = 0\nwhile x >= 0:\n    x = x + 1",
        "for i in range(100000): pass",
        "x = [i for i in range(1000) for j in range(1000)]",
        "x = sum(1 for i in range(1000) for j in range(1000))",
        "x = any(i < 0 for i in range(100000))",
    ],
)
def test_every_kind_of_loop_counts_its_steps(script: str) -> None:
    with pytest.raises(ScriptLimitExceeded, match="stappen"):
        execute(script, limits=Limits(steps=5_000))


@pytest.mark.parametrize(
    ("expression", "refusal"),
    [
        ('deadline("2026-01-01", "P9999D", "working_days")', "3660 dagen"),
        ('deadline("2026-01-01", "P999Y")', "100 jaar"),
        ('deadline("2026-01-01", "P4W", before="P999Y")', "100 jaar"),
        ('deadline(["2026-01-01"] * 1000, "P4W")', "datum"),
        ('deadline("2026-01-01", "P" + "1" * 100 + "D")', "korte teksten"),
    ],
)
def test_the_untraced_helper_refuses_arguments_that_would_make_it_slow(expression: str, refusal: str) -> None:
    # deadline() runs without the tracer (for speed); counting working days one by one must stay short.
    with pytest.raises((ValueError, TypeError), match=refusal):
        evaluate(expression)


def test_the_longest_allowed_deadline_is_quick() -> None:
    began = time.thread_time()
    assert evaluate('deadline("2026-01-01", "P3660D", "working_days")').startswith("2040-")
    assert time.thread_time() - began < 0.5


def test_the_limit_works_in_a_worker_thread_and_restores_the_tracer() -> None:
    failures: list[BaseException] = []

    def work() -> None:
        try:
            execute("while True:\n    pass", limits=Limits(steps=20_000))
        except ScriptLimitExceeded as error:
            failures.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and len(failures) == 1

    def outer(frame: Any, event: str, arg: Any) -> None:
        return None

    previous = sys.gettrace()
    sys.settrace(outer)
    try:
        with pytest.raises(ScriptLimitExceeded):
            execute("while True:\n    pass", limits=Limits(steps=1_000))
        assert sys.gettrace() is outer
        execute("x = 1")
        assert sys.gettrace() is outer
    finally:
        sys.settrace(previous)


# --- memory ----------------------------------------------------------------------------------------------

BOMBS = [
    "x = 'a' * 10 ** 9",
    "x = 10 ** 9 * 'a'",
    "x = [0] * 10 ** 9",
    "x = (0,) * 10 ** 9",
    "x = 2 ** 10 ** 10",
    "x = 10 ** 10 ** 10",
    "x = 1 << 10 ** 9",
    "x = 'x'.center(10 ** 9)",
    "x = 'x'.zfill(10 ** 9)",
    "x = ('a' * 1000).replace('', 'b' * 1000)",
    "s = 'a' * 1000\nx = ','.join([s] * 1000)",
    "s = 'a' * 1000\nx = str([s] * 1000)",
    "s = 'a' * 1000\nx = f'{[s] * 1000}'",
    "x = list(range(10 ** 9))",
    "x = range(10 ** 30)",
    "x = sorted(range(10 ** 9))",
    "x = 'a'\nwhile True:\n    x = x + x",
    "x = 'a'\nwhile True:\n    x += x",
    "x = [0]\nwhile True:\n    x.extend(x)",
    "x = [0]\nwhile True:\n    x[len(x):] = x",
    "x = []\nwhile True:\n    x.append('a' * 1000)",
    "x = {}\nwhile True:\n    x[len(x)] = list(range(100))",
    "x = []\nwhile True:\n    x.append(x[:] + [1])",
]


@pytest.mark.parametrize("script", BOMBS)
def test_memory_bombs_are_stopped(script: str) -> None:
    # A generous CPU budget: the size guards must stop each bomb, not the clock (one bomb takes about half of
    # the default second, so a busy moment would otherwise let the time limit answer first).
    with pytest.raises(ScriptLimitExceeded, match=r"wordt te groot|het geheugen is op"):
        execute(script, limits=Limits(seconds=30.0))


@pytest.mark.parametrize(
    ("script", "refusal"),
    [
        ("x = sum([[1] * 100] * 100, [])", "sum"),
        ("x = round(5, -10 ** 9)", "round"),
        ("x = '%s' * 3 % (1, 2, 3)", "f-string"),
        ("x = [1].__len__()", "_"),
    ],
)
def test_quadratic_and_formatting_tricks_are_refused(script: str, refusal: str) -> None:
    with pytest.raises(ScriptRefused, match=refusal):
        execute(script)


def test_a_bomb_loop_stays_within_a_bounded_amount_of_memory() -> None:
    tracemalloc.start()
    try:
        for script in (
            "x = []\nwhile True:\n    x.append('a' * 1000)",
            "x = [0]\nwhile True:\n    x.extend(x)",
        ):
            with pytest.raises(ScriptLimitExceeded):
                execute(script)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024


# --- how a failure reaches the case ----------------------------------------------------------------------

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="sandbox_probe" name="Sandboxproef" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Professional">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>register</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>bomb</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="register" name="Verzoek registreren">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="demo_request_intake.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="bomb" name="Te veel">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>x = omschrijving * (10 ** 9)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="register" />
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="bomb" />
    <bpmn:sequenceFlow id="f3" sourceRef="bomb" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_stopped_script_parks_the_instance_in_error_with_a_dutch_reason(
    backend_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    processes = tmp_path / "processes"
    processes.mkdir()
    shutil.copy(PROCESSES / "demo_subject_request.bpmn", processes)
    (processes / "sandbox_probe.bpmn").write_text(PROBE, "utf-8")
    ctx = make_context(backend_database, clock, processes)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    actor = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, actor, "sandbox_probe", home_organisation(actor))
    assert started.next_task_id is not None
    answer = {"ontvangen_op": "2026-11-02", "recht": "inzage", "kanaal": "brief", "omschrijving": "Inzage."}
    with pytest.raises(ProcessError) as failure:
        tasks.complete_task(ctx, actor, started.next_task_id, answer)
    expected = (
        "Fout in stap 'bomb' van de procedure: het script (regel 1) is gestopt: een tekst wordt te groot"
    )
    assert str(failure.value).startswith(expected)
    with ctx.db.read() as session:
        instance = session.execute(select(ProcessInstance).where(ProcessInstance.id == started.instance_id))
        row = instance.scalar_one()
        assert row.status == "error" and (row.last_error or "").startswith(expected)


def test_a_refused_condition_names_the_expression() -> None:
    with pytest.raises(ScriptRefused):
        evaluate("besluit.__class__", {"besluit": "x"})
