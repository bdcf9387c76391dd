"""Video rooms in real Chromium with fake camera and microphone, over the full ASGI app.

Each participant has an own browser context; media flows peer to peer over loopback. Everything
is read back through the client's test hook `window.digifysCall` (state() and stats() from
getStats), polled with page.evaluate (the CSP forbids eval, so no wait_for_function).
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from .conftest import admit, call_state, call_stats, join, until, wait_media, wait_status

pytestmark = [pytest.mark.browser, pytest.mark.video]


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def test_physician_admits_the_bedside_tablet_and_both_see_and_hear(world, consult_room, call_login):
    doctor = call_login(world.physician_spain, consult_room)
    join(doctor)
    wait_status(doctor, "admitted")

    tablet = call_login(world.nurse_mala, consult_room)
    join(tablet)
    wait_status(tablet, "waiting")
    assert tablet.get_by_text("Waiting for the physician to let you in").is_visible()

    # The host sees who waits, with a keyboard-reachable Admit button.
    admit(doctor, _name(world.nurse_mala))
    wait_status(tablet, "admitted")

    for page in (doctor, tablet):
        stats = wait_media(page, 1)
        (peer,) = stats.values()
        assert peer["framesDecoded"] > 0
        assert peer["audioPacketsReceived"] > 0
        assert peer["totalSamplesReceived"] > 0
    state = call_state(doctor)
    assert list(state["peers"].values()) == ["connected"]
    assert [p["name"] for p in state["participants"]] == [_name(world.nurse_mala)]
    assert doctor.locator("#call-remotes figure", has_text=_name(world.nurse_mala)).is_visible()


def test_three_party_call_with_a_relative_by_guest_link(
    world, consult_room, call_login, guest_context
):
    from digifys.visits import services as visits

    invite = visits.invite_guest(
        actor=world.physician_spain,
        room=consult_room,
        name="Gustav Lind",
        kind="relative",
        email="gustav@example.invalid",
    )
    doctor = call_login(world.physician_spain, consult_room)
    join(doctor)
    wait_status(doctor, "admitted")
    tablet = call_login(world.nurse_mala, consult_room)
    join(tablet)

    _context, guest = guest_context()
    guest.goto(call_login.url + reverse("visits:guest_join", kwargs={"token": invite.token}))
    guest.get_by_label(re.compile("code", re.I)).fill(invite.code)
    with guest.expect_navigation():
        guest.locator("main form button[type=submit]").click()
    join(guest)
    wait_status(guest, "waiting")

    # The host sees both, named and with their kind, before letting anyone in.
    until(lambda: len(call_state(doctor).get("waiting", [])) == 2, what="two waiting")
    waiting = doctor.locator(".call-admit-list").inner_text()
    assert "Gustav Lind" in waiting and _name(world.nurse_mala) in waiting
    assert "relative" in waiting.lower()
    admit(doctor, _name(world.nurse_mala))
    wait_status(tablet, "admitted")
    admit(doctor, "Gustav Lind")
    wait_status(guest, "admitted")

    for page in (doctor, tablet, guest):
        stats = wait_media(page, 2, timeout=25)
        assert len(stats) == 2
        assert all(s["framesDecoded"] > 0 and s["audioPacketsReceived"] > 0 for s in stats.values())
    names = {p["name"] for p in call_state(guest)["participants"]}
    assert names == {_name(world.physician_spain), _name(world.nurse_mala)}


def test_an_ended_room_refuses_new_joins(world, consult_room, call_login):
    doctor = call_login(world.physician_spain, consult_room)
    join(doctor)
    wait_status(doctor, "admitted")
    tablet = call_login(world.nurse_mala, consult_room)
    join(tablet)
    admit(doctor, _name(world.nurse_mala))
    wait_media(tablet, 1)

    # Ending asks for confirmation first; then everyone is told.
    doctor.locator("#call-end").click()
    doctor.locator("#call-end-yes").click()
    wait_status(tablet, "ended")
    assert "ended" in tablet.locator("#call").inner_text().lower()
    wait_status(doctor, "ended")

    consult_room.refresh_from_db()
    assert consult_room.ended_at is not None
    # A new attempt: the page (or, if it still renders, the socket) says the visit is over.
    again = call_login(world.nurse_mala, consult_room)
    text = until(
        lambda: (
            (body := again.locator("main").inner_text().lower())
            and ("ended" in body or "not open" in body)
            and body
        ),
        what="a clear 'ended' message",
    )
    assert "nobody can join" in text
    # The server refuses the room itself: the closed notice says why and there is no call to join
    # (the wait above already saw the word "ended", which the page shows either way).
    assert again.locator("#call-closed").get_attribute("data-state") == "ended"
    assert again.locator("#call").count() == 0
    assert again.locator("#call-join").count() == 0


def test_expired_or_reused_guest_links_are_refused(world, consult_room, call_login, guest_context):
    from digifys.visits import services as visits
    from digifys.visits.models import GuestInvite

    used = visits.invite_guest(
        actor=world.physician_spain,
        room=consult_room,
        name="Gustav Lind",
        kind="relative",
        email="gustav@example.invalid",
    )
    visits.redeem_guest_link(token=used.token, code=used.code)
    expired = visits.invite_guest(
        actor=world.physician_spain,
        room=consult_room,
        name="Tolk Ali",
        kind="interpreter",
        email="tolk@example.invalid",
    )
    GuestInvite.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    _context, guest = guest_context()
    url = call_login.url
    guest.goto(url + reverse("visits:guest_join", kwargs={"token": used.token}))
    assert "already been used" in guest.locator("main").inner_text()
    assert guest.locator("#call").count() == 0
    guest.goto(url + reverse("visits:guest_join", kwargs={"token": expired.token}))
    assert "expired" in guest.locator("main").inner_text()
    assert guest.locator("#call").count() == 0


def test_call_recovers_from_a_dropped_socket_without_reload(world, consult_room, call_login):
    doctor = call_login(world.physician_spain, consult_room)
    join(doctor)
    wait_status(doctor, "admitted")
    tablet = call_login(world.nurse_mala, consult_room)
    join(tablet)
    admit(doctor, _name(world.nurse_mala))
    wait_media(tablet, 1)
    wait_media(doctor, 1)
    tablet.evaluate("window.__notReloaded = 'still here'")

    for _blip in range(2):
        before = {id_: s["framesDecoded"] for id_, s in call_stats(tablet).items()}
        tablet.evaluate("window.digifysCall.dropSocket()")
        until(lambda: call_state(tablet).get("socket") != "open", what="socket closed")
        # Reconnects with backoff, says hello again, is still admitted (no new admission).
        until(
            lambda: (
                (s := call_state(tablet)).get("socket") == "open" and s.get("status") == "admitted"
            ),
            what="socket reopened",
        )
        until(
            lambda: (
                list(call_state(tablet)["peers"].values()) == ["connected"]
                and list(call_state(doctor)["peers"].values()) == ["connected"]
            ),
            what="peers connected again",
        )
        (peer_id,) = before
        until(
            lambda peer_id=peer_id, floor=before[peer_id] + 10: (
                call_stats(tablet).get(peer_id, {}).get("framesDecoded", 0) > floor
            ),
            what="frames still decoded",
        )
    wait_media(doctor, 1, frames=10)
    assert tablet.evaluate("window.__notReloaded") == "still here"
    assert call_state(doctor)["status"] == "admitted"


def test_controls_reach_the_others_and_low_bandwidth_mode(world, consult_room, call_login):
    doctor = call_login(world.physician_spain, consult_room)
    join(doctor)
    wait_status(doctor, "admitted")
    tablet = call_login(world.nurse_mala, consult_room)
    join(tablet)
    admit(doctor, _name(world.nurse_mala))
    wait_media(doctor, 1)
    tile = doctor.locator("#call-remotes figure", has_text=_name(world.nurse_mala))

    tablet.locator("#call-mute").click()
    assert tablet.locator("#call-mute").get_attribute("aria-pressed") == "true"
    until(lambda: "muted" in tile.inner_text(), what="'muted' shown to the physician")

    tablet.locator("#call-camera").click()
    until(lambda: "camera off" in tile.inner_text(), what="'camera off' shown")
    (peer_id,) = call_stats(doctor)
    frozen = call_stats(doctor)[peer_id]["framesDecoded"]
    tablet.wait_for_timeout(1500)
    assert call_stats(doctor)[peer_id]["framesDecoded"] <= frozen + 2  # nothing sent any more
    tablet.locator("#call-camera").click()
    until(
        lambda: call_stats(doctor)[peer_id]["framesDecoded"] > frozen + 10,
        what="video again after the camera is back on",
    )

    tablet.locator("#call-low").click()
    assert call_state(tablet)["mode"] == "low"
    assert tablet.locator("#call-low").get_attribute("aria-pressed") == "true"
    assert call_state(tablet)["peers"] == {peer_id_of(doctor): "connected"}


def peer_id_of(page) -> str:
    return str(call_state(page)["self"]["id"])


def test_without_camera_and_microphone_the_thread_is_one_click_away(
    world, consult_room, call_login
):
    refuse = (
        "navigator.mediaDevices.getUserMedia = () => "
        "Promise.reject(new DOMException('denied', 'NotAllowedError'));"
    )
    tablet = call_login(world.nurse_mala, consult_room, init_script=refuse)
    wait_status(tablet, "failed")
    alert = tablet.locator("#call [role=alert]")
    assert "No camera or microphone" in alert.inner_text()
    link = alert.get_by_role("link", name="Continue in the message thread")
    href = link.get_attribute("href")
    assert href == tablet.locator("#call").get_attribute("data-thread-url") and href
    assert tablet.locator("#call-join").is_disabled()
