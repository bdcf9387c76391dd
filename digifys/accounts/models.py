from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    NURSE = "nurse", _("Registered nurse")
    ASSISTANT_NURSE = "assistant_nurse", _("Assistant nurse")
    COORDINATOR = "coordinator", _("Care coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")
    RELATIVE = "relative", _("Relative")


class User(AbstractUser):
    """A person who logs in: staff (with a StaffProfile) or a relative."""

    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role(self) -> Role | None:
        """Return the user's role: the staff profession, or relative, or None."""
        profile = getattr(self, "staff_profile", None)
        if profile is not None:
            return Role(profile.profession)
        if self.relative_links.exists():
            return Role.RELATIVE
        return None

    @property
    def is_clinical_staff(self) -> bool:
        return self.role in {Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE}

    def unit_ids(self):
        """Return the pks of the units the user works on (a subquery; empty without a profile)."""
        profile = getattr(self, "staff_profile", None)
        if profile is None:
            return type(self).objects.none().values("pk")
        return profile.units.values("pk")

    def works_on(self, unit) -> bool:
        """Return True when the user is assigned to UNIT (an Organisation or its pk)."""
        profile = getattr(self, "staff_profile", None)
        if profile is None or unit is None:
            return False
        unit_id = getattr(unit, "pk", unit)
        return profile.units.filter(pk=unit_id).exists()
