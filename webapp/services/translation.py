"""The English (and any later) catalogue for texts made outside a request: messages, notices and mails.

Dutch is the source language: a Dutch text is its own message id, so a text without a translation is shown
as it is. The web layer uses the same function with the reader's language for service and rule messages.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from webapp.domain.messages import N_, Message

CATALOGUES = Path(__file__).resolve().parent.parent / "translations"
SOURCE_LANGUAGE = "nl"


def compile_catalogues(directory: Path = CATALOGUES) -> None:
    """Compile each .po that has no up-to-date .mo beside it, so a fresh checkout needs no build step."""
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError:  # a read-only install: English falls back to the Dutch text; run `make translations`
            continue


@lru_cache(maxsize=8)
def _catalogue(language: str) -> NullTranslations:
    compile_catalogues()
    return Translations.load(str(CATALOGUES), [language])


def translate(text: str, language: str) -> str:
    """``text`` in ``language``; a :class:`Message` is translated as its template, then filled in."""
    if language == SOURCE_LANGUAGE or not text:
        return str(text)
    catalogue = _catalogue(language)
    if isinstance(text, Message):
        params = {
            name: translate(value, language) if isinstance(value, str) else value
            for name, value in text.params.items()
        }
        return catalogue.gettext(text.template).format(**params)
    return catalogue.gettext(text)


def translate_all(messages: dict[str, str], language: str) -> dict[str, str]:
    return {key: translate(message, language) for key, message in messages.items()}


# --- due-date rules -------------------------------------------------------------------------------------
# A task's due rule is stored as the Dutch text that ``domain.deadlines`` and ``services.projections``
# compose ("4 weken vanaf 30-10-2026, verlengd tot de eerstvolgende werkdag"): every reader sees that row.
# Its grammar is ours and small, so it is read back into its parts and each part is translated.

_DUE_RULE = re.compile(
    r"^(?P<period>\d+ [a-z]+(?: en \d+ [a-z]+)*)"
    r"(?: vanaf (?P<since>het ontstaan van de taak|[\d-]+(?: [\d:]+)?))?"
    r"(?P<extended>, verlengd tot de eerstvolgende werkdag)?$"
)
_UNITS = {
    "jaar": N_("{count} jaar"),
    "maand": N_("{count} maand"),
    "maanden": N_("{count} maanden"),
    "week": N_("{count} week"),
    "weken": N_("{count} weken"),
    "dag": N_("{count} dag"),
    "dagen": N_("{count} dagen"),
    "werkdag": N_("{count} werkdag"),
    "werkdagen": N_("{count} werkdagen"),
    "uur": N_("{count} uur"),
    "minuut": N_("{count} minuut"),
    "minuten": N_("{count} minuten"),
}
_SINGULAR = {"1 jaar": N_("1 jaar"), "1 uur": N_("1 uur")}  # the same word for one and many in Dutch
_TASK_START = N_("het ontstaan van de taak")


def translate_due_rule(text: str | None, language: str) -> str:
    """A stored due-rule text in ``language``; a text of another shape (a process owner's own) as a whole."""
    if not text or language == SOURCE_LANGUAGE:
        return text or ""
    match = _DUE_RULE.match(text)
    if match is None or any(part.split(" ", 1)[1] not in _UNITS for part in _periods(match["period"])):
        return translate(text, language)
    pieces = [
        translate(_SINGULAR.get(f"{count} {unit}") or Message(_UNITS[unit], count=int(count)), language)
        for count, unit in (part.split(" ", 1) for part in _periods(match["period"]))
    ]
    rule = pieces[0]
    for piece in pieces[1:]:
        rule = translate(Message(N_("{first} en {second}"), first=rule, second=piece), language)
    if match["since"]:
        rule = translate(Message(N_("{period} vanaf {start}"), period=rule, start=match["since"]), language)
    if match["extended"]:
        rule = translate(
            Message(N_("{period}, verlengd tot de eerstvolgende werkdag"), period=rule), language
        )
    return rule


def _periods(text: str) -> list[str]:
    return text.split(" en ")
