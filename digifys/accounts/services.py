"""Writes for user accounts: preferences only, for now."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import User


@transaction.atomic
def set_preferred_language(*, actor: User, language: str) -> User:
    """Save the language the user wants the UI in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    actor.language = language
    actor.save(update_fields=["language"])
    return actor
