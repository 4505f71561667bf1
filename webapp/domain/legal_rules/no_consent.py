"""Legal rules of the no_consent procedure."""

from __future__ import annotations
