"""Notifications never name a resident (issue #20 item 16).

The notifications page is not an access-log read: it shows only what a notification says, and a
notification says which unit and what happened (codes and unit names), never who. The page
behind the link checks access and logs the read. See docs/security.md.
"""

import datetime

import pytest

from digifys.consults.tests.builders import send
from digifys.notifications.models import Notification
from digifys.orders.services import complete_task, place_order
from digifys.residents.models import Resident
from digifys.synth.region import STOCKHOLM, generate_region

NOW = datetime.datetime(2026, 11, 27, 0, 0, tzinfo=STOCKHOLM)


def _named(texts: list[str], residents) -> list[tuple[str, str]]:
    found = []
    for resident in residents:
        names = (
            f"{resident.given_name} {resident.family_name}",
            f"{resident.family_name}, {resident.given_name}",
        )
        found += [(name, text) for text in texts for name in names if name in text]
    return found


@pytest.fixture
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_loader_writes_no_resident_names_into_notifications(fast_password_hasher):
    generate_region(seed=1, scale=450, now=NOW)
    texts = list(Notification.objects.values_list("text", flat=True))
    assert texts, "the demo has notifications to check"
    assert _named(texts, Resident.objects.all()) == []


def test_the_services_write_no_resident_names_into_notifications(world):
    consult = send(world)
    order = place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        consult=consult,
        kind="vitals",
        instructions="Mät vitalparametrar.",
    )
    complete_task(actor=world.nurse_mala, task=order.tasks.first(), result="Klart.")
    texts = list(Notification.objects.values_list("text", flat=True))
    assert set(Notification.objects.values_list("kind", flat=True)) >= {
        "consult_new",
        "task_new",
        "task_done",
    }
    assert _named(texts, [world.resident_mala]) == []
    assert not any("Greta" in text or "Lind" in text.split() for text in texts)
