"""Companies' applications to the testbed and the sandbox tenant each approved company gets.

A sandbox is a synthetic nursing home with one unit under an organisation root of its own,
outside the region's tree; `sandbox_unit_ids()` is what the access policy (careteams.policy)
uses to keep sandbox residents out of region views and region residents out of sandbox clients.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The FHIR resources a company can say it wants to test (what /fhir/R4 serves).
RESOURCES = (
    "Patient",
    "Observation",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "CareTeam",
    "Encounter",
    "Appointment",
    "Task",
    "Communication",
    "ServiceRequest",
)


class Application(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    company = models.CharField(_("company"), max_length=200)
    organisation_number = models.CharField(_("organisation number"), max_length=11)
    contact_name = models.CharField(_("contact person"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone number"), max_length=30)
    purpose = models.TextField(_("what you want to test"))
    resources = models.JSONField(_("FHIR resources"), default=list)
    language = models.CharField(_("language"), max_length=8, default="sv")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    # The company's login, made on approval.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="testbed_application",
        verbose_name=_("company login"),
    )

    class Meta:
        verbose_name = _("testbed application")
        verbose_name_plural = _("testbed applications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.company


class Sandbox(models.Model):
    """A company's synthetic nursing home: root organisation → nursing home → unit."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being generated")
        READY = "ready", _("Ready")

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="sandbox", verbose_name=_("company")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREPARING
    )
    seed = models.PositiveIntegerField(_("seed"), default=1)
    root = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sandbox organisation"),
    )
    unit = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    # The sandbox nurse the company's API clients act for (its device user).
    device_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("device user"),
    )
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)

    class Reset(models.TextChoices):
        NONE = "", _("Never reset")
        QUEUED = "queued", _("Reset queued")
        RUNNING = "running", _("Resetting")
        DONE = "done", _("Reset done")
        FAILED = "failed", _("Reset failed")

    # The last reset the company asked for (services.request_reset, tasks.reset_sandbox).
    reset_state = models.CharField(
        _("reset"), max_length=10, choices=Reset.choices, default=Reset.NONE, blank=True
    )
    reset_changed_at = models.DateTimeField(_("reset state since"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox")
        verbose_name_plural = _("sandboxes")

    def __str__(self) -> str:
        return str(self.application)

    @property
    def resetting(self) -> bool:
        return self.reset_state in (self.Reset.QUEUED, self.Reset.RUNNING)

    def resident_count(self) -> int:
        """How many synthetic residents live in the sandbox's unit (not those of earlier seeds)."""
        if self.unit_id is None:
            return 0
        return self.unit.residents.active().count()


# Every synthetic sandbox user's username starts so (sandbox._staff): a free first test that
# lets the request log skip region users without a query.
SANDBOX_USERNAME_PREFIX = "sandbox"


def sandbox_unit_ids():
    """The pks of every sandbox unit (a subquery)."""
    return Sandbox.objects.filter(unit__isnull=False).values("unit")


class RequestLog(models.Model):
    """One request of a sandbox API client to /fhir/, or of its key client to the token endpoint
    (recorded by middleware.RequestLogMiddleware).

    The client is either a static-token client (CLIENT, an ApiClient) or a key client (KEY_CLIENT,
    a SMART Backend Services client), exactly one of the two. Removing a key client removes its
    rows (the company is told so before it confirms); a revoked token client is kept, and so are
    its rows. ISSUES holds the OperationOutcome issue codes of a refusal (at the token endpoint,
    the OAuth 2.0 error code, such as `invalid_client`); CODINGS the (system|code, unit) pairs of
    the vital-sign quantities the request sent, for the conformance report.
    """

    client = models.ForeignKey(
        "fhir.ApiClient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="testbed_requests",
        verbose_name=_("API client"),
    )
    key_client = models.ForeignKey(
        "fhir.SmartClient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="testbed_requests",
        verbose_name=_("key client"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    issues = models.JSONField(_("issues"), default=list)
    codings = models.JSONField(_("codes sent"), default=list)
    latency_ms = models.FloatField(_("latency (ms)"))

    class Meta:
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["client", "-at"]),
            models.Index(fields=["key_client", "-at"], name="testbed_req_key_client_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client__isnull=False, key_client__isnull=True)
                | models.Q(client__isnull=True, key_client__isnull=False),
                name="testbed_requestlog_one_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"

    @property
    def client_name(self) -> str:
        """The name of the client that sent the request (select_related both to avoid queries:
        `client`, `key_client__application`)."""
        if self.key_client_id is not None:
            return self.key_client.application.name
        return self.client.name
