"""Known ways out of a Python sandbox, each tried as a process owner would: in a diagram's script task.

Every case must be refused when the diagram is deployed (where the construct is visible in the text) and
must fail when it runs anyway through the engine's script engine, ending as the instance's Dutch
``ProcessError`` that names the element, with no Python internals in it.
"""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

import pytest

from tests.factories import START
from webapp.domain.clock import ManualClock
from webapp.domain.errors import ProcessError
from webapp.engine.catalogue import check_sources
from webapp.engine.runtime import WorkflowRuntime

REFUSED, STOPPED, UNKNOWN = "is geweigerd", "is gestopt", "geen veld van de zaak"

# (name, script, visible at deploy time, what the run-time error says)
ESCAPES = [
    ("subclasses walk", "x = ().__class__.__bases__[0].__subclasses__()", True, REFUSED),
    ("mro walk", "x = [].__class__.__mro__[1].__subclasses__()", True, REFUSED),
    ("mro method", "x = str.mro()", True, REFUSED),
    ("dict class", "x = {}.__class__", True, REFUSED),
    ("function globals", "x = deadline.__globals__", True, REFUSED),
    ("function code", "x = deadline.__code__.co_consts", True, REFUSED),
    ("builtins name", "x = __builtins__", True, REFUSED),
    ("builtins item", "x = __builtins__['eval']('1')", True, REFUSED),
    ("bound method self", "x = [].append.__self__", True, REFUSED),
    ("sys frame", "import sys\nx = sys._getframe().f_back.f_globals", True, REFUSED),
    ("generator frame", "g = (i for i in [1])\nx = g.gi_frame.f_back.f_globals", True, REFUSED),
    ("generator code", "x = (i for i in [1]).gi_code", True, REFUSED),
    ("frame back", "x = y.f_back", True, REFUSED),
    (
        "traceback frame",
        "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame",
        True,
        REFUSED,
    ),
    ("format attribute walk", "x = '{0.__class__}'.format(1)", True, REFUSED),
    ("format_map", "x = '{a.__class__}'.format_map({'a': 1})", True, REFUSED),
    ("f-string attribute", "x = f'{deadline.__globals__}'", True, REFUSED),
    ("f-string nested spec", "x = f'{1:{9 ** 9}}'", True, REFUSED),
    ("getattr concat", "x = getattr(1, '__cl' + 'ass__')", True, REFUSED),
    ("vars", "x = vars()", True, REFUSED),
    ("dir", "x = dir()", True, REFUSED),
    ("globals", "x = globals()", True, REFUSED),
    ("locals", "x = locals()", True, REFUSED),
    ("type three args", "X = type('X', (), {})", True, REFUSED),
    ("class statement", "class X:\n    pass", True, REFUSED),
    ("exec", "exec('y = 1')", True, REFUSED),
    ("eval", "x = eval('1 + 1')", True, REFUSED),
    ("compile", "x = compile('1', 'f', 'eval')", True, REFUSED),
    ("open", "x = open('/etc/passwd').read()", True, REFUSED),
    ("dunder import", "x = __import__('os')", True, REFUSED),
    ("import os", "import os\nos.system('true')", True, REFUSED),
    ("from import", "from os import system", True, REFUSED),
    ("lambda default", "f = lambda a=().__class__: a\nx = f()", True, REFUSED),
    ("lambda plain", "f = lambda: 1", True, REFUSED),
    ("decorator", "@len\ndef f():\n    pass", True, REFUSED),
    ("reduce_ex", "x = object.__reduce_ex__(1, 2)", True, REFUSED),
    ("operator attrgetter", "import operator\nx = operator.attrgetter('__class__')(1)", True, REFUSED),
    ("breakpoint", "breakpoint()", True, REFUSED),
    ("print", "print(1)", True, REFUSED),
    ("guard name", "x = _getattr_", True, REFUSED),
    ("star unpack", "x = [*range(10)]", True, REFUSED),
    ("percent format", "x = '%s' % 1", True, REFUSED),
    ("wide f-string", "x = f'{1:>999999999}'", True, REFUSED),
    ("item augmented assignment", "x = [1]\nx[0] += 1", True, REFUSED),
    # Not visible in the text: refused by the run-time guards.
    ("attrgetter without import", "x = operator.attrgetter('__class__')(1)", False, UNKNOWN),
    ("function attribute", "x = deadline.func_globals", False, REFUSED),
    ("attribute of a type", "x = dict.fromkeys([1])", False, REFUSED),
    ("generator throw", "g = (i for i in [1])\ng.throw(ValueError)", False, REFUSED),
    ("text repetition bomb", "x = 'a' * (10 ** 9)", False, STOPPED),
    ("list repetition bomb", "x = [0] * 10 ** 9", False, STOPPED),
    ("power bomb", "x = 2 ** 10 ** 10", False, STOPPED),
    ("shift bomb", "x = 1 << 10 ** 9", False, STOPPED),
    ("range bomb", "x = list(range(10 ** 9))", False, STOPPED),
    ("ljust bomb", "x = 'x'.ljust(10 ** 9)", False, STOPPED),
    ("repr of repeated text", "s = 'a' * 1000\nx = str([[s] * 1000] * 1000)", False, STOPPED),
    ("comprehension bomb", "x = [i for i in range(10 ** 5) for j in range(10 ** 5)]", False, STOPPED),
    ("doubling", "x = [0]\nwhile True:\n    x = x + x", False, STOPPED),
    ("infinite loop", "while True:\n    pass", False, STOPPED),
]


def _diagram(script: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="probe" name="Sandbox" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="attempt" name="Poging" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="attempt" />
    <bpmn:sequenceFlow id="f2" sourceRef="attempt" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def _cases(visible_only: bool = False) -> list[object]:
    return [
        pytest.param(script, outcome, id=name)
        for name, script, visible, outcome in ESCAPES
        if visible or not visible_only
    ]


def test_the_corpus_is_large_enough() -> None:
    assert len(ESCAPES) >= 25
    assert len({name for name, *_ in ESCAPES}) == len(ESCAPES)


@pytest.mark.parametrize(("script", "outcome"), _cases(visible_only=True))
def test_refused_at_deploy_time_naming_the_element(script: str, outcome: str) -> None:
    report = check_sources({"probe.bpmn": _diagram(script)}, {})
    assert not report.ok and not report.bundles
    messages = [str(problem) for problem in report.problems]
    assert any("[attempt]" in m and "niet toegestaan" in m for m in messages), messages


@pytest.mark.parametrize(("script", "outcome"), _cases())
def test_fails_at_run_time_with_a_dutch_process_error(script: str, outcome: str) -> None:
    # Built without the deploy checks, as if a refused diagram had reached the engine anyway.
    source = _diagram(script).decode()
    sha = hashlib.sha256(source.encode()).hexdigest()
    with pytest.raises(ProcessError) as failure:
        WorkflowRuntime().start(sha, "probe", {"probe.bpmn": source}, {}, ManualClock(START))
    message = str(failure.value)
    assert message.startswith("Fout in stap 'attempt' van de procedure: het script"), message
    assert outcome in message, message
    assert "Traceback" not in message and "object at 0x" not in message and len(message) < 400
