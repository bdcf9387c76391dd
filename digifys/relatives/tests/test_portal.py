"""The relative's portal home and settings (issue #13 §2 "Home"; issue #12 item 11)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.directory.models import StaffLanguage, StaffProfile
from digifys.relatives.selectors import language_names
from digifys.rounds.models import AgendaItem, Round
from digifys.scheduling.models import Booking
from digifys.testing.queries import AUDIT_APPEND
from digifys.testing.world import assign
from digifys.visits.models import Room

pytestmark = pytest.mark.django_db


def _care_team(world) -> tuple[StaffProfile, StaffProfile]:
    carmen = StaffProfile.objects.get(user=world.physician_spain)
    for code, level in (("es", "native"), ("sv", "fluent"), ("en", "professional")):
        StaffLanguage.objects.create(staff=carmen, language=code, proficiency=level)
    david = StaffProfile.objects.get(user=world.other_physician)
    assign(world.resident_mala, david, role="deputy")
    world.unit_mala.phone = "+46953123456"
    world.unit_mala.save()
    return carmen, david


def _booking(world, kind, starts_at, staff) -> Booking:
    return Booking.objects.create(
        kind=kind,
        clinician=staff,
        resident=world.resident_mala,
        unit=world.unit_mala,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        created_by=world.nurse_mala,
    )


def test_the_care_team_card_names_the_doctors_their_languages_and_where_they_work(world, login):
    _care_team(world)
    page = login(world.relative_with_consent, language="sv").get(reverse("relatives:home"))
    html = page.content.decode()
    assert "Greta Lind" in html
    assert "Carmen Doctor" in html and "David Doctor" in html
    assert "Talar spanska, svenska, engelska" in html  # by name, in the reader's language
    assert "Arbetar digitalt från regionens mottagning i Málaga" in html
    assert "mottagning i Lycksele" in html  # the deputy (employed by the same clinic)
    assert 'class="portal-avatar portal-initials" aria-hidden="true">CD<' in html  # no photo
    assert 'href="tel:+46-953-12-34-56"' in html

    html = login(world.relative_with_consent, language="en").get(reverse("relatives:home"))
    assert "Speaks Spanish, Swedish, English" in html.content.decode()


def test_language_names_in_each_language():
    from django.utils import translation

    with translation.override("sv"):
        assert language_names(["es", "sv", "en"]) == "spanska, svenska, engelska"
    with translation.override("es"):
        assert language_names(["es", "sv", "en"]) == "español, sueco, inglés"
    with translation.override("en"):
        assert language_names(["es", "xx"]) == "Spanish, xx"


def test_visits_rounds_and_family_meetings_show_when_and_never_why(world, login):
    carmen, _ = _care_team(world)
    now = timezone.now()
    _booking(world, Booking.Kind.VIDEO, now + datetime.timedelta(days=2), carmen)
    _booking(world, Booking.Kind.VIDEO, now - datetime.timedelta(days=2), carmen)  # past
    rnd = Round.objects.create(
        unit=world.unit_mala,
        physician=carmen,
        starts_at=now + datetime.timedelta(days=3),
        ends_at=now + datetime.timedelta(days=3, hours=2),
    )
    AgendaItem.objects.create(
        round=rnd,
        resident=world.resident_mala,
        unit=world.unit_mala,
        reason=AgendaItem.Reason.FLAGGED,
        note="Confused at night since Tuesday",
    )
    meeting = _booking(
        world, Booking.Kind.FAMILY_MEETING, now + datetime.timedelta(minutes=5), carmen
    )
    Room.objects.create(
        kind=Room.Kind.BOOKING,
        booking=meeting,
        resident=world.resident_mala,
        unit=world.unit_mala,
        host=carmen,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        opens_at=now - datetime.timedelta(minutes=10),
        closes_at=meeting.ends_at + datetime.timedelta(minutes=30),
        created_by=world.nurse_mala,
    )
    before = AuditEvent.objects.count()
    html = login(world.relative_with_consent, language="en").get(reverse("relatives:home"))
    html = html.content.decode()
    assert html.count("Video visit –") == 1  # the coming one, not the past one
    assert "Ward round: the doctor goes through" in html
    assert "Confused at night" not in html and "Flagged" not in html
    assert "Family meetings" in html and "Open now" in html
    reads = [e for e in AuditEvent.objects.order_by("seq")[before:] if e.action == "read"]
    assert [e.resident_id for e in reads] == [world.resident_mala.pk]

    # Without the care-team and meeting scopes none of it shows.
    page = login(world.relative_scoped, language="en").get(reverse("relatives:home"))
    text = page.content.decode()
    assert "Ward round" not in text and "Video visit" not in text and "Open now" not in text


def test_the_portal_home_reads_in_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries
):
    carmen, _ = _care_team(world)
    client = login(world.relative_with_consent, language="en")
    client.get(reverse("relatives:home"))
    with django_assert_max_num_queries(30) as first:
        client.get(reverse("relatives:home"))
    for day in range(1, 4):
        _booking(world, Booking.Kind.VIDEO, timezone.now() + datetime.timedelta(days=day), carmen)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("relatives:home"))


def test_a_relatives_settings_offer_only_what_applies(world, login):
    world.relative_with_consent.email = "gustav@example.com"
    world.relative_with_consent.save()
    html = login(world.relative_with_consent, language="en").get(reverse("accounts:preferences"))
    html = html.content.decode()
    assert "one-time code that we e-mail to you" in html and "gustav@example.com" in html
    assert reverse("mfa_index") not in html and reverse("account_change_password") not in html
    assert 'value="sv"' in html and ">Swedish<" in html  # languages as names

    staff = login(world.nurse_mala, language="en").get(reverse("accounts:preferences"))
    assert reverse("mfa_index") in staff.content.decode()


def test_the_portal_home_reads_a_second_resident_and_meetings_without_more_queries(
    world, login, django_assert_num_queries
):
    """No query per linked resident, visits and family meetings in one booking read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from digifys.relatives.models import Relative, Scope
    from digifys.testing.world import give_consent

    carmen, _ = _care_team(world)
    soon = timezone.now() + datetime.timedelta(days=1)
    _booking(world, Booking.Kind.VIDEO, soon, carmen)
    _booking(world, Booking.Kind.FAMILY_MEETING, soon + datetime.timedelta(hours=2), carmen)
    client = login(world.relative_with_consent, language="en")
    client.get(reverse("relatives:home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("relatives:home"))
    bookings = [q for q in one.captured_queries if 'FROM "scheduling_booking"' in q["sql"]]
    assert len(bookings) == 1, [q["sql"][:200] for q in bookings]
    # The same relative linked to a second resident, with a consent sharing everything.
    second = Relative.objects.create(
        resident=world.resident_mala_2,
        user=world.relative_with_consent,
        given_name="Gustav",
        family_name="Lind",
        relationship="child",
    )
    give_consent(second, world.nurse_mala, Scope.values)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("relatives:home")).content.decode()
    assert page.count('<section class="card portal-card"') == 2
    assert world.resident_mala_2.given_name in page


# The portal home's reads (bench/relatives.py --profile, docs/performance.md): the session, the
# user and their role, the links with their consents (2), the upcoming bookings, the care team
# with the physicians' employers and their languages (2), the ward-round agenda, the family
# meetings' open rooms and the relative's invitations (2), the access-log append (AUDIT_APPEND)
# and the trust-survey invitations. The links' residents are not read again for the care team,
# and the employers come with the physicians.
PORTAL_HOME_QUERIES = 12 + AUDIT_APPEND


def test_the_portal_home_reads_a_full_card_in_a_pinned_number_of_queries(
    world, login, django_assert_num_queries
):
    carmen, _ = _care_team(world)
    soon = timezone.now() + datetime.timedelta(days=1)
    _booking(world, Booking.Kind.VIDEO, soon, carmen)
    _booking(world, Booking.Kind.FAMILY_MEETING, soon + datetime.timedelta(hours=2), carmen)
    client = login(world.relative_with_consent, language="sv")
    client.get(reverse("relatives:home"))
    with django_assert_num_queries(PORTAL_HOME_QUERIES):
        html = client.get(reverse("relatives:home")).content.decode()
    assert "Carmen Doctor" in html and "David Doctor" in html  # named and deputy
    assert "Talar spanska, svenska, engelska" in html
    assert "Arbetar digitalt från regionens mottagning i Málaga" in html
