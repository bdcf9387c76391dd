"""SBAR consults from the bedside to a physician, their threads, photos and journal notes.

A consult is routed to the resident's named physician when on duty, else the deputy, else the
on-duty physician of the virtual clinic (routing.py). It has a deadline by urgency; a slipping
deadline escalates to the next in line. No consult disappears: it ends answered, or closed with a
reason (domain-spec §2, DESIGN §3.1).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.core import codes
from digifys.core.validators import image_upload_validators
from digifys.directory.models import StaffProfile
from digifys.residents.models import ClinicalRecord, ClinicalRecordQuerySet, Resident
from digifys.vitals.models import Observation, Urgency


class ConsultQuerySet(ClinicalRecordQuerySet):
    def open(self) -> "ConsultQuerySet":
        """Consults not yet closed (sent, accepted or answered)."""
        return self.filter(status__in=Consult.OPEN_STATUSES)

    def unresolved(self) -> "ConsultQuerySet":
        """Consults still waiting for a physician's answer or a closing."""
        return self.filter(status__in=Consult.OPEN_STATUSES)

    def assigned_to(self, staff: StaffProfile) -> "ConsultQuerySet":
        return self.filter(assigned_to=staff)

    def overdue(self, *, at=None) -> "ConsultQuerySet":
        return self.filter(
            status__in=Consult.WAITING_STATUSES, deadline_at__lte=at or timezone.now()
        )


class Consult(ClinicalRecord):
    """A nurse's structured request (SBAR) to a physician about one resident."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent, waiting for a physician")
        ACCEPTED = "accepted", _("Accepted by the physician")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class RoutedTo(models.TextChoices):
        NAMED = "named", _("Named physician")
        DEPUTY = "deputy", _("Deputy")
        ON_DUTY = "on_duty", _("On-duty physician, virtual clinic")
        HANDOVER = "handover", _("Handed over")
        NOBODY_ON_DUTY = "nobody", _("Named physician (nobody on duty)")

    # Waiting for a physician: the deadline runs and escalation applies.
    WAITING_STATUSES = (Status.SENT, Status.ACCEPTED)
    # Not finished: shown in worklists and inboxes.
    OPEN_STATUSES = (Status.SENT, Status.ACCEPTED, Status.ANSWERED)

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="consults", verbose_name=_("resident")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices)
    # Why the sender chose a lower urgency than the unit's escalation table suggests for the
    # attached vital signs (issue #19 item 12); empty when the urgency is the suggested or higher.
    urgency_reason = models.TextField(_("reason for a lower urgency than suggested"), blank=True)
    situation = models.TextField(_("S – Situation"))
    background = models.TextField(_("B – Background"))
    assessment = models.TextField(_("A – Current condition"))
    recommendation = models.TextField(_("R – Recommendation"))
    caller_phone = models.CharField(_("phone to call back"), max_length=30, blank=True)
    observation = models.ForeignKey(
        Observation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consults",
        verbose_name=_("vital signs"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    assigned_to = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="consults",
        verbose_name=_("physician"),
    )
    routed_to = models.CharField(_("routed to"), max_length=10, choices=RoutedTo.choices)
    deadline_at = models.DateTimeField(_("answer by"))
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    close_reason = models.TextField(_("reason for closing"), blank=True)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    # The key the SBAR form carried: a post repeated after a lost answer (or Send pressed twice)
    # finds the consult it already made instead of sending a second one (issue #17 §3).
    idempotency_key = models.UUIDField(
        _("idempotency key"), null=True, blank=True, unique=True, editable=False
    )

    objects = ConsultQuerySet.as_manager()

    class Meta:
        verbose_name = _("consult")
        verbose_name_plural = _("consults")
        ordering = ["deadline_at", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "status", "deadline_at"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["resident", "status"]),
            models.Index(fields=["status", "deadline_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""),
                name="closed_consult_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"SBAR #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self.status in self.WAITING_STATUSES


class ConsultPartQuerySet(models.QuerySet):
    """Messages and photos of a consult: visible with their consult (blocks apply)."""

    def visible_to(self, user) -> "ConsultPartQuerySet":
        return self.filter(consult__in=Consult.objects.visible_to(user))


class ConsultMessage(models.Model):
    """One entry in a consult's thread: a message, a request, or a recorded event."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        VITALS_REQUEST = "vitals_request", _("Asks for new vital signs")
        EVENT = "event", _("Event")

    consult = models.ForeignKey(
        Consult, on_delete=models.CASCADE, related_name="messages", verbose_name=_("consult")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MESSAGE)
    # What a user wrote; empty for an event stored as CODE + PARAMS (a legacy event keeps the
    # text it was stored with and has no code).
    body = models.TextField(_("message"), blank=True)
    # An event of `events.EVENTS` and its parameters, rendered in the reader's language.
    code = models.CharField(_("event code"), max_length=40, blank=True, default="")
    params = models.JSONField(_("event parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ConsultPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("consult message")
        verbose_name_plural = _("consult messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def text(self) -> str:
        """The entry in the active language: an event rendered from its code, else as written."""
        from . import events

        return codes.render(events.EVENTS, self.code, self.params, self.body)


def photo_path(instance: "ConsultPhoto", filename: str) -> str:
    stamp = timezone.now().strftime("%Y/%m")
    return f"consults/{stamp}/{instance.consult_id}-{filename}"


class ConsultPhoto(models.Model):
    """A photo sent with a consult (store-and-forward), checked to really be an image."""

    consult = models.ForeignKey(
        Consult, on_delete=models.CASCADE, related_name="photos", verbose_name=_("consult")
    )
    image = models.ImageField(_("photo"), upload_to=photo_path, validators=image_upload_validators)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = ConsultPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("consult photo")
        verbose_name_plural = _("consult photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class JournalNote(ClinicalRecord):
    """A physician's journal note in Swedish keyword structure; read-only once signed.

    Amendments to a signed note are new notes pointing at it (`amends`).
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="journal_notes", verbose_name=_("resident")
    )
    consult = models.ForeignKey(
        Consult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("consult"),
    )
    author = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    aktuellt = models.TextField("Aktuellt", blank=True)
    status = models.TextField("Status", blank=True)
    bedomning = models.TextField("Bedömning", blank=True)
    atgard = models.TextField("Åtgärd", blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("amends"),
    )

    class Meta:
        verbose_name = _("journal note")
        verbose_name_plural = _("journal notes")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consult", "author"],
                condition=Q(signed_at__isnull=True, consult__isnull=False),
                name="one_draft_note_per_consult_author",
            )
        ]

    def __str__(self) -> str:
        return f"Journal note {self.created_at:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class JournalNoteRevision(models.Model):
    """One saved version of a journal note while it was an unsigned draft (issue #19 item 14).

    The draft row holds the latest text; every save also appends a revision, so what a physician
    wrote before a later save is never lost, including which signed note it amended. Reached only
    through its note (`note.revisions`), whose access rules apply.
    """

    note = models.ForeignKey(
        JournalNote,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("journal note"),
    )
    aktuellt = models.TextField("Aktuellt", blank=True)
    status = models.TextField("Status", blank=True)
    bedomning = models.TextField("Bedömning", blank=True)
    atgard = models.TextField("Åtgärd", blank=True)
    amends = models.ForeignKey(
        JournalNote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amends"),
    )
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)
    saved_by = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("saved by")
    )

    class Meta:
        verbose_name = _("journal note revision")
        verbose_name_plural = _("journal note revisions")
        ordering = ["saved_at", "id"]

    def __str__(self) -> str:
        return f"Journal note {self.note_id} revision {self.saved_at:%Y-%m-%d %H:%M}"
