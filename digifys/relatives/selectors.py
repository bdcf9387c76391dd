"""Reads for the relatives' portal, each gated by the consent in force (relatives.policy).

What a relative sees of a resident is read here only for residents whose consent covers the
scope: the care team (named physician, deputy, upcoming visits, that the resident is on a ward
round's agenda — never why), family meetings. Records staff keep (agenda items, bookings) are
read by resident id after the gate, never through the staff access policy, and only the fields
listed here leave this module.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone, translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from digifys.directory.models import Organisation, StaffLanguage
from digifys.residents import selectors as resident_selectors
from digifys.rounds.models import AgendaItem, Round
from digifys.scheduling.models import Booking
from digifys.visits.models import Room

from . import policy
from .models import Scope

UPCOMING_DAYS = 60
MAX_ITEMS = 5
_PROFICIENCY_ORDER = {
    StaffLanguage.Proficiency.NATIVE: 0,
    StaffLanguage.Proficiency.FLUENT: 1,
    StaffLanguage.Proficiency.PROFESSIONAL: 2,
    StaffLanguage.Proficiency.BASIC: 3,
}


def language_names(codes) -> str:
    """ISO 639-1 codes as names in the reader's language: "spanska, svenska, engelska"."""
    lowercase = (translation.get_language() or "sv")[:2] in ("sv", "es")
    names = []
    for code in codes:
        try:
            name = str(get_language_info(code)["name_translated"])
        except KeyError:
            name = code
        names.append(name[:1].lower() + name[1:] if lowercase else name)
    return ", ".join(names)


def initials(name: str) -> str:
    return "".join(part[:1] for part in name.split()[:2]).upper()


@dataclass
class Clinician:
    name: str
    photo_url: str
    initials: str
    languages: str
    works_from: str


def _clinician(staff, employers: dict) -> Clinician:
    languages = sorted(
        staff.languages.all(), key=lambda lang: (_PROFICIENCY_ORDER.get(lang.proficiency, 9),)
    )
    employer = employers[staff.employer_id]
    city = staff.work_city or employer.city
    if employer.kind == Organisation.Kind.VIRTUAL_CLINIC:
        works_from = _(
            "Works digitally from the region's clinic in %(city)s, together with the nurses "
            "on site, who do the physical part."
        ) % {"city": city or employer.name}
    elif city:
        works_from = _("Works from %(place)s in %(city)s.") % {"place": employer.name, "city": city}
    else:
        works_from = _("Works from %(place)s.") % {"place": employer.name}
    return Clinician(
        name=staff.name,
        photo_url=staff.photo.url if staff.photo else "",
        initials=initials(staff.name),
        languages=language_names(lang.language for lang in languages),
        works_from=works_from,
    )


@dataclass
class Meeting:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    clinician: str
    is_open: bool


@dataclass
class Card:
    """One link on the portal home: a resident shown by consent, or only whom to call."""

    link: policy.Link
    named: Clinician | None = None
    deputy: Clinician | None = None
    visits: list = field(default_factory=list)  # (starts_at, kind label, clinician name)
    rounds: list = field(default_factory=list)  # starts_at of rounds with the resident on
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def resident(self):
        return self.link.resident

    @property
    def shows_care_team(self) -> bool:
        return self.link.allows(Scope.CARE_TEAM)

    @property
    def shows_meetings(self) -> bool:
        return self.link.allows(Scope.MEETINGS)

    @property
    def shows_updates(self) -> bool:
        return self.link.allows(Scope.UPDATES)

    @property
    def shows_messages(self) -> bool:
        return self.link.allows(Scope.MESSAGES)

    @property
    def shared(self) -> list[str]:
        return self.link.consent.scope_labels() if self.link.state == "in_force" else []

    @property
    def unit(self) -> Organisation:
        return self.link.unit


def portal_cards(user) -> list[Card]:
    """The portal home's cards for USER, by each link's own consent (constant queries)."""
    links = policy.links_for(user)
    cards = [Card(link=link) for link in links]
    care = [card for card in cards if card.link.allows(Scope.CARE_TEAM)]
    meeting_cards = [card for card in cards if card.link.allows(Scope.MEETINGS)]
    now = timezone.now()
    horizon = now + datetime.timedelta(days=UPCOMING_DAYS)
    if care:
        ids = [card.resident.pk for card in care]
        residents = {
            r.pk: r
            for r in resident_selectors.with_care_team(
                policy.residents_with_scope(user, Scope.CARE_TEAM).filter(pk__in=ids),
                with_languages=True,
            )
        }
        bookings = (
            Booking.objects.filter(
                resident__in=ids,
                cancelled_at__isnull=True,
                ends_at__gt=now,
                starts_at__lt=horizon,
            )
            .exclude(kind=Booking.Kind.FAMILY_MEETING)
            .select_related("clinician__user")
            .order_by("starts_at")
        )
        agenda = (
            AgendaItem.objects.filter(
                resident__in=ids,
                removed_at__isnull=True,
                round__status__in=(Round.Status.PLANNED, Round.Status.IN_PROGRESS),
                round__ends_at__gt=now,
                round__starts_at__lt=horizon,
            )
            .select_related("round")
            .order_by("round__starts_at")
        )
        employers = Organisation.objects.in_bulk(
            {a.physician.employer_id for r in residents.values() for a in r.current_assignments}
        )
        for card in care:
            resident = residents.get(card.resident.pk)
            if resident is None:  # consent changed between the two reads
                continue
            named = resident_selectors.named_physician(resident)
            deputy = resident_selectors.deputy(resident)
            card.named = _clinician(named.physician, employers) if named else None
            card.deputy = _clinician(deputy.physician, employers) if deputy else None
        for booking in bookings:
            for card in care:
                if card.resident.pk == booking.resident_id and len(card.visits) < MAX_ITEMS:
                    card.visits.append(
                        (booking.starts_at, booking.get_kind_display(), booking.clinician.name)
                    )
        for item in agenda:
            for card in care:
                if card.resident.pk == item.resident_id and len(card.rounds) < MAX_ITEMS:
                    card.rounds.append(item.round.starts_at)
    if meeting_cards:
        ids = [card.resident.pk for card in meeting_cards]
        meetings = list(
            Booking.objects.filter(
                resident__in=ids,
                kind=Booking.Kind.FAMILY_MEETING,
                cancelled_at__isnull=True,
                ends_at__gt=now,
                starts_at__lt=horizon,
            )
            .select_related("clinician__user")
            .order_by("starts_at")
        )
        open_rooms = set(
            Room.objects.filter(
                booking__in=meetings, ended_at__isnull=True, opens_at__lte=now, closes_at__gt=now
            ).values_list("booking_id", flat=True)
        )
        for booking in meetings:
            for card in meeting_cards:
                if card.resident.pk == booking.resident_id and len(card.meetings) < MAX_ITEMS:
                    card.meetings.append(
                        Meeting(
                            starts_at=booking.starts_at,
                            ends_at=booking.ends_at,
                            clinician=booking.clinician.name,
                            is_open=booking.pk in open_rooms,
                        )
                    )
    return cards
