"""The anonymised policy statistics count closed-list fields only (domain/policy_dimensions.py): every field
they count is a fixed choice in every form that asks it, is kept by its register, and is not personal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from webapp.domain.policy_dimensions import POLICY_DIMENSIONS, policy_values
from webapp.domain.register_specs import REGISTERS

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _properties() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path in sorted(FORMS.glob("*.schema.json")):
        for name, schema in json.loads(path.read_text(encoding="utf-8")).get("properties", {}).items():
            found.setdefault(name, []).append((path.name, schema))
    return found


def _closed(schema: dict[str, Any]) -> bool:
    if "oneOf" in schema or "enum" in schema or schema.get("type") == "boolean":
        return True
    items = schema.get("items", {})
    return schema.get("type") == "array" and ("oneOf" in items or "enum" in items)


@pytest.mark.parametrize(
    ("register", "dimension"),
    [(register, dimension) for register, dimensions in POLICY_DIMENSIONS.items() for dimension in dimensions],
)
def test_each_counted_field_is_a_fixed_choice_kept_by_its_register(register: str, dimension: str) -> None:
    spec = REGISTERS[register]
    kept = {field.name: field for field in spec.fields}
    assert dimension in kept, f"{register} keeps no field {dimension}"
    assert not kept[dimension].personal
    forms = _properties().get(dimension, [])
    assert forms, f"no form asks {dimension}"
    assert [name for name, schema in forms if not _closed(schema)] == []


def test_free_text_and_odd_values_are_never_counted() -> None:
    fields = {
        "oorzaak": "menselijke_fout",
        "risico": "Dit is\neen verhaal over mevrouw X",
        "aard_inbreuk": ["vertrouwelijkheid", {"x": 1}, "a" * 101],
        "besluit_ap": True,
        "omschrijving_datalek": "vrije tekst",
    }
    assert policy_values("breach", fields) == {
        ("oorzaak", "menselijke_fout"),
        ("aard_inbreuk", "vertrouwelijkheid"),
        ("besluit_ap", "ja"),
    }
