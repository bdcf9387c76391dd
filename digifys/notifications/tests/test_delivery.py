"""Notifications delivered by e-mail (a real SMTP server) and SMS: once, retried, quiet hours."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from digifys.core.time import STOCKHOLM
from digifys.notifications import delivery
from digifys.notifications.channels import ConsoleSmsBackend
from digifys.notifications.models import (
    Channel,
    Delivery,
    DeliverySettings,
    Notification,
    NotificationPreference,
)
from digifys.notifications.services import notify
from digifys.notifications.tasks import deliver_notification

Kind = Notification.Kind
# The notification's own text names the resident: it must never leave the platform.
TEXT_WITH_NAME = "Ny uppdatering om Greta Lind"


@pytest.fixture
def relative(world):
    user = world.relative_with_consent
    user.email = "gustav@example.se"
    user.language = "sv"
    user.save()
    return user


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://digifys.example.se"
    settings.NOTIFICATION_RETRY_SECONDS = 60
    settings.NOTIFICATION_MAX_ATTEMPTS = 3


def _update_for(user, link="/relatives/"):
    return notify(recipients=[user], kind=Kind.RELATIVE_UPDATE, text=TEXT_WITH_NAME, link=link)


def _worker():
    call_command("db_worker", batch=True, verbosity=0, startup_delay=False)


@pytest.mark.django_db(transaction=True)
def test_an_update_reaches_the_relative_by_email_without_the_residents_name(
    world, relative, site, smtp_server
):
    (notification,) = _update_for(relative, link="/relatives/")
    _worker()

    assert len(smtp_server.received) == 1
    got = smtp_server.received[0]
    assert got.to == ["gustav@example.se"]
    assert got.subject == "Ny uppdatering – Malåhemmet"
    assert "Det finns ett nytt meddelande från Malåhemmet." in got.body
    assert "https://digifys.example.se/relatives/" in got.body
    for secret in ("Greta", "Lind", TEXT_WITH_NAME, "Helge", "Nord"):
        assert secret not in got.body and secret not in got.subject
    sent = Delivery.objects.get(notification=notification)
    assert (sent.status, sent.attempts, sent.to) == ("sent", 1, "gustav@example.se")
    assert sent.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_message_is_in_the_recipients_language(world, relative, site, smtp_server):
    relative.language = "es"
    relative.save()
    _update_for(relative)
    _worker()
    (got,) = smtp_server.received
    assert "Hay un mensaje nuevo de Malåhemmet." in got.body


@pytest.mark.django_db(transaction=True)
def test_a_refused_first_attempt_is_retried_and_delivered_exactly_once(
    world, relative, site, settings, smtp_server
):
    settings.NOTIFICATION_RETRY_SECONDS = 0  # the retry is due at once: one worker run does both
    smtp_server.refuse(1, at="DATA", reply="451 4.3.0 Mailbox busy, try again")
    (notification,) = _update_for(relative)
    _worker()

    assert len(smtp_server.received) == 1
    row = Delivery.objects.get(notification=notification)
    assert (row.status, row.attempts) == ("sent", 2)

    # Running the job again, or the worker, sends nothing more.
    deliver_notification.enqueue(delivery_id=row.pk)
    _worker()
    assert delivery.attempt(delivery_id=row.pk) == "sent"
    assert len(smtp_server.received) == 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_recipient_waits_with_backoff_and_the_reason(world, relative, site, smtp_server):
    smtp_server.refuse(2, at="RCPT", reply="451 4.7.1 Greylisted")
    (notification,) = _update_for(relative)
    start = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        row = Delivery.objects.get(notification=notification)
        row.next_attempt_at = start
        row.save()
        assert delivery.attempt(delivery_id=row.pk) == "retrying"
        row.refresh_from_db()
        assert row.next_attempt_at == start + datetime.timedelta(seconds=60)
        assert row.problem == "temporary" and "451" in row.last_error
        # Not yet due: nothing happens.
        assert delivery.attempt(delivery_id=row.pk) == "retrying"
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert delivery.attempt(delivery_id=row.pk) == "retrying"
        row.refresh_from_db()
        assert row.next_attempt_at == start + datetime.timedelta(seconds=61 + 120)
    with time_machine.travel(start + datetime.timedelta(seconds=200), tick=False):
        assert delivery.attempt(delivery_id=row.pk) == "sent"
    assert len(smtp_server.received) == 1
    row.refresh_from_db()
    assert (row.attempts, row.problem) == (3, "")


@pytest.mark.django_db(transaction=True)
def test_after_the_last_attempt_it_is_given_up(world, relative, site, settings, smtp_server):
    settings.NOTIFICATION_RETRY_SECONDS = 0
    smtp_server.refuse(5, at="DATA")
    (notification,) = _update_for(relative)
    _worker()
    row = Delivery.objects.get(notification=notification)
    assert (row.status, row.attempts, row.next_attempt_at) == ("given_up", 3, None)
    assert smtp_server.received == []
    _worker()
    row.refresh_from_db()
    assert row.attempts == 3


@pytest.mark.django_db(transaction=True)
def test_a_permanently_refused_address_fails_without_retrying(world, relative, site, smtp_server):
    smtp_server.refuse(1, at="RCPT", reply="550 5.1.1 No such user")
    (notification,) = _update_for(relative)
    _worker()
    row = Delivery.objects.get(notification=notification)
    assert (row.status, row.attempts, row.problem) == ("failed", 1, "refused")
    assert "550" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_a_job_run_twice_sends_once(world, relative, site, smtp_server):
    (notification,) = _update_for(relative)
    row = Delivery.objects.get(notification=notification)
    deliver_notification.enqueue(delivery_id=row.pk)  # a second job for the same delivery
    _worker()
    assert len(smtp_server.received) == 1
    assert delivery.attempt(delivery_id=row.pk) == "sent"
    assert len(smtp_server.received) == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_claimed_by_another_worker_is_left_alone_until_its_lease_ends(
    world, relative, site, smtp_server
):
    (notification,) = _update_for(relative)
    row = Delivery.objects.get(notification=notification)
    now = datetime.datetime.now(datetime.UTC)
    Delivery.objects.filter(pk=row.pk).update(
        status="sending", claim="other", claimed_until=now + datetime.timedelta(minutes=5)
    )
    assert delivery.attempt(delivery_id=row.pk) == "sending"
    assert smtp_server.received == []
    with time_machine.travel(now + datetime.timedelta(minutes=6), tick=False):
        assert delivery.sweep_due() == 1  # the other worker died: tried again
    assert len(smtp_server.received) == 1


def test_nothing_is_sent_before_the_transaction_commits(world, relative, site):
    """A plain (rolled back) test transaction: the row is planned, no job runs."""
    (notification,) = _update_for(relative)
    row = Delivery.objects.get(notification=notification)
    assert (row.status, row.channel, row.attempts) == ("queued", "email", 0)
    assert mail.outbox == []


def test_preference_none_sends_nothing(world, relative, site):
    NotificationPreference.objects.create(user=relative, kind=Kind.RELATIVE_UPDATE, channel="none")
    _update_for(relative)
    assert not Delivery.objects.exists()


def test_staff_get_nothing_outside_digifys_by_default(world, site):
    world.nurse_mala.email = "anna@example.se"
    world.nurse_mala.save()
    notify(recipients=[world.nurse_mala], kind=Kind.TASK_NEW, code="task_new", params={})
    assert not Delivery.objects.exists()


def test_a_missed_consult_goes_to_staff_by_email_by_default(world, site):
    world.physician_spain.email = "carmen@example.es"
    world.physician_spain.save()
    notify(
        recipients=[world.physician_spain],
        kind=Kind.CONSULT_ESCALATED,
        code="consult_escalated",
        params={"unit": "Avd 1 Björken"},
    )
    row = Delivery.objects.get()
    assert (row.channel, row.to, row.status) == ("email", "carmen@example.es", "queued")


def test_without_an_address_the_delivery_fails_with_the_reason(world, site):
    notify(recipients=[world.relative_with_consent], kind=Kind.RELATIVE_UPDATE, text=TEXT_WITH_NAME)
    row = Delivery.objects.get()
    assert (row.status, row.problem) == ("failed", "no_address")


def test_inactive_users_get_nothing(world, relative, site):
    relative.is_active = False
    relative.save()
    _update_for(relative)
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_quiet_hours_hold_the_delivery_until_they_end(world, relative, site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DeliverySettings.objects.create(
        user=relative,
        quiet_from=datetime.time(22, 0),
        quiet_until=datetime.time(7, 0),
        time_zone="Europe/Stockholm",
    )
    late = datetime.datetime(2026, 12, 2, 23, 30, tzinfo=STOCKHOLM)
    morning = datetime.datetime(2026, 12, 3, 7, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(late, tick=False):
        (notification,) = _update_for(relative)
        row = Delivery.objects.get(notification=notification)
        assert row.next_attempt_at == morning and row.held_for_quiet_hours
        _worker()
        assert delivery.attempt(delivery_id=row.pk) == "queued"
        assert mail.outbox == []
    with time_machine.travel(morning + datetime.timedelta(minutes=1), tick=False):
        _worker()
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == "sent" and not row.held_for_quiet_hours


@pytest.mark.django_db(transaction=True)
def test_quiet_hours_set_after_queueing_hold_the_attempt(world, relative, site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    late = datetime.datetime(2026, 12, 2, 23, 30, tzinfo=STOCKHOLM)
    with time_machine.travel(late, tick=False):
        (notification,) = _update_for(relative)
        DeliverySettings.objects.create(
            user=relative, quiet_from=datetime.time(22, 0), quiet_until=datetime.time(7, 0)
        )
        _worker()
    assert mail.outbox == []
    row = Delivery.objects.get(notification=notification)
    assert row.status == "queued" and row.held_for_quiet_hours


def test_a_missed_consult_is_not_held_by_quiet_hours(world, site):
    world.physician_spain.email = "carmen@example.es"
    world.physician_spain.save()
    DeliverySettings.objects.create(
        user=world.physician_spain,
        quiet_from=datetime.time(0, 0),
        quiet_until=datetime.time(23, 59),
    )
    now = datetime.datetime(2026, 12, 2, 3, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(now, tick=False):
        notify(
            recipients=[world.physician_spain],
            kind=Kind.CONSULT_ESCALATED,
            code="consult_escalated",
            params={"unit": "Avd 1 Björken"},
        )
        row = Delivery.objects.get()
        assert row.next_attempt_at == now and not row.held_for_quiet_hours


def test_staff_quiet_hours_follow_their_own_time_zone(world, site):
    """Carmen works from Málaga: 22–07 is Madrid time, so 06:30 in Stockholm is still quiet."""
    physician = world.physician_spain
    physician.email = "carmen@example.es"
    physician.save()
    NotificationPreference.objects.create(user=physician, kind=Kind.TASK_NEW, channel="email")
    DeliverySettings.objects.create(
        user=physician, quiet_from=datetime.time(22, 0), quiet_until=datetime.time(7, 0)
    )
    madrid = datetime.datetime(2026, 12, 2, 6, 30, tzinfo=STOCKHOLM)  # 06:30 in both zones
    with time_machine.travel(madrid, tick=False):
        notify(recipients=[physician], kind=Kind.TASK_NEW, code="task_new", params={})
    row = Delivery.objects.get()
    assert row.held_for_quiet_hours
    assert row.next_attempt_at == datetime.datetime(2026, 12, 2, 7, 0, tzinfo=STOCKHOLM)


@pytest.mark.django_db(transaction=True)
def test_sms_goes_through_the_sms_backend_with_the_link(world, relative, site):
    ConsoleSmsBackend.outbox.clear()
    DeliverySettings.objects.create(user=relative, mobile="+46701234567")
    NotificationPreference.objects.create(user=relative, kind=Kind.RELATIVE_UPDATE, channel="sms")
    _update_for(relative, link="/relatives/")
    _worker()
    (sms,) = ConsoleSmsBackend.outbox
    assert sms.to == "+46701234567"
    assert sms.body == (
        "Det finns ett nytt meddelande från Malåhemmet: https://digifys.example.se/relatives/"
    )
    assert Delivery.objects.get().status == "sent"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime.datetime(2026, 12, 2, 21, 59, tzinfo=STOCKHOLM), None),
        (
            datetime.datetime(2026, 12, 2, 22, 0, tzinfo=STOCKHOLM),
            datetime.datetime(2026, 12, 3, 7, 0, tzinfo=STOCKHOLM),
        ),
        (
            datetime.datetime(2026, 12, 3, 6, 59, tzinfo=STOCKHOLM),
            datetime.datetime(2026, 12, 3, 7, 0, tzinfo=STOCKHOLM),
        ),
        (datetime.datetime(2026, 12, 3, 7, 0, tzinfo=STOCKHOLM), None),
    ],
)
def test_quiet_hours_over_midnight(at, expected):
    end = delivery.quiet_hours_end(
        at=at, start=datetime.time(22), end=datetime.time(7), zone_name="Europe/Stockholm"
    )
    assert end == expected


def test_quiet_hours_within_a_day():
    at = datetime.datetime(2026, 12, 2, 13, 0, tzinfo=STOCKHOLM)
    end = delivery.quiet_hours_end(
        at=at, start=datetime.time(12), end=datetime.time(14), zone_name="Europe/Stockholm"
    )
    assert end == datetime.datetime(2026, 12, 2, 14, 0, tzinfo=STOCKHOLM)


def test_backoff_doubles_up_to_the_ceiling(settings):
    settings.NOTIFICATION_RETRY_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 7, 8)] == [
        60,
        120,
        240,
        3600,
        3600,
    ]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("070-123 45 67", "+46701234567"), ("+34 612 34 56 78", "+34612345678"), ("", "")],
)
def test_mobile_numbers_are_stored_in_e164(typed, stored):
    assert delivery.normalise_mobile(typed) == stored


@pytest.mark.parametrize("typed", ["090-785 00 00", "12345", "not a number"])
def test_landlines_and_nonsense_are_no_mobile_numbers(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        delivery.normalise_mobile(typed)


def test_addresses_are_masked():
    assert delivery.mask(Channel.EMAIL, "gustav@example.se") == "g•••@example.se"
    assert delivery.mask(Channel.SMS, "+46701234567") == "+46•••67"


def test_the_sweep_command_sends_what_is_due_once(world, relative, site, settings):
    """A job lost between commit and enqueue: the cron sweep sends the row, and only once."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _update_for(relative)  # a rolled-back test transaction: no job was ever enqueued
    call_command("deliver_notifications", verbosity=0)
    call_command("deliver_notifications", verbosity=0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gustav@example.se"]
    assert Delivery.objects.get().status == "sent"
