"""Form descriptions for the web layer, which may not import the engine itself."""

from __future__ import annotations

from typing import Any

from webapp.engine.forms import Field, form_fields

__all__ = ["Field", "describe_form"]


def describe_form(schema: dict[str, Any] | None, uischema: dict[str, Any] | None) -> list[Field]:
    return form_fields(schema, uischema) if schema else []
