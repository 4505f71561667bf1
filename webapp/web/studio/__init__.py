"""The process owners' studio: model, check, test-run, deploy and compare diagrams; forms; import, export.

One blueprint under ``/studio``; each part lives in its own module, imported here so its routes register.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")

# Imported for their routes (they register on ``bp``).
from webapp.web.studio import (  # noqa: E402
    routes_deploy,
    routes_forms,
    routes_modeler,
    routes_testrun,
    routes_transfer,
)

__all__ = ["bp", "routes_deploy", "routes_forms", "routes_modeler", "routes_testrun", "routes_transfer"]
