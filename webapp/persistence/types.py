"""Column types shared by the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from webapp.persistence.crypto import keyring_for


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, on every backend: SQLite has no time zones and would hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC instants only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant: datetime = value
        return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest (AES-256-GCM, see persistence/crypto.py); a str in Python, NULL stays NULL.

    ``context`` is the column's own ``table.column``: bound into every value, so values cannot be moved
    between columns. Queries cannot filter or sort on such a column, only test it for NULL. ``compress``
    stores large values zlib-compressed inside the seal (for big, repetitive text such as a serialization).
    """

    impl: TypeEngine[Any] | type[TypeEngine[Any]] = Text
    cache_ok = True

    def __init__(self, context: str, length: int | None = None, *, compress: bool = False) -> None:
        super().__init__()
        if length is not None:  # an existing VARCHAR column keeps its declared type
            self.impl = String(length)
        self.context = context
        self.length = length
        self.compress = compress

    def __repr__(self) -> str:  # as Alembic's autogenerate writes it into a migration
        length = "" if self.length is None else f", {self.length}"
        return f"{type(self).__name__}({self.context!r}{length})"

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_for(dialect).encrypt(value, self.context, compress=self.compress)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_for(dialect).decrypt(value, self.context)


class EncryptedJSON(TypeDecorator[Any]):
    """JSON encrypted at rest: the JSON text is sealed like EncryptedText; Python None is SQL NULL."""

    impl = Text
    cache_ok = True
    hashable = False  # dicts and lists, like SQLAlchemy's own JSON type

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.context!r})"

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_for(dialect).encrypt(json.dumps(value, separators=(",", ":")), self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(keyring_for(dialect).decrypt(value, self.context))
