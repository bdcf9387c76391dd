"""Issue 12 §4 item 15: the video room on a phone.

At 390 px the self-view label ("You"/"Du") must not lie over any button, and the host's page has
exactly one control that ends the visit for everyone (with a confirmation step).
"""

import re

import pytest

from digifys.testing.screens import screenshot

from .conftest import admit, join, wait_media, wait_status

pytestmark = [pytest.mark.browser, pytest.mark.video]

END_FOR_ALL = re.compile(r"end .*(everyone|everybody)|avsluta .*(alla)", re.I)


OVERLAPS = """() => {
  const label = document.querySelector(".call-self figcaption");
  if (!label) { return null; }
  const a = label.getBoundingClientRect();
  if (a.width === 0 || a.height === 0) { return null; }
  const hits = [];
  for (const node of document.querySelectorAll("button, a[href], input, select, textarea")) {
    const b = node.getBoundingClientRect();
    if (b.width === 0 || b.height === 0) { continue; }
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
      hits.push((node.innerText || node.value || node.tagName).trim());
    }
  }
  return hits;
}"""


def _overlapping_controls(page) -> list[str]:
    hits = page.evaluate(OVERLAPS)
    assert hits is not None, "the self-view label is shown"
    return hits


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@pytest.mark.parametrize("width", [390, 768, 1366])
def test_the_self_label_never_covers_a_button_and_one_control_ends_for_all(
    world, consult_room, call_login, width
):
    doctor = call_login(world.physician_spain, consult_room)
    doctor.set_viewport_size({"width": width, "height": 844})
    join(doctor)
    wait_status(doctor, "admitted")
    tablet = call_login(world.nurse_mala, consult_room)
    tablet.set_viewport_size({"width": width, "height": 844})
    join(tablet)
    admit(doctor, _name(world.nurse_mala))
    wait_status(tablet, "admitted")
    wait_media(doctor, 1)

    for who, page in (("host", doctor), ("nurse", tablet)):
        screenshot(page, "visits", f"video-room-{who}-{width}")
        assert _overlapping_controls(page) == [], f"{who} at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    # Exactly one "end for everyone" control on the host's page, none on the nurse's.
    host_controls = doctor.get_by_role("button", name=END_FOR_ALL)
    assert host_controls.count() == 1
    assert tablet.get_by_role("button", name=END_FOR_ALL).count() == 0
    # It asks first; cancelling changes nothing.
    host_controls.click()
    question = doctor.locator(".call-end-confirm")
    assert question.is_visible()
    assert "Nobody can join again" in question.inner_text()
    doctor.locator("#call-end-no").click()
    assert not question.is_visible()
    consult_room.refresh_from_db()
    assert consult_room.ended_at is None
