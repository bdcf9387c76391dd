"""Issue 12 §3: the worklist's first load on a slow mobile link.

Chromium's network emulation (DevTools protocol, `Network.emulateNetworkConditions`): about
1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, the browser cache disabled, so every file
comes over the slow link as on a tablet's first visit. The page must have rendered and loaded
within 2 s, and everything it transferred (HTML, styles, scripts, with headers, as the wire
counts it: `Network.loadingFinished`'s encodedDataLength) must be at most 300 KB.

The test server serves static files uncompressed (production serves them compressed by WhiteNoise,
docs/performance.md), so this is the stricter measure.
"""

import decimal

import pytest
from django.urls import reverse

from digifys.consults.services import send_consult
from digifys.testing.world import make_resident
from digifys.vitals.services import record_observation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOWN_BYTES_PER_SECOND = 1_600_000 / 8
UP_BYTES_PER_SECOND = 750_000 / 8
ROUND_TRIP_MS = 150
MAX_RENDER_MS = 2000
MAX_BYTES = 300_000


def _a_full_unit(world) -> None:
    """The demo's unit size: 15 residents, vital signs for each, two open consults."""
    residents = [world.resident_mala, world.resident_mala_2]
    residents += [make_resident(world.unit_mala, room=str(3 + i)) for i in range(13)]
    for index, resident in enumerate(residents):
        record_observation(
            actor=world.nurse_mala,
            resident=resident,
            respiratory_rate=16 + index % 8,
            spo2=96,
            spo2_scale=1,
            on_oxygen=False,
            systolic_bp=130,
            diastolic_bp=80,
            pulse=70 + index,
            consciousness="A",
            temperature=decimal.Decimal("37.2"),
        )
    for resident in residents[:2]:
        send_consult(
            actor=world.nurse_mala,
            resident=resident,
            urgency="same_day",
            situation="Trött.",
            background="Demens.",
            assessment="NEWS2 3.",
            recommendation="Bedömning.",
        )


def test_the_worklist_loads_within_2_s_and_300_kb_on_a_slow_link(world, browser_login, live_server):
    _a_full_unit(world)
    # A first visit: no service worker yet. Without this the offline worker that the landing page
    # registered answers the worklist's files from its cache, past the emulated link.
    page = browser_login(world.nurse_mala, service_workers="block")
    url = f"{live_server.url}{reverse('worklist:unit', args=[world.unit_mala.pk])}"
    cdp = page.context.new_cdp_session(page)
    finished: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: finished.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": ROUND_TRIP_MS,
            "downloadThroughput": DOWN_BYTES_PER_SECOND,
            "uploadThroughput": UP_BYTES_PER_SECOND,
        },
    )
    page.goto(url, wait_until="load")
    # First contentful paint may be reported after the load event: wait for it (buffered), at
    # most 2 s, so a late entry is measured rather than read as missing.
    timing = page.evaluate(
        """() => new Promise((resolve) => {
          const nav = performance.getEntriesByType('navigation')[0];
          const done = (paint) => resolve({load: nav.loadEventEnd, paint: paint});
          new PerformanceObserver((list) => {
            const entry = list.getEntriesByName('first-contentful-paint')[0];
            if (entry) done(entry.startTime);
          }).observe({type: 'paint', buffered: true});
          setTimeout(() => done(null), 2000);
        })"""
    )
    page.wait_for_timeout(300)  # let the last loadingFinished events arrive
    assert page.locator("h1").first.is_visible()
    total = sum(finished.values())
    detail = {urls.get(key, key): size for key, size in finished.items()}
    assert timing["paint"] is not None and timing["paint"] <= MAX_RENDER_MS, (timing, detail)
    assert timing["load"] <= MAX_RENDER_MS, (timing, detail)
    assert 0 < total <= MAX_BYTES, (total, detail)
    print(f"worklist first load: {timing}, {total} bytes: {detail}")
