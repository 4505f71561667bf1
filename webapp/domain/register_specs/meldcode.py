"""Registers of the meldcode procedure."""

from __future__ import annotations

from webapp.domain.register_specs.spec import RegisterSpec

SPECS: list[RegisterSpec] = []
