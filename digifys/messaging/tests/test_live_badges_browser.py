"""The worklist's unread badges follow a relative's messages live, without fetching the rows.

Real Chromium over the full ASGI server (issue 13, bench/relatives.py): the unit's event carries
the resident's new unread count, and the page sets the row's badge and the unit's total from it.
Every request the page makes is counted: none may be the rows' fetch while the badges change.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from digifys.messaging import services
from digifys.messaging.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_relatives_message_sets_the_worklist_badge_in_place(world, asgi_browser_login):
    page = asgi_browser_login(world.nurse_mala, language="sv")
    rows_url = reverse("worklist:rows", args=[world.unit_mala.pk])
    assert page.url.endswith(reverse("worklist:unit", args=[world.unit_mala.pk]))
    live = page.locator("#worklist")
    expect(live).to_have_attribute("data-live-state", "open")
    row = page.locator(f"#resident-{world.resident_mala.pk}")
    badge = row.locator(".unread-badge")
    total = page.locator("#unread-messages")
    expect(badge).to_have_count(0)
    expect(total).to_have_count(0)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))

    send = {"actor": world.relative_with_consent, "resident_id": world.resident_mala.pk}
    first = services.send_message(**send, text="Hej! Hur mår mamma?")
    expect(badge).to_have_text(
        f"1 oläst meddelande – {world.resident_mala.family_name}, {world.resident_mala.given_name}"
    )
    expect(badge).to_have_attribute(
        "href", reverse("residents:detail", args=[world.resident_mala.pk]) + "#relative-messages"
    )
    expect(total).to_have_text("1 oläst meddelande från närstående")
    services.send_message(**send, text="Vi kommer på lördag.")
    expect(badge).to_contain_text("2 olästa meddelanden")
    expect(total).to_have_text("2 olästa meddelanden från närstående")
    services.mark_read(actor=world.nurse_mala, message=first)
    expect(badge).to_contain_text("1 oläst meddelande")
    expect(total).to_have_text("1 oläst meddelande från närstående")
    assert live.get_attribute("data-live-last") == "relative_message"
    page.wait_for_timeout(700)  # a re-fetch started by any of the three events would show now
    assert [url for url in fetched if rows_url in url] == []

    # The server's own rendering of the rows shows the same badges as the in-place update.
    in_place = badge.inner_text()
    with page.expect_response(lambda response: rows_url in response.url):
        page.evaluate("htmx.trigger(document.getElementById('worklist'), 'live-update', {})")
    expect(total).to_have_text("1 oläst meddelande från närstående")
    assert badge.inner_text().split() == in_place.split()

    # The last unread message read: the badges go, still without a rows fetch.
    fetched.clear()
    services.mark_read(actor=world.nurse_mala, message=Message.objects.unread().get())
    expect(badge).to_have_count(0)
    expect(total).to_have_count(0)
    page.wait_for_timeout(700)
    assert [url for url in fetched if rows_url in url] == []
