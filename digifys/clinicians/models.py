"""The clinician register of the virtual clinic and the region (issue #15 §1–§2).

A `Clinician` is the register entry of one StaffProfile: recruitment, contract, Swedish licence
(legitimation), specialist certificate, recognition of EU qualifications, languages with CEFR
levels, documents and the onboarding checklist. The region is always the care provider
(domain-spec §3.6): `employer` and `contract` say who employs the clinician, never who provides
the care. Who may do what follows from the register in `rules.py`.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident

from .validators import document_upload_validators


class ClinicianQuerySet(models.QuerySet):
    def active(self) -> "ClinicianQuerySet":
        return self.filter(recruitment_status=Clinician.Recruitment.ACTIVE)

    def checkable(self) -> "ClinicianQuerySet":
        """Clinicians still working (onboarding or active) with a licence number to look up."""
        return self.filter(
            recruitment_status__in=[Clinician.Recruitment.ONBOARDING, Clinician.Recruitment.ACTIVE]
        ).exclude(licence_number="")


class Clinician(models.Model):
    class Recruitment(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        INTERVIEWED = "interviewed", _("Interviewed")
        OFFERED = "offered", _("Offered")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left")

    class Contract(models.TextChoices):
        EMPLOYED = "employed", _("Employed by the region")
        CLINIC = "clinic", _("Employed by the virtual clinic's company")
        AGENCY = "agency", _("Through a staffing agency")

    class Licence(models.TextChoices):
        NONE = "none", _("No Swedish licence")
        IN_PROCESS = "in_process", _("Licence in process")
        VALID = "valid", _("Valid")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        UNKNOWN = "unknown", _("Not found in the register")

    class LicenceProfession(models.TextChoices):
        PHYSICIAN = "physician", _("Physician (läkare)")
        NURSE = "nurse", _("Registered nurse (sjuksköterska)")

    class Recognition(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed (Swedish qualification)")
        IN_PROCESS = "in_process", _("In process")
        GRANTED = "granted", _("Granted")

    staff = models.OneToOneField(
        StaffProfile, on_delete=models.CASCADE, related_name="clinician", verbose_name=_("staff")
    )
    recruitment_status = models.CharField(
        _("recruitment status"),
        max_length=12,
        choices=Recruitment.choices,
        default=Recruitment.APPLICANT,
    )
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who employs the clinician. The region is always the care provider."),
    )
    contract = models.CharField(
        _("contract"), max_length=10, choices=Contract.choices, default=Contract.EMPLOYED
    )
    contract_until = models.DateField(_("contract until"), null=True, blank=True)
    licence_profession = models.CharField(
        _("licensed profession"),
        max_length=10,
        choices=LicenceProfession.choices,
        default=LicenceProfession.PHYSICIAN,
    )
    licence_number = models.CharField(_("licence number"), max_length=20, blank=True)
    licence_date = models.DateField(_("licence date"), null=True, blank=True)
    licence_status = models.CharField(
        _("licence status"), max_length=12, choices=Licence.choices, default=Licence.NONE
    )
    licence_valid_until = models.DateField(_("licence valid until"), null=True, blank=True)
    licence_checked_at = models.DateTimeField(_("licence last checked"), null=True, blank=True)
    specialist_certificate = models.CharField(
        _("specialist certificate"),
        max_length=200,
        blank=True,
        help_text=_("The speciality, e.g. general practice."),
    )
    specialist_date = models.DateField(_("specialist since"), null=True, blank=True)
    eu_recognition = models.CharField(
        _("recognition of EU qualifications"),
        max_length=12,
        choices=Recognition.choices,
        default=Recognition.NOT_NEEDED,
    )
    supervisor = models.ForeignKey(
        StaffProfile,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisees",
        help_text=_("A licensed physician who countersigns while the licence is in process."),
    )
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    objects = ClinicianQuerySet.as_manager()

    class Meta:
        verbose_name = _("clinician")
        verbose_name_plural = _("clinicians")
        ordering = ["staff__user__last_name", "staff__user__first_name"]

    def __str__(self) -> str:
        return self.staff.name


class ClinicianLanguage(models.Model):
    class Level(models.TextChoices):
        A1 = "A1", "A1"
        A2 = "A2", "A2"
        B1 = "B1", "B1"
        B2 = "B2", "B2"
        C1 = "C1", "C1"
        C2 = "C2", "C2"

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="languages", verbose_name=_("clinician")
    )
    language = models.CharField(_("language"), max_length=8, help_text=_("ISO 639-1, e.g. sv"))
    level = models.CharField(_("level (CEFR)"), max_length=2, choices=Level.choices)
    course_until = models.DateField(
        _("language course ends"),
        null=True,
        blank=True,
        help_text=_("When the current language course ends (reminders 60 and 14 days ahead)."),
    )

    class Meta:
        verbose_name = _("language level")
        verbose_name_plural = _("language levels")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "language"], name="clinician_language_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language} {self.level}"


def _document_path(instance, filename: str) -> str:
    return f"clinicians/{instance.clinician_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class ClinicianDocument(models.Model):
    """An uploaded PDF (diploma, licence, …); served only by `views.document` after the check."""

    class Kind(models.TextChoices):
        DIPLOMA = "diploma", _("Medical diploma")
        LICENCE = "licence", _("Licence (legitimation)")
        SPECIALIST = "specialist", _("Specialist certificate")
        RECOGNITION = "recognition", _("Recognition of qualifications")
        LANGUAGE = "language", _("Language certificate")
        CONTRACT = "contract", _("Contract")
        IDENTITY = "identity", _("Identity document")
        OTHER = "other", _("Other")

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="documents", verbose_name=_("clinician")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(
        _("file"), upload_to=_document_path, validators=document_upload_validators
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.uploaded_at:%Y-%m-%d})"


class ChecklistTick(models.Model):
    """One ticked onboarding step: who ticked it and when."""

    class Step(models.TextChoices):
        ACCOUNTS = "accounts", _("Accounts created")
        SECOND_FACTOR = "second_factor", _("Second factor set up")
        TRAINING = "training", _("Training in the region's routines")
        SHADOWING = "shadowing", _("Shadowing rounds")
        SUPERVISED_WEEK = "supervised_week", _("First supervised week")

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="ticks", verbose_name=_("clinician")
    )
    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    ticked_at = models.DateTimeField(_("ticked at"), default=timezone.now)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ticked by"),
    )

    class Meta:
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        ordering = ["ticked_at"]
        constraints = [
            models.UniqueConstraint(fields=["clinician", "step"], name="checklist_step_unique")
        ]

    def __str__(self) -> str:
        return self.get_step_display()


class LicenceCheck(models.Model):
    """One look-up in the licence register and what it did to the clinician's status."""

    class Outcome(models.TextChoices):
        VALID = "valid", _("Valid")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        UNKNOWN = "unknown", _("Not found")
        FAILED = "failed", _("Register did not answer")

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="checks", verbose_name=_("clinician")
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    status_before = models.CharField(_("status before"), max_length=12)
    status_after = models.CharField(_("status after"), max_length=12)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("licence check")
        verbose_name_plural = _("licence checks")
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.clinician_id} {self.outcome} {self.checked_at:%Y-%m-%d}"


class Reminder(models.Model):
    """A reminder sent about an expiring document or language course (each one only once)."""

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="+", verbose_name=_("clinician")
    )
    subject = models.CharField(_("subject"), max_length=40)  # "document:12", "language:3"
    expires_on = models.DateField(_("expires on"))
    days_ahead = models.PositiveSmallIntegerField(_("days ahead"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "expires_on", "days_ahead"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.days_ahead}"


class DraftQuerySet(models.QuerySet):
    def awaiting(self) -> "DraftQuerySet":
        return self.filter(status=SupervisedDraft.Status.AWAITING)


class SupervisedDraft(models.Model):
    """A journal note, order or medication review by a supervised clinician, not yet in effect.

    It takes effect only when the supervisor countersigns; returned drafts go back with a comment.
    A note or order is kept in its own table (unsigned note, order without tasks) and pointed at;
    a medication review exists only as PAYLOAD until countersigned.
    """

    class Kind(models.TextChoices):
        NOTE = "note", _("Journal note")
        ORDER = "order", _("Order")
        REVIEW = "review", _("Medication review")

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting countersignature")
        COUNTERSIGNED = "countersigned", _("Countersigned")
        RETURNED = "returned", _("Returned")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.AWAITING
    )
    author = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    supervisor = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="countersign_queue",
        verbose_name=_("supervisor"),
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    consult = models.ForeignKey(
        "consults.Consult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consult"),
    )
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)
    payload = models.JSONField(_("content"), default=dict, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervised draft")
        verbose_name_plural = _("supervised drafts")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["supervisor", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.submitted_at:%Y-%m-%d}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.AWAITING and self.deadline < timezone.now()


# Deadlines for the supervisor's queue: urgent drafts at once (the consult escalates), others
# by the next working day.
URGENT_DEADLINE = datetime.timedelta(minutes=30)
ROUTINE_DEADLINE = datetime.timedelta(hours=24)
