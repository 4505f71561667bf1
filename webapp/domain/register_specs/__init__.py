"""All registers, one module per procedure; each module defines ``SPECS``."""

from __future__ import annotations

from webapp.domain.register_specs import breach, case, consent, meldcode, retention, subject_request
from webapp.domain.register_specs.spec import RegisterField, RegisterSpec

REGISTERS: dict[str, RegisterSpec] = {
    spec.kind: spec
    for module in (case, consent, meldcode, breach, subject_request, retention)
    for spec in module.SPECS
}

__all__ = ["REGISTERS", "RegisterField", "RegisterSpec"]
