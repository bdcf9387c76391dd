"""Who needs a second factor, and whether this session has one (HSLF-FS 2016:40 3 kap. 15 §).

Staff reach resident data over open networks, so their session must show two-factor
authentication: a TOTP code (or recovery code) entered in this session, or a login through the
region's identity provider, which authenticates with SITHS card or BankID. Relatives see only what
staff chose to share; a password or an e-mailed code is enough for them.

allauth keeps a list of the authentication steps of the session ("password", "mfa",
"socialaccount", …); the rules below read that list. digifys adds two steps of its own: "mfa"
with ``activated`` when the TOTP app was set up in this session (the code entered to set it up
proves possession), and "demo" for the demo quick-login, honoured only while DIGIFYS_DEMO is on.
"""

import time

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest

from .models import Role, User

STAFF_ROLES = frozenset(
    {Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE, Role.COORDINATOR, Role.ADMINISTRATOR}
)
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
DEMO_METHOD = "demo"


def needs_second_factor(user: User) -> bool:
    """Staff and anyone who can open the admin site must use two factors; relatives need not."""
    return user.is_staff or user.is_superuser or user.role in STAFF_ROLES


def has_authenticator(user: User) -> bool:
    """Return True if the user has set up a TOTP app (or a security key)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


def is_strong_step(record: dict) -> bool:
    """Return True if an authentication step of the session counts as the second factor."""
    method = record.get("method")
    if method == "mfa":
        return True
    if method == "socialaccount":
        return record.get("provider") == settings.OIDC_PROVIDER_ID
    return method == DEMO_METHOD and settings.DEMO


def has_second_factor(request: HttpRequest) -> bool:
    """Return True if this session's user completed a second factor in this session."""
    return any(is_strong_step(r) for r in get_authentication_records(request, request.user))


def used_region_idp(request: HttpRequest, user: User) -> bool:
    """Return True if USER logged in through the region's identity provider in this session."""
    return any(
        r.get("method") == "socialaccount" and r.get("provider") == settings.OIDC_PROVIDER_ID
        for r in get_authentication_records(request, user)
    )


def logged_in_by_code(request: HttpRequest, user: User) -> bool:
    """Return True if USER's login in this session used a code sent by e-mail."""
    return any(r.get("method") == "code" for r in get_authentication_records(request, user))


def logged_in_recently(request: HttpRequest) -> bool:
    """Return True if the session's user logged in within ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    records = get_authentication_records(request, request.user)
    timeout = getattr(settings, "ACCOUNT_REAUTHENTICATION_TIMEOUT", 300)
    return any(time.time() - r.get("at", 0) < timeout for r in records)


def record_activated_authenticator(request: HttpRequest, authenticator: Authenticator) -> None:
    """Count setting up an authenticator (a valid code was entered) as the session's 2nd step."""
    if authenticator.type in SECOND_FACTOR_TYPES and request.user.pk == authenticator.user_id:
        record_authentication(
            request,
            request.user,
            "mfa",
            id=authenticator.pk,
            type=authenticator.type,
            activated=True,
        )


def record_demo_login(request: HttpRequest, user: User) -> None:
    """Mark a demo quick-login; it satisfies the second factor only in demo mode."""
    record_authentication(request, user, DEMO_METHOD)
