"""Login lockout by username and client address together, growing with each lock.

Rules (issue 20 item 17; README "Login"):
- LOGIN_LOCKOUT_ATTEMPTS wrong passwords for one username from one client address within
  LOGIN_LOCKOUT_MINUTES lock that pair for LOGIN_LOCKOUT_MINUTES. Someone elsewhere cannot lock a
  nurse out: her own address is a different pair.
- Each further lock of the same pair within a day lasts twice as long as the one before (at most
  a day), so a slow guesser gains little from waiting.
- Each lock of a real account notifies the user's care coordinators (a code and parameters,
  translated when read: username, address, attempts and minutes; never a resident).
- A correct password clears the pair's failed attempts, not its lock history.
Counted in the cache, like allauth's own limits: set REDIS_URL with several workers.
"""

import hashlib
import math
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

DAY = 24 * 3600


def _client(request: HttpRequest) -> str:
    return get_adapter().get_client_ip(request)


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()
    return f"digifys:lockout:{digest}"


def _load(key: str) -> dict:
    return cache.get(key) or {"failures": [], "strikes": 0, "until": 0.0}


def seconds_locked(request: HttpRequest, username: str) -> int:
    """Return how many seconds USERNAME stays locked from this client (0: not locked)."""
    state = _load(_key(username, _client(request)))
    return max(0, math.ceil(state["until"] - time.time()))


def record_failure(request: HttpRequest, username: str) -> None:
    """Count a wrong password; at the limit lock the pair and alert the coordinators."""
    address = _client(request)
    key = _key(username, address)
    now = time.time()
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    state = _load(key)
    state["failures"] = [t for t in state["failures"] if t > now - window] + [now]
    locked_minutes = 0
    if len(state["failures"]) >= settings.LOGIN_LOCKOUT_ATTEMPTS:
        state["strikes"] += 1
        seconds = min(window * 2 ** (state["strikes"] - 1), DAY)
        state["until"] = now + seconds
        state["failures"] = []
        locked_minutes = math.ceil(seconds / 60)
    cache.set(key, state, timeout=int(max(state["until"] - now, 0)) + DAY)
    if locked_minutes:
        _alert_coordinators(username, address, locked_minutes)


def record_success(request: HttpRequest, username: str) -> None:
    """Forget the pair's failed attempts after a correct password (its lock history stays)."""
    key = _key(username, _client(request))
    state = cache.get(key)
    if state and state["failures"]:
        state["failures"] = []
        cache.set(key, state, timeout=int(max(state["until"] - time.time(), 0)) + DAY)


def _alert_coordinators(username: str, address: str, minutes: int) -> None:
    from digifys.accounts.models import Role, User
    from digifys.directory.models import StaffProfile
    from digifys.notifications import services as notifications

    user = (
        User.objects.filter(username__iexact=username.strip())
        .select_related("staff_profile__employer")
        .first()
    )
    if user is None:
        return  # guessed usernames alert nobody
    organisation = None
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        organisation = profile.employer
    else:
        link = user.relative_links.select_related("resident__unit").first()
        organisation = link.resident.unit if link is not None else None
    # The coordinators employed by the user's organisation or one above it.
    ancestors = []
    while organisation is not None and len(ancestors) < 20:
        ancestors.append(organisation.pk)
        organisation = organisation.parent
    coordinators = [
        p.user
        for p in StaffProfile.objects.filter(
            profession=Role.COORDINATOR, employer_id__in=ancestors, user__is_active=True
        )
        .exclude(user=user)
        .select_related("user")
    ]
    with transaction.atomic():
        notifications.notify(
            recipients=coordinators,
            kind="login_locked",
            code="login_locked",
            params={
                "username": user.get_username(),
                "address": address,
                "failures": settings.LOGIN_LOCKOUT_ATTEMPTS,
                "minutes": minutes,
            },
        )
