"""Consent: what a resident's relative may see (OSL 25 kap. 1 §, domain-spec §3.2).

Adults' relatives have no right to the record. Sharing rests on the resident's consent or, for a
resident who cannot consent, on a documented harm assessment (men-prövning) by a licensed
clinician. A consent covers one relative (a `residents.Relative` row) of one resident and lists
what is shared, by scope. Consent is history: every registration, change and revocation is a new
row and no row is ever changed, so the record shows who decided what, when and why. The current
consent of a relative is their newest row; it is in force when it is not a revocation, has begun
and has not run out.

A legal representative (god man, förvaltare) is recorded on the relative; it grants nothing by
itself (their mandate is economic and legal, not consent to health data on the resident's behalf).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.core.time import STOCKHOLM
from digifys.directory.models import StaffProfile
from digifys.residents.models import Relative, Resident, ResidentDataQuerySet


class Scope(models.TextChoices):
    """What a consent shares; each is one boolean field of `Consent` with the same name."""

    CARE_TEAM = "care_team", _("Care team and visits")
    UPDATES = "updates", _("Updates from the staff")
    MESSAGES = "messages", _("Messages with the care team")
    MEETINGS = "meetings", _("Family meetings")
    CONDITION = "condition", _("Condition notices")
    ACCESS_LOG = "access_log", _("Who has looked at the record")


SCOPE_HELP = {
    Scope.CARE_TEAM: _("Who the named physician and deputy are, upcoming visits and ward rounds."),
    Scope.UPDATES: _("Short plain-language updates written and approved by the staff."),
    Scope.MESSAGES: _("Writing to the unit's care team and reading the answers."),
    Scope.MEETINGS: _("Invitations to family meetings and joining them by video."),
    Scope.CONDITION: _("Being told that the doctor has been contacted, without clinical detail."),
    Scope.ACCESS_LOG: _("The resident's log extract: who read the record, when and why."),
}


def stockholm_today() -> datetime.date:
    """Today's date on the unit (consent dates are calendar dates in Sweden)."""
    return timezone.now().astimezone(STOCKHOLM).date()


class ConsentQuerySet(ResidentDataQuerySet):
    def current(self) -> "ConsentQuerySet":
        """Each relative's newest row (the consent as it stands now, or its revocation)."""
        newest = (
            Consent.objects.filter(relative=OuterRef("relative"))
            .order_by("-recorded_at", "-pk")
            .values("pk")[:1]
        )
        return self.filter(pk=Subquery(newest))

    def in_force(self, today: datetime.date | None = None) -> "ConsentQuerySet":
        """Current consents that share something today: not revoked, begun and not run out."""
        today = today or stockholm_today()
        return (
            self.current()
            .exclude(event=Consent.Event.REVOKED)
            .filter(given_on__lte=today)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        )

    def of_user(self, user) -> "ConsentQuerySet":
        """Rows about the relative links of USER's own login."""
        return self.filter(relative__user=user)


class Consent(models.Model):
    """One registration, change or revocation of what a relative may see (never updated)."""

    class Event(models.TextChoices):
        GIVEN = "given", _("Registered")
        CHANGED = "changed", _("Changed")
        REVOKED = "revoked", _("Revoked")

    class Basis(models.TextChoices):
        RESIDENT = "resident", _("The resident's consent")
        HARM_ASSESSMENT = (
            "harm_assessment",
            _("Harm assessment by a licensed clinician (the resident cannot consent)"),
        )

    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, related_name="consents", verbose_name=_("relative")
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        related_name="relative_consents",
        verbose_name=_("resident"),
    )
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    care_team = models.BooleanField(Scope.CARE_TEAM.label, default=False)
    updates = models.BooleanField(Scope.UPDATES.label, default=False)
    messages = models.BooleanField(Scope.MESSAGES.label, default=False)
    meetings = models.BooleanField(Scope.MEETINGS.label, default=False)
    condition = models.BooleanField(Scope.CONDITION.label, default=False)
    access_log = models.BooleanField(Scope.ACCESS_LOG.label, default=False)
    given_on = models.DateField(_("given on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    review_on = models.DateField(_("review on"), null=True, blank=True)
    # The licensed clinician (physician or nurse) who made the harm assessment.
    assessed_by = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    # Why: the harm assessment's grounds, or how the revocation came about.
    reason = models.TextField(_("reason"), blank=True)
    # None only for consents carried over from the single consent field relatives had before
    # (migration 0002); every service-made row names who recorded it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["relative", "-recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="harm_assessment")
                | (Q(assessed_by__isnull=False) & ~Q(reason="")),
                name="consent_harm_assessment_has_assessor_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("given_on")),
                name="consent_valid_until_not_before_given",
            ),
            models.CheckConstraint(
                condition=Q(event="revoked") | Q(review_on__isnull=False),
                name="consent_has_review_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relative} – {self.get_event_display()}"

    @property
    def scopes(self) -> frozenset[str]:
        if self.event == self.Event.REVOKED:
            return frozenset()
        return frozenset(scope for scope in Scope.values if getattr(self, scope))

    def scope_labels(self) -> list[str]:
        return [str(Scope(scope).label) for scope in Scope.values if scope in self.scopes]

    def state(self, today: datetime.date | None = None) -> str:
        """'revoked', 'expired', 'pending' (not begun) or 'in_force' on TODAY."""
        today = today or stockholm_today()
        if self.event == self.Event.REVOKED:
            return "revoked"
        if self.valid_until is not None and self.valid_until < today:
            return "expired"
        if self.given_on > today:
            return "pending"
        return "in_force"

    def review_due(self, today: datetime.date | None = None) -> bool:
        today = today or stockholm_today()
        return self.review_on is not None and self.review_on <= today


class ResidentLogin(models.Model):
    """A resident's own login: the user sees their own card, visits and who has looked.

    A resident is not staff and not a relative: `User.role` stays None, so every staff page and
    every policy that reads `role` shows them nothing (403 or 404). Their own pages ask
    `relatives.policy.own_resident`. In production they log in through the region's identity
    provider (BankID, settings.OIDC_*), linked to this user on first login by the identity number
    the provider vouches for (settings.OIDC_IDENTITY_NUMBER_CLAIMS, accounts.adapters); in demo
    mode the persona ``boende`` has a quick login.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="resident_login",
        verbose_name=_("login"),
    )
    resident = models.OneToOneField(
        Resident,
        on_delete=models.CASCADE,
        related_name="own_login",
        verbose_name=_("resident"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("resident's own login")
        verbose_name_plural = _("residents' own logins")

    def __str__(self) -> str:
        return f"{self.user} – {self.resident}"
