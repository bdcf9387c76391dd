"""Updates for relatives and messages from relatives to a unit (issue #13 §2).

An `Update` is a short plain-language text that a nurse, assistant nurse or physician writes for a
resident's relatives. It is shown to relatives only once a nurse or physician has approved it
(the writer may approve their own when licensed) and only to relatives whose consent in force
covers *updates*. Nothing from the record is copied into an update: staff write every word.

A `Message` is what a relative (consent in force covering *messages*) writes to the resident's
unit, not to a person. The unit's nurses read and answer it; a nurse may hand it to a physician.
Each message has an answer deadline in working days of the unit's calendar; a message that slips
is escalated to the unit's coordinators once (`escalated_at`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Relative, Resident, ResidentDataQuerySet

UPDATE_MAX_LENGTH = 1000
MESSAGE_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 2000


class UpdateQuerySet(ResidentDataQuerySet):
    def published(self) -> "UpdateQuerySet":
        return self.filter(published_at__isnull=False)

    def pending(self) -> "UpdateQuerySet":
        return self.filter(published_at__isnull=True)


class Update(models.Model):
    """A plain-language update for a resident's relatives, published once approved.

    A condition notice is an update with NOTICE set and no text: a fixed sentence rendered in
    the reader's language, shown only to relatives whose consent covers condition notices.
    """

    class Notice(models.TextChoices):
        DOCTOR_CONTACTED = (
            "doctor_contacted",
            _(
                "The staff have contacted the doctor about your relative. "
                "Call the unit if you want to know more."
            ),
        )

    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        related_name="relative_updates",
        verbose_name=_("resident"),
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    text = models.TextField(_("text"), max_length=UPDATE_MAX_LENGTH, blank=True)
    notice = models.CharField(
        _("condition notice"), max_length=30, choices=Notice.choices, blank=True, default=""
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("update for relatives")
        verbose_name_plural = _("updates for relatives")
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["resident", "-published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True) | models.Q(approved_by__isnull=False),
                name="update_published_only_when_approved",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} – {self.written_at:%Y-%m-%d}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def display_text(self) -> str:
        """What the reader sees: the written text, or the notice in the reader's language."""
        return self.get_notice_display() if self.notice else self.text


class MessageQuerySet(ResidentDataQuerySet):
    def unread(self) -> "MessageQuerySet":
        return self.filter(read_at__isnull=True)

    def unanswered(self) -> "MessageQuerySet":
        return self.filter(answered_at__isnull=True)

    def overdue(self, at) -> "MessageQuerySet":
        """Unanswered messages past their deadline that have not been escalated yet."""
        return self.unanswered().filter(deadline_at__lte=at, escalated_at__isnull=True)


class Message(models.Model):
    """A relative's message to the resident's unit, with the unit's answer."""

    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        related_name="relative_messages",
        verbose_name=_("resident"),
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, related_name="messages", verbose_name=_("relative")
    )
    text = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    deadline_at = models.DateTimeField(_("answer by"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("read by"),
    )
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    handed_to = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relative_messages",
        verbose_name=_("handed to"),
    )
    handed_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message from a relative")
        verbose_name_plural = _("messages from relatives")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "read_at"]),
            models.Index(fields=["resident", "-sent_at"]),
            models.Index(fields=["relative", "-sent_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True)
                | (~models.Q(answer="") & models.Q(answered_by__isnull=False)),
                name="message_answer_has_text_and_author",
            )
        ]

    def __str__(self) -> str:
        return f"{self.relative} – {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def is_late(self, now=None) -> bool:
        return not self.is_answered and self.deadline_at <= (now or timezone.now())
