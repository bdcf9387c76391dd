"""The demo personas: who they are, and how the login page describes them (demo mode only).

The synthetic region (`digifys.synth`) creates these users; the login page lists them as they
are in the database. Living here, not in `synth`, keeps `accounts` from importing the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digifys.careteams.models import PhysicianAssignment
from digifys.consults.models import Consult
from digifys.residents.models import Resident
from digifys.vitals.models import Observation

from .models import Role, User

# A resident's own login has no Role (User.role is None): staff pages show them nothing.
RESIDENT = "resident"

DEMO_PASSWORD = "digifys-demo-2026"  # noqa: S105 — the public demo password, printed by the demo

# Fixed personas: username → (role, given name, family name). Later features rely on these.
PERSONAS: dict[str, tuple[str, str, str]] = {
    "sjukskoterska.mala": (Role.NURSE, "Maria", "Lindqvist"),
    "sjukskoterska.storuman": (Role.NURSE, "Johanna", "Sjölund"),
    "underskoterska.mala": (Role.ASSISTANT_NURSE, "Elin", "Burman"),
    "lakare.malaga": (Role.PHYSICIAN, "Lucía", "Fernández Ortega"),
    "lakare.grancanaria": (Role.PHYSICIAN, "Alejandro", "Suárez Déniz"),
    "lakare.lycksele": (Role.PHYSICIAN, "Ingrid", "Marklund"),
    "anhorig": (Role.RELATIVE, "Eva", ""),  # family name: the resident's
    "boende": (RESIDENT, "", ""),  # a resident logging in themself: their own names
    "samordnare": (Role.COORDINATOR, "Karin", "Öhman"),
    "admin": (Role.ADMINISTRATOR, "Per", "Åström"),
}


@dataclass(frozen=True)
class Login:
    role: str  # a Role value, e.g. "nurse"
    username: str
    name: str
    detail: str


def demo_logins() -> list[Login]:
    """The fixed demo personas as they are in the database (empty if no region is loaded)."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=list(PERSONAS)).select_related(
            "staff_profile__employer", "resident_login__resident__unit__parent"
        )
    }
    logins = []
    for username, (persona_role, _given, _family) in PERSONAS.items():
        user = users.get(username)
        if user is None:
            continue
        role = user.role or persona_role  # as the database has it
        logins.append(
            Login(
                role=str(role),
                username=username,
                name=user.get_full_name(),
                detail=_persona_detail(user, role),
            )
        )
    return logins


def role_label(role: str) -> str:
    """The persona's role as a label in the active language (a resident has no Role)."""
    if role == RESIDENT:
        return _("Resident")
    return str(Role(role).label)


def _persona_detail(user: User, role: str) -> str:
    if role == RESIDENT:
        login = getattr(user, "resident_login", None)
        if login is None:
            return ""
        resident = login.resident
        return _("the resident's own login, %(home)s %(unit)s; BankID in production") % {
            "home": resident.unit.parent.name,
            "unit": resident.unit.name,
        }
    if role == Role.RELATIVE:
        link = user.relative_links.select_related("resident__unit__parent").first()
        if link is None:
            return ""
        resident = link.resident
        return (
            f"{link.get_relationship_display()} – {resident.full_name}, "
            f"{resident.unit.parent.name} {resident.unit.name}"
        )
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return ""
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        units = list(profile.units.select_related("parent").order_by("name"))
        if not units:
            return profile.employer.name
        detail = f"{units[0].parent.name}: " + ", ".join(unit.name for unit in units)
        worse = _deteriorating(units) if role == Role.NURSE else None
        if worse is not None:
            detail += "; " + _(
                "deteriorating now, no consult yet: %(name)s (room %(room)s, NEWS2 %(news2)s)"
            ) % {
                "name": worse.resident.full_name,
                "room": worse.resident.room,
                "news2": worse.news2_total,
            }
        return detail
    if role == Role.PHYSICIAN:
        named = (
            PhysicianAssignment.objects.current()
            .named()
            .filter(physician=profile, resident__status=Resident.Status.ACTIVE)
            .count()
        )
        detail = f"{profile.employer.name}; {profile.work_city} ({profile.time_zone}); " + (
            ngettext(
                "named physician of %(count)s resident",
                "named physician of %(count)s residents",
                named,
            )
            % {"count": named}
        )
        waiting = Consult.objects.filter(
            assigned_to=profile, status__in=Consult.WAITING_STATUSES
        ).count()
        if waiting:
            detail += "; " + (
                ngettext("%(count)s consult waiting", "%(count)s consults waiting", waiting)
                % {"count": waiting}
            )
        return detail
    if role == Role.ADMINISTRATOR:
        return f"{profile.employer.name}; " + _(
            "administration (/administration/), Django admin (/admin/)"
        )
    return profile.employer.name


def _deteriorating(units) -> Observation | None:
    """The latest medium or high NEWS2 in UNITS whose resident has no open consult, if it is
    that resident's latest observation."""
    latest = (
        Observation.objects.filter(
            unit__in=units,
            news2_band__in=("medium", "high"),
            resident__status=Resident.Status.ACTIVE,
        )
        .exclude(resident__consults__status__in=Consult.OPEN_STATUSES)
        .select_related("resident")
        .order_by("-measured_at", "-pk")
        .first()
    )
    if latest is None:
        return None
    newest = latest.resident.observations.order_by("-measured_at", "-pk").first()
    return latest if newest == latest else None
