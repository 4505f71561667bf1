"""Studio part: routes_deploy (routes register on the studio blueprint)."""

from __future__ import annotations

from webapp.web.studio import bp  # noqa: F401
