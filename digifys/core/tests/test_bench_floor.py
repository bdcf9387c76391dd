"""The floor views of `bench/pages.py` (bench/floor_urls.py) do what docs/performance.md says.

They bound the throughput of every page that shows a resident's data, so they must do what
such a page does at least: the session with the second factor, the access policy, and exactly
one access-log entry for the audited read (and nothing for a resident outside the policy)."""

import pytest
from django.test import override_settings

from digifys.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="bench.floor_urls")
def test_the_floor_views_take_the_session_the_policy_and_the_access_log(world, login, client):
    own, other = world.resident_mala.pk, world.resident_storuman.pk
    assert client.get("/bench-floor/session/").status_code == 302  # the login form
    login(world.physician_spain)
    assert client.get("/bench-floor/session/").content == b"ok"
    before = AuditEvent.objects.count()
    assert client.get(f"/bench-floor/policy/{own}/").content == str(own).encode()
    assert AuditEvent.objects.count() == before
    assert client.get(f"/bench-floor/audit/{own}/").status_code == 200
    entry = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert (entry.resident_id, entry.object_type, entry.action) == (own, "resident", "read")
    # Storuman's resident is not hers: refused like the resident page, nothing logged as read.
    assert client.get(f"/bench-floor/policy/{other}/").status_code == 404
    assert client.get(f"/bench-floor/audit/{other}/").status_code == 404
    assert not AuditEvent.objects.filter(resident_id=other, object_type="resident").exists()
