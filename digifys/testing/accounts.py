"""Test helpers for logging in with two factors (used by the fixtures in conftest.py).

- `complete_second_factor(client, user)` marks a test client's session as logged in with password
  and TOTP, exactly as allauth records it after a real login.
- `give_totp(user)` sets up a TOTP authenticator with a known secret; `totp_code(secret)` computes
  the current code (RFC 6238, written out here so the tests do not trust allauth's own code).
"""

import base64
import hashlib
import hmac
import struct
import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from digifys.accounts.models import User

# A fixed base32 secret for the personas' authenticator apps (test only).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
TOTP_PERIOD = 30
# allauth keeps the user the records belong to under this key (private in allauth).
_RECORDS_USER_SESSION_KEY = "account_authentication_methods_user"


def totp_code(secret: str, *, at: float | None = None) -> str:
    """Return the 6-digit TOTP code for SECRET at time AT (RFC 6238: HMAC-SHA1, 30 s steps)."""
    counter = int((time.time() if at is None else at) // TOTP_PERIOD)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_totp_code(secret: str) -> str:
    """Return the current code, waiting for the next step if this one is about to expire."""
    remaining = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if remaining < 3:
        time.sleep(remaining + 0.1)
    return totp_code(secret)


def give_totp(user: User, secret: str = TOTP_SECRET) -> Authenticator:
    """Set up a TOTP authenticator app for USER with SECRET (unless one exists)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, secret).instance


def complete_second_factor(client: Client, user: User) -> None:
    """Record password and TOTP steps in the test client's session, as allauth does."""
    now = time.time()
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.username},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[_RECORDS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def session_cookie(user: User, base_url: str) -> dict:
    """A browser cookie for a fully logged-in session of USER (password and TOTP recorded).

    For Playwright's `context.add_cookies([...])`: browser tests that are not about logging in
    skip the login form this way (one context per user, no TOTP step to wait for).
    """
    from django.conf import settings

    client = Client()
    client.force_login(user)
    complete_second_factor(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": base_url}
