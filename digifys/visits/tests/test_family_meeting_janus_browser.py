"""Issue 13 §2: a family meeting of six over the SFU (Janus), in Chromium with fake media.

Six participants — the physician (host), the unit's nurse and four relatives invited by name
who join from the relatives' portal with their own login — each in their own browser context.
Every participant must decode every other participant's video (inbound-rtp framesDecoded > 0
and advancing for each of the five others) and receive their audio. Skipped only where Janus
is not installed (CI installs it).
"""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from digifys.testing.screens import screenshot

from .conftest import STATE, admit, call_stats, join, until, wait_status

pytestmark = [pytest.mark.browser, pytest.mark.video, pytest.mark.slow]


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def family_meeting(world, *, minutes_before: int = 5):
    from digifys.directory.models import StaffProfile
    from digifys.scheduling.models import Booking
    from digifys.visits import services as visits

    now = timezone.now()
    booking = Booking.objects.create(
        kind=Booking.Kind.FAMILY_MEETING,
        clinician=StaffProfile.objects.get(user=world.physician_spain),
        resident=world.resident_mala,
        unit=world.resident_mala.unit,
        starts_at=now - datetime.timedelta(minutes=minutes_before),
        ends_at=now + datetime.timedelta(minutes=60 - minutes_before),
        created_by=world.nurse_mala,
    )
    return visits.open_room_for_booking(actor=world.physician_spain, booking=booking)


def more_relatives(world, count: int):
    from digifys.relatives.models import Scope
    from digifys.residents.models import Relative
    from digifys.testing.world import give_consent, make_relative

    names = [("Sara", "Lind"), ("Olof", "Lind"), ("Emma", "Berg"), ("Nils", "Berg")]
    users = []
    for given, family in names[:count]:
        relative = make_relative(
            world.resident_mala,
            f"{given.lower()}.{family.lower()}",
            given,
            family,
            Relative.Relationship.GRANDCHILD,
        )
        give_consent(relative, world.nurse_mala, [Scope.CARE_TEAM, Scope.MEETINGS])
        users.append(relative.user)
    return users


VIDEO_FROM_EACH = """async () => {
  const stats = await window.digifysCall.stats();
  const out = {};
  for (const [id, s] of Object.entries(stats)) {
    out[id] = [s.framesDecoded, s.audioPacketsReceived];
  }
  return out;
}"""


@pytest.fixture
def open_as(chromium, asgi_live_server):
    """A new browser context logged in as USER (session cookie: six logins through the form
    on a loaded machine take longer than the call itself), with generous timeouts."""
    from django.conf import settings

    from digifys.testing.accounts import session_cookie

    contexts = []

    def _open(user):
        context = chromium.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
        contexts.append(context)
        context.add_cookies(
            [
                session_cookie(user, asgi_live_server),
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": asgi_live_server},
            ]
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        return page

    _open.url = asgi_live_server
    yield _open
    for context in contexts:
        context.close()


def test_six_people_in_a_family_meeting_over_janus_all_decode_each_other(
    world, janus_settings, open_as
):
    from digifys.relatives.models import Relative
    from digifys.visits import janus
    from digifys.visits import services as visits

    room = family_meeting(world)
    assert room.max_participants == 8
    assert visits.uses_sfu(room)
    relatives = [world.relative_with_consent, *more_relatives(world, 3)]
    for user in relatives:
        relative = Relative.objects.get(user=user, resident=world.resident_mala)
        visits.invite_relative(actor=world.physician_spain, room=room, relative_id=relative.pk)

    base = open_as.url
    host = open_as(world.physician_spain)
    host.goto(base + reverse("visits:room", args=[room.pk]))
    join(host)
    wait_status(host, "admitted")
    pages = {"host": host}

    nurse = open_as(world.nurse_mala)
    nurse.goto(base + reverse("visits:room", args=[room.pk]))
    join(nurse)
    admit(host, _name(world.nurse_mala))
    pages["nurse"] = nurse

    for user in relatives:
        page = open_as(user)
        # From the portal: the open meeting has a Join button.
        page.goto(base + reverse("relatives:home"))
        page.get_by_role("link", name="Join").click()
        page.wait_for_url(f"**{reverse('visits:relative_room', args=[room.pk])}")
        join(page)
        wait_status(page, "waiting")
        admit(host, _name(user))
        pages[user.username] = page

    for who, page in pages.items():
        state = wait_status(page, "admitted", timeout=60)
        assert state["backend"] == "sfu", who

    def everyone_decodes_everyone():
        result = {}
        for who, page in pages.items():
            stats = page.evaluate(VIDEO_FROM_EACH)
            decoding = {pid for pid, (frames, audio) in stats.items() if frames > 0 and audio > 0}
            if len(decoding) < 5:
                return None
            result[who] = stats
        return result

    started = time.monotonic()
    first = until(everyone_decodes_everyone, timeout=120, interval=1, what="6 × 5 decoded feeds")
    print(f"all 30 feeds decoding {time.monotonic() - started:.1f} s after the last admission")
    # Every page receives from exactly the five others (participant ids), not from itself.
    ids = {who: str(page.evaluate(STATE)["self"]["id"]) for who, page in pages.items()}
    for who, stats in first.items():
        assert set(stats) == set(ids.values()) - {ids[who]}, who
    # ... and the pictures keep coming (frames advance for every remote on every page).
    until(
        lambda: all(
            all(
                frames > first[who][pid][0]
                for pid, (frames, _audio) in page.evaluate(VIDEO_FROM_EACH).items()
            )
            for who, page in pages.items()
        ),
        timeout=30,
        interval=1,
        what="frames advancing",
    )
    # The media went through Janus: six publishers in the room.
    assert len(janus.participants(room.pk)) == 6
    # The room's chat reaches everybody, relatives included.
    gustav = pages[relatives[0].username]
    gustav.fill("#call-chat-input", "Tack för att vi fick vara med.")
    gustav.locator("#call-chat-send").click()
    for page in pages.values():
        page.locator("#call-chat-log li", has_text="Tack för att vi fick vara med.").wait_for()
    assert "Gustav Lind" in host.locator("#call-chat-log li").last.inner_text()
    for width in (390, 768, 1366):
        host.set_viewport_size({"width": width, "height": 900})
        host.wait_for_timeout(300)
        # Thirty-six video streams on a shared machine: a screenshot may take a while.
        screenshot(host, "visits", f"meeting-host-{width}", timeout=90_000)
        assert host.evaluate("document.documentElement.scrollWidth") <= width
    relative_page = pages[relatives[0].username]
    relative_page.set_viewport_size({"width": 390, "height": 844})
    relative_page.wait_for_timeout(300)
    screenshot(relative_page, "visits", "meeting-relative-390", timeout=90_000)
    assert relative_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert call_stats(host)
