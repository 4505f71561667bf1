"""The import report's checks of single elements: scripts, messages, loops, conditions, starts, events,
timers. Each yields ``ImportItem``s pinned on the element, with what to write instead."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from lxml import etree

from webapp.domain.messages import N_, Message
from webapp.engine.import_hints import python_condition
from webapp.engine.import_items import B, ImportItem, has_flow, item, local, message_of, spiff_text

_SUPPORTED_EVENTS = {
    "timerEventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "terminateEventDefinition",
    "cancelEventDefinition",
    "conditionalEventDefinition",
}
_EVENT_LABELS = {
    "linkEventDefinition": N_("koppeling (link)"),
    "compensateEventDefinition": N_("compensatie"),
    "timerEventDefinition": N_("timer"),
    "messageEventDefinition": N_("bericht"),
    "signalEventDefinition": N_("signaal"),
    "conditionalEventDefinition": N_("voorwaarde"),
}
_ISO = re.compile(r"^(R\d*/)?(P\d|PT\d|P\d*[YMWD]|\d{4}-\d{2}-\d{2})")
_PYTHON_SCRIPTS = {"python", "python3", "text/x-python", "application/x-python"}


def script_items(element: etree._Element) -> Iterator[ImportItem]:
    script_format = (element.get("scriptFormat") or "").strip().lower()
    if script_format and script_format not in _PYTHON_SCRIPTS:
        yield item(
            element,
            Message("Ketenflow voert alleen Python-scripts uit, geen '{format}'.", format=script_format),
            N_("Herschrijf het script in Python (zie docs/modelling.md, 'de sandbox')."),
        )
    script = element.find(f"{B}script")
    if script is None or not (script.text or "").strip():
        yield item(element, N_("De scripttaak heeft geen script."), N_("Schrijf het script in Python."))


def message_task_items(element: etree._Element, kind: str) -> Iterator[ImportItem]:
    message = message_of(element)
    if message is None:
        yield item(
            element,
            N_("De taak noemt geen bericht (messageRef)."),
            N_("Kies of maak een bericht met een naam (bpmn:message)."),
        )
        return
    payload = spiff_text(element, "messagePayload") or spiff_text(message, "messagePayload")
    if kind == "sendTask" and payload is None:
        yield item(
            element,
            N_("Het bericht zegt niet wat het meestuurt (spiffworkflow:messagePayload)."),
            N_('Geef de inhoud van het bericht als Python-expressie, bijvoorbeeld {"zaak": zaaknummer}.'),
        )


def multi_instance_items(element: etree._Element) -> Iterator[ImportItem]:
    has_count = element.find(f"{B}loopCardinality") is not None
    if not has_count and element.find(f"{B}loopDataInputRef") is None:
        owner = element.getparent()
        if owner is not None:
            yield item(
                owner,
                N_("De meervoudige taak (multi-instance) zegt niet hoe vaak of over welke lijst."),
                N_("Geef een aantal (loopCardinality) of een lijst uit de zaakgegevens (loopDataInputRef)."),
            )


def condition_items(flow: etree._Element) -> Iterator[ImportItem]:
    condition = flow.find(f"{B}conditionExpression")
    if condition is None:
        return
    text = (condition.text or "").strip()
    language = (condition.get("language") or "").strip().lower()
    if not text:
        yield item(
            flow, N_("De voorwaarde is leeg."), N_("Schrijf de voorwaarde in Python over de zaakgegevens.")
        )
        return
    converted = python_condition(text)
    if converted is not None and converted != text:
        yield item(
            flow,
            Message("De voorwaarde {text} is geen Python (Camunda- of FEEL-schrijfwijze).", text=text),
            Message("Schrijf de voorwaarde in Python: {python}", python=converted),
        )
    elif language and "python" not in language:
        yield item(
            flow,
            Message("Ketenflow rekent voorwaarden in Python, niet in '{language}'.", language=language),
            N_("Schrijf de voorwaarde in Python over de zaakgegevens."),
        )
    elif _syntax_error(text):
        yield item(
            flow,
            Message("De voorwaarde {text} is geen geldige Python-expressie.", text=text),
            N_('Schrijf de voorwaarde in Python over de zaakgegevens, bijvoorbeeld besluit == "toewijzen".'),
        )


def _syntax_error(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return True
    return False


def start_items(process: etree._Element) -> Iterator[ImportItem]:
    """A process (and each embedded subprocess) starts at one plain start event when a person starts it."""
    starts = [s for s in process if s.tag == f"{B}startEvent"]
    if has_flow(process) and not starts:
        yield item(process, N_("Het proces heeft geen startgebeurtenis."), N_("Teken één startgebeurtenis."))
    for start in starts:
        definitions = [d for d in start if local(d).endswith("EventDefinition")]
        if definitions:
            label = _EVENT_LABELS.get(local(definitions[0]), N_("gebeurtenis"))
            yield item(
                start,
                Message(
                    "Ketenflow start een procedure wanneer een medewerker op 'Starten' klikt; een start met "
                    "een {kind} wordt niet vanzelf gestart.",
                    kind=label,
                ),
                N_("Gebruik een gewone startgebeurtenis (zonder soort)."),
            )
    for sub in process.iter(f"{B}subProcess", f"{B}transaction"):
        if sub.get("triggeredByEvent") == "true":
            continue
        count = sum(1 for child in sub if child.tag == f"{B}startEvent")
        if count != 1:
            yield item(
                sub,
                Message(
                    "Een subproces heeft precies één startgebeurtenis nodig; dit heeft er {count}.",
                    count=count,
                ),
                N_("Teken één gewone startgebeurtenis in het subproces."),
            )


def event_items(definition: etree._Element, kind: str) -> Iterator[ImportItem]:
    event = definition.getparent()
    if event is None:
        return
    if kind not in _SUPPORTED_EVENTS:
        label = _EVENT_LABELS.get(kind, kind.removesuffix("EventDefinition"))
        yield item(
            event,
            Message("Ketenflow voert een gebeurtenis van de soort '{kind}' niet uit.", kind=label),
            N_("Verbind de stappen met een pijl, of gebruik een signaal, bericht of timer."),
        )
    elif kind == "timerEventDefinition":
        yield from timer_items(event, definition)
    elif kind == "messageEventDefinition" and message_of(definition) is None:
        yield item(
            event,
            N_("Het bericht heeft geen naam (messageRef naar een bpmn:message met een naam)."),
            N_(
                "Kies of maak een bericht met een naam in kleine letters en '_', bijvoorbeeld "
                "toestemming_ingetrokken; een opgevangen bericht meldt een medewerker als gebeurtenis op "
                "de zaak."
            ),
        )


def timer_items(event: etree._Element, definition: etree._Element) -> Iterator[ImportItem]:
    found = [c for c in definition if local(c) in ("timeDate", "timeDuration", "timeCycle")]
    if not found:
        yield item(
            event,
            N_("De timer heeft geen tijd (timeDate, timeDuration of timeCycle)."),
            N_('Geef een tijd, bijvoorbeeld de duur "P5D" of deadline(ontvangen_op, "P4W").'),
        )
        return
    text = (found[0].text or "").strip()
    if not text:
        yield item(event, N_("De timer-expressie is leeg."), N_('Geef een tijd, bijvoorbeeld "P5D".'))
        return
    if text.startswith(("${", "#{", "=")):
        yield item(
            event,
            Message("De timer-expressie {text} is in Camunda- of FEEL-schrijfwijze.", text=text),
            N_(
                'Schrijf een vaste waarde tussen aanhalingstekens ("P5D") of een Python-expressie, '
                'bijvoorbeeld deadline(ontvangen_op, "P4W").'
            ),
        )
        return
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        tree = None
    unquoted_iso = _ISO.match(text) and not (isinstance(tree, ast.Constant) and isinstance(tree.value, str))
    if unquoted_iso:
        yield item(
            event,
            Message("De timer-waarde {text} staat niet tussen aanhalingstekens.", text=text),
            Message('Ketenflow leest een timer als Python-expressie: schrijf "{text}".', text=text),
        )
    elif tree is None:
        yield item(
            event,
            Message("De timer-expressie {text} is geen geldige Python-expressie.", text=text),
            N_('Schrijf een vaste waarde tussen aanhalingstekens, bijvoorbeeld "P5D".'),
        )
