"""live.js coalesces a burst of events into few re-fetches, in real Chromium over ASGI.

A busy unit can send many events within a second (bench/relatives.py); each used to make every
open worklist fetch its rows again. Now an element re-fetches at most once per 500 ms: the first
event at once, the rest of a burst folded into one trailing fetch, so the last change is never
missed. The fetches are read from the browser's own resource timing, the re-fetch triggers
from the element's "live-update" events.
"""

import itertools
import math
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from digifys.core import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COALESCE_MS = 500  # live.js


def test_a_burst_of_unit_events_makes_at_most_one_rows_fetch_per_half_second(
    world, asgi_browser_login
):
    page = asgi_browser_login(world.nurse_mala, language="en")
    rows_url = reverse("worklist:rows", args=[world.unit_mala.pk])
    element = page.locator("#worklist")
    expect(element).to_have_attribute("data-live-state", "open")
    page.evaluate(
        """() => {
            performance.clearResourceTimings();
            window.liveUpdates = [];
            // When live.js fired (its own stamp, set as it triggers): the listener itself may
            // run later by a varying amount (htmx's handler of the same event runs first and
            // starts the request), which on a loaded machine made a gap look 14 ms short.
            document.getElementById("worklist").addEventListener("live-update", (event) => {
                window.liveUpdates.push(event.currentTarget._liveFiredAt);
            });
        }"""
    )

    # Events every 100 ms for 2 s: without coalescing each would start a fetch as soon as the
    # previous one ended (htmx queues one); with it, fetches are at least 500 ms apart.
    began = time.monotonic()
    for _ in range(20):
        live.send_now([live.unit_group(world.unit_mala.pk)], "observation")
        page.wait_for_timeout(100)
    live.send_now([live.unit_group(world.unit_mala.pk)], "consult")
    burst_ms = (time.monotonic() - began) * 1000
    # The trailing fetch carries the burst's last event: nothing after the first is lost.
    expect(element).to_have_attribute("data-live-last", "consult")
    page.wait_for_timeout(2 * COALESCE_MS)
    starts = page.evaluate(
        """(url) => performance.getEntriesByType("resource")
            .filter((entry) => entry.name.includes(url))
            .map((entry) => entry.startTime)""",
        rows_url,
    )
    fired = page.evaluate("window.liveUpdates")
    assert len(starts) >= 2  # the first event at once, then at least the trailing one
    assert len(starts) <= len(fired) <= 2 + math.ceil(burst_ms / COALESCE_MS), (fired, burst_ms)
    # The re-fetches are started at least 500 ms apart (a request htmx holds back while the
    # previous one is still running may start later, so the spacing is read where live.js
    # fires, not from the requests' start times).
    gaps = [later - earlier for earlier, later in itertools.pairwise(fired)]
    assert min(gaps) >= COALESCE_MS - 10, gaps  # timer granularity
