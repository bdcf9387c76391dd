"""The relatives' portal with the keyboard alone on a 390-px phone (issue #13, WCAG 2.1.1, 2.4.7).

Home → updates → home → message form → send → home → who has looked, using only Tab, Enter and
typing (the first page is opened by address, every later one through a link). Every element the
focus stops on must show a visible focus indicator and be in view (the Walker of the
digi-physical loop test); all findings are reported at once.
"""

import pytest
from django.urls import reverse

from digifys.core.tests.test_keyboard_loop_browser import Walker
from digifys.messaging import services
from digifys.messaging.models import Message
from digifys.testing.accounts import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_portal_works_with_the_keyboard_alone_on_a_phone(world, chromium, live_server):
    from playwright.sync_api import expect

    resident = world.resident_mala
    services.write_update(
        actor=world.nurse_mala,
        resident=resident,
        text="Greta har varit ute på promenad i dag.",
        publish=True,
    )
    context = chromium.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 390, "height": 844}
    )
    context.add_cookies(
        [
            session_cookie(world.relative_with_consent, live_server.url),
            {"name": "django_language", "value": "sv", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    walker = Walker(page)
    home = reverse("relatives:home")
    try:
        page.goto(live_server.url + home)
        walker.follow(f'a[href="{reverse("messaging:relative_updates", args=[resident.pk])}"]')
        expect(page.get_by_text("ute på promenad")).to_be_visible()

        walker.follow(f'a[href="{home}"]')  # back home through a link, not the address bar
        walker.follow(f'a[href="{reverse("messaging:relative_messages", args=[resident.pk])}"]')
        walker.type_into("#id_text", "Hur mår mamma i dag?")
        walker.follow(".msg-form button[type=submit]")
        expect(page.get_by_text("Skickat, inte läst ännu")).to_be_visible()
        assert Message.objects.filter(resident=resident, text="Hur mår mamma i dag?").exists()

        walker.follow(f'a[href="{home}"]')
        walker.follow(f'a[href="{reverse("relatives:access_log", args=[resident.pk])}"]')
        expect(page.get_by_role("heading", name="Vem har tittat", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert walker.findings == []
    finally:
        context.close()
