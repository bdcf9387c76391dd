"""Storing reports of accessibility problems, with a limit per client address against floods."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from digifys.audit.services import client_ip

from .models import AccessibilityReport

HOUR = 3600


def _key(request: HttpRequest) -> str:
    return f"digifys:a11y-reports:{client_ip(request) or 'unknown'}"


def may_report(request: HttpRequest) -> bool:
    """Whether this client address may send another report this hour."""
    return cache.get(_key(request), 0) < settings.ACCESSIBILITY_REPORTS_PER_HOUR


def store_report(request: HttpRequest, *, page: str, description: str, contact: str):
    """Store a report for the administrators and count it against the client's hourly limit."""
    user = request.user if request.user.is_authenticated else None
    report = AccessibilityReport.objects.create(
        page=page,
        description=description,
        contact=contact,
        language=get_language() or settings.LANGUAGE_CODE,
        reported_by=user,
    )
    key = _key(request)
    cache.add(key, 0, HOUR)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, HOUR)
    return report
