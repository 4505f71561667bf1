"""Encryption at rest: AES-256-GCM under a keyring from configuration (``KETENFLOW_DATA_KEYS``).

The setting lists ``id:base64key`` pairs separated by commas. The first key encrypts; every listed key
decrypts, so a new key can be put in front, ``ketenflow rotate-keys`` re-encrypts the stored values, and the
old key is then removed from the setting.

A stored value reads ``kf1:<key id>:<base64(nonce | ciphertext | tag)>``. The table and column name are
bound in as associated data, so a value copied into another column does not decrypt there. A column that
holds large, repetitive text (the workflow serialization) asks for compression: its values read
``kfz:…`` and hold the zlib-compressed text, sealed the same way (compressed before encrypting: ciphertext
does not compress).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import zlib
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Dialect, Engine

FORMAT = "kf1"
COMPRESSED_FORMAT = "kfz"
FORMATS = (FORMAT, COMPRESSED_FORMAT)
# Below this size zlib's header and the base64 growth eat the gain.
COMPRESS_FROM_CHARS = 256
KEY_BYTES = 32
NONCE_BYTES = 12
# Key ids appear unquoted in the stored values and in LIKE patterns: no ':' and no LIKE wildcards.
_KEY_ID = re.compile(r"^[A-Za-z0-9.-]{1,40}$")
# A fixed, published key for development and tests only: Settings refuses it in production.
DEVELOPMENT_KEY_ID = "dev"
DEVELOPMENT_KEY = "a2V0ZW5mbG93LWRldi1vbmx5LWRhdGEta2V5LTMyYnk="
DEVELOPMENT_DATA_KEYS = f"{DEVELOPMENT_KEY_ID}:{DEVELOPMENT_KEY}"


class KeyringError(ValueError):
    """The KETENFLOW_DATA_KEYS setting is malformed (the message never repeats a key)."""


class DecryptionError(ValueError):
    """A stored value does not decrypt: unknown key, tampered, moved from another column, or not encrypted.
    The message names the column, never the value."""


class DataKeyring:
    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise KeyringError("KETENFLOW_DATA_KEYS bevat geen sleutel")
        self._ciphers: dict[str, AESGCM] = {}
        for key_id, key in keys:
            if not _KEY_ID.match(key_id):
                raise KeyringError(f"sleutel-id {key_id!r}: alleen letters, cijfers, '.' en '-' (tot 40)")
            if key_id in self._ciphers:
                raise KeyringError(f"sleutel-id {key_id!r} komt twee keer voor")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"sleutel {key_id!r} moet {KEY_BYTES} bytes zijn (AES-256)")
            self._ciphers[key_id] = AESGCM(key)
        self.current_id = keys[0][0]
        self.current_prefixes = tuple(f"{tag}:{self.current_id}:" for tag in FORMATS)
        self._current = self._ciphers[self.current_id]

    @classmethod
    def from_setting(cls, setting: str) -> DataKeyring:
        """Parse ``id:base64key[,id:base64key…]``; the first pair is the current key."""
        return cls(_parse(setting))

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def encrypt(self, plaintext: str, context: str, *, compress: bool = False) -> str:
        data, tag = plaintext.encode("utf-8"), FORMAT
        if compress and len(plaintext) >= COMPRESS_FROM_CHARS:
            data, tag = zlib.compress(data, 6), COMPRESSED_FORMAT
        nonce = os.urandom(NONCE_BYTES)  # 96 random bits per value: safe far beyond this system's volume
        sealed = self._current.encrypt(nonce, data, context.encode("utf-8"))
        return f"{tag}:{self.current_id}:" + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str, context: str) -> str:
        key_id = key_id_of(stored)
        if key_id is None:
            raise DecryptionError(f"{context}: de waarde is niet versleuteld")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(f"{context}: sleutel {key_id!r} staat niet in KETENFLOW_DATA_KEYS")
        try:
            raw = base64.b64decode(stored[len(FORMAT) + len(key_id) + 2 :], validate=True)
            plain = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
            if stored.startswith(COMPRESSED_FORMAT):
                plain = zlib.decompress(plain)
        except (binascii.Error, InvalidTag, ValueError, zlib.error):
            raise DecryptionError(f"{context}: ontsleutelen mislukt (gewijzigd of andere kolom)") from None
        return plain.decode("utf-8")

    def is_current(self, stored: str) -> bool:
        return stored.startswith(self.current_prefixes)


def _parse(setting: str) -> list[tuple[str, bytes]]:
    keys = []
    for item in (part.strip() for part in setting.split(",")):
        if not item:
            continue
        key_id, separator, encoded = item.partition(":")
        if not separator:
            raise KeyringError("KETENFLOW_DATA_KEYS: verwacht id:base64sleutel, gescheiden door komma's")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise KeyringError(f"sleutel {key_id.strip()!r} is geen geldige base64") from None
        keys.append((key_id.strip(), key))
    return keys


def uses_development_key(setting: str) -> bool:
    """Whether the published development key is among the keys (under any id)."""
    development = base64.b64decode(DEVELOPMENT_KEY)
    return any(secrets.compare_digest(key, development) for _, key in _parse(setting))


def key_id_of(stored: str) -> str | None:
    """The key id of a stored value, or None when it is not in the ``kf1`` or ``kfz`` format."""
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] not in FORMATS or not _KEY_ID.match(parts[1]):
        return None
    return parts[1]


def new_key_line(key_id: str) -> str:
    """A fresh random key as one ``id:base64key`` item of KETENFLOW_DATA_KEYS."""
    line = f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode('ascii')}"
    DataKeyring.from_setting(line)  # the id must be valid
    return line


# The keyring of each engine, found through the dialect the column types receive: each engine has its own
# dialect object, so two databases with different keys can live in one process (tests, rotation). It is kept
# as an attribute of the dialect (it lives and dies with it): looked up for every encrypted value.
_ATTRIBUTE = "ketenflow_keyring"


def bind_keyring(engine: Engine, keyring: DataKeyring) -> None:
    setattr(engine.dialect, _ATTRIBUTE, keyring)


def keyring_for(dialect: Dialect) -> DataKeyring:
    keyring: DataKeyring | None = getattr(dialect, _ATTRIBUTE, None)
    if keyring is None:
        raise RuntimeError("geen sleutels aan deze database gekoppeld: gebruik Database(url, keyring=…)")
    return keyring
