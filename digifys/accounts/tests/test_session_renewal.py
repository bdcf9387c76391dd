"""Issue 12 §3: a page view does not write the session each time; inactivity still logs out."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def _session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(1 for q in queries if "django_session" in q["sql"] and q["sql"].startswith("UPDATE"))


def test_the_session_is_renewed_at_most_once_a_minute(world, login):
    url = reverse("residents:list")
    with time_machine.travel(START, tick=False) as traveller:
        client = login(world.nurse_mala)  # a new session: renewed now
        assert _session_writes(client, url) == 0
        traveller.shift(datetime.timedelta(seconds=61))
        assert _session_writes(client, url) == 1
        traveller.shift(datetime.timedelta(seconds=30))
        assert _session_writes(client, url) == 0
        traveller.shift(datetime.timedelta(seconds=31))
        assert _session_writes(client, url) == 1


def test_a_session_renewed_a_minute_ago_still_ends_30_minutes_after_its_renewal(world, login):
    url = reverse("residents:list")
    with time_machine.travel(START, tick=False) as traveller:
        client = login(world.nurse_mala)
        assert client.get(url).status_code == 200  # logged in at 08:00: ends at 08:30
        traveller.shift(datetime.timedelta(seconds=50))
        assert client.get(url).status_code == 200  # not renewed (at most 1 minute lost)
        traveller.shift(datetime.timedelta(minutes=29, seconds=11))
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
