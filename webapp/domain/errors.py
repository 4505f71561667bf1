"""Errors that carry a message a user may read (Dutch by default); never personal data or internals."""

from __future__ import annotations


class KetenflowError(Exception):
    """Base for errors that are shown to the user as they are."""


class NotFound(KetenflowError):
    pass


class AccessDenied(KetenflowError):
    pass


class TaskNotReady(KetenflowError):
    """The task was completed, cancelled or changed by someone else a moment ago."""

    def __init__(self, message: str, *, completed_by: str | None = None) -> None:
        super().__init__(message)
        self.completed_by = completed_by


class ConcurrentUpdate(KetenflowError):
    """The instance changed under us; the caller may reload and retry."""


class FormInvalid(KetenflowError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Het formulier bevat fouten.")
        self.errors = errors


class ProcessError(KetenflowError):
    """A script, condition or timer in a diagram failed; the instance is kept in the error state."""
