"""On a phone the NEWS2 preview stays in sight while the nurse types (issue 12 §2).

At 390 px the preview is a summary pinned to the bottom of the screen while the form scrolls
under it; the field being typed into is never hidden behind it (WCAG 2.4.11).
"""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _box(page, selector: str) -> dict:
    return page.evaluate(
        """(selector) => {
          const r = document.querySelector(selector).getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                  height: window.innerHeight, width: window.innerWidth};
        }""",
        selector,
    )


def test_the_news2_preview_stays_in_view_while_typing_on_a_phone(world, browser_login, live_server):
    page = browser_login(world.nurse_mala)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/vitals/{world.resident_mala.pk}/new/")
    page.locator("#id_respiratory_rate").fill("22")
    page.locator("#id_spo2").fill("95")
    page.check("#id_on_oxygen_0")
    page.locator("#id_systolic_bp").fill("105")
    page.locator("#id_pulse").fill("95")
    page.check("#id_consciousness_0")
    # Temperature is far down the form: typing there scrolls the page.
    page.focus("#id_temperature")
    page.keyboard.type("38,3")
    expect(page.locator("#news2-preview .news2-total")).to_have_text("6")
    assert page.evaluate("window.scrollY") > 0

    preview = _box(page, ".vitals-preview")
    assert preview["top"] >= 0
    assert preview["bottom"] <= preview["height"] + 0.5
    assert preview["left"] >= 0
    assert preview["right"] <= preview["width"] + 0.5
    # A summary, not half the screen.
    assert preview["bottom"] - preview["top"] <= preview["height"] / 3
    field = _box(page, "#id_temperature")
    assert field["bottom"] <= preview["top"], "the field being typed into is under the preview"

    # Back at the top of the form the summary is still there.
    page.focus("#id_respiratory_rate")
    page.keyboard.type("2")  # 222: out of range, the preview says so
    preview = _box(page, ".vitals-preview")
    assert preview["top"] >= 0 and preview["bottom"] <= preview["height"] + 0.5
