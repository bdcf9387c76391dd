"""Two workers attempting the same delivery at the same moment send it once (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection, connections

from digifys.notifications import delivery
from digifys.notifications.models import Delivery, DeliverySettings, NotificationPreference
from digifys.notifications.services import notify

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent connections"),
    pytest.mark.django_db(transaction=True),
]

SENT: list[tuple[str, str]] = []


class SlowSms:
    """An SMS backend that takes its time, so both workers are inside `attempt` together."""

    def send_sms(self, to: str, body: str) -> None:
        time.sleep(0.3)
        SENT.append((to, body))


def test_two_workers_at_once_send_a_delivery_once(world, settings):
    settings.NOTIFICATION_SMS_BACKEND = f"{__name__}.SlowSms"
    SENT.clear()
    user = world.relative_with_consent
    DeliverySettings.objects.create(user=user, mobile="+46701234567")
    NotificationPreference.objects.create(user=user, kind="relative_update", channel="sms")
    notify(recipients=[user], kind="relative_update", text="x", link="/")
    row = Delivery.objects.get()
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        try:
            barrier.wait(timeout=10)
            outcomes.append(delivery.attempt(delivery_id=row.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(SENT) == 1
    assert sorted(outcomes).count("sent") >= 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
