"""Registers of the case procedure."""

from __future__ import annotations

from webapp.domain.register_specs.spec import RegisterSpec

SPECS: list[RegisterSpec] = []
