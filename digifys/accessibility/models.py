"""Reports of accessibility problems, sent from the accessibility statement (lag 2018:1937).

Anyone may send one, logged in or not; the service's administrators read and answer them in the
administration site. A report holds what the person wrote, never data the service looked up.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessibilityReport(models.Model):
    page = models.CharField(_("page or function"), max_length=500, blank=True)
    description = models.TextField(_("the problem"), max_length=5000)
    contact = models.CharField(_("how to reach you"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handling_note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("accessibility report")
        verbose_name_plural = _("accessibility reports")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} – {self.page or '–'}"
