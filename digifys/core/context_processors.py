from django.conf import settings


def site(request) -> dict:
    """Expose demo mode and languages to every template."""
    return {"DEMO": settings.DEMO, "LANGUAGES": settings.LANGUAGES}
