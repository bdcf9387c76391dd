"""Who has looked (issue #13 §2): the resident's own log extract in plain words, and a relative's
view of it only through a consent in force that shares the access-log scope."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from digifys.audit import services as audit
from digifys.audit.models import AuditEvent
from digifys.relatives.models import Consent, Scope
from digifys.testing.world import give_consent, make_relative

pytestmark = pytest.mark.django_db


def _read(actor, resident, *, when=None, purpose="care"):
    """Record a read, at WHEN if given (the clock is moved: the log itself is append-only)."""
    if when is None:
        return audit.record(
            actor=actor, action="read", resident=resident, object_type="resident", purpose=purpose
        )
    with time_machine.travel(when, tick=False):
        return audit.record(
            actor=actor, action="read", resident=resident, object_type="resident", purpose=purpose
        )


def _url(world):
    return reverse("relatives:access_log", args=[world.resident_mala.pk])


# --- The consent-scope matrix ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("relative_with_consent", 200),  # every scope, access log included
        ("relative_without", 404),  # no consent at all (and linked to another resident)
        ("relative_scoped", 404),  # updates and messages only
        ("relative_expired", 404),
        ("relative_revoked", 404),
        ("relative_other", 404),  # a full consent, for another resident
        ("resident_self", 403),  # a resident is not a relative: their own page is elsewhere
        ("nurse_mala", 403),
        ("coordinator", 403),
    ],
)
def test_who_may_see_the_residents_access_log(world, login, persona, status):
    response = login(world.persona(persona)).get(_url(world))
    assert response.status_code == status


@pytest.mark.parametrize(
    "scopes",
    [
        [s for s in Scope.values if s != Scope.ACCESS_LOG],  # everything else: still not this
        [Scope.ACCESS_LOG],  # only this: enough
    ],
)
def test_only_the_access_log_scope_opens_it(world, login, scopes):
    relative = make_relative(world.resident_mala, "olle.relative", "Olle", "Lind", "child")
    give_consent(relative, world.nurse_mala, scopes)
    response = login(relative.user).get(_url(world))
    assert response.status_code == (200 if Scope.ACCESS_LOG in scopes else 404)


def test_a_consent_changed_to_drop_the_scope_closes_it_on_the_next_request(world, login):
    client = login(world.relative_with_consent)
    assert client.get(_url(world)).status_code == 200
    current = Consent.objects.of_user(world.relative_with_consent).current().get()
    give_consent(
        current.relative,
        world.nurse_mala,
        [s for s in Scope.values if s != Scope.ACCESS_LOG],
        event=Consent.Event.CHANGED,
    ).__class__.objects.filter(relative=current.relative).order_by("-pk").update(
        recorded_at=timezone.now()
    )
    assert client.get(_url(world)).status_code == 404


def test_the_home_page_links_to_it_only_with_the_scope(world, login):
    url = _url(world)
    assert url in login(world.relative_with_consent).get(reverse("relatives:home")).content.decode()
    relative = make_relative(world.resident_mala, "olle.relative", "Olle", "Lind", "child")
    give_consent(relative, world.nurse_mala, [Scope.CARE_TEAM])
    assert url not in login(relative.user).get(reverse("relatives:home")).content.decode()


# --- Plain words, newest first, period, pagination ---------------------------------------------


def test_entries_read_in_plain_words_newest_first(world, login):
    stockholm = datetime.timezone(datetime.timedelta(hours=1))
    # Logged in this order, so the 3rd is the newer entry (the log is ordered by sequence).
    _read(
        world.coordinator,
        world.resident_mala,
        when=datetime.datetime(2026, 12, 1, 9, 0, tzinfo=stockholm),
        purpose="administration",
    )
    _read(
        world.nurse_mala,
        world.resident_mala,
        when=datetime.datetime(2026, 12, 3, 14, 5, tzinfo=stockholm),
    )
    _read(world.nurse_mala, world.resident_mala_2)  # someone else's: never shown
    page = login(world.resident_self, language="sv").get(reverse("relatives:own_access_log"))
    text = page.content.decode()
    assert page.status_code == 200
    nurse = world.nurse_mala.get_full_name() or world.nurse_mala.username
    line = f"Sjuksköterska {nurse}</strong>, Malåhemmet – Avd 1 Björken, läste din journal"
    assert line in text
    assert "3 december 2026 14:05" in text and "för vård av dig" in text
    assert "för administrationen av vården" in text
    assert text.index("3 december 2026") < text.index("1 december 2026")  # newest first
    assert text.count("<li") - text.count("<li><a") >= 3  # the two reads and the page's own
    # Opening the page is itself an entry, shown as "You".
    assert "<strong>Du</strong> tittade på den här sidan eller portalen" in text
    assert "på din egen begäran" in text


def test_the_period_filter_and_pagination(world, login, settings):
    settings.DIGIFYS_PAGE_SIZE = 2
    stockholm = datetime.timezone(datetime.timedelta(hours=1))
    for day in (1, 2, 3, 4, 5):
        _read(
            world.nurse_mala,
            world.resident_mala,
            when=datetime.datetime(2026, 11, day, 10, 0, tzinfo=stockholm),
        )
    client = login(world.resident_self, language="en")
    url = reverse("relatives:own_access_log")
    page = client.get(url, {"since": "2026-11-02", "until": "2026-11-04"}).content.decode()
    assert "3 entries" in page
    assert "Page 1 of 2" in page
    assert "4 November 2026" in page and "1 November 2026" not in page
    second = client.get(url, {"since": "2026-11-02", "until": "2026-11-04", "page": 2})
    assert "2 November 2026" in second.content.decode()
    bad = client.get(url, {"since": "2026-11-04", "until": "2026-11-02"})
    assert bad.status_code == 400
    assert "The end of the period must be on or after its start." in bad.content.decode()


# --- Opening the page is logged, and not as a staff read ----------------------------------------


def test_the_resident_opening_it_is_logged_as_their_own_request(world, login):
    before = AuditEvent.objects.count()
    login(world.resident_self).get(reverse("relatives:own_access_log"))
    (event,) = AuditEvent.objects.order_by("seq")[before:]
    assert event.actor_id == world.resident_self.pk
    assert event.resident_id == world.resident_mala.pk
    assert (event.action, event.purpose, event.object_type) == (
        "read",
        "patient_request",
        "own_access_log",
    )
    assert event.actor_role == "" and event.organisation_id is None  # not a staff member


def test_a_relative_opening_it_is_logged_as_a_relative(world, login):
    before = AuditEvent.objects.count()
    login(world.relative_with_consent).get(_url(world))
    (event,) = AuditEvent.objects.order_by("seq")[before:]
    assert (event.actor_id, event.actor_role, event.purpose, event.object_type) == (
        world.relative_with_consent.pk,
        "relative",
        "patient_request",
        "relative_access_log",
    )


def test_a_refused_relative_leaves_no_entry(world, login):
    before = AuditEvent.objects.count()
    assert login(world.relative_scoped).get(_url(world)).status_code == 404
    assert AuditEvent.objects.count() == before


# --- The resident's own pages ----------------------------------------------------------------


def test_the_resident_sees_their_own_card_and_lands_there(world, login):
    client = login(world.resident_self, language="sv")
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("relatives:me")
    text = response.content.decode()
    assert "Greta Lind" in text
    assert world.physician_spain.get_full_name() in text
    assert reverse("relatives:own_access_log") in text
    assert "Helge" not in text  # nobody else


def test_a_resident_sees_no_staff_page_and_no_one_elses_data(world, login):
    client = login(world.resident_self)
    assert client.get(reverse("residents:list")).status_code == 403
    detail = client.get(reverse("residents:detail", args=[world.resident_mala.pk]))
    assert detail.status_code in (403, 404)
    assert client.get(reverse("relatives:home")).status_code == 403
    assert client.get(_url(world)).status_code == 403


def test_an_administrator_links_a_residents_login_in_the_admin_site(world, login):
    from digifys.relatives.models import ResidentLogin
    from digifys.testing.world import make_user

    user = make_user("helge.resident")
    client = login(world.administrator)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:relatives_residentlogin_add"),
        {
            "user": user.pk,
            "resident": world.resident_mala_2.pk,
            "created_at_0": "2026-12-01",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ResidentLogin.objects.get(user=user).resident == world.resident_mala_2
    event = AuditEvent.objects.order_by("seq")[before:].get()
    assert (event.action, event.resident_id) == ("create", world.resident_mala_2.pk)
    assert login(user).get(reverse("relatives:me")).status_code == 200


def test_the_residents_sso_login_links_by_the_verified_email(world):
    """A resident's first login through the region's IdP (BankID) finds their user by e-mail."""
    from digifys.accounts.adapters import user_for_verified_emails

    world.resident_self.email = "greta.lind@example.com"
    world.resident_self.save()
    assert user_for_verified_emails(["Greta.Lind@example.com"]) == world.resident_self


def test_a_relatives_look_at_the_portal_is_not_called_reading_the_record(world, login):
    login(world.relative_with_consent).get(reverse("relatives:home"))
    page = login(world.resident_self, language="en").get(reverse("relatives:own_access_log"))
    text = page.content.decode()
    assert "looked at what is shared in the relatives&#x27; portal" in text
    assert "Relative " in text
