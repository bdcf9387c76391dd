"""The room page, opening rooms, guest links, invitations, ending and the call record."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.testing.accounts import complete_second_factor
from digifys.visits import services
from digifys.visits.models import GuestInvite, Participant, Room
from digifys.visits.tests.access_rows import _a_consult, _a_round


def _english_guest() -> Client:
    """A guest's browser that chose English (guests are in Swedish until they switch)."""
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return visitor


pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    complete_second_factor(client, user)
    return client


@pytest.fixture
def room(world):
    return services.open_room_for_consult(actor=world.physician_spain, consult=_a_consult(world))


def test_start_video_from_a_consult_opens_the_room(world, client):
    consult = _a_consult(world)
    logged_in(client, world.physician_spain)
    response = client.post(reverse("visits:consult_room", args=[consult.pk]))
    room = Room.objects.get(consult=consult)
    assert response.url == reverse("visits:room", args=[room.pk])
    # Again: the same room.
    assert client.post(reverse("visits:consult_room", args=[consult.pk])).url == response.url


def test_room_page_follows_the_contract(world, client, room):
    logged_in(client, world.physician_spain)
    before = AuditEvent.objects.count()
    response = client.get(reverse("visits:room", args=[room.pk]))
    page = response.content.decode()
    assert 'id="call"' in page
    assert f'data-room="{room.pk}"' in page
    assert f'data-socket="/ws/visits/{room.pk}/"' in page
    assert f'data-ice-url="{reverse("visits:ice", args=[room.pk])}"' in page
    assert 'data-host="true"' in page
    assert 'data-self-name="Carmen Doctor"' in page
    assert f'data-thread-url="{reverse("visits:thread", args=[room.pk])}"' in page
    assert 'data-low-bandwidth="false"' in page
    assert "visits/call.js" in page and "visits/call.css" in page
    # The host's side panel: SBAR, vital signs, note and orders, guest invitation.
    assert 'id="h-visits-sbar"' in page and 'id="h-visits-vitals"' in page
    assert reverse("orders:new", args=[room.consult_id]) in page
    assert 'id="visits-invite"' in page
    reads = AuditEvent.objects.order_by("seq")[before:]
    assert [(e.action, e.resident_id) for e in reads] == [("read", world.resident_mala.pk)]


def test_nurse_gets_the_call_without_the_panel(world, client, room):
    logged_in(client, world.nurse_mala)
    page = client.get(reverse("visits:room", args=[room.pk])).content.decode()
    assert 'data-host="false"' in page
    assert 'id="visits-invite"' not in page
    assert Participant.objects.filter(room=room, user=world.nurse_mala).exists()


def test_round_room_shows_the_agenda_to_the_host(world, client):
    from digifys.rounds.models import AgendaItem

    round_ = _a_round(world)
    AgendaItem.objects.create(
        round=round_, resident=world.resident_mala_2, unit=world.unit_mala, reason="flagged"
    )
    room = services.open_room_for_round(actor=world.physician_spain, round=round_)
    logged_in(client, world.physician_spain)
    page = client.get(reverse("visits:room", args=[room.pk])).content.decode()
    assert "Helge Nord" in page
    assert 'id="call"' not in page  # the round has not started yet
    assert 'data-state="early"' in page


def test_room_not_yet_open_says_when_it_opens(world, client, room):
    opens = timezone.now() + datetime.timedelta(hours=3)
    Room.objects.filter(pk=room.pk).update(
        opens_at=opens, closes_at=opens + datetime.timedelta(hours=1)
    )
    logged_in(client, world.nurse_mala)
    page = client.get(reverse("visits:room", args=[room.pk])).content.decode()
    assert 'id="call"' not in page
    assert timezone.localtime(opens).strftime("%H:%M") in page


def test_ended_room_says_so(world, client, room):
    services.end_room(actor=world.physician_spain, room=room)
    logged_in(client, world.nurse_mala)
    page = client.get(reverse("visits:room", args=[room.pk])).content.decode()
    assert 'id="call"' not in page
    assert 'data-state="ended"' in page


def test_host_ends_the_room_after_confirming(world, client, room):
    logged_in(client, world.physician_spain)
    url = reverse("visits:end", args=[room.pk])
    assert client.post(url).status_code == 400
    assert Room.objects.get(pk=room.pk).ended_at is None
    response = client.post(url, {"confirm": "on"})
    assert response.url == reverse("visits:events", args=[room.pk])
    assert Room.objects.get(pk=room.pk).ended_at is not None


def test_invite_form_keeps_input_and_sends_over_htmx(world, client, room):
    logged_in(client, world.physician_spain)
    url = reverse("visits:invite", args=[room.pk])
    response = client.post(url, {"invite-name": "Gustav Lind", "invite-kind": "relative"})
    assert response.status_code == 400
    assert 'value="Gustav Lind"' in response.content.decode()
    response = client.post(
        url,
        {"invite-name": "Gustav Lind", "invite-kind": "relative", "invite-phone": "0701"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Gustav Lind" in response.content.decode()
    assert GuestInvite.objects.filter(room=room, name="Gustav Lind", channel="sms").exists()


def test_ice_for_staff_and_for_the_guest_session(world, client, room):
    logged_in(client, world.nurse_mala)
    assert client.get(reverse("visits:ice", args=[room.pk])).json()["iceServers"] == []
    guest = services.invite_guest(
        actor=world.physician_spain, room=room, name="G", kind="relative", phone="1"
    )
    visitor = Client()
    visitor.post(reverse("visits:guest_join", args=[guest.token]), {"code": guest.code})
    assert "iceServers" in visitor.get(reverse("visits:ice", args=[room.pk])).json()
    assert Client().get(reverse("visits:ice", args=[room.pk])).status_code == 302


def _guest(world, room):
    return services.invite_guest(
        actor=world.physician_spain, room=room, name="Gustav Lind", kind="relative", phone="1"
    )


def test_guest_joins_with_the_code_and_sees_no_resident_data(world, room):
    guest = _guest(world, room)
    visitor = Client()
    join = reverse("visits:guest_join", args=[guest.token])
    page = visitor.get(join).content.decode()
    assert "Gustav Lind" in page and "Greta" not in page
    response = visitor.post(join, {"code": guest.code})
    assert response.url == reverse("visits:guest_room", args=[guest.token])
    page = visitor.get(response.url).content.decode()
    assert 'id="call"' in page and 'data-host="false"' in page
    assert 'data-self-name="Gustav Lind"' in page
    assert "Greta" not in page and "Lind, Greta" not in page
    assert "main-nav" not in page
    # Opening the link again in the same browser goes straight to the room.
    assert visitor.get(join).url == reverse("visits:guest_room", args=[guest.token])


def test_wrong_code_keeps_the_typed_code_and_says_how_many_tries_are_left(world, room):
    guest = _guest(world, room)
    wrong = "000000" if guest.code != "000000" else "111111"
    response = _english_guest().post(
        reverse("visits:guest_join", args=[guest.token]), {"code": wrong}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'value="{wrong}"' in page
    assert "4 attempts left" in page


def test_reused_link_is_refused_with_a_clear_message(world, room):
    guest = _guest(world, room)
    Client().post(reverse("visits:guest_join", args=[guest.token]), {"code": guest.code})
    other = _english_guest()
    response = other.get(reverse("visits:guest_join", args=[guest.token]))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert 'id="guest-link-problem"' in response.content.decode()
    assert other.get(reverse("visits:guest_room", args=[guest.token])).status_code == 403


def test_expired_link_is_refused_with_a_clear_message(world, room):
    guest = _guest(world, room)
    GuestInvite.objects.filter(pk=guest.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = _english_guest().get(reverse("visits:guest_join", args=[guest.token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_guest_sees_swedish_first_and_can_switch_language_without_an_account(world, room):
    guest = _guest(world, room)
    visitor = Client()
    join = reverse("visits:guest_join", args=[guest.token])
    assert 'lang="sv"' in visitor.get(join).content.decode()
    switched = visitor.post(reverse("accounts:set_language"), {"language": "es", "next": join})
    assert switched.url == join
    assert 'lang="es"' in visitor.get(join).content.decode()


def test_call_record_shows_events_to_host_nurses_and_coordinators(world, client, room):
    participant = services.participant_for_user(room=room, user=world.nurse_mala)
    services.hello(participant_id=participant.pk, channel_name="x")
    services.leave(participant_id=participant.pk, channel_name="x", explicit=True)
    for user in (world.physician_spain, world.nurse_mala, world.coordinator):
        response = logged_in(Client(), user).get(reverse("visits:events", args=[room.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-kind="joined"' in page and 'data-kind="left"' in page
        assert "Anna Nurse" in page


def test_fallback_to_the_thread_is_recorded(world, client, room):
    logged_in(client, world.nurse_mala)
    response = client.get(reverse("visits:thread", args=[room.pk]))
    assert response.url.startswith(reverse("consults:detail", args=[room.consult_id]))
    assert room.events.filter(kind="fallback_thread").exists()


def test_host_writes_the_note_from_the_panel_without_leaving(world, client, room):
    from digifys.consults.models import JournalNote

    logged_in(client, world.physician_spain)
    url = reverse("visits:note", args=[room.pk])
    response = client.post(url, {"visitnote-aktuellt": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    response = client.post(
        url,
        {"visitnote-aktuellt": "Video med ssk.", "visitnote-bedomning": "Stabil."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    note = JournalNote.objects.get(consult=room.consult)
    assert note.aktuellt == "Video med ssk." and note.signed_at is None
    # The panel shows the draft when the page is opened again.
    page = client.get(reverse("visits:room", args=[room.pk])).content.decode()
    assert "Video med ssk." in page


def test_ending_a_room_tells_its_sockets_once_after_commit(
    world, client, room, monkeypatch, django_capture_on_commit_callbacks
):
    from digifys.core import live

    sent = []
    monkeypatch.setattr(
        live, "send_now", lambda groups, event, **data: sent.append((groups, event))
    )
    logged_in(client, world.physician_spain)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("visits:end", args=[room.pk]), {"confirm": "on"})
        assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sent == [([services.room_group(room.pk)], "visit.ended")]
