"""Legal rules of the breach procedure."""

from __future__ import annotations
