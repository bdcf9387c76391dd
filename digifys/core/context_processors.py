from django.conf import settings
from django.utils.functional import SimpleLazyObject


def _fully_logged_in(request) -> bool:
    from digifys.accounts import authentication

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not authentication.needs_second_factor(user):
        return True
    return authentication.has_second_factor(request)


def site(request) -> dict:
    """Expose demo mode, languages and the CSP nonce (as django-htmx expects it) to templates.

    FULLY_LOGGED_IN is true once the user has passed every login step (for staff: the second
    factor): live parts of the page shell appear only then. LIVE_POLL_SECONDS: how often a page
    fetches its live parts while their WebSocket is down.
    """
    return {
        "DEMO": settings.DEMO,
        "LANGUAGES": settings.LANGUAGES,
        "csp_nonce": getattr(request, "csp_nonce", None),
        "FULLY_LOGGED_IN": SimpleLazyObject(lambda: _fully_logged_in(request)),
        "LIVE_POLL_SECONDS": settings.LIVE_POLL_SECONDS,
    }
