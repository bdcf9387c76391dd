"""Rooms, guest links and TURN credentials (services) and the notification channels."""

import base64
import datetime
import hashlib
import hmac

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.notifications import channels
from digifys.visits import services
from digifys.visits.models import CallEvent, GuestInvite, Participant, Room
from digifys.visits.tests.access_rows import _a_booking, _a_consult, _a_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(world):
    return services.open_room_for_consult(actor=world.physician_spain, consult=_a_consult(world))


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    channels.ConsoleSmsBackend.outbox.clear()
    yield
    channels.ConsoleSmsBackend.outbox.clear()


def test_consult_room_is_get_or_create_and_lasts_the_setting(world, settings):
    settings.VIDEO_CONSULT_ROOM_MINUTES = 45
    consult = _a_consult(world)
    room = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    assert services.open_room_for_consult(actor=world.nurse_mala, consult=consult) == room
    assert room.host == world.physician_spain.staff_profile
    assert room.resident == world.resident_mala
    assert room.closes_at - room.opens_at == datetime.timedelta(minutes=45)
    assert room.is_open()
    with pytest.raises(PermissionDenied):
        services.open_room_for_consult(actor=world.other_physician, consult=consult)
    # An ended room is not reused: a new call gets a new room.
    services.end_room(actor=world.physician_spain, room=room)
    again = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    assert again.pk != room.pk


def test_booking_and_round_rooms_open_around_their_times(world, settings):
    settings.VIDEO_OPEN_BEFORE_MINUTES = 10
    settings.VIDEO_CLOSE_AFTER_MINUTES = 30
    booking = _a_booking(world)
    room = services.open_room_for_booking(actor=world.nurse_mala, booking=booking)
    assert room.opens_at == booking.starts_at - datetime.timedelta(minutes=10)
    assert room.closes_at == booking.ends_at + datetime.timedelta(minutes=30)
    assert room.state() == "early"
    round_ = _a_round(world)
    round_room = services.open_room_for_round(actor=world.physician_spain, round=round_)
    assert round_room.resident is None and round_room.kind == "round"
    assert services.open_room_for_round(actor=world.physician_spain, round=round_) == round_room
    with pytest.raises(PermissionDenied):
        services.open_room_for_round(actor=world.nurse_storuman, round=round_)


def test_room_has_exactly_one_subject(world, room):
    with pytest.raises(IntegrityError):
        Room.objects.create(
            kind="consult",
            consult=room.consult,
            booking=_a_booking(world),
            resident=room.resident,
            unit=room.unit,
            host=room.host,
            starts_at=room.starts_at,
            ends_at=room.ends_at,
            opens_at=room.opens_at,
            closes_at=room.closes_at,
            created_by=world.physician_spain,
        )


def test_who_may_enter(world, room):
    visible = lambda user: set(Room.objects.visible_to(user))  # noqa: E731
    assert visible(world.physician_spain) == {room}
    assert visible(world.nurse_mala) == {room}
    for outsider in (
        world.nurse_storuman,
        world.other_physician,
        world.coordinator,
        world.relative_with_consent,
        world.administrator,
    ):
        assert visible(outsider) == set()
    assert set(Room.objects.record_visible_to(world.coordinator)) == {room}


def test_guest_invite_sends_link_and_code_separately(
    world, room, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        guest = services.invite_guest(
            actor=world.physician_spain,
            room=room,
            name="Gustav Lind",
            kind="relative",
            phone="+46701234567",
        )
    assert len(guest.code) == 6 and guest.code.isdigit()
    stored = GuestInvite.objects.get(pk=guest.pk)
    # Only hashes are stored.
    assert guest.token not in stored.token_hash and guest.code not in stored.code_hash
    assert stored.expires_at <= room.closes_at
    sent = channels.ConsoleSmsBackend.outbox
    assert [m.to for m in sent] == ["+46701234567", "+46701234567"]
    assert guest.token in sent[0].body and guest.code not in sent[0].body
    assert guest.code in sent[1].body and guest.token not in sent[1].body
    participant = Participant.objects.get(guest=stored)
    assert participant.status == "invited" and participant.role == "guest"
    assert CallEvent.objects.filter(room=room, kind="invited", participant=participant).exists()
    assert AuditEvent.objects.filter(
        object_type="video_call", details__event="invited", resident=world.resident_mala
    ).exists()


def test_guest_invite_by_email(world, room, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        guest = services.invite_guest(
            actor=world.physician_spain,
            room=room,
            name="Tolk Tolksson",
            kind="interpreter",
            email="tolk@example.org",
        )
    assert [m.to for m in mail.outbox] == [["tolk@example.org"], ["tolk@example.org"]]
    assert guest.code in mail.outbox[1].body


def test_only_the_host_invites_and_input_is_checked(world, room):
    with pytest.raises(PermissionDenied):
        services.invite_guest(
            actor=world.nurse_mala, room=room, name="X", kind="relative", phone="1"
        )
    with pytest.raises(ValidationError) as error:
        services.invite_guest(actor=world.physician_spain, room=room, name=" ", kind="x")
    assert set(error.value.message_dict) == {"name", "kind", "email"}


def _invite(world, room):
    return services.invite_guest(
        actor=world.physician_spain, room=room, name="Gustav", kind="relative", phone="0701"
    )


def test_guest_link_is_one_time(world, room):
    guest = _invite(world, room)
    participant = services.redeem_guest_link(token=guest.token, code=guest.code)
    assert participant.guest_id == guest.pk
    assert GuestInvite.objects.get(pk=guest.pk).used_at is not None
    with pytest.raises(ValidationError) as error:
        services.redeem_guest_link(token=guest.token, code=guest.code)
    assert "already been used" in error.value.messages[0]


def test_expired_guest_link_is_refused(world, room):
    guest = _invite(world, room)
    GuestInvite.objects.filter(pk=guest.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as error:
        services.redeem_guest_link(token=guest.token, code=guest.code)
    assert "expired" in error.value.messages[0]


def test_unknown_link_is_refused(world, room):
    with pytest.raises(ValidationError) as error:
        services.redeem_guest_link(token="nope", code="123456")
    assert "not valid" in error.value.messages[0]


def test_wrong_codes_lock_the_link_after_five(world, room):
    guest = _invite(world, room)
    wrong = "000000" if guest.code != "000000" else "111111"
    for attempt in range(1, 6):
        with pytest.raises(ValidationError) as error:
            services.redeem_guest_link(token=guest.token, code=wrong)
        assert "code" in error.value.message_dict
        assert GuestInvite.objects.get(pk=guest.pk).attempts == attempt
    assert "too many" in error.value.message_dict["code"][0]
    with pytest.raises(ValidationError):
        services.redeem_guest_link(token=guest.token, code=guest.code)
    assert GuestInvite.objects.get(pk=guest.pk).used_at is None


def test_turn_credentials_follow_the_rest_convention(world, room, settings):
    settings.VIDEO_STUN_URLS = ["stun:stun.example.org:3478"]
    settings.VIDEO_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.VIDEO_TURN_SECRET = "s3cret"
    settings.VIDEO_TURN_TTL = 3600
    participant = services.participant_for_user(room=room, user=world.nurse_mala)
    before = int(timezone.now().timestamp())
    config = services.ice_servers(participant=participant)
    assert config["ttl"] == 3600
    stun, turn = config["iceServers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    expiry, pid = turn["username"].split(":")
    assert int(pid) == participant.pk
    assert before + 3600 <= int(expiry) <= before + 3600 + 5
    expected = hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(turn["credential"]) == expected


def test_no_ice_servers_configured_means_an_empty_list(world, room, settings):
    settings.VIDEO_STUN_URLS = []
    settings.VIDEO_TURN_URLS = []
    participant = services.participant_for_user(room=room, user=world.physician_spain)
    assert services.ice_servers(participant=participant)["iceServers"] == []


def test_send_rejects_unknown_channels():
    with pytest.raises(ValueError):
        channels.send(channel="pigeon", to="x", subject="s", body="b")


def test_sms_backend_is_chosen_by_setting(settings):
    settings.NOTIFICATION_SMS_BACKEND = "digifys.visits.tests.test_services.RecordingSms"
    RecordingSms.sent.clear()
    channels.send(channel="sms", to="+4670", subject="ignored", body="hej")
    assert RecordingSms.sent == [("+4670", "hej")]


class RecordingSms:
    sent: list = []

    def send_sms(self, to: str, body: str) -> None:
        RecordingSms.sent.append((to, body))


def test_waiting_room_auto_admit_and_leaving(world, room, settings):
    host = services.participant_for_user(room=room, user=world.physician_spain)
    assert services.hello(participant_id=host.pk, channel_name="h").status == "admitted"
    nurse = services.participant_for_user(room=room, user=world.nurse_mala)
    assert services.hello(participant_id=nurse.pk, channel_name="n1").status == "waiting"
    assert [p["id"] for p in services.waiting_list(room.pk)] == [nurse.pk]
    with pytest.raises(PermissionDenied):
        services.admit(actor=nurse, participant_id=host.pk)
    services.admit(actor=host, participant_id=nurse.pk)
    # A dropped socket keeps the admission; a stale socket changes nothing.
    assert services.leave(participant_id=nurse.pk, channel_name="old", explicit=False) is None
    services.leave(participant_id=nurse.pk, channel_name="n1", explicit=False)
    assert Participant.objects.get(pk=nurse.pk).status == "admitted"
    assert services.hello(participant_id=nurse.pk, channel_name="n2").status == "admitted"
    # Leaving on purpose means waiting for the host again...
    services.leave(participant_id=nurse.pk, channel_name="n2", explicit=True)
    assert services.hello(participant_id=nurse.pk, channel_name="n3").status == "waiting"
    services.leave(participant_id=nurse.pk, channel_name="n3", explicit=True)
    # ...unless staff are admitted automatically.
    settings.VIDEO_AUTO_ADMIT_STAFF = True
    assert services.hello(participant_id=nurse.pk, channel_name="n4").status == "admitted"
    assert services.relay_target(room_id=room.pk, sender_id=host.pk, target_id=nurse.pk) == "n4"
    assert services.relay_target(room_id=room.pk, sender_id=host.pk, target_id=host.pk) is None


def test_a_mesh_room_admits_at_most_four(world, room):
    host = services.participant_for_user(room=room, user=world.physician_spain)
    services.hello(participant_id=host.pk, channel_name="h")
    nurse = services.participant_for_user(room=room, user=world.nurse_mala)
    services.hello(participant_id=nurse.pk, channel_name="n")
    services.admit(actor=host, participant_id=nurse.pk)
    guests = []
    for name in ("Gustav", "Tolk Ali", "Berit"):
        invite = services.invite_guest(
            actor=world.physician_spain, room=room, name=name, kind="relative", phone="0701"
        )
        guest = services.redeem_guest_link(token=invite.token, code=invite.code)
        services.hello(participant_id=guest.pk, channel_name=f"g-{name}")
        guests.append(guest)
    services.admit(actor=host, participant_id=guests[0].pk)
    services.admit(actor=host, participant_id=guests[1].pk)
    with pytest.raises(ValidationError) as error:
        services.admit(actor=host, participant_id=guests[2].pk)
    assert "at most 4" in error.value.messages[0]
    assert Participant.objects.get(pk=guests[2].pk).status == "waiting"
    # Once someone is removed there is room again.
    services.remove(actor=host, participant_id=guests[0].pk)
    assert services.admit(actor=host, participant_id=guests[2].pk).status == "admitted"
