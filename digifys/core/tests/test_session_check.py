"""The session check every live socket makes before each event: one query, same answers.

`session_valid_until` runs for every open socket on every event (core/consumers.py), in the one
thread channels gives database work, so its cost multiplies with the sockets of a unit
(bench/relatives.py). It reads the login and the expiry in one query.
"""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from digifys.core.consumers import session_valid_until

pytestmark = pytest.mark.django_db


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


def test_a_live_session_answers_its_expiry_in_one_query(world, django_assert_num_queries):
    key = _session_of(world.nurse_mala)
    with django_assert_num_queries(1):
        until = session_valid_until(key, world.nurse_mala.pk)
    assert until == Session.objects.get(session_key=key).expire_date


def test_another_users_deleted_or_expired_session_answers_none(world, django_assert_num_queries):
    key = _session_of(world.nurse_mala)
    with django_assert_num_queries(1):
        assert session_valid_until(key, world.nurse_storuman.pk) is None
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert session_valid_until(key, world.nurse_mala.pk) is None
    Session.objects.filter(session_key=key).delete()
    assert session_valid_until(key, world.nurse_mala.pk) is None
    assert session_valid_until(None, world.nurse_mala.pk) is None
