"""Every text a person can read is in the English catalogue, with the same placeholders as the Dutch.

The texts are found as `make messages` finds them (Babel's extractors over the templates and the Python
code, with `N_` and `Message` as markers), so a new text without a translation fails here, not in front of
an English reader.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "webapp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]")


def _texts_in_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    method_map = [("webapp/templates/**.html", "jinja2"), ("webapp/**.py", "python")]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "N_": None,
        "Message": None,
        "lazy_gettext": None,
    }
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords, options_map={"webapp/templates/**.html": {}}
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, filename)
    return found


def test_every_text_has_an_english_translation_with_the_same_placeholders() -> None:
    with CATALOGUE.open("rb") as po_file:
        catalogue: dict[str, str] = {}
        for entry in read_po(po_file):
            if isinstance(entry.id, tuple):  # ngettext: singular and plural, each with its English form
                catalogue.update(zip(entry.id, entry.string or ("", ""), strict=False))
            elif entry.id:
                catalogue[entry.id] = entry.string
    missing = {text: where for text, where in _texts_in_the_code().items() if not catalogue.get(text)}
    assert not missing, (
        f"{len(missing)} texts without English (run `make messages`): {list(missing.items())[:5]}"
    )
    wrong = [
        text
        for text, english in catalogue.items()
        if english and sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(str(english)))
    ]
    assert not wrong, f"placeholders differ: {wrong[:5]}"
