"""Chromium: the figures dashboard's charts, readings, drill-down and CSV, for two roles.

A coordinator opens the region's dashboard: the trend chart, the small multiples per unit and the
trust chart are drawn (a Chart.js instance on each canvas, with coloured pixels), the reading is
there, axe-core finds nothing serious; they drill down to a unit through its small chart's link
and download the CSV. A physician opens their own figures and their unit's. Screenshots at 390,
768 and 1366 px go to test-results/screens/insights/. (The monthly PDF report:
test_report_browser.py.)
"""

import datetime
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.urls import reverse

from digifys.insights import facts
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW
from digifys.testing.screens import screenshot
from digifys.trust.models import Answer, Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1366)
# Whether a canvas has a Chart.js chart and anything drawn on it (some pixel not transparent).
DRAWN = """(canvas) => {
  if (!window.Chart || !window.Chart.getChart(canvas)) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
  return false;
}"""


def _answers(world):
    for month, unit, scores in (
        (FIRST, world.unit_mala, [2, 3, 3, 4, 2, 3]),
        (handmade.GO_LIVE, world.unit_mala, [4, 5, 5, 4, 3]),
    ):
        for score in scores:
            Answer.objects.create(
                unit=unit,
                municipality=unit.municipality,
                month=month,
                relationship="child",
                **dict.fromkeys(Item.values, score),
            )


def _axe(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


def test_coordinator_reads_the_charts_drills_down_and_downloads(world, browser_login, live_server):
    handmade.build(world)
    _answers(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    page = browser_login(world.coordinator, language="en")
    query = f"?start={FIRST.isoformat()}&end={LAST.isoformat()}&figure=named_share"
    page.goto(live_server.url + reverse("insights:figures") + query)
    page.wait_for_load_state("load")
    assert "Region Västerbotten" in page.inner_text("h1")
    canvases = page.locator("canvas[role=img]")
    assert canvases.count() == 4  # the trend, two units' small charts, trust
    for number in range(canvases.count()):
        canvas = canvases.nth(number)
        assert canvas.get_attribute("aria-label")
        assert canvas.evaluate(DRAWN), canvas.get_attribute("id")
    reading = page.inner_text("[data-reading=series]")
    assert "Share of contacts with the named physician for Region Västerbotten" in reading
    assert "before go-live to" in reading and "pilot target of 80.0 %" in reading
    assert "I know who the doctor is" in page.inner_text("section[aria-labelledby=h-trust]")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)  # Chart.js redraws on resize
        assert _fits(page), width
        screenshot(page, "insights", f"figures-region-{width}")
    page.set_viewport_size({"width": 390, "height": 900})
    assert _axe(page) == []
    with page.expect_navigation():
        page.get_by_role("link", name="Malåhemmet – Avd 1 Björken").click()
    assert "Avd 1 Björken" in page.inner_text("h1")
    assert page.locator("#figure-chart").evaluate(DRAWN)
    assert page.locator("section[aria-labelledby=h-units]").count() == 0
    rows = page.locator("section[aria-labelledby=h-series] tbody tr")
    assert rows.count() == 2  # January and February
    page.set_viewport_size({"width": 1366, "height": 900})
    assert _axe(page) == []
    screenshot(page, "insights", "figures-unit-1366")
    with page.expect_download() as download:
        page.click("section[aria-labelledby=h-series] a[download]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("From;To;Share of contacts with the named physician")
    assert len(lines) == 3 and lines[1].startswith("2026-01-01;2026-01-31;")
    assert lines[1].split(";")[2].endswith(" %")


def test_physician_sees_their_charts_at_every_width(world, browser_login, live_server):
    handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    page = browser_login(world.physician_spain, language="sv")
    dates = f"start={FIRST.isoformat()}&end={LAST.isoformat()}"
    for name, query in (
        ("own", f"?{dates}&figure=upc"),
        ("unit", f"?{dates}&level=unit&key={world.unit_mala.pk}&figure=locum_share"),
    ):
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(live_server.url + reverse("insights:figures") + query)
        page.wait_for_load_state("load")
        assert page.locator("#figure-chart").evaluate(DRAWN)
        assert page.locator("section[aria-labelledby=h-trust]").count() == 0
        reading = page.inner_text("[data-reading=series]")
        assert "start med digifys" in reading  # Swedish, rendered for this reader
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(100)
            assert _fits(page), (name, width)
            screenshot(page, "insights", f"figures-physician-{name}-{width}")
        assert _axe(page) == []


# The go-live labels a chart draws: every fillText of the label's text, as its box in canvas
# pixels (from the text's measured bounds, whatever the baseline), after a redraw.
GO_LIVE_LABELS = """(canvas, text) => {
  const chart = window.Chart.getChart(canvas);
  const ctx = chart.ctx, boxes = [], original = ctx.fillText;
  ctx.fillText = function (what, x, y, ...rest) {
    if (what === text) {
      const m = ctx.measureText(what);
      boxes.push({left: x - m.actualBoundingBoxLeft, right: x + m.actualBoundingBoxRight,
                  top: y - m.actualBoundingBoxAscent, bottom: y + m.actualBoundingBoxDescent});
    }
    return original.call(this, what, x, y, ...rest);
  };
  try { chart.draw(); } finally { ctx.fillText = original; }
  const area = chart.chartArea;
  return {boxes, recorded: (chart.$goLiveLabels || []).length,
          marks: chart.options.plugins.goLiveLines.marks.length,
          area: {left: area.left, right: area.right, top: area.top, bottom: area.bottom}};
}"""


def _intersect(a, b) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


def test_go_live_labels_never_overlap_or_leave_the_chart_on_a_phone(
    world, browser_login, live_server
):
    """Four units went live in four consecutive weeks: at 390 px the labels "Start med digifys"
    would overlap; only those that fit are drawn, all inside the chart, and the table below the
    chart still lists every go-live date."""
    from digifys.directory.models import Organisation
    from digifys.insights.models import GoLive
    from digifys.testing.world import make_org

    handmade.build(world)
    home = world.unit_mala.parent
    for name, day in (("Avd 3 Granen", 12), ("Avd 4 Aspen", 19)):
        unit = make_org(
            Organisation.Kind.UNIT, name, home, municipality=world.unit_mala.municipality
        )
        GoLive.objects.create(unit=unit, went_live_on=datetime.date(2026, 1, day))
    GoLive.objects.create(unit=world.unit_storuman, went_live_on=datetime.date(2026, 1, 5))
    facts.refresh_facts(FIRST, LAST, now=NOW)
    page = browser_login(world.coordinator)  # Swedish: the long label
    query = f"?start={FIRST.isoformat()}&end={LAST.isoformat()}&period=week&figure=named_share"
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(live_server.url + reverse("insights:figures") + query)
    page.wait_for_load_state("load")
    canvas = page.locator("#figure-chart")
    assert canvas.evaluate(DRAWN)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)  # Chart.js redraws on resize
        got = canvas.evaluate(GO_LIVE_LABELS, "Start med digifys")
        boxes, area = got["boxes"], got["area"]
        assert got["marks"] == 4, got
        assert 1 <= len(boxes) <= 4, got
        for n, box in enumerate(boxes):
            assert area["left"] <= box["left"] and box["right"] <= area["right"], (width, got)
            assert area["top"] <= box["top"] and box["bottom"] <= area["bottom"], (width, got)
            assert not any(_intersect(box, other) for other in boxes[:n]), (width, got)
        assert got["recorded"] == len(boxes), got  # the plugin's own record of them
        if width == 390:
            assert len(boxes) < 4, got  # the phone chart cannot hold four labels a week apart
        screenshot(page, "insights", f"figures-go-live-labels-{width}")
    dates = page.inner_text("body")
    for day in ("2026-01-05", "2026-01-12", "2026-01-19", "2026-02-01"):
        assert day in dates


def test_coordinator_pages_and_finds_units_with_the_keyboard(
    world, browser_login, live_server, monkeypatch
):
    from digifys.insights import figure_views

    monkeypatch.setattr(figure_views, "UNITS_PER_PAGE", 1)  # the hand-made region has two
    handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    page = browser_login(world.coordinator, language="en")
    query = f"?start={FIRST.isoformat()}&end={LAST.isoformat()}&figure=contacts"
    page.goto(live_server.url + reverse("insights:figures") + query)
    units = page.locator("section[aria-labelledby=h-units]")
    assert units.locator("ul.figure-multiples > li").count() == 1
    assert "Units 1–1 of 2, by name." in units.inner_text()
    first = units.locator("ul.figure-multiples h3").inner_text()
    # The next page of units, by keyboard: focus the link and press Enter.
    pages = page.get_by_role("navigation", name="Pages of units")
    pages.get_by_role("link", name="Next").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("#h-units") and "units_page=2" in page.url
    second = units.locator("ul.figure-multiples h3").inner_text()
    assert second != first and "Units 2–2 of 2, by name." in units.inner_text()
    assert units.locator("canvas[role=img]").evaluate(DRAWN)
    # Find the first unit by a part of its name, typed and sent with Enter.
    page.get_by_label("Find a unit by name").fill(first.split("–")[-1].strip().lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert units.locator("ul.figure-multiples h3").inner_text() == first
    assert page.locator("#id_figure").input_value() == "contacts"  # the choice is kept
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        assert _fits(page), width
        assert _axe(page) == [], width
        screenshot(page, "insights", f"figures-units-found-{width}")
    page.goto(live_server.url + reverse("insights:figures") + query + "&unit_q=zzz#h-units")
    assert "No unit's name contains “zzz”." in units.inner_text()
    assert units.get_by_role("link", name="Download the table of every unit (CSV)").count() == 1
    assert _axe(page) == []
    page.set_viewport_size({"width": 390, "height": 900})
    screenshot(page, "insights", "figures-units-none-390")
    page.get_by_role("link", name="Show every unit").click()
    page.wait_for_load_state("load")
    assert units.locator("ul.figure-multiples > li").count() == 1
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "insights", "figures-units-paged-1366")
