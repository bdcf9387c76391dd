"""The figures page: what each role sees, suppression on the page and in the CSV, the log."""

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.insights import facts
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW

RANGE = {"start": FIRST.isoformat(), "end": LAST.isoformat()}


@pytest.fixture
def hand(world):
    hand = handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    return hand


def test_coordinator_sees_the_region_and_drills_down(hand, login):
    w = hand.world
    client = login(w.coordinator, language="en")
    before = AuditEvent.objects.count()
    page = client.get(reverse("insights:figures"), {**RANGE, "figure": "contacts"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Region Västerbotten" in html and "Avd 1 Björken" in html  # the drill-down list
    # January and February: 24 + 4 (Storuman) contacts and 23 + 4; the region has 8 residents.
    assert "<td>28</td>" in html and "<td>27</td>" in html
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.object_type == "insights_figures" and event.resident_id is None
    assert event.purpose == "administration"
    unit = client.get(
        reverse("insights:figures"),
        {**RANGE, "level": "unit", "key": w.unit_storuman.pk, "figure": "contacts"},
    )
    # Storuman has two residents: every cell is withheld, on the page and in the CSV.
    assert "fewer than 5 residents" in unit.content.decode()
    assert "<td>6</td>" not in unit.content.decode()
    csv = client.get(
        reverse("insights:figures"),
        {**RANGE, "level": "unit", "key": w.unit_storuman.pk, "export": "series"},
    )
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "fewer than 5 residents" in text and ";6;" not in text
    assert AuditEvent.objects.order_by("-pk").first().action == "export"
    summary = client.get(reverse("insights:figures"), {**RANGE, "export": "summary"})
    assert "Physician contacts;55;" in summary.content.decode("utf-8-sig")


def test_physicians_see_their_own_figures_and_their_units_only(hand, login):
    w = hand.world
    client = login(w.physician_spain, language="en")
    own = client.get(reverse("insights:figures"), RANGE)
    assert own.status_code == 200 and "Carmen Doctor" in own.content.decode()
    assert "Nurse tasks done on time" not in own.content.decode()  # contact figures only
    unit = client.get(
        reverse("insights:figures"), {**RANGE, "level": "unit", "key": w.unit_mala.pk}
    )
    assert unit.status_code == 200
    other = {"level": "unit", "key": w.unit_storuman.pk}
    assert client.get(reverse("insights:figures"), other).status_code == 404
    someone = {"level": "physician", "key": hand.b.pk}
    assert client.get(reverse("insights:figures"), someone).status_code == 404
    region = {"level": "region", "key": w.region.pk}
    assert client.get(reverse("insights:figures"), region).status_code == 404
    nurse = login(w.nurse_mala)
    assert nurse.get(reverse("insights:figures")).status_code == 403


def test_bad_dates_say_so_and_show_the_last_two_years(hand, login):
    import datetime

    from django.utils import timezone

    from digifys.core.time import STOCKHOLM

    client = login(hand.world.coordinator, language="en")
    page = client.get(reverse("insights:figures"), {"start": "2026-13-01"})
    assert page.status_code == 200
    assert "Write the dates as YYYY-MM-DD. The last 24 months are shown." in page.content.decode()
    # 24 months: the current one and the 23 before it (a unit live for a year shows both sides).
    today = timezone.now().astimezone(STOCKHOLM).date()
    months_back = today.year * 12 + today.month - 1 - 23
    first = datetime.date(months_back // 12, months_back % 12 + 1, 1)
    assert (page.context["start"], page.context["end"]) == (first, today)
    assert len(page.context["rows"]) == 24
    page = client.get(reverse("insights:figures"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert "must run forwards" in page.content.decode()
    assert client.get(reverse("insights:figures"), {"level": "galaxy"}).status_code == 404


def _json(html: str, element_id: str):
    import json
    import re

    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert found, element_id
    return json.loads(found.group(1))


def test_the_chart_reading_and_small_multiples_show_the_figures(hand, login):
    from digifys.insights import figures

    w = hand.world
    client = login(w.coordinator, language="en")
    page = client.get(reverse("insights:figures"), {**RANGE, "figure": "named_share"})
    html = page.content.decode()
    series = figures.figure("named_share", "region", w.region.pk, "month", FIRST, LAST)
    chart = _json(html, "figure-chart-data")
    assert chart["labels"] == ["2026-01-01", "2026-02-01"]
    assert chart["split"] is True and chart["goLive"] == [1]  # Malå went live on 1 February
    assert chart["target"] == 80.0 and chart["scale"] == {"min": 0, "max": 100}
    assert chart["after"][1] == round(100 * series.points[1].after.value, 1)
    assert chart["before"][0] == round(100 * series.points[0].before.value, 1)
    assert 'role="img"' in html and 'aria-label="Share of contacts with the named physician' in html
    # The reading names both numbers as the table shows them.
    before = f"{100 * series.before.value:.1f} %"
    after = f"{100 * series.after.value:.1f} %"
    verb = "rose" if series.after.value > series.before.value else "fell"
    assert (
        f"Share of contacts with the named physician for Region Västerbotten {verb} from "
        f"{before} before go-live to {after} after."
    ) in html
    # One small chart per unit, linking to the unit; Storuman's two residents are withheld.
    mala = _json(html, f"figure-multiple-{w.unit_mala.pk}")
    storuman = _json(html, f"figure-multiple-{w.unit_storuman.pk}")
    assert mala["scale"] == storuman["scale"]
    assert storuman["all"] == [None, None] and storuman["split"] is False
    unit_series = figures.figure("named_share", "unit", w.unit_mala.pk, "month", FIRST, LAST)
    assert mala["all"] == [round(100 * p.all.value, 1) for p in unit_series.points]
    assert f"level=unit&amp;key={w.unit_mala.pk}" in html
    assert "no unit here has a go-live date" in html  # Storuman's reading
    # Counts: every small chart runs from 0 to a little above the largest unit's value.
    counts = client.get(reverse("insights:figures"), {**RANGE, "figure": "contacts"})
    scales = {
        str(unit.pk): _json(counts.content.decode(), f"figure-multiple-{unit.pk}")
        for unit in (w.unit_mala, w.unit_storuman)
    }
    largest = max(v for chart in scales.values() for v in chart["all"] if v is not None)
    assert all(c["scale"] == {"min": 0, "max": largest * 1.1} for c in scales.values())
    assert largest == 24  # Malå's January (Storuman's counts are withheld)
    units = client.get(reverse("insights:figures"), {**RANGE, "export": "units"})
    text = units.content.decode("utf-8-sig").splitlines()
    assert "Avd 1 Björken" in text[0] and len(text) == 1 + 2 + 3
    assert "fewer than 5 residents" in text[1].split(";")  # Storuman's column


def _answers(unit, month, scores):
    from digifys.trust.models import Answer, Item

    for score in scores:
        Answer.objects.create(
            unit=unit,
            municipality=unit.municipality,
            month=month,
            relationship="child",
            **dict.fromkeys(Item.values, score),
        )


def test_coordinators_see_the_trust_survey_and_physicians_do_not(hand, login):
    import datetime

    w = hand.world
    # Malå (live from 1 February): January before, February after; Storuman only two answers.
    _answers(w.unit_mala, datetime.date(2026, 1, 1), [2, 3, 3, 4, 2, 3])
    _answers(w.unit_mala, datetime.date(2026, 2, 1), [4, 5, 5, 4, 3])
    _answers(w.unit_storuman, datetime.date(2026, 1, 1), [5, 5])
    client = login(w.coordinator, language="en")
    html = client.get(reverse("insights:figures"), RANGE).content.decode()
    assert 'id="h-trust"' in html
    chart = _json(html, "trust-chart-data")
    assert chart["labels"] == ["2026-01-01", "2026-02-01"]
    # January: Malå's six and Storuman's two answers, (17 + 10) / 8 ≈ 3.4; February 21/5.
    assert chart["series"][0]["values"] == [3.4, 4.2]
    # I know who the doctor is: 17/6 ≈ 2.8 before (1 of 6 agree), 21/5 = 4.2 after (4 of 5),
    # all 13 answers (Storuman too): 48/13 ≈ 3.7, 7 of 13 agree.
    assert (
        "The mean score for “I know who the doctor is” for Region Västerbotten rose from 2.8 "
        "before go-live to 4.2 after."
    ) in html
    csv = client.get(reverse("insights:figures"), {**RANGE, "export": "trust"})
    line = csv.content.decode("utf-8-sig").splitlines()[1]
    assert line == "I know who the doctor is.;13;3.7;2.8;4.2;53.8 %;16.7 %;80.0 %"
    storuman = client.get(
        reverse("insights:figures"),
        {**RANGE, "level": "unit", "key": w.unit_storuman.pk, "export": "trust_months"},
    )
    rows = storuman.content.decode("utf-8-sig").splitlines()
    assert rows[1].startswith("2026-01-01;2;fewer than 5 answers") and "5.0" not in rows[1]
    physician = login(w.physician_spain, language="en")
    unit = physician.get(
        reverse("insights:figures"), {**RANGE, "level": "unit", "key": w.unit_mala.pk}
    )
    assert unit.status_code == 200 and 'id="h-trust"' not in unit.content.decode()
    assert 'id="h-units"' not in unit.content.decode()
    refused = {**RANGE, "level": "unit", "key": w.unit_mala.pk, "export": "trust"}
    assert physician.get(reverse("insights:figures"), refused).status_code == 404


def test_the_nation_level_is_every_region_for_coordinators_only(hand, login):
    w = hand.world
    client = login(w.coordinator, language="en")
    nation = {**RANGE, "level": "nation", "figure": "contacts", "export": "series"}
    text = client.get(reverse("insights:figures"), nation).content.decode("utf-8-sig")
    # The hand-made world has one region: the nation's contacts are the region's (28 and 27).
    assert ";28;" in text and ";27;" in text
    page = client.get(reverse("insights:figures"), {**RANGE, "level": "nation"})
    assert page.status_code == 200 and "All regions" in page.content.decode()
    assert 'href="?level=unit' not in page.content.decode()  # no drill-down list of every unit
    physician = login(w.physician_spain)
    assert physician.get(reverse("insights:figures"), {"level": "nation"}).status_code == 404


def test_the_units_section_pages_and_finds_units_and_its_csv_has_every_unit(
    hand, login, monkeypatch
):
    from digifys.insights import figure_views

    monkeypatch.setattr(figure_views, "UNITS_PER_PAGE", 1)
    w = hand.world
    client = login(w.coordinator, language="en")
    mala, storuman = str(w.unit_mala), str(w.unit_storuman)
    first_name, second_name = sorted([mala, storuman])
    first, second = (w.unit_mala, w.unit_storuman)[:: 1 if first_name == mala else -1]
    url = reverse("insights:figures")
    page = client.get(url, {**RANGE, "figure": "contacts"}).content.decode()
    assert f'id="figure-multiple-{first.pk}"' in page
    assert f'id="figure-multiple-{second.pk}"' not in page
    assert "Units 1–1 of 2, by name." in page and "Page 1 of 2" in page
    assert 'aria-label="Pages of units"' in page and "units_page=2#h-units" in page
    assert 'id="id_unit_q"' in page
    two = client.get(url, {**RANGE, "figure": "contacts", "units_page": "2"}).content.decode()
    assert f'id="figure-multiple-{second.pk}"' in two
    assert f'id="figure-multiple-{first.pk}"' not in two
    assert "Units 2–2 of 2, by name." in two and "units_page=1#h-units" in two
    # A page out of range shows the last; the CSV has every unit whatever page is shown.
    last = client.get(url, {**RANGE, "figure": "contacts", "units_page": "9"}).content.decode()
    assert f'id="figure-multiple-{second.pk}"' in last
    csv = client.get(url, {**RANGE, "units_page": "2", "unit_q": "x", "export": "units"})
    header = csv.content.decode("utf-8-sig").splitlines()[0]
    assert header.split(";")[2:] == [first_name, second_name]
    # Finding by name (any case) keeps the figure and the period; the links keep the search.
    query = w.unit_storuman.name.upper()
    found = client.get(url, {**RANGE, "figure": "contacts", "unit_q": query})
    html = found.content.decode()
    assert f'id="figure-multiple-{w.unit_storuman.pk}"' in html
    assert f'id="figure-multiple-{w.unit_mala.pk}"' not in html
    assert f'value="{query}"' in html and '<option value="contacts" selected>' in html
    assert "Show every unit" in html and "units_page" not in html  # one unit: one page
    none = client.get(url, {**RANGE, "unit_q": "Zzz"}).content.decode()
    assert "No unit's name contains “Zzz”." in none
    assert 'id="figure-multiple-' not in none and 'id="h-units"' in none
