"""Re-encrypting stored values under the current data key (``ketenflow rotate-keys``, migration 0006).

Works on the raw column text, in batches by primary key. Every batch is its own transaction, so a run that
stops can simply be started again; values already under the current key are not touched, so a second run
changes nothing. An UPDATE only lands if the value is still the one read (compare-and-swap): a value that
the application rewrote in the meantime is already under the current key and stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Integer, MetaData, Text, column, or_, select, table, update
from sqlalchemy.sql.expression import TableClause

from webapp.persistence.crypto import COMPRESSED_FORMAT, FORMATS, DataKeyring, key_id_of
from webapp.persistence.db import Database
from webapp.persistence.types import EncryptedJSON, EncryptedText

DEFAULT_BATCH = 200


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str

    @property
    def context(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass
class ColumnRotation:
    column: EncryptedColumn
    rotated: int = 0  # moved from an older key to the current one
    sealed: int = 0  # found unencrypted and encrypted now


def encrypted_columns(metadata: MetaData) -> list[EncryptedColumn]:
    """Every column of the models whose type encrypts, in table order. Rotation walks each such table in
    batches by an integer ``id`` column: a table with an encrypted column needs one (a unit test checks)."""
    found = []
    for model_table in metadata.sorted_tables:
        for model_column in model_table.columns:
            if isinstance(model_column.type, EncryptedText | EncryptedJSON):
                found.append(EncryptedColumn(model_table.name, model_column.name))
    return found


def _raw(target: EncryptedColumn) -> TableClause:
    """The column as stored text, without the encrypting type."""
    return table(target.table, column("id", Integer), column(target.column, Text))


def reencrypt_batch(
    connection: Connection, keyring: DataKeyring, target: EncryptedColumn, after_id: int, batch: int
) -> tuple[int | None, int, int]:
    """Bring up to ``batch`` values after ``after_id`` under the current key: (last id or None when there
    was nothing left, rotated, sealed). Plain values (not yet encrypted) are encrypted."""
    raw = _raw(target)
    value = raw.c[target.column]
    rows = connection.execute(
        select(raw.c.id, value)
        .where(
            raw.c.id > after_id,
            value.is_not(None),
            *(value.not_like(prefix + "%") for prefix in keyring.current_prefixes),
        )
        .order_by(raw.c.id)
        .limit(batch)
    ).all()
    rotated = sealed = 0
    for row_id, stored in rows:
        if key_id_of(stored) is None:
            plain, sealed = stored, sealed + 1
        else:
            plain, rotated = keyring.decrypt(stored, target.context), rotated + 1
        compress = stored.startswith(COMPRESSED_FORMAT)  # a value keeps its form; the application decides it
        connection.execute(
            update(raw)
            .where(raw.c.id == row_id, value == stored)
            .values({target.column: keyring.encrypt(plain, target.context, compress=compress)})
        )
    return (rows[-1][0] if rows else None), rotated, sealed


def decrypt_batch(
    connection: Connection, keyring: DataKeyring, target: EncryptedColumn, after_id: int, batch: int
) -> int | None:
    """Store up to ``batch`` encrypted values after ``after_id`` as plain text again (migration downgrade)."""
    raw = _raw(target)
    value = raw.c[target.column]
    rows = connection.execute(
        select(raw.c.id, value)
        .where(raw.c.id > after_id, or_(*(value.like(tag + ":%") for tag in FORMATS)))
        .order_by(raw.c.id)
        .limit(batch)
    ).all()
    for row_id, stored in rows:
        plain = keyring.decrypt(stored, target.context)
        connection.execute(update(raw).where(raw.c.id == row_id).values({target.column: plain}))
    return rows[-1][0] if rows else None


def reencrypt_all(connection: Connection, keyring: DataKeyring, target: EncryptedColumn, batch: int) -> None:
    """One column in one transaction (the migration's); batches only bound the memory used."""
    last: int | None = 0
    while last is not None:
        last, _, _ = reencrypt_batch(connection, keyring, target, last, batch)


def decrypt_all(connection: Connection, keyring: DataKeyring, target: EncryptedColumn, batch: int) -> None:
    last: int | None = 0
    while last is not None:
        last = decrypt_batch(connection, keyring, target, last, batch)


def rotate_keys(
    database: Database, columns: list[EncryptedColumn], batch: int = DEFAULT_BATCH
) -> Iterator[ColumnRotation]:
    """Every encrypted value of ``columns`` under the database's current key, one committed batch at a
    time; yields the counts of each column when it is done."""
    for target in columns:
        counts = ColumnRotation(target)
        last: int | None = 0
        while last is not None:
            with database.write() as session:
                last, rotated, sealed = reencrypt_batch(
                    session.connection(), database.keyring, target, last, batch
                )
            counts.rotated += rotated
            counts.sealed += sealed
        yield counts
