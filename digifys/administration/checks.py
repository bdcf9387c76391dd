"""Deploy checks: where the data lives (issue #17 §6; domain-spec §3.6).

Patient data, backups, uploaded files and the TURN/SFU relays must stay in Sweden or the EU.
`manage.py check --deploy` warns about every configured part of the installation whose declared
country (`DATA_LOCATION_*`) is not in `DATA_RESIDENCY_ALLOWED`, or whose country is not declared
at all. A part that is not configured (no Redis, no TURN server, …) is not checked.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


def _configured_parts() -> list[tuple[str, str, str]]:
    """Return (part, what it is, the setting that configures it) for each configured part."""
    parts = [
        ("database", "the database server", "DATABASE_URL"),
        ("files", "the file storage (MEDIA_ROOT)", "MEDIA_ROOT"),
        ("backups", "the backups (manage.py backup)", "DATA_LOCATION_BACKUPS"),
    ]
    if settings.REDIS_URL:
        parts.append(("redis", "Redis (cache, live updates)", "REDIS_URL"))
    if settings.VIDEO_TURN_URLS:
        parts.append(("turn", "the TURN relay", "VIDEO_TURN_URLS"))
    if settings.JANUS_URL or settings.JANUS_PUBLIC_URL:
        parts.append(("sfu", "the SFU (Janus)", "JANUS_URL"))
    if settings.NOTIFICATION_SMS_URL:
        parts.append(("sms", "the SMS provider", "NOTIFICATION_SMS_URL"))
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        parts.append(("email", "the SMTP relay", "EMAIL_HOST"))
    return parts


@register(Tags.security, deploy=True)
def check_data_residency(app_configs=None, **kwargs) -> list[Warning]:
    """Warn about each configured storage or relay outside the allowed countries."""
    allowed = set(settings.DATA_RESIDENCY_ALLOWED)
    locations = settings.DATA_LOCATIONS
    warnings = []
    for part, label, configured_by in _configured_parts():
        variable = f"DATA_LOCATION_{part.upper()}"
        country = locations.get(part, "")
        if not country:
            warnings.append(
                Warning(
                    f"Where {label} is located is not declared.",
                    hint=f"Set {variable} to its ISO country code (configured by "
                    f"{configured_by}); patient data must stay in Sweden or the EU "
                    "(docs/operations.md, 'Where the data lives').",
                    id="administration.W002",
                )
            )
        elif country not in allowed:
            warnings.append(
                Warning(
                    f"{label[0].upper()}{label[1:]} is located in {country}, outside the "
                    f"allowed countries ({', '.join(sorted(allowed))}).",
                    hint=f"Move it to Sweden or the EU and update {variable}, or correct "
                    "DATA_RESIDENCY_ALLOWED (docs/operations.md, 'Where the data lives').",
                    id="administration.W001",
                )
            )
    return warnings
