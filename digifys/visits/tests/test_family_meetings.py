"""Issue 13 §2 family meetings: who can be invited (by consent), joining from the portal with
one's own login, the consent checked again on every request, the room's chat, and Janus's
access control (signed session tokens, the room's PIN and ACL)."""

import asyncio
import json
import urllib.parse
import urllib.request

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.relatives.models import Scope
from digifys.relatives.services import revoke_consent
from digifys.residents.models import Relative
from digifys.testing.world import give_consent, make_relative
from digifys.visits import janus
from digifys.visits import services as visits
from digifys.visits.models import Participant
from digifys.visits.services import JoinRefused

from .test_consumer import (
    _in_memory_channel_layer,  # noqa: F401 (fixture)
    hello,
    open_socket,
    run_async,
    session_cookie,
)
from .test_family_meeting_janus_browser import family_meeting


def _link(user, resident):
    return Relative.objects.get(user=user, resident=resident)


@pytest.fixture
def meeting(world):
    return family_meeting(world)


# --- Who can be invited ----------------------------------------------------------------------


@pytest.mark.django_db
def test_invitation_eligibility_follows_the_consent(world, meeting):
    no_consent = make_relative(world.resident_mala, "nils.ek", "Nils", "Ek", "child")
    no_scope = make_relative(world.resident_mala, "eva.ek", "Eva", "Ek", "child")
    give_consent(no_scope, world.nurse_mala, [Scope.CARE_TEAM, Scope.UPDATES])
    reasons = {c.relative.pk: c.reason for c in visits.candidates(meeting)}
    with_consent = _link(world.relative_with_consent, world.resident_mala)
    expired = _link(world.relative_expired, world.resident_mala)
    revoked = _link(world.relative_revoked, world.resident_mala)
    assert reasons[with_consent.pk] == ""
    assert "ran out" in reasons[expired.pk]
    assert "revoked" in reasons[revoked.pk]
    assert "No consent" in reasons[no_consent.pk]
    assert "does not cover family meetings" in reasons[no_scope.pk]
    # A relative of another resident is not on the list and cannot be invited.
    other = _link(world.relative_other, world.resident_storuman)
    assert other.pk not in reasons

    for relative in (expired, revoked, no_consent, no_scope, other):
        with pytest.raises(ValidationError):
            visits.invite_relative(
                actor=world.physician_spain, room=meeting, relative_id=relative.pk
            )
    assert not Participant.objects.filter(room=meeting, role="relative").exists()

    participant = visits.invite_relative(
        actor=world.physician_spain, room=meeting, relative_id=with_consent.pk
    )
    assert participant.user == world.relative_with_consent
    assert participant.role == "relative" and participant.status == "invited"
    # Invited twice: the same row, no second invitation.
    again = visits.invite_relative(
        actor=world.physician_spain, room=meeting, relative_id=with_consent.pk
    )
    assert again.pk == participant.pk
    assert world.relative_with_consent.notifications.filter(kind="meeting_invitation").count() == 1


@pytest.mark.django_db
def test_only_the_host_invites_and_only_to_family_meetings(world, meeting):
    from .access_rows import _a_room

    relative = _link(world.relative_with_consent, world.resident_mala)
    with pytest.raises(PermissionDenied):
        visits.invite_relative(actor=world.nurse_mala, room=meeting, relative_id=relative.pk)
    consult_room = _a_room(world)
    with pytest.raises(ValidationError):
        visits.invite_relative(
            actor=world.physician_spain, room=consult_room, relative_id=relative.pk
        )
    # A family meeting replaces the free-text "relative" guest: only interpreters by link.
    with pytest.raises(ValidationError) as refused:
        visits.invite_guest(
            actor=world.physician_spain, room=meeting, name="X", kind="relative", phone="070"
        )
    assert "kind" in refused.value.message_dict
    visits.invite_guest(
        actor=world.physician_spain, room=meeting, name="Tolk", kind="interpreter", phone="070"
    )


@pytest.mark.django_db
def test_host_page_lists_relatives_with_reasons_and_invites_by_name(world, meeting, login):
    client = login(world.physician_spain, language="en")
    page = client.get(reverse("visits:room", args=[meeting.pk])).content.decode()
    assert "Invite relatives" in page
    assert "Cannot be invited: The consent was revoked." in page
    assert "Invite an interpreter" in page
    relative = _link(world.relative_with_consent, world.resident_mala)
    response = client.post(
        reverse("visits:invite_relative", args=[meeting.pk]), {"relative": relative.pk}
    )
    assert response.status_code == 302
    assert Participant.objects.filter(room=meeting, relative=relative).exists()
    expired = _link(world.relative_expired, world.resident_mala)
    response = client.post(
        reverse("visits:invite_relative", args=[meeting.pk]),
        {"relative": expired.pk},
        headers={"HX-Request": "true"},
    )
    assert "The consent ran out" in response.content.decode()
    assert not Participant.objects.filter(room=meeting, relative=expired).exists()


@pytest.mark.django_db
def test_without_janus_a_family_meeting_holds_four_and_says_so(world, meeting, login, settings):
    settings.JANUS_URL = ""
    assert meeting.max_participants == 4  # no Janus in this test's settings
    page = login(world.physician_spain, language="en").get(
        reverse("visits:room", args=[meeting.pk])
    )
    assert "No video server (SFU) is set up: this meeting holds at most 4" in page.content.decode()


# --- Joining from the portal -----------------------------------------------------------------


@pytest.mark.django_db
def test_invited_relative_joins_from_the_portal(world, meeting, login):
    relative = _link(world.relative_with_consent, world.resident_mala)
    client = login(world.relative_with_consent, language="en")
    home = client.get(reverse("relatives:home")).content.decode()
    room_url = reverse("visits:relative_room", args=[meeting.pk])
    assert room_url not in home  # not invited yet
    assert "you are not invited by name" in home
    visits.invite_relative(actor=world.physician_spain, room=meeting, relative_id=relative.pk)
    home = client.get(reverse("relatives:home")).content.decode()
    assert f'href="{room_url}"' in home and ">Join</a>" in home
    page = client.get(room_url)
    assert page.status_code == 200
    assert 'id="call"' in page.content.decode()
    assert f"/ws/visits/{meeting.pk}/" in page.content.decode()
    # The socket lets them in through the waiting room with their own login (no guest code).
    participant = visits.identify(room_id=meeting.pk, user=world.relative_with_consent)
    assert participant.role == "relative"
    # Another relative with a consent in force, not invited: nothing.
    assert client.get(room_url).status_code == 200
    other = login(world.relative_other, language="en")
    assert other.get(room_url).status_code == 404
    with pytest.raises(JoinRefused):
        visits.identify(room_id=meeting.pk, user=world.relative_other)


@pytest.mark.django_db
def test_join_button_appears_only_when_the_room_is_open(world, login):
    from .test_family_meeting_janus_browser import family_meeting as book

    later = book(world, minutes_before=-120)  # starts in two hours: not open yet
    relative = _link(world.relative_with_consent, world.resident_mala)
    visits.invite_relative(actor=world.physician_spain, room=later, relative_id=relative.pk)
    home = login(world.relative_with_consent, language="en").get(reverse("relatives:home"))
    text = home.content.decode()
    assert reverse("visits:relative_room", args=[later.pk]) not in text
    assert "The Join button appears here when the meeting opens." in text


@pytest.mark.django_db
def test_revoking_consent_after_the_invitation_shuts_the_door(world, meeting, login):
    relative = _link(world.relative_with_consent, world.resident_mala)
    visits.invite_relative(actor=world.physician_spain, room=meeting, relative_id=relative.pk)
    client = login(world.relative_with_consent, language="en")
    room_url = reverse("visits:relative_room", args=[meeting.pk])
    assert client.get(room_url).status_code == 200
    revoke_consent(actor=world.nurse_mala, relative=relative, reason="The resident asked.")
    assert client.get(room_url).status_code == 404
    assert room_url not in client.get(reverse("relatives:home")).content.decode()
    with pytest.raises(JoinRefused):
        visits.identify(room_id=meeting.pk, user=world.relative_with_consent)


# --- Chat --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_chat_reaches_the_admitted_only(world, settings):
    settings.JANUS_URL = ""  # a mesh room: chat does not depend on the SFU
    meeting = family_meeting(world)
    relative = _link(world.relative_with_consent, world.resident_mala)
    visits.invite_relative(actor=world.physician_spain, room=meeting, relative_id=relative.pk)
    host_cookie = session_cookie(world.physician_spain)
    relative_cookie = session_cookie(world.relative_with_consent)

    async def scenario():
        host = await open_socket(meeting.pk, host_cookie)
        await hello(host)
        await host.receive_json_from(timeout=5)  # waiting list
        guest = await open_socket(meeting.pk, relative_cookie)
        welcome = await hello(guest)
        assert welcome["status"] == "waiting"
        await host.receive_json_from(timeout=5)  # waiting list with the relative
        # Waiting: may not chat, and hears nothing.
        await guest.send_json_to({"type": "chat", "text": "Hej"})
        assert (await guest.receive_json_from(timeout=5))["code"] == "not_admitted"
        await host.send_json_to({"type": "chat", "text": "Välkomna"})
        own = await host.receive_json_from(timeout=5)
        assert own["type"] == "chat" and own["self"] is True and own["text"] == "Välkomna"
        assert await guest.receive_nothing(timeout=0.5)
        await host.send_json_to({"type": "admit", "participant": welcome["self"]["id"]})
        await host.receive_json_from(timeout=5)  # joined
        assert (await guest.receive_json_from(timeout=5))["type"] == "admitted"
        await host.receive_json_from(timeout=5)  # waiting list, empty
        await guest.send_json_to({"type": "chat", "text": "  Tack!  "})
        heard = await host.receive_json_from(timeout=5)
        assert heard["type"] == "chat"
        assert heard["text"] == "Tack!"
        assert heard["name"] == "Gustav Lind" and heard["self"] is False
        assert (await guest.receive_json_from(timeout=5))["self"] is True
        await guest.send_json_to({"type": "chat", "text": "x" * 1001})
        assert (await guest.receive_json_from(timeout=5))["code"] == "bad_chat"
        await guest.send_json_to({"type": "chat", "text": "   "})
        assert (await guest.receive_json_from(timeout=5))["code"] == "bad_chat"
        await guest.disconnect()
        await host.disconnect()

    run_async(scenario)


# --- Janus -------------------------------------------------------------------------------------


def test_signed_session_token_format(settings):
    settings.JANUS_TOKEN_SECRET = "secret"
    token = janus.session_token(ttl=60, now=1_000_000)
    data, signature = token.split(":")
    assert data == "1000060,janus,janus.plugin.videoroom"
    import base64
    import hashlib
    import hmac

    expected = hmac.new(b"secret", data.encode(), hashlib.sha1).digest()
    assert base64.b64decode(signature) == expected
    # Derived room secrets differ per room and per participant.
    assert janus.room_pin(1) != janus.room_pin(2)
    assert janus.join_token(1, 1) != janus.join_token(1, 2)


def _janus_join(server, room_id: int, feed: int, token: str, pin: str) -> dict:
    """Join as a publisher over Janus's HTTP API (the event comes by long poll)."""

    def post(path, payload):
        payload = {"transaction": "t", "token": janus.session_token(ttl=60), **payload}
        request = urllib.request.Request(  # noqa: S310 (the test's own Janus)
            server["JANUS_URL"] + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        return json.loads(urllib.request.urlopen(request, timeout=5).read())  # noqa: S310

    session = post("", {"janus": "create"})["data"]["id"]
    handle = post(f"/{session}", {"janus": "attach", "plugin": janus.PLUGIN})["data"]["id"]
    body = {
        "request": "join",
        "ptype": "publisher",
        "room": janus.janus_room_id(room_id),
        "id": feed,
        "pin": pin,
        "token": token,
    }
    post(f"/{session}/{handle}", {"janus": "message", "body": body})
    token = urllib.parse.quote(janus.session_token(ttl=60))
    url = f"{server['JANUS_URL']}/{session}?maxev=1&token={token}"
    event = json.loads(urllib.request.urlopen(url, timeout=10).read())  # noqa: S310
    post(f"/{session}", {"janus": "destroy"})
    return event["plugindata"]["data"]


def test_janus_lets_in_only_admitted_participants(janus_settings):
    room_id = 424242
    janus.ensure_room(room_id, publishers=8, allowed=[janus.join_token(room_id, 1)])
    pin = janus.room_pin(room_id)
    try:
        assert (
            _janus_join(janus_settings, room_id, 1, janus.join_token(room_id, 1), pin)["videoroom"]
            == "joined"
        )
        # Not admitted (token not in the ACL), a wrong PIN, or a forged token: refused.
        refused = _janus_join(janus_settings, room_id, 2, janus.join_token(room_id, 2), pin)
        assert refused.get("error_code")
        refused = _janus_join(janus_settings, room_id, 3, janus.join_token(room_id, 1), "0000")
        assert refused.get("error_code")
        # Admitted later: in; removed: out again.
        janus.allow(room_id, [2])
        joined = _janus_join(janus_settings, room_id, 2, janus.join_token(room_id, 2), pin)
        assert joined["videoroom"] == "joined"
        janus.disallow(room_id, 2)
        refused = _janus_join(janus_settings, room_id, 4, janus.join_token(room_id, 2), pin)
        assert refused.get("error_code")
        # Room creation needs the admin key: a wrong one is refused.
        janus_settings_key = janus_settings["JANUS_ADMIN_KEY"]
        from django.conf import settings

        settings.JANUS_ADMIN_KEY = "wrong"
        with pytest.raises(janus.JanusError):
            janus.ensure_room(room_id + 1, publishers=8, allowed=[])
        settings.JANUS_ADMIN_KEY = janus_settings_key
        # Without a valid signed token Janus refuses to open a session at all.
        settings.JANUS_TOKEN_SECRET = "forged"
        with pytest.raises(janus.JanusError):
            janus.participants(room_id)
        settings.JANUS_TOKEN_SECRET = janus_settings["JANUS_TOKEN_SECRET"]
    finally:
        janus.destroy(room_id)


@pytest.mark.django_db(transaction=True)
def test_sfu_details_only_for_the_admitted_and_removal_closes_janus(world, janus_settings):
    """Over our socket: the host gets the Janus details at once, a waiting participant none,
    an admitted one their own; the host's removal takes the join token out of Janus's ACL."""
    meeting = family_meeting(world)
    assert meeting.max_participants == 8
    host_cookie = session_cookie(world.physician_spain)
    nurse_cookie = session_cookie(world.nurse_mala)
    seen = {}

    async def scenario():
        host = await open_socket(meeting.pk, host_cookie)
        welcome = await hello(host)
        assert welcome["status"] == "admitted"
        sfu = welcome["sfu"]
        assert sfu["url"] == janus_settings["JANUS_PUBLIC_URL"]
        assert sfu["room"] == janus.janus_room_id(meeting.pk)
        assert sfu["feed"] == welcome["self"]["id"]
        assert sfu["join"] == janus.join_token(meeting.pk, welcome["self"]["id"])
        await host.receive_json_from(timeout=5)  # waiting list
        nurse = await open_socket(meeting.pk, nurse_cookie)
        waiting = await hello(nurse)
        assert waiting["status"] == "waiting" and waiting["sfu"] is None
        nurse_id = waiting["self"]["id"]
        await host.receive_json_from(timeout=5)
        await host.send_json_to({"type": "admit", "participant": nurse_id})
        await host.receive_json_from(timeout=5)  # joined
        admitted = await nurse.receive_json_from(timeout=5)
        assert admitted["type"] == "admitted"
        assert admitted["sfu"]["join"] == janus.join_token(meeting.pk, nurse_id)
        assert admitted["sfu"]["pin"] == sfu["pin"]
        # Signalling is not relayed in an SFU room.
        await nurse.send_json_to({"type": "signal", "to": welcome["self"]["id"], "data": {}})
        assert (await nurse.receive_json_from(timeout=5))["code"] == "unknown_participant"
        seen["nurse"] = nurse_id
        seen["pin"] = sfu["pin"]
        # Admitted: Janus lets the nurse's join token in (a second feed id, the first is free).
        joined = await asyncio.to_thread(
            _janus_join,
            janus_settings,
            meeting.pk,
            900_000 + nurse_id,
            admitted["sfu"]["join"],
            sfu["pin"],
        )
        assert joined["videoroom"] == "joined", joined
        await host.send_json_to({"type": "remove", "participant": nurse_id})
        frames = []
        while True:
            output = await nurse.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                break
            frames.append(output)
        await host.disconnect()

    run_async(scenario)
    pid = seen["nurse"]
    token = janus.join_token(meeting.pk, pid)
    refused = _janus_join(janus_settings, meeting.pk, pid, token, seen["pin"])
    assert refused.get("error_code"), refused
    janus.destroy(meeting.pk)
