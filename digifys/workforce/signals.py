"""Keep the effective-dated work places (`location`) in step with the table."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import location
from .models import WorkElsewhere


@receiver(post_save, sender=WorkElsewhere)
@receiver(post_delete, sender=WorkElsewhere)
def _forget_places(**kwargs) -> None:
    location.forget()
