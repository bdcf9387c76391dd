"""The trust survey in Chromium: the results page with data (chart and table), and answering on a
390-px phone; axe-core finds no serious or critical violation and nothing scrolls sideways."""

import datetime

import pytest
from django.urls import reverse

from digifys.core.tests.test_every_page_browser import _axe_findings, _context_for
from digifys.testing.screens import screenshot
from digifys.trust import selectors
from digifys.trust.models import Answer, Invitation, Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDEST = """[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right
  > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className)"""


def _answers(unit, month, count, score):
    Answer.objects.bulk_create(
        Answer(
            unit=unit,
            municipality_id=unit.municipality_id,
            month=month,
            relationship="child",
            comment="Bra bemötande." if n == 0 else "",
            **{item: max(1, min(5, score + n % 2)) for item in Item.values},
        )
        for n in range(count)
    )


def test_the_results_page_shows_the_chart_and_the_table(world, chromium, live_server):
    months = selectors.months()
    for step, month in enumerate(months[-6:]):
        _answers(world.unit_mala, month, 3 if step == 2 else 6, 2 + step // 2)
    context = _context_for(chromium, live_server, world.coordinator)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{reverse('trust:results')}?where=u{world.unit_mala.pk}")
        page.wait_for_function("window.Chart && Chart.getChart('trust-chart')")
        points = page.evaluate(
            "Chart.getChart('trust-chart').data.datasets.map(d => d.data.slice(-6))"
        )
        assert len(points) == 5 and points[0][2] is None  # the small month is a gap
        assert page.locator("td.trust-suppressed").count() >= 1
        for width in (390, 768, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, "trust", f"results-{width}")
            assert page.evaluate(FITS), (width, page.evaluate(WIDEST))
            if width in (390, 1366):
                assert _axe_findings(page) == [], width
    finally:
        context.close()


def test_answering_on_a_phone(world, chromium, live_server):
    relative = world.resident_mala.relatives.get(user=world.relative_with_consent)
    today = datetime.date.today()
    invitation = Invitation.objects.create(
        recipient=relative.user,
        relative=relative,
        unit=world.unit_mala,
        relationship=relative.relationship,
        round_start=today,
        closes_on=today + datetime.timedelta(days=30),
    )
    context = _context_for(chromium, live_server, world.relative_with_consent)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{reverse('relatives:home')}")
        page.get_by_role("link", name="Svara på enkäten").click()
        assert page.evaluate(FITS)
        assert _axe_findings(page) == []
        screenshot(page, "trust", "answer-390")
        # Keyboard only: each statement's radio group, then the comment, then send.
        for item in Item.values:
            page.locator(f"input[name={item}][value='4']").focus()
            page.keyboard.press("Space")
        page.get_by_label("Något mer du vill berätta? (frivilligt)").fill("Tack för allt.")
        page.get_by_role("button", name="Skicka mitt svar").click()
        page.wait_for_url(f"{live_server.url}{reverse('relatives:home')}")
        assert "Tack! Ditt svar sparades utan ditt namn." in page.content()
    finally:
        context.close()
    invitation.refresh_from_db()
    assert invitation.answered
    assert Answer.objects.get().comment == "Tack för allt."
