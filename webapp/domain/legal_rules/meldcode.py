"""Legal rules of the meldcode procedure."""

from __future__ import annotations
