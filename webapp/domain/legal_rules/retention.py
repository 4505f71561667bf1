"""Legal rules of the retention procedure."""

from __future__ import annotations
