"""Condition notices (issue #13 §1): licensed staff tell the relatives that the doctor has been
contacted; only relatives whose consent in force covers condition notices are told and see it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from digifys.audit.models import AuditEvent
from digifys.messaging import selectors, services
from digifys.messaging.models import Update
from digifys.notifications.models import Notification
from digifys.relatives.models import Scope
from digifys.residents.models import Relative
from digifys.testing.world import give_consent, make_relative

pytestmark = pytest.mark.django_db


@pytest.fixture
def login():
    """Each call is a client of its own, logged in as USER (two people at once)."""
    from django.test import Client

    from digifys.testing.accounts import complete_second_factor

    def _login(user, *, language: str | None = None):
        client = Client()
        client.force_login(user)
        complete_second_factor(client, user)
        if language:
            client.cookies["django_language"] = language
        return client

    return _login


@pytest.fixture
def without_condition(world):
    """A relative of the same resident whose consent covers updates but not condition notices."""
    relative = make_relative(
        world.resident_mala, "olle.relative", "Olle", "Sund", Relative.Relationship.CHILD
    )
    give_consent(relative, world.nurse_mala, [Scope.UPDATES, Scope.MESSAGES])
    return relative.user


def _notified(kind=Notification.Kind.CONDITION_NOTICE):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_only_relatives_whose_consent_covers_condition_notices_are_told(world, without_condition):
    services.send_condition_notice(actor=world.nurse_mala, resident=world.resident_mala)
    # With the scope: told. Without it, expired, revoked, or another resident's: not told.
    assert _notified() == {"gustav.relative"}
    (notification,) = Notification.objects.filter(kind=Notification.Kind.CONDITION_NOTICE)
    with translation.override("en"):
        text = notification.display_text
    assert text == "Malåhemmet has contacted the doctor about your relative"
    assert "Greta" not in text and "Lind" not in text
    assert notification.link == reverse(
        "messaging:relative_updates", kwargs={"resident_pk": world.resident_mala.pk}
    )


def test_the_notice_shows_in_the_portal_only_with_the_scope(world, without_condition, login):
    services.send_condition_notice(actor=world.physician_spain, resident=world.resident_mala)
    url = reverse("messaging:relative_updates", kwargs={"resident_pk": world.resident_mala.pk})
    seen = login(world.relative_with_consent, language="en").get(url)
    assert seen.status_code == 200
    assert "The staff have contacted the doctor about your relative." in seen.content.decode()
    # Updates but no condition scope: the page opens, the notice is not on it.
    unseen = login(without_condition, language="en").get(url)
    assert unseen.status_code == 200
    assert "contacted the doctor" not in unseen.content.decode()
    assert selectors.published_updates(without_condition, world.resident_mala).count() == 0
    for user in (world.relative_expired, world.relative_revoked, world.relative_other):
        assert login(user, language="en").get(url).status_code == 404


def test_the_notice_is_in_the_readers_language(world, login):
    services.send_condition_notice(actor=world.nurse_mala, resident=world.resident_mala)
    url = reverse("messaging:relative_updates", kwargs={"resident_pk": world.resident_mala.pk})
    page = login(world.relative_with_consent, language="es").get(url).content.decode()
    assert "El personal ha contactado con el médico" in page
    page = login(world.relative_with_consent, language="sv").get(url).content.decode()
    assert "Personalen har kontaktat läkaren" in page


def test_staff_confirm_first_then_it_is_sent_and_logged(world, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("messaging:condition_notice", kwargs={"pk": world.resident_mala.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "It reaches 1 relative." in page.content.decode()
    assert not Update.objects.exists()  # nothing sent by looking
    before = AuditEvent.objects.count()
    response = client.post(url)
    assert response.url == reverse("messaging:resident", kwargs={"pk": world.resident_mala.pk})
    notice = Update.objects.get()
    assert (notice.notice, notice.text, notice.is_published) == ("doctor_contacted", "", True)
    assert AuditEvent.objects.filter(
        seq__gt=before, object_type="condition_notice", resident=world.resident_mala
    ).exists()
    assert _notified() == {"gustav.relative"}


def test_only_licensed_staff_who_see_the_resident_may_send_it(world, login):
    with pytest.raises(PermissionDenied):
        services.send_condition_notice(actor=world.coordinator, resident=world.resident_mala)
    with pytest.raises((Http404, PermissionDenied)):
        services.send_condition_notice(actor=world.nurse_storuman, resident=world.resident_mala)
    url = reverse("messaging:condition_notice", kwargs={"pk": world.resident_mala.pk})
    assert login(world.nurse_storuman).post(url).status_code == 404
    assert login(world.relative_with_consent).post(url).status_code == 403
    assert not Update.objects.exists()
    assert _notified() == set()
