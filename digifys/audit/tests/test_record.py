import datetime

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from digifys.audit import services
from digifys.audit.chain import GENESIS_HASH, entry_hash
from digifys.audit.models import AuditChainHead, AuditEvent
from digifys.testing.queries import AUDIT_APPEND
from digifys.testing.world import make_resident


def _fresh(user):
    """The same user as a new instance, as in a new request."""
    return type(user).objects.get(pk=user.pk)


def test_entries_are_chained_from_the_genesis_hash(world):
    first = services.record(
        actor=world.nurse_mala, action="read", resident=world.resident_mala, object_type="resident"
    )
    second = services.record(
        actor=world.nurse_mala,
        action="update",
        resident=world.resident_mala,
        object_type="resident",
        object_id=world.resident_mala.pk,
        details={"fields": ["room"]},
    )
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert len(first.hash) == 64 and int(first.hash, 16) >= 0
    stored = AuditEvent.objects.get(seq=2)
    assert stored.compute_hash() == stored.hash == second.hash
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (2, second.hash)


def test_the_hash_covers_every_field_in_canonical_form(world):
    event = services.record(
        actor=world.nurse_mala, action="read", resident=world.resident_mala, object_type="resident"
    )
    expected = entry_hash(
        GENESIS_HASH,
        event.seq,
        event.occurred_at,
        world.nurse_mala.pk,
        "Anna Nurse",
        "nurse",
        world.unit_mala.pk,
        "Malåhemmet – Avd 1 Björken",
        world.resident_mala.pk,
        "read",
        "resident",
        "",
        "care",
        None,
        {},
    )
    assert event.hash == expected


def test_an_entry_copies_who_from_where_at_the_time(world):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    nurse = services.record(
        actor=world.nurse_mala,
        action="read",
        resident=world.resident_mala,
        object_type="resident",
        request=request,
    )
    physician = services.record(
        actor=world.physician_spain,
        action="read",
        resident=world.resident_mala,
        object_type="resident",
    )
    relative = services.record(
        actor=world.relative_with_consent,
        action="read",
        resident=world.resident_mala,
        object_type="relative_card",
        purpose="patient_request",
    )
    system = services.record(actor=None, action="create", object_type="task", object_id=7)
    assert (nurse.actor_name, nurse.actor_role) == ("Anna Nurse", "nurse")
    assert nurse.organisation_id == world.unit_mala.pk
    assert nurse.organisation_name == "Malåhemmet – Avd 1 Björken"
    assert nurse.ip_address == "192.0.2.7"
    assert physician.organisation == world.clinic
    assert physician.organisation_name == "Västerbotten utan gränser – Málaga"
    assert (relative.actor_role, relative.organisation_id) == ("relative", None)
    assert (system.actor_id, system.actor_name, system.object_id) == (None, "", "7")


def test_a_nurse_is_logged_against_her_first_unit_by_name(world):
    from digifys.testing.world import make_org

    first = make_org("unit", "Avd 0 Aspen", world.unit_mala.parent, municipality=world.mala)
    world.nurse_mala.staff_profile.units.add(first)
    event = services.record(
        actor=_fresh(world.nurse_mala), action="read", object_type="resident_list"
    )
    assert event.organisation == first


@pytest.mark.parametrize(
    ("proxy", "meta", "expected"),
    [
        (False, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "10.0.0.1"),
        (
            True,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.1"},
            "203.0.113.9",
        ),
        (True, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (False, {"REMOTE_ADDR": "::ffff:192.0.2.1"}, "192.0.2.1"),
        (False, {"REMOTE_ADDR": "2001:DB8:0:0::1"}, "2001:db8::1"),
        (False, {"REMOTE_ADDR": "not an address"}, None),
    ],
)
def test_the_client_ip_respects_the_proxy_setting(settings, proxy, meta, expected):
    if proxy:  # two trusted proxies: the client's address is the second entry from the right
        settings.TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get("/", **meta)
    assert services.client_ip(request) == expected


def test_ipv6_addresses_verify_after_a_round_trip_through_the_database(world):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:85a3::8a2e:370:7334")
    services.record(actor=world.nurse_mala, action="read", object_type="x", request=request)
    assert services.verify_chain().ok


def test_many_residents_are_logged_in_one_batch(world):
    residents = [world.resident_mala, world.resident_mala_2]
    services.record(actor=world.nurse_mala, action="read", object_type="resident")
    nurse = _fresh(world.nurse_mala)
    services.record(actor=nurse, action="read", object_type="warm-up")
    with CaptureQueriesContext(connection) as queries:
        events = services.record_many(
            actor=nurse, action="read", residents=residents, object_type="resident_list"
        )
    assert len(queries) == AUDIT_APPEND
    assert [e.seq for e in events] == [3, 4]
    assert [e.resident_id for e in events] == [r.pk for r in residents]
    assert events[1].prev_hash == events[0].hash
    assert AuditChainHead.objects.get().last_seq == 4
    assert services.verify_chain().ok


def test_recording_takes_one_append_once_the_user_is_known(world):
    nurse = _fresh(world.nurse_mala)
    services.record(actor=nurse, action="read", object_type="resident_list")
    with CaptureQueriesContext(connection) as queries:
        services.record(
            actor=nurse, action="read", resident=world.resident_mala, object_type="resident"
        )
    assert len(queries) == AUDIT_APPEND


@pytest.mark.parametrize(
    "kwargs",
    [
        {"action": "peek"},
        {"purpose": "curiosity"},
        {"object_type": ""},
        {"details": {"score": 1.5}},
        {"details": {"text": "x" * 3000}},
    ],
)
def test_malformed_entries_are_refused(world, kwargs):
    arguments = {"actor": world.nurse_mala, "action": "read", "object_type": "resident"}
    with pytest.raises((ValueError, TypeError)):
        services.record(**(arguments | kwargs))
    assert not AuditEvent.objects.exists()


def test_a_missing_chain_head_is_recreated_only_on_an_empty_log(world):
    AuditChainHead.objects.all().delete()
    event = services.record(actor=world.nurse_mala, action="read", object_type="resident_list")
    assert event.seq == 1
    AuditChainHead.objects.all().delete()
    with pytest.raises(services.ChainHeadMissing):
        services.record(actor=world.nurse_mala, action="read", object_type="resident_list")


def test_times_are_stored_in_utc_with_microseconds(world):
    moment = datetime.datetime(2026, 3, 10, 23, 30, 5, 123456, tzinfo=services.STOCKHOLM)
    with time_machine.travel(moment, tick=False):
        services.record(
            actor=world.nurse_mala,
            action="read",
            resident=make_resident(world.unit_mala),
            object_type="resident",
        )
    stored = AuditEvent.objects.get()
    assert stored.occurred_at == moment
    assert stored.occurred_at.microsecond == 123456
    assert services.verify_chain().ok


def test_awkward_values_hash_the_same_whoever_chains_them(world):
    """Names, ids, addresses and details that JSON and UTF-8 treat specially are chained (on
    PostgreSQL by the database function) exactly as `chain.hash_canonical` computes."""
    nurse = _fresh(world.nurse_mala)
    nurse.first_name, nurse.last_name = 'Åsa "Lill-Ö"', "Ñúñez \\ 漢字 \U0001f600"
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8::1")
    services.record(
        actor=nurse,
        action="read",
        resident=world.resident_mala,
        object_type="resident",
        object_id="x/ü\t",
        request=request,
        details={"q": 'Öl "och" \\ \n', "n": [1, None, True], "nested": {"é": ""}},
    )
    services.record_many(
        actor=None, action="read", residents=[world.resident_mala], object_type="järn"
    )
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [event.compute_hash() for event in stored] == [event.hash for event in stored]
    assert stored[0].ip_address == "2001:db8::1"
    assert stored[0].actor_name.startswith("Åsa")
    assert services.verify_chain().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_appends_make_one_gapless_chain(world):
    """Six writers at once, starting on a database without the head row (as after a flush):
    one creates it, the others wait for it; no entry is lost, doubled or out of the chain."""
    import threading

    AuditChainHead.objects.all().delete()
    barrier, errors = threading.Barrier(6), []

    def write(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(10):
                services.record_many(
                    actor=None,
                    action="read",
                    residents=[world.resident_mala, world.resident_mala_2][: 1 + index % 2],
                    object_type=f"writer-{index}",
                )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 91))  # 3 writers × 10 × 1 entry + 3 × 10 × 2 entries
    assert AuditChainHead.objects.get().last_seq == 90
    assert services.verify_chain().ok
