"""Field-level encryption at rest (AES-256-GCM with key ids) and keyed hashes for exact lookups.

A value is stored as ``enc1:<key id>:<base64url(nonce + ciphertext + tag)>``. The key id is the
first eight hex digits of the key's SHA-256, so several keys can decrypt at once while keys
are rotated, and a re-encryption pass can tell cheaply which rows still use an old key.
The empty string is stored as it is: there is nothing in it to protect, and a blank field
must stay recognisable as blank (forms, purges).

Encrypted columns cannot be searched; an exact lookup goes through a keyed hash
(HMAC-SHA256 of a normalised value) kept in its own indexed column. The keys come from
settings (``FIELD_ENCRYPTION_KEYS``: first encrypts, all decrypt; ``FIELD_LOOKUP_KEY``),
which ``load_keys`` reads from the environment or from files generated once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value that the configured keys cannot open (unknown key id, or tampered)."""


def new_key() -> str:
    """A fresh random key in the form the settings take: 32 bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def decode_key(text: str, *, variable: str) -> bytes:
    """The 32 raw bytes of ``text``, or ``ImproperlyConfigured`` naming ``variable``."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{variable} holds a key that is not {KEY_BYTES} bytes of URL-safe base64 "
            f"(make one with: manage.py personal_data new-key)."
        )
    return raw


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def _generated(path: Path) -> str:
    """The key kept in ``path``, made (mode 0600) the first time; safe if two processes race."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key() + "\n")
        try:
            # A hard link fails if the name exists: whoever links first wins, the other reads it.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def load_keys(variable: str, path: Path, *, single: bool = False) -> list[str]:
    """Comma-separated keys from ``variable``; unset, one key generated once into ``path``.

    Every key is checked now, so a malformed one stops start-up rather than a save.
    """
    text = os.environ.get(variable)
    if text is None:
        text = _generated(path)
    keys = [part.strip() for part in text.split(",") if part.strip()]
    if not keys:
        raise ImproperlyConfigured(f"{variable} is set but holds no key.")
    if single and len(keys) > 1:
        raise ImproperlyConfigured(f"{variable} takes one key, not a list.")
    for key in keys:
        decode_key(key, variable=variable)
    if len({key_id(decode_key(key, variable=variable)) for key in keys}) != len(keys):
        raise ImproperlyConfigured(f"{variable} lists the same key twice.")
    return keys


@dataclass(frozen=True)
class Keyring:
    """The configured keys, decoded: ``primary`` encrypts, every key in ``by_id`` decrypts."""

    primary_id: str
    by_id: dict[str, AESGCM]
    lookup: bytes


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...], lookup: str) -> Keyring:
    decoded = [decode_key(key, variable="FIELD_ENCRYPTION_KEYS") for key in keys]
    return Keyring(
        primary_id=key_id(decoded[0]),
        by_id={key_id(raw): AESGCM(raw) for raw in decoded},
        lookup=decode_key(lookup, variable="FIELD_LOOKUP_KEY"),
    )


def keyring() -> Keyring:
    # Read on every call (cheap, cached by value) so a test's override_settings takes effect.
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.FIELD_LOOKUP_KEY)


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def key_id_of(value: str) -> str:
    """The id of the key ``value`` was encrypted with ("" for a blank or plaintext value)."""
    if not is_encrypted(value):
        return ""
    return value.split(":", 2)[1]


def encrypt(value: str) -> str:
    if value == "":
        return ""
    ring = keyring()
    header = f"{PREFIX}:{ring.primary_id}:"
    nonce = secrets.token_bytes(NONCE_BYTES)
    # The header is authenticated too, so a key id cannot be swapped under a ciphertext.
    sealed = ring.by_id[ring.primary_id].encrypt(nonce, value.encode(), header.encode())
    return header + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(value: str) -> str:
    """The plaintext of a stored value; a value without the prefix (written before the column
    was encrypted) is returned as it is, and ``reencrypt`` turns it into ciphertext."""
    if not is_encrypted(value):
        return value
    try:
        _prefix, kid, body = value.split(":", 2)
        blob = base64.urlsafe_b64decode(body.encode())
    except (ValueError, binascii.Error) as exc:
        raise DecryptionError("stored value is not in the enc1 format") from exc
    cipher = keyring().by_id.get(kid)
    if cipher is None:
        raise DecryptionError(f"stored value uses key {kid}, which is not configured")
    try:
        plain = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], f"{PREFIX}:{kid}:".encode())
    except Exception as exc:  # cryptography's InvalidTag: wrong key or altered value
        raise DecryptionError(f"stored value does not open with key {kid}") from exc
    return plain.decode()


def needs_reencryption(value: str) -> bool:
    """Whether ``value`` is plaintext or under a key other than the current first one."""
    return value != "" and key_id_of(value) != keyring().primary_id


def digits_only(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def upper_stripped(value: str) -> str:
    return "".join(value.split()).upper()


def keyed_hash(value: str, *, normalise: Callable[[str], str] = upper_stripped) -> str:
    """HMAC-SHA256 (hex) of the normalised value, or "" when there is nothing to hash."""
    normal = normalise(value)
    if not normal:
        return ""
    return hmac.new(keyring().lookup, normal.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column holding ciphertext; Python code sees the plaintext.

    It refuses every lookup (``filter(phone=...)`` would compare against a random ciphertext
    and silently find nothing): search through a keyed-hash column instead.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return value
        return decrypt(value)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = super().get_db_prep_save(value, connection)
        if value is None:
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_transform(self, lookup_name: str) -> Any:
        return None


def encrypted_values(values: Sequence[str]) -> list[str]:
    """``values`` encrypted with the current key, for writers that bypass the ORM."""
    return [encrypt(value) for value in values]
