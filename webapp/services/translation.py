"""The English (and any later) catalogue for texts made outside a request: messages, notices and mails.

Dutch is the source language: a Dutch text is its own message id, so a text without a translation is shown
as it is. The web layer uses the same function with the reader's language for service and rule messages.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from webapp.domain.messages import Message

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
