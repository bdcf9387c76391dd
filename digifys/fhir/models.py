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
