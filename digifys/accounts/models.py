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


class EnrolmentCodeQuerySet(models.QuerySet):
    def usable(self, at) -> "EnrolmentCodeQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=at)


class EnrolmentCode(models.Model):
    """A one-time code that lets a staff member set up their first authenticator app.

    Issued out of band by a care coordinator or an administrator (shown once, stored as a slow
    password hash), so whoever first logs in with a password alone cannot enrol a second factor
    of their own choosing (issue 20 item 3).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolment_codes",
        verbose_name=_("user"),
    )
    code_hash = models.CharField(_("code (hashed)"), max_length=200)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    objects = EnrolmentCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.issued_at:%Y-%m-%d %H:%M})"
