"""The notification settings page and the delivery logs."""

import datetime

import pytest
from django.urls import reverse

from digifys.notifications.models import Delivery, DeliverySettings, NotificationPreference
from digifys.notifications.services import notify

URL = reverse("notifications:preferences")


def _citizen_post(**changes) -> dict:
    data = {
        "topic_updates": "email",
        "topic_answers": "email",
        "topic_meetings": "sms",
        "topic_condition": "none",
        "topic_survey": "email",
        "mobile": "070-123 45 67",
        "quiet_from": "22:00",
        "quiet_until": "07:00",
        "time_zone": "Europe/Madrid",
    }
    data.update(changes)
    return data


def test_a_relative_sees_their_topics_with_email_chosen_by_default(world, login):
    client = login(world.relative_with_consent, language="sv")
    page = client.get(URL).content.decode()
    assert "Uppdateringar från personalen" in page
    assert 'name="topic_updates" value="email"' in page
    assert "checked" in page.split('name="topic_updates" value="email"')[1].split(">")[0]
    assert "Konsultationer" not in page  # staff topics are not shown
    assert 'name="time_zone"' in page


def test_a_relative_saves_channels_mobile_and_quiet_hours(world, login):
    user = world.relative_with_consent
    response = login(user, language="en").post(URL, _citizen_post())
    assert response.status_code == 302
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    assert chosen == {
        "relative_update": "email",
        "message_answered": "email",
        "meeting_invitation": "sms",
        "condition_notice": "none",
        "survey": "email",
    }
    own = DeliverySettings.objects.get(user=user)
    assert own.mobile == "+46701234567"
    assert (own.quiet_from, own.quiet_until) == (datetime.time(22), datetime.time(7))
    assert own.time_zone == "Europe/Madrid"
    page = login(user, language="en").get(URL).content.decode()
    assert 'value="070-123 45 67"' in page or 'value="+46701234567"' in page


def test_sms_without_a_mobile_number_is_refused_and_nothing_typed_is_lost(world, login):
    user = world.relative_with_consent
    response = login(user, language="en").post(URL, _citizen_post(mobile="", quiet_from="21:30"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter your mobile number to get SMS." in page
    assert 'value="21:30"' in page
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_a_landline_is_no_mobile_number(world, login):
    response = login(world.relative_with_consent, language="en").post(
        URL, _citizen_post(mobile="090-785 00 00")
    )
    assert "Enter a mobile number" in response.content.decode()
    assert not DeliverySettings.objects.exists()


def test_half_quiet_hours_are_refused(world, login):
    response = login(world.relative_with_consent, language="en").post(
        URL, _citizen_post(quiet_until="")
    )
    assert "Give both the start and the end of quiet hours" in response.content.decode()


def test_staff_cannot_switch_off_a_missed_consult(world, login):
    client = login(world.physician_spain, language="en")
    page = client.get(URL).content.decode()
    assert "Consult deadline missed" in page
    assert 'name="topic_consult_escalated" value="none"' not in page
    assert "Europe/Madrid" in page  # quiet hours in the zone of their staff profile
    assert 'name="time_zone"' not in page
    data = {
        "topic_consults": "none",
        "topic_consult_escalated": "none",
        "topic_tasks": "none",
        "topic_relatives": "none",
        "topic_staff_meetings": "none",
        "topic_responsibility": "none",
        "topic_work": "none",
        "topic_security": "none",
    }
    response = client.post(URL, data)
    assert response.status_code == 200
    assert not NotificationPreference.objects.exists()
    data["topic_consult_escalated"] = "sms"
    data["mobile"] = "+34 612 34 56 78"
    assert client.post(URL, data).status_code == 302
    assert NotificationPreference.objects.get(kind="consult_escalated").channel == "sms"


def test_the_delivery_log_shows_the_users_own_deliveries_masked_with_status_in_words(world, login):
    user = world.relative_with_consent
    user.email = "gustav@example.se"
    user.save()
    other = world.relative_other
    other.email = "maja@example.se"
    other.save()
    notify(recipients=[user, other], kind="relative_update", text="x", link="/relatives/")
    Delivery.objects.filter(notification__recipient=user).update(
        status="retrying", attempts=1, problem="timeout", last_error="SMTP timed out"
    )
    page = login(user, language="sv").get(reverse("notifications:deliveries")).content.decode()
    assert "g•••@example.se" in page and "gustav@example.se" not in page
    assert "maja" not in page
    assert "Misslyckades, försöker igen" in page
    assert "svarade inte i tid" in page
    assert "SMTP timed out" not in page  # technical detail is for coordinators


def test_an_empty_delivery_log_says_so(world, login):
    page = login(world.nurse_mala, language="en").get(reverse("notifications:deliveries"))
    assert "Nothing has been sent to you by e-mail or SMS yet." in page.content.decode()


def test_coordinators_see_failed_deliveries_with_the_reason(world, login):
    user = world.relative_with_consent
    notify(recipients=[user], kind="relative_update", text="About Greta Lind", link="/")
    page = login(world.coordinator, language="en").get(reverse("notifications:failed_deliveries"))
    text = page.content.decode()
    assert "To Gustav Lind" in text
    assert "No e-mail address" in text
    assert "Greta" not in text


def test_the_settings_page_links_to_the_notification_pages(world, login):
    page = login(world.relative_with_consent, language="en").get(reverse("accounts:preferences"))
    text = page.content.decode()
    assert reverse("notifications:preferences") in text
    assert reverse("notifications:deliveries") in text
    assert reverse("notifications:failed_deliveries") not in text
    page = login(world.coordinator, language="en").get(reverse("accounts:preferences"))
    assert reverse("notifications:failed_deliveries") in page.content.decode()


@pytest.mark.parametrize("language", ["sv", "en", "es"])
def test_the_pages_render_in_every_language(world, login, language):
    client = login(world.relative_with_consent, language=language)
    for name in ("notifications:preferences", "notifications:deliveries"):
        assert client.get(reverse(name)).status_code == 200


def test_the_admins_delivery_log_never_shows_the_notification_text(world, login):
    (notification,) = notify(
        recipients=[world.relative_with_consent], kind="relative_update", text="About Greta Lind"
    )
    row = Delivery.objects.get(notification=notification)
    client = login(world.administrator, language="en")
    for url in (
        reverse("admin:notifications_delivery_changelist"),
        reverse("admin:notifications_delivery_change", args=[row.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "Greta" not in response.content.decode()
