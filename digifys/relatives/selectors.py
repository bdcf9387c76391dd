"""Reads for the relatives' portal, each gated by the consent in force (relatives.policy).

What a relative sees of a resident is read here only for residents whose consent covers the
scope: the care team (named physician, deputy, upcoming visits, that the resident is on a ward
round's agenda — never why), family meetings. Records staff keep (agenda items, bookings) are
read by resident id after the gate, never through the staff access policy, and only the fields
listed here leave this module.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from digifys.directory.models import Organisation, StaffLanguage
from digifys.residents import selectors as resident_selectors
from digifys.rounds.models import AgendaItem, Round
from digifys.scheduling.models import Booking
from digifys.visits.models import Participant, Room

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


def _clinician(staff) -> Clinician:
    languages = sorted(
        staff.languages.all(), key=lambda lang: (_PROFICIENCY_ORDER.get(lang.proficiency, 9),)
    )
    employer = staff.employer
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
    # The family meeting's video room, when the user is invited by name and it is open now.
    join_url: str = ""
    invited: bool = False


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
    def shows_access_log(self) -> bool:
        return self.link.allows(Scope.ACCESS_LOG)

    @property
    def shows_updates(self) -> bool:
        return self.link.allows(Scope.UPDATES)

    @property
    def shows_messages(self) -> bool:
        return self.link.allows(Scope.MESSAGES)

    @property
    def shared(self) -> list[str]:
        if self.link.own or self.link.state != "in_force":
            return []
        return self.link.consent.scope_labels()

    @property
    def unit(self) -> Organisation:
        return self.link.unit


def portal_cards(user) -> list[Card]:
    """The portal home's cards for USER, by each link's own consent (constant queries)."""
    cards = [Card(link=link) for link in policy.links_for(user)]
    _fill(cards, user=user)
    return cards


def own_card(resident) -> Card:
    """A resident's own card (their own login): everything a full consent would show."""
    card = Card(link=policy.own_link(resident))
    _fill([card])
    return card


def _fill(cards: list[Card], user=None) -> None:
    """Read what each card shows, by its link's scopes (read once, in `policy.links_for`, for
    this request: the care team is attached to the links' own residents, not read again).

    USER (a relative) is who may have been invited by name to a family meeting; without one no
    meeting shows a Join button.
    """
    care = [card for card in cards if card.link.allows(Scope.CARE_TEAM)]
    meeting_cards = [card for card in cards if card.link.allows(Scope.MEETINGS)]
    now = timezone.now()
    horizon = now + datetime.timedelta(days=UPCOMING_DAYS)
    # Visits and family meetings in one read, split by kind below.
    booked = {card.resident.pk for card in care} | {card.resident.pk for card in meeting_cards}
    upcoming = (
        list(
            Booking.objects.filter(
                resident__in=booked,
                cancelled_at__isnull=True,
                ends_at__gt=now,
                starts_at__lt=horizon,
            )
            .select_related("clinician__user")
            .order_by("starts_at", "pk")
        )
        if booked
        else []
    )
    if care:
        ids = [card.resident.pk for card in care]
        prefetch_related_objects(
            list({card.resident.pk: card.resident for card in care}.values()),
            resident_selectors.care_team_prefetch(with_profile=True),
        )
        bookings = [
            booking
            for booking in upcoming
            if booking.kind != Booking.Kind.FAMILY_MEETING and booking.resident_id in ids
        ]
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
        for card in care:
            resident = card.resident
            named = resident_selectors.named_physician(resident)
            deputy = resident_selectors.deputy(resident)
            card.named = _clinician(named.physician) if named else None
            card.deputy = _clinician(deputy.physician) if deputy else None
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
        meetings = [
            booking
            for booking in upcoming
            if booking.kind == Booking.Kind.FAMILY_MEETING and booking.resident_id in ids
        ]
        open_rooms = dict(
            Room.objects.filter(
                booking__in=meetings, ended_at__isnull=True, opens_at__lte=now, closes_at__gt=now
            ).values_list("booking_id", "pk")
        )
        # Invited by name (visits.services.meetings): the consent was checked above.
        invited = (
            dict(
                Participant.objects.filter(
                    room__booking__in=meetings, user=user, role=Participant.Role.RELATIVE
                )
                .exclude(status=Participant.Status.REMOVED)
                .values_list("room__booking_id", "room_id")
            )
            if user is not None
            else {}
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
                            invited=booking.pk in invited,
                            join_url=reverse("visits:relative_room", args=[open_rooms[booking.pk]])
                            if booking.pk in open_rooms and booking.pk in invited
                            else "",
                        )
                    )


# --- Who has looked (the resident's own log extract, PDL 8 kap. 5 §) ---------------------------


@dataclass
class LogLine:
    """One access-log entry in plain words: who, from where, what, when, why."""

    when: datetime.datetime
    who: str
    where: str
    what: str
    why: str
    by_self: bool


def _what(action: str, *, own: bool) -> str:
    from digifys.audit.models import AuditEvent

    Action = AuditEvent.Action
    if own:
        words = {
            Action.READ: _("read your record"),
            Action.CREATE: _("wrote in your record"),
            Action.UPDATE: _("changed your record"),
            Action.DELETE: _("removed something from your record"),
            Action.EXPORT: _("exported data from your record"),
            Action.PRINT: _("printed data from your record"),
            Action.EMERGENCY: _("opened your record with emergency access"),
            Action.BLOCK: _("blocked or unblocked parts of your record"),
            Action.REVIEW: _("checked the access log"),
        }
    else:
        words = {
            Action.READ: _("read the record"),
            Action.CREATE: _("wrote in the record"),
            Action.UPDATE: _("changed the record"),
            Action.DELETE: _("removed something from the record"),
            Action.EXPORT: _("exported data from the record"),
            Action.PRINT: _("printed data from the record"),
            Action.EMERGENCY: _("opened the record with emergency access"),
            Action.BLOCK: _("blocked or unblocked parts of the record"),
            Action.REVIEW: _("checked the access log"),
        }
    return str(words.get(action, action))


def _why(purpose: str, *, own: bool) -> str:
    from digifys.audit.models import AuditEvent

    Purpose = AuditEvent.Purpose
    words = {
        Purpose.CARE: _("for your care") if own else _("for the resident's care"),
        Purpose.EMERGENCY: _("emergency access, which is always checked afterwards"),
        Purpose.ADMINISTRATION: _("for the administration of the care"),
        Purpose.REVIEW: _("to check that the access log is followed"),
        Purpose.PATIENT_REQUEST: _("at your own request")
        if own
        else _("at the request of the resident or a relative"),
    }
    return str(words.get(purpose, purpose))


def access_log(resident, *, since=None, until=None, own: bool, user=None):
    """The entries about RESIDENT, newest first, as a lazy sequence of `LogLine`s for a page.

    Read by the resident's own login (OWN) or a relative whose consent covers the access log;
    the caller has checked that. USER's own entries read "You".
    """
    from digifys.accounts.models import Role
    from digifys.audit.selectors import extract_for

    entries = extract_for(resident, since=since, until=until).only(
        "seq",
        "occurred_at",
        "actor_id",
        "actor_name",
        "actor_role",
        "organisation_name",
        "action",
        "purpose",
    )

    def line(event) -> LogLine:
        by_self = user is not None and event.actor_id == user.pk
        if by_self:
            who = _("You")
        elif not event.actor_name:
            who = _("The system")
        elif event.actor_role:
            try:
                role = str(Role(event.actor_role).label)
            except ValueError:
                role = event.actor_role
            who = f"{role} {event.actor_name}"
        else:
            who = event.actor_name
        # Relatives and residents themselves read only what the portal shares, never the record.
        if by_self:
            what = _("looked at this page or the portal")
        elif event.actor_role == Role.RELATIVE:
            what = _("looked at what is shared in the relatives' portal")
        elif event.actor_id and not event.actor_role and event.purpose == "patient_request":
            what = _("looked at their own page")
        else:
            what = _what(event.action, own=own)
        return LogLine(
            when=event.occurred_at,
            who=who,
            where=event.organisation_name,
            what=what,
            why=_why(event.purpose, own=own),
            by_self=by_self,
        )

    return _Lines(entries, line)


class _Lines:
    """A queryset mapped to lines, sliceable for the paginator (one query per page)."""

    def __init__(self, queryset, mapper) -> None:
        self.queryset, self.mapper = queryset, mapper

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.mapper(event) for event in self.queryset[index]]
        return self.mapper(self.queryset[index])
