"""Encryption of the second-factor secrets at rest (TOTP keys, recovery-code seeds).

allauth stores them through `MFAAdapter.encrypt`/`decrypt`; digifys encrypts with Fernet
(AES-128-CBC + HMAC-SHA256, from `cryptography`) under MFA_ENCRYPTION_KEY, a key kept outside
the database. Several comma-separated keys may be given: the first encrypts, all decrypt, so a
key can be rotated. Someone who can read the database (or the admin) cannot compute a
clinician's codes without the key.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UndecryptableSecret(RuntimeError):
    """A stored secret is not readable with the configured keys (wrong key or plain text)."""


def generate_key() -> str:
    """Return a new random Fernet key (URL-safe base64 of 32 bytes)."""
    return Fernet.generate_key().decode("ascii")


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.MFA_ENCRYPTION_KEY.split(",") if key.strip()]
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def encrypt(text: str) -> str:
    """Return TEXT encrypted under the first configured key."""
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Return the plain text of TOKEN; raise UndecryptableSecret if no key opens it."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise UndecryptableSecret("a second-factor secret cannot be decrypted") from exc


def is_encrypted(value: str) -> bool:
    """Return True if VALUE opens with one of the configured keys."""
    try:
        decrypt(value)
    except UndecryptableSecret:
        return False
    return True
