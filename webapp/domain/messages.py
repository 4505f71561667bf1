"""Messages for people: written in Dutch (the source language), translated where the reader is known.

Domain rules and services do not know who reads their message, so they return a :class:`Message`: a str
holding the Dutch text (so logs of tests, comparisons and joins keep working) that also remembers its
template and parameters. The web layer looks the template up in the reader's catalogue and fills it in again.
``N_`` only marks a constant template for extraction (``make messages``); it returns the text unchanged.
"""

from __future__ import annotations

from typing import Any


def N_(template: str) -> str:
    return template


class Message(str):
    """A Dutch text made from a ``str.format`` template; ``template`` and ``params`` allow a translation."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        text = template.format(**params) if params else template
        message = super().__new__(cls, text)
        message.template = template
        message.params = params
        return message

    def __reduce__(self) -> tuple[Any, ...]:  # copying keeps the template, not only the Dutch text
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)
