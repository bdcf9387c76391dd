"""Acceptance of issue #17 §1 in real Chromium: vital signs entered with no connection survive a
browser restart and reach the server exactly once, each scored, with the unit's response shown.

A persistent profile (user_data_dir) keeps IndexedDB and the service worker when the browser is
closed and reopened; `context.set_offline` cuts the link. The live server answers on localhost,
a secure context, so the service worker may register.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from digifys.core.browser import CHROMIUM, CHROMIUM_ARGS
from digifys.testing.accounts import TOTP_SECRET, fresh_totp_code, give_totp
from digifys.testing.screens import screenshot
from digifys.testing.world import PASSWORD, make_resident
from digifys.vitals.models import Observation

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}  # the nurse's tablet, portrait
# (respiration rate, SpO2, air/oxygen, systolic, pulse, ACVPU, temperature) → NEWS2 total.
SETS = [
    (("16", "97", "air", "130", "72", "A", "36,8"), 0),
    (("22", "95", "air", "105", "95", "A", "38,3"), 6),
    (("26", "90", "oxygen", "88", "125", "V", "39,4"), 18),
    (("18", "97", "air", "130", "72", "C", "36,8"), 3),
]


def _shot(page, name, *, full_page=True):
    width = page.viewport_size["width"]
    screenshot(page, "offline", f"{name}-{width}", full_page=full_page)


def _open(chromium, profile, live_server):
    context = chromium.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        viewport=TABLET,
        service_workers="allow",
    )
    context.set_default_timeout(30_000)
    page = context.pages[0] if context.pages else context.new_page()
    return context, page


def _log_in(page, live_server, user):
    cache.clear()  # used TOTP codes and login rate limits of earlier logins in this process
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    page.fill("#id_code", fresh_totp_code(TOTP_SECRET))
    with page.expect_navigation():
        page.click("#mfa-submit")
    assert "/accounts/" not in page.url


def _enter(page, values):
    rate, spo2, air, systolic, pulse, acvpu, temperature = values
    page.fill("#id_respiratory_rate", rate)
    page.fill("#id_spo2", spo2)
    page.check(f"#id_on_oxygen input[value={air}]")
    if air == "oxygen":
        page.fill("#id_oxygen_flow", "2")
    page.fill("#id_systolic_bp", systolic)
    page.fill("#id_pulse", pulse)
    page.check(f"#id_consciousness input[value={acvpu}]")
    page.fill("#id_temperature", temperature)


def test_twenty_sets_entered_offline_reach_the_server_once_after_a_browser_restart(
    world, chromium, live_server, tmp_path
):
    residents = [world.resident_mala, world.resident_mala_2]
    residents += [make_resident(world.unit_mala, room=str(10 + i)) for i in range(18)]
    give_totp(world.nurse_mala)
    profile = tmp_path / "tablet"
    context, page = _open(chromium, profile, live_server)
    _log_in(page, live_server, world.nurse_mala)
    page.goto(f"{live_server.url}/worklist/")
    worklist = page.url
    assert re.search(r"/worklist/units/\d+/$", worklist)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker, which keeps the page
    expect(page.locator("#outbox-waiting")).to_have_text("Inget väntar på att skickas.")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    expected = {}
    for number, resident in enumerate(residents):
        values, total = SETS[number % len(SETS)]
        page.goto(worklist)
        page.click(f"#resident-{resident.pk} a.worklist-action")
        expect(page.locator("#offline-resident")).to_contain_text(resident.family_name)
        _enter(page, values)
        expect(page.locator("#news2-preview .news2-total")).to_have_text(str(total))
        if number == 2:
            _shot(page, "offline-form", full_page=False)
        with page.expect_navigation():
            page.click(".vitals-actions button[type=submit]")
        expected[resident.pk] = total
    expect(page.locator("#outbox-waiting")).to_have_text("20 mätningar väntar på att skickas")
    # Chromium's offline emulation can let a page's first request after a navigation through
    # (a sync started as the page loads); such an entry reached the server under its key, and
    # its later sync must find it there. Anything else on the server would be a lost offline rule.
    keys = set(page.evaluate("digifysOutbox.all().then(es => es.map(e => e.key))"))
    assert len(keys) == 20
    leaked = {str(key) for key in Observation.objects.values_list("idempotency_key", flat=True)}
    assert leaked <= keys
    context.close()

    # The tablet is switched on again, still without a link: nothing is lost.
    context, page = _open(chromium, profile, live_server)
    context.set_offline(True)
    page.goto(worklist)
    expect(page.locator("#outbox-waiting-list > li, #outbox-sent-list > li")).to_have_count(20)
    expect(page.locator("#outbox-waiting")).to_contain_text("mätningar väntar på att skickas")
    _shot(page, "worklist-offline-20-waiting")
    kept = page.evaluate(
        "digifysOutbox.all().then(es => es.map(e => ({key: e.key, resident: e.resident,"
        " values: e.values, saved_at: e.savedAt})))"
    )
    assert len({entry["key"] for entry in kept}) == 20

    # The link returns. The browser's session ended with it, so the nurse logs in again; the
    # worklist then sends what waits by itself.
    context.set_offline(False)
    page.goto(worklist)
    if "/accounts/login/" in page.url:
        _log_in(page, live_server, world.nurse_mala)
        page.goto(worklist)
    expect(page.locator("#outbox-sent-count")).to_have_text("20 mätningar skickade", timeout=60_000)
    expect(page.locator("#outbox-waiting")).to_have_text("Inget väntar på att skickas.")

    observations = list(Observation.objects.all())
    assert len(observations) == 20
    assert {o.resident_id: o.news2_total for o in observations} == expected
    assert all(o.idempotency_key is not None for o in observations)
    high = sum(1 for total in expected.values() if total >= 7)
    acting = sum(1 for total in expected.values() if total >= 3)
    expect(page.locator("#outbox-sent-list .outbox-112")).to_have_count(high)
    expect(page.locator("#outbox-sent .news2-badge")).to_have_count(20)
    # Those that need action stay in sight; the routine ones fold under one line.
    expect(page.locator("#outbox-sent-list > li")).to_have_count(acting)
    expect(page.locator("#outbox-sent-list a.vitals-sbar")).to_have_count(acting)
    expect(page.locator("#outbox-sent-more-list > li")).to_have_count(20 - acting)
    if 20 - acting > 3:
        expect(page.locator("#outbox-sent-more-list")).not_to_be_visible()
        page.locator("#outbox-sent-more > summary").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#outbox-sent-more-list")).to_be_visible()

    _shot(page, "worklist-sent-with-escalations")

    # Every entry sent once more (an answer lost on the way, a second tab): nothing new.
    statuses = page.evaluate(
        """entries => Promise.all(entries.map(entry => fetch("/vitals/sync/", {
            method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json",
                      "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)[1]},
            body: JSON.stringify(entry)}).then(r => r.json()).then(a => a.status)))""",
        kept,
    )
    assert statuses == ["already_saved"] * 20
    assert Observation.objects.count() == 20
    context.close()


def test_a_refused_entry_stays_for_follow_up_and_the_flow_works_by_keyboard(
    world, chromium, live_server, tmp_path
):
    """Offline, by keyboard alone: worklist → form → Save; the resident then moves to another
    unit, so the sync refuses the entry, which stays on the tablet with the reason until the
    nurse removes it (after a confirmation)."""
    give_totp(world.nurse_mala)
    context, page = _open(chromium, tmp_path / "tablet", live_server)
    _log_in(page, live_server, world.nurse_mala)
    page.goto(f"{live_server.url}/worklist/")
    worklist = page.url
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.goto(worklist)
    page.focus(f"#resident-{world.resident_mala.pk} th a")
    keyboard = page.keyboard
    while "worklist-action" not in (page.evaluate("document.activeElement.className") or ""):
        keyboard.press("Tab")
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.locator("#offline-resident")).to_contain_text("Lind, Greta")
    page.focus("#id_respiratory_rate")
    keyboard.type("22")
    keyboard.press("Tab")
    keyboard.type("95")
    keyboard.press("Tab")  # SpO2 scale: Scale 1
    keyboard.press("Tab")  # air or oxygen
    keyboard.press("Space")
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_systolic_bp"
    keyboard.type("105")
    keyboard.press("Tab")
    keyboard.press("Tab")
    keyboard.type("95")
    keyboard.press("Tab")
    keyboard.press("Space")  # A
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_temperature"
    keyboard.type("38,3")
    expect(page.locator("#news2-preview .news2-total")).to_have_text("6")
    keyboard.press("Tab")  # the "more" section
    keyboard.press("Tab")  # save
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.locator("#outbox-flash")).to_contain_text("Sparad på surfplattan: Lind, Greta")
    expect(page.locator("#outbox-waiting")).to_have_text("1 mätning väntar på att skickas")

    # Meanwhile the resident moves to Storuman: the nurse may no longer see her.
    resident = world.resident_mala
    resident.unit = world.resident_storuman.unit
    resident.save(update_fields=["unit"])
    context.set_offline(False)
    page.focus("#outbox-send")
    keyboard.press("Enter")
    refused = page.locator("#outbox-refused-list li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("får inte längre se den här boende")
    expect(refused).to_contain_text("38,3")
    expect(page.locator("#outbox-waiting")).to_have_text("Inget väntar på att skickas.")
    assert Observation.objects.count() == 0
    _shot(page, "worklist-refused")

    # It survives a reload; removing it asks first, and a "no" keeps it.
    page.reload()
    expect(refused).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.dismiss())
    refused.locator("button").focus()
    keyboard.press("Enter")
    expect(refused).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    keyboard.press("Enter")
    expect(refused).to_have_count(0)
    context.close()


def test_a_post_lost_on_a_weak_link_is_sent_later_and_a_normal_save_is_not_sent_twice(
    world, browser_login, live_server
):
    """The browser believes it is online but the post never arrives: the copy the page kept is
    sent later under the same key. A post that does arrive is not repeated by that copy."""
    page = browser_login(world.nurse_mala)
    form_url = f"{live_server.url}/vitals/{world.resident_mala.pk}/new/"
    page.goto(form_url)
    for field, value in (("respiratory_rate", "22"), ("spo2", "95"), ("pulse", "95")):
        page.fill(f"#id_{field}", value)
    page.route(f"**/vitals/{world.resident_mala.pk}/new/", lambda route: route.abort())
    # Wait for the form's own post to fail: the submit also cancels a NEWS2 preview request in
    # flight, whose failure must not end the wait (the route would go before the post is sent).
    form_post = f"/vitals/{world.resident_mala.pk}/new/"
    with page.expect_event(
        "requestfailed",
        predicate=lambda request: request.method == "POST" and request.url.endswith(form_post),
    ):
        page.click(".vitals-actions button[type=submit]")
    page.unroute(f"**/vitals/{world.resident_mala.pk}/new/")
    assert Observation.objects.count() == 0

    page.goto(f"{live_server.url}/worklist/")
    expect(page.locator("#outbox-sent-count")).to_have_text("1 mätning skickad")
    observation = Observation.objects.get()
    assert (observation.respiratory_rate, observation.pulse) == (22, 95)

    # A save whose post arrives: the result page, and the copy goes quietly on the next page.
    page.goto(form_url)
    page.fill("#id_pulse", "70")
    with page.expect_navigation():
        page.click(".vitals-actions button[type=submit]")
    assert "/vitals/observations/" in page.url
    page.goto(f"{live_server.url}/worklist/")
    page.wait_for_function(
        "digifysOutbox.all().then(es => es.filter(e => e.status === 'waiting').length === 0)"
    )
    expect(page.locator("#outbox-sent-count")).to_have_text("1 mätning skickad")
    assert Observation.objects.count() == 2
