"""Encryption at rest (persistence/crypto.py): keyring, stored format, refusals, rotation, settings."""

from __future__ import annotations

import base64

import pytest

from webapp.config import load_settings
from webapp.persistence.crypto import (
    DEVELOPMENT_DATA_KEYS,
    DEVELOPMENT_KEY,
    DataKeyring,
    DecryptionError,
    KeyringError,
    key_id_of,
    new_key_line,
)
from webapp.persistence.key_rotation import encrypted_columns
from webapp.persistence.models import Base
from webapp.persistence.types import EncryptedJSON, EncryptedText

OLD = "k1:" + base64.b64encode(bytes(range(32))).decode()
NEW = "k2:" + base64.b64encode(bytes(range(100, 132))).decode()
CONTEXT = "comment.body"
SECRET = "Cliënt Noor de Vries-Öztürk, geboren 2011-03-14"


def test_a_value_round_trips_and_the_stored_text_shows_neither_the_value_nor_its_length_exactly() -> None:
    keyring = DataKeyring.from_setting(OLD)
    stored = keyring.encrypt(SECRET, CONTEXT)
    assert stored.startswith("kf1:k1:") and "Noor" not in stored and key_id_of(stored) == "k1"
    assert keyring.decrypt(stored, CONTEXT) == SECRET
    assert keyring.encrypt(SECRET, CONTEXT) != stored  # a fresh nonce every time
    raw = base64.b64decode(stored.removeprefix("kf1:k1:"))
    assert len(raw) == 12 + len(SECRET.encode()) + 16  # nonce | ciphertext | tag
    assert keyring.decrypt(keyring.encrypt("", CONTEXT), CONTEXT) == ""


def test_a_key_that_is_not_in_the_keyring_is_refused_without_quoting_the_value() -> None:
    stored = DataKeyring.from_setting(OLD).encrypt(SECRET, CONTEXT)
    with pytest.raises(DecryptionError) as error:
        DataKeyring.from_setting(NEW).decrypt(stored, CONTEXT)
    assert "'k1'" in str(error.value) and "Noor" not in str(error.value)
    same_id_other_key = "k1:" + NEW.split(":", 1)[1]
    with pytest.raises(DecryptionError, match="ontsleutelen mislukt"):
        DataKeyring.from_setting(same_id_other_key).decrypt(stored, CONTEXT)


@pytest.mark.parametrize("position", [8, 20, -1])
def test_a_tampered_value_is_refused(position: int) -> None:
    keyring = DataKeyring.from_setting(OLD)
    stored = keyring.encrypt(SECRET, CONTEXT)
    raw = bytearray(base64.b64decode(stored.removeprefix("kf1:k1:")))
    raw[position] ^= 0x01
    with pytest.raises(DecryptionError, match="ontsleutelen mislukt"):
        keyring.decrypt("kf1:k1:" + base64.b64encode(bytes(raw)).decode(), CONTEXT)
    with pytest.raises(DecryptionError):
        keyring.decrypt(stored[:-8], CONTEXT)  # truncated
    with pytest.raises(DecryptionError, match="niet versleuteld"):
        keyring.decrypt(SECRET, CONTEXT)  # plain text where ciphertext belongs


def test_a_large_value_of_a_compressing_column_is_compressed_before_sealing_and_read_back_the_same() -> None:
    keyring = DataKeyring.from_setting(OLD)
    large = '{"tasks": {' + ", ".join(f'"{n}": {{"state": 64, "data": {{}}}}' for n in range(200)) + "}}"
    stored = keyring.encrypt(large, "process_instance.serialization", compress=True)
    assert stored.startswith("kfz:k1:") and key_id_of(stored) == "k1" and keyring.is_current(stored)
    assert len(stored) < len(large) / 4
    assert keyring.decrypt(stored, "process_instance.serialization") == large
    small = keyring.encrypt(SECRET, CONTEXT, compress=True)  # too small to gain: sealed as it is
    assert small.startswith("kf1:k1:") and keyring.decrypt(small, CONTEXT) == SECRET
    raw = bytearray(base64.b64decode(stored.removeprefix("kfz:k1:")))
    raw[30] ^= 0x01
    with pytest.raises(DecryptionError, match="ontsleutelen mislukt"):
        keyring.decrypt("kfz:k1:" + base64.b64encode(bytes(raw)).decode(), "process_instance.serialization")
    legacy = keyring.encrypt(large, "process_instance.serialization")  # written before compression
    assert keyring.decrypt(legacy, "process_instance.serialization") == large


def test_a_value_moved_to_another_column_does_not_decrypt_there() -> None:
    keyring = DataKeyring.from_setting(OLD)
    stored = keyring.encrypt(SECRET, "comment.body")
    with pytest.raises(DecryptionError, match=r"break_glass\.reason"):
        keyring.decrypt(stored, "break_glass.reason")


def test_after_rotation_the_new_key_encrypts_and_old_values_still_decrypt_until_rewritten() -> None:
    old = DataKeyring.from_setting(OLD)
    rotated = DataKeyring.from_setting(f"{NEW},{OLD}")
    stored = old.encrypt(SECRET, CONTEXT)
    assert rotated.current_id == "k2" and rotated.key_ids == ["k2", "k1"]
    assert rotated.decrypt(stored, CONTEXT) == SECRET and not rotated.is_current(stored)
    rewritten = rotated.encrypt(rotated.decrypt(stored, CONTEXT), CONTEXT)
    assert rotated.is_current(rewritten)
    assert DataKeyring.from_setting(NEW).decrypt(rewritten, CONTEXT) == SECRET  # the old key can go


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("", "geen sleutel"),
        ("zonder-dubbele-punt", "id:base64sleutel"),
        ("k1:niet*base64", "geen geldige base64"),
        ("k1:" + base64.b64encode(b"te kort").decode(), "32 bytes"),
        (f"{OLD},{OLD}", "twee keer"),
        ("k_1:" + OLD.split(":", 1)[1], "alleen letters"),
    ],
)
def test_a_malformed_setting_is_refused_without_repeating_the_key(setting: str, complaint: str) -> None:
    with pytest.raises(KeyringError, match=complaint) as error:
        DataKeyring.from_setting(setting)
    assert OLD.split(":", 1)[1] not in str(error.value)


def test_generate_key_makes_a_valid_fresh_key_line() -> None:
    first, second = new_key_line("k20261130"), new_key_line("k20261130")
    assert first != second and first.startswith("k20261130:")
    assert DataKeyring.from_setting(first).current_id == "k20261130"
    with pytest.raises(KeyringError):
        new_key_line("geen:geldig")


def test_development_and_tests_get_the_development_key_and_production_refuses_it() -> None:
    assert load_settings({"env": "test"}).data_keys == DEVELOPMENT_DATA_KEYS
    with pytest.raises(RuntimeError, match="KETENFLOW_DATA_KEYS ontbreekt"):
        load_settings({"env": "production", "secret_key": "s"})
    for disguised in (DEVELOPMENT_DATA_KEYS, f"{OLD},prod:{DEVELOPMENT_KEY}"):
        with pytest.raises(RuntimeError, match="ontwikkelsleutel"):
            load_settings({"env": "production", "secret_key": "s", "data_keys": disguised})
    with pytest.raises(RuntimeError, match="32 bytes"):
        load_settings({"env": "production", "secret_key": "s", "data_keys": "k1:AAAA"})
    production = load_settings({"env": "production", "secret_key": "s", "data_keys": OLD})
    assert production.data_keyring().key_ids == ["k1"]


def test_every_encrypted_column_binds_its_own_table_and_column_name() -> None:
    found = {c.context for c in encrypted_columns(Base.metadata)}
    assert {
        "process_instance.serialization",
        "human_task.draft",
        "register_entry.fields",
        "comment.body",
        "app_user.totp_secret",
    } <= found
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, EncryptedText | EncryptedJSON):
                assert column.type.context == f"{table.name}.{column.name}"


def test_every_table_with_an_encrypted_column_has_the_integer_id_that_rotation_walks_by() -> None:
    tables = {c.table for c in encrypted_columns(Base.metadata)}
    assert "studio_test_run" in tables
    for name in tables:
        (key,) = Base.metadata.tables[name].primary_key.columns
        assert key.name == "id" and key.type.python_type is int, name
