"""Legal rules of the case intake procedure."""

from __future__ import annotations
