"""Legal rules of the subject_request procedure."""

from __future__ import annotations
