"""encryption at rest: case contents and personal values sealed with AES-256-GCM

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

The JSON columns that now hold ciphertext become TEXT (PostgreSQL's json type refuses it); then every
existing value of the encrypted columns is encrypted in place with the current key of KETENFLOW_DATA_KEYS
(`ketenflow init-db` hands its keyring over; the plain `alembic` command reads the environment). The
downgrade decrypts them again. The column list is fixed here, as it was at this revision.
"""
from alembic import context, op
import sqlalchemy as sa

from webapp.persistence.crypto import DataKeyring
from webapp.persistence.key_rotation import EncryptedColumn, decrypt_all, reencrypt_all


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 200
# (table, column, nullable) of the JSON columns that become TEXT
JSON_COLUMNS = [("human_task", "draft", True), ("register_entry", "fields", False)]
ENCRYPTED = [
    EncryptedColumn("app_user", "totp_secret"),
    EncryptedColumn("process_instance", "serialization"),
    EncryptedColumn("process_instance", "last_error"),
    EncryptedColumn("human_task", "draft"),
    EncryptedColumn("job", "last_error"),
    EncryptedColumn("register_entry", "fields"),
    EncryptedColumn("comment", "body"),
    EncryptedColumn("break_glass", "reason"),
]


def _keyring() -> DataKeyring:
    keyring = context.config.attributes.get("ketenflow_keyring")
    if keyring is None:
        from webapp.config import load_settings

        keyring = load_settings().data_keyring()
    return keyring


def upgrade() -> None:
    for table, name, nullable in JSON_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                name,
                existing_type=sa.JSON(),
                type_=sa.Text(),
                existing_nullable=nullable,
                postgresql_using=f"{name}::text",
            )
    connection, keyring = op.get_bind(), _keyring()
    for target in ENCRYPTED:
        reencrypt_all(connection, keyring, target, BATCH)


def downgrade() -> None:
    connection, keyring = op.get_bind(), _keyring()
    for target in ENCRYPTED:
        decrypt_all(connection, keyring, target, BATCH)
    for table, name, nullable in JSON_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                name,
                existing_type=sa.Text(),
                type_=sa.JSON(),
                existing_nullable=nullable,
                postgresql_using=f"{name}::json",
            )
