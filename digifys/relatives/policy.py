"""The one gate for everything a relative sees: the consent in force, scope by scope.

Every relative-facing view asks here (`links_for`, `scopes_for`, `resident_with_scope`), on
every request, so a consent revoked or run out during a relative's session shows nothing from
their next request on. `careteams.policy.resident_filter_for` lets a relative see a resident only
through `Consent.objects.in_force()` as well, so the rest of the project's `visible_to` agrees.
A relative linked to two residents sees each only by that resident's own consent.
"""

from dataclasses import dataclass

from django.http import Http404

from digifys.directory.models import Organisation
from digifys.residents.models import Relative, Resident

from .models import Consent, ResidentLogin, Scope, stockholm_today

# What a relative without a consent in force is told about: only the unit to call, never the
# resident's name or anything else about them.
NO_CONSENT_STATES = ("none", "revoked", "expired", "pending")


@dataclass(frozen=True)
class Link:
    """One of the user's relative links and what it shares today."""

    relative: Relative
    unit: Organisation
    state: str  # "in_force", or one of NO_CONSENT_STATES
    consent: Consent | None  # the current row (its revocation too), None if never registered
    resident: Resident | None  # only when a consent is in force
    own: bool = False  # the resident's own login: everything about themselves, no consent

    @property
    def scopes(self) -> frozenset[str]:
        if self.own:
            return frozenset(Scope.values)
        return self.consent.scopes if self.state == "in_force" else frozenset()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def links_for(user) -> list[Link]:
    """Every relative link of USER with its current consent, in a constant number of queries."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    relatives = list(user.relative_links.select_related("resident__unit__parent").order_by("pk"))
    current = {
        consent.relative_id: consent
        for consent in Consent.objects.of_user(user)
        .current()
        .filter(relative__in=[relative.pk for relative in relatives])
    }
    today = stockholm_today()
    links = []
    for relative in relatives:
        consent = current.get(relative.pk)
        state = consent.state(today) if consent is not None else "none"
        links.append(
            Link(
                relative=relative,
                unit=relative.resident.unit,
                state=state,
                consent=consent,
                resident=relative.resident if state == "in_force" else None,
            )
        )
    return links


def scopes_for(user, resident) -> frozenset[str]:
    """The scopes USER's consents in force share about RESIDENT (empty: nothing at all)."""
    resident_id = getattr(resident, "pk", resident)
    scopes: set[str] = set()
    for consent in Consent.objects.in_force().of_user(user).filter(resident_id=resident_id):
        scopes |= consent.scopes
    return frozenset(scopes)


def residents_with_scope(user, scope: str):
    """A queryset of the residents whose consent in force lets USER see SCOPE."""
    if scope not in Scope.values:
        raise ValueError(f"unknown consent scope {scope!r}")
    consents = Consent.objects.in_force().of_user(user).filter(**{scope: True})
    return Resident.objects.filter(pk__in=consents.values("resident"))


def resident_with_scope(user, resident_id: int, scope: str) -> Resident:
    """The resident RESIDENT_ID if USER's consent in force covers SCOPE, else 404."""
    resident = residents_with_scope(user, scope).filter(pk=resident_id).first()
    if resident is None:
        raise Http404
    return resident


def own_resident(user) -> Resident | None:
    """The resident USER is, when USER is a resident's own (active) login; else None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    login = ResidentLogin.objects.filter(user=user).select_related("resident__unit__parent").first()
    return login.resident if login is not None else None


def own_resident_or_404(user) -> Resident:
    resident = own_resident(user)
    if resident is None:
        raise Http404
    return resident


def own_link(resident: Resident) -> Link:
    """The resident's own view of themselves, shaped like a relative's link."""
    return Link(
        relative=None,
        unit=resident.unit,
        state="in_force",
        consent=None,
        resident=resident,
        own=True,
    )
