"""The closed-list register fields that anonymised policy statistics count (convenant art. 2.3 and 12.5;
DOMAIN.md 4.3: aggregates only, no free text).

Only fields whose form offers a fixed choice (radio, select, checkbox list, yes/no) are listed; the
processes tier checks that every one of them is such a field in every form that has it, so a process owner
who turns one into free text is stopped before it is counted. A value that is not a short, plain choice is
never counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

POLICY_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "case": ("bespreekwijze", "leeftijdscategorie", "signalen_geweld", "wettelijke_taak", "reden_afsluiting"),
    "consent": ("toestemming_antwoord", "methode"),
    "no_consent": ("grondslag", "besluit_aanmelden", "levensbedreigende_situatie"),
    "meldcode_report": ("vt_client_vooraf_geinformeerd",),
    "breach": ("oorzaak", "aard_inbreuk", "risico", "besluit_ap", "besluit_betrokkenen"),
    "subject_request": ("kanaal", "rechten", "verzoeker", "leeftijdsgroep", "besluit"),
    "destruction": ("bewaargrond", "vernietigingsmethode"),
}

_MAX_VALUE = 100
_MAX_CHOICES = 20


def policy_values(register: str, fields: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The (dimension, value) pairs an entry counts for: one per choice, several for a checkbox list."""
    pairs: set[tuple[str, str]] = set()
    for dimension in POLICY_DIMENSIONS.get(register, ()):
        value = fields.get(dimension)
        choices = value[:_MAX_CHOICES] if isinstance(value, list) else [value]
        for choice in choices:
            text = _choice_text(choice)
            if text is not None:
                pairs.add((dimension, text))
    return pairs


def _choice_text(choice: Any) -> str | None:
    if isinstance(choice, bool):
        return "ja" if choice else "nee"
    if isinstance(choice, str) and 0 < len(choice) <= _MAX_VALUE and "\n" not in choice:
        return choice
    if isinstance(choice, int):
        return str(choice)
    return None
