"""One SBAR form, one consult (issue #17 §3): Send pressed twice, or the post repeated after its
answer was lost, finds the consult the first post made instead of sending a second one."""

import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from digifys.consults import services
from digifys.consults.models import Consult
from digifys.notifications.models import Notification
from digifys.testing.concurrency import at_once

pytestmark = pytest.mark.django_db

SBAR = {
    "situation": "Greta andas snabbare sedan i natt.",
    "background": "Hjärtsvikt.",
    "assessment": "NEWS2 6.",
    "recommendation": "Bedömning inom 30 minuter.",
}


def _send(world, key, actor=None, resident=None):
    return services.send_consult(
        actor=actor or world.nurse_mala,
        resident=resident or world.resident_mala,
        urgency="urgent",
        idempotency_key=key,
        **SBAR,
    )


def test_the_same_key_twice_sends_one_consult_and_tells_the_physician_once(world):
    key = uuid.uuid4()
    first = _send(world, key)
    second = _send(world, key)
    assert second.pk == first.pk
    assert Consult.objects.count() == 1
    assert Notification.objects.filter(code="consult_new").count() == 1


def test_without_a_key_or_with_another_key_each_send_is_a_consult(world):
    _send(world, None)
    _send(world, None)
    _send(world, uuid.uuid4())
    assert Consult.objects.count() == 3


def test_a_key_of_another_senders_consult_is_refused_and_hands_nothing_over(world):
    key = uuid.uuid4()
    _send(world, key)
    with pytest.raises(ValidationError, match="already used"):
        _send(world, key, actor=world.nurse_storuman, resident=world.resident_storuman)
    assert Consult.objects.count() == 1


def test_the_form_carries_a_key_and_a_repeated_post_leads_to_the_same_consult(world, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("consults:new", args=[world.resident_mala.pk])
    html = client.get(url).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html).group(1)
    values = {**SBAR, "urgency": "urgent", "caller_phone": "", "idempotency_key": key}
    first = client.post(url, values)
    second = client.post(url, values)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Consult.objects.filter(idempotency_key=key).count() == 1


def test_a_refused_post_keeps_its_key_so_the_corrected_one_is_still_one_consult(world, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("consults:new", args=[world.resident_mala.pk])
    key = str(uuid.uuid4())
    refused = client.post(
        url, {**SBAR, "situation": "", "urgency": "urgent", "idempotency_key": key}
    )
    assert refused.status_code == 400
    assert f'name="idempotency_key" value="{key}"' in refused.content.decode()
    assert Consult.objects.count() == 0
    sent = client.post(url, {**SBAR, "urgency": "urgent", "idempotency_key": key})
    again = client.post(url, {**SBAR, "urgency": "urgent", "idempotency_key": key})
    assert sent.status_code == again.status_code == 302
    assert Consult.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_four_copies_of_one_post_at_once_make_one_consult(world):
    key = uuid.uuid4()
    sent, failures = at_once(lambda: _send(world, key).pk)
    assert failures == []
    assert Consult.objects.filter(idempotency_key=key).count() == 1
    assert len(set(sent)) == 1 and len(sent) == 4


def test_an_unreadable_key_sends_the_consult_without_the_protection(world, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("consults:new", args=[world.resident_mala.pk])
    response = client.post(url, {**SBAR, "urgency": "urgent", "idempotency_key": "not-a-key"})
    assert response.status_code == 302  # not a form error the nurse cannot see or correct
    assert Consult.objects.get().idempotency_key is None
