from django.conf import settings


def site(request) -> dict:
    """Expose demo mode, languages and the CSP nonce (as django-htmx expects it) to templates."""
    return {
        "DEMO": settings.DEMO,
        "LANGUAGES": settings.LANGUAGES,
        "csp_nonce": getattr(request, "csp_nonce", None),
    }
