"""The access log (patientdatalagen 4 kap. 3 §, HSLF-FS 2016:40 4 kap. 9–10 §§) and its review.

`AuditEvent` is append-only and tamper-evident:

- the application only ever inserts entries, through `digifys.audit.services`; nothing updates or
  deletes them, and there is no pruning, ever — the law asks for at least five years of retention,
  and the region keeps the log for as long as the records it describes;
- every entry carries `prev_hash` and `hash` (see `digifys.audit.chain`), and `AuditChainHead`
  holds the last sequence number and hash, so `manage.py verify_audit_log` finds a changed, a
  deleted or an inserted entry;
- on PostgreSQL a row-level `BEFORE UPDATE OR DELETE` trigger refuses any change to the table
  ("audit log is append-only"), whoever sends the SQL, and a statement-level `BEFORE TRUNCATE`
  trigger refuses TRUNCATE for every role but superusers (Django's test runner empties tables
  with TRUNCATE; a superuser can switch triggers off anyway). The application's role is neither
  superuser nor owner, and is granted SELECT and INSERT only, plus UPDATE on
  `audit_auditchainhead` (docs/operations.md, "Database roles").

A hash chain shows that entries were changed after the fact; it cannot stop someone with full
database access from rewriting the whole tail consistently. Signed checkpoints of the chain head,
written outside the database (`digifys.audit.checkpoints`, `manage.py publish_audit_checkpoint`),
anchor it: `verify_audit_log --checkpoints DIR`, run daily, finds such a rewrite.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from digifys.accounts.models import Role
from digifys.directory.models import StaffProfile

from .chain import GENESIS_HASH, HASHED_FIELDS, entry_hash


class AuditEvent(models.Model):
    """One access to resident data, or another auditable action. Never updated or deleted."""

    class Action(models.TextChoices):
        READ = "read", _("Read")
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        EXPORT = "export", _("Export")
        PRINT = "print", _("Print")
        EMERGENCY = "emergency", _("Emergency access")
        BLOCK = "block", _("Block")
        REVIEW = "review", _("Log review")

    class Purpose(models.TextChoices):
        CARE = "care", _("Care")
        EMERGENCY = "emergency", _("Emergency access")
        ADMINISTRATION = "administration", _("Administration")
        REVIEW = "review", _("Log review")
        PATIENT_REQUEST = "patient_request", _("Patient's request")

    # The sequence number is the primary key, so every stored column is covered by the hash.
    seq = models.BigIntegerField(_("sequence number"), primary_key=True)
    occurred_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("user's name"), max_length=200, blank=True)
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("unit or organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation_name = models.CharField(_("unit or organisation name"), max_length=300, blank=True)
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["resident", "occurred_at"], name="audit_event_resident_time"),
            models.Index(fields=["occurred_at"], name="audit_event_time"),
            models.Index(fields=["actor", "occurred_at"], name="audit_event_actor_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def hashed_values(self) -> tuple:
        """This entry's values in `chain.HASHED_FIELDS` order (what the hash covers)."""
        return tuple(getattr(self, name) for name in HASHED_FIELDS)

    def compute_hash(self) -> str:
        """Return the hash this entry should have, given its fields and `prev_hash`."""
        return entry_hash(self.prev_hash, *self.hashed_values())

    @property
    def actor_role_label(self) -> str:
        """Return the stored role as a translated label (the raw value if no longer a role)."""
        try:
            return Role(self.actor_role).label
        except ValueError:
            return self.actor_role


class AuditChainHead(models.Model):
    """The one row holding the last sequence number and hash; writers lock it to append."""

    last_seq = models.BigIntegerField(_("last sequence number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("access log chain head")
        verbose_name_plural = _("access log chain head")

    def __str__(self) -> str:
        return f"{self.last_seq} {self.last_hash}"


class LogReview(models.Model):
    """A documented, recurring check of the access log (loggkontroll, HSLF-FS 2016:40 4:9)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    sample_size = models.PositiveIntegerField(_("random sample size"))
    seed = models.BigIntegerField(_("random seed"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("log review")
        verbose_name_plural = _("log reviews")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class LogReviewItem(models.Model):
    """One selected log entry in a review, why it was selected, and the reviewer's finding."""

    class Reason(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency access")
        OTHER_MUNICIPALITY = "other_municipality", _("Resident in another municipality")
        NIGHT = "night", _("At night (22–06)")
        MANY_RESIDENTS = "many_residents", _("Many residents opened the same day")
        BOOKED_OTHER = "booked_other", _("Clinician given access through a booking")
        RANDOM = "random", _("Random sample")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not reviewed yet")
        JUSTIFIED = "justified", _("Justified")
        UNJUSTIFIED_FOLLOWUP = "unjustified_followup", _("Not justified – follow up")
        UNCLEAR = "unclear", _("Unclear – ask the user")

    review = models.ForeignKey(
        LogReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="items"
    )
    event = models.ForeignKey(
        AuditEvent, verbose_name=_("log entry"), on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.JSONField(_("selected because"), default=list)
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=Outcome.choices, default=Outcome.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("log review entry")
        verbose_name_plural = _("log review entries")
        ordering = ["review", "event"]
        constraints = [
            models.UniqueConstraint(fields=["review", "event"], name="audit_review_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.review} #{self.event_id}"

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(self.Reason.choices)
        return [str(labels.get(code, code)) for code in self.reasons]

    @property
    def is_pending(self) -> bool:
        return self.outcome == self.Outcome.PENDING


class StaffSession(models.Model):
    """Where a staff member worked from when they logged in (issue #17 §6): the country and city
    of their place of work that day (`workforce.location.place_of`: the staff profile, or an
    approved period of work elsewhere) and the client address. Never updated or deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("logged in"))
    country = models.CharField(_("works from (country)"), max_length=2)
    city = models.CharField(_("works from (city)"), max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff session")
        verbose_name_plural = _("staff sessions")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "started_at"], name="audit_session_user_time"),
            models.Index(fields=["started_at"], name="audit_session_time"),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.country} {self.ip_address or ''}"

    @property
    def abroad(self) -> bool:
        return self.country != settings.HOME_COUNTRY

    @property
    def country_label(self) -> str:
        return country_label(self.country)


def country_label(code: str) -> str:
    """Return the country's name in the reader's language where known, else its code."""
    try:
        return str(StaffProfile.Country(code).label)
    except ValueError:
        return code
