"""Registered API clients and the identifiers clients give the observations they send.

An `ApiClient` acts for one user: the access policy (`visible_to(user)`) applies to it exactly as
to that user's pages, narrowed further by the client's scopes (SMART-style, `user/Patient.read`,
`user/Observation.write`, `user/*.read`). Its bearer token is shown once when it is issued and
stored only as a SHA-256 hash (a 256-bit random secret needs no slow hash).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from digifys.residents.models import Resident, ResidentDataQuerySet
from digifys.vitals.models import Observation


class ApiClient(models.Model):
    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("acts for user"),
    )
    scopes = models.CharField(_("scopes"), max_length=500)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ObservationIdentifier(models.Model):
    """An identifier a client gave an Observation it sent (for conditional create and search).

    Unique per resident: a device that retries with the same identifier never makes a duplicate.
    PART is the FHIR Observation of the set the identifier was given to (codes.PARTS).
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )
    observation = models.ForeignKey(
        Observation,
        on_delete=models.CASCADE,
        related_name="fhir_identifiers",
        verbose_name=_("observation"),
    )
    part = models.CharField(_("part"), max_length=10)
    system = models.CharField(_("system"), max_length=255, blank=True)
    value = models.CharField(_("value"), max_length=255)

    objects = ResidentDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation identifier")
        verbose_name_plural = _("observation identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "system", "value"], name="fhir_identifier_unique_per_resident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"


class SmartClient(models.Model):
    """The SMART on FHIR registration of an OAuth 2.0 application (django-oauth-toolkit's).

    A backend-services client (client credentials) authenticates with a JWT signed by one of the
    keys of its JWKS and acts for the application's user: that user's access policy applies, as
    for an `ApiClient`. An app-launch client (authorization code + PKCE) acts for the user who
    logs in and consents. SCOPES is the most the client may ask for (`system/*.read`, ...).
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="smart",
        verbose_name=_("OAuth application"),
    )
    scopes = models.CharField(_("allowed scopes"), max_length=1000)
    jwks = models.JSONField(_("public keys (JWKS)"), null=True, blank=True)
    # Or where the client publishes them (fetched and cached when an assertion is verified).
    jwks_uri = models.URLField(_("public keys' address (jwks_uri)"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("SMART client")
        verbose_name_plural = _("SMART clients")

    def __str__(self) -> str:
        return self.application.name

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class UsedAssertion(models.Model):
    """The `jti` of a client assertion already used, kept until it expires (no replay)."""

    client = models.ForeignKey(
        SmartClient, on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    jti = models.CharField(_("JWT id"), max_length=255)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("used client assertion")
        verbose_name_plural = _("used client assertions")
        constraints = [
            models.UniqueConstraint(fields=["client", "jti"], name="fhir_assertion_jti_once")
        ]

    def __str__(self) -> str:
        return self.jti


class Subscription(models.Model):
    """A client's FHIR Subscription (rest-hook): what to watch (CRITERIA, a search string of the
    API) and where to POST a notification, signed with SECRET (HMAC-SHA256, subscriptions.py)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        ERROR = "error", _("Error")
        OFF = "off", _("Off")

    client = models.ForeignKey(
        ApiClient,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("API client"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    criteria = models.CharField(_("criteria"), max_length=1000)
    resource_type = models.CharField(_("resource type"), max_length=64)
    endpoint = models.URLField(_("endpoint"), max_length=1000)
    payload = models.CharField(_("payload"), max_length=100, blank=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("FHIR subscription")
        verbose_name_plural = _("FHIR subscriptions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.criteria} -> {self.endpoint}"


class SubscriptionNotification(models.Model):
    """One notification of a subscription about one resource: sent once, retried with backoff."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Failed, will try again")
        SENT = "sent", _("Sent")
        GIVEN_UP = "given_up", _("Given up")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("subscription"),
    )
    resource_type = models.CharField(_("resource type"), max_length=64)
    resource_ids = models.JSONField(_("resource ids"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription notification")
        verbose_name_plural = _("subscription notifications")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.resource_type}/{','.join(self.resource_ids)}"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per POST of a notification (the receiver's status or error)."""

    notification = models.ForeignKey(
        SubscriptionNotification,
        on_delete=models.CASCADE,
        related_name="log",
        verbose_name=_("notification"),
    )
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.notification} #{self.number}"


class BulkExport(models.Model):
    """A client's bulk data `$export` (system or Group level), written by the task worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="exports", verbose_name=_("API client")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    request_url = models.CharField(_("request"), max_length=2000)
    types = models.JSONField(_("resource types"), default=list)
    since = models.DateTimeField(_("since"), null=True, blank=True)
    group = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group (unit or home)"),
    )
    progress = models.CharField(_("progress"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk export")
        verbose_name_plural = _("bulk exports")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"


class BulkExportFile(models.Model):
    """One NDJSON file of an export: every resource of one type, one per line."""

    export = models.ForeignKey(
        BulkExport, on_delete=models.CASCADE, related_name="files", verbose_name=_("export")
    )
    resource_type = models.CharField(_("resource type"), max_length=64)
    count = models.PositiveIntegerField(_("resources"))
    content = models.TextField(_("NDJSON"))

    class Meta:
        verbose_name = _("bulk export file")
        verbose_name_plural = _("bulk export files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.export_id}/{self.resource_type}"


class LaunchContext(models.Model):
    """The resident a user chose for an app at a standalone SMART launch (`launch/patient`).

    Made with the authorization code (GRANT) and moved onto the access token the code is
    exchanged for: a token with a launch context reads that resident's compartment only.
    """

    grant = models.OneToOneField(
        oauth2_settings.GRANT_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="launch_context",
        verbose_name=_("authorization code"),
    )
    access_token = models.OneToOneField(
        oauth2_settings.ACCESS_TOKEN_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="launch_context",
        verbose_name=_("access token"),
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("SMART launch context")
        verbose_name_plural = _("SMART launch contexts")

    def __str__(self) -> str:
        return f"Patient/{self.resident_id}"
