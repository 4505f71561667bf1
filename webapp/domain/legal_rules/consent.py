"""Legal rules of the consent procedure."""

from __future__ import annotations
